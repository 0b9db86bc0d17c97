"""Médiation sortante's register of processing (register.py) against its tables: every column classified once,
personal or not, and each retention it states enforced by a setting the service has."""
import re
from pathlib import Path

import yaml

from services.mediation_sortante import register, rules
from services.mediation_sortante.models import Base
from shared.register import ON_BEHALF, both, stale, undeclared

TABLES = Base.metadata.sorted_tables
CONFIG = yaml.safe_load((Path(__file__).parents[1] / "config.yaml").read_text())


def test_every_column_of_every_table_is_classified_once():
    assert undeclared(TABLES, register.PERSONAL, register.NOT_PERSONAL) == []
    assert stale(TABLES, register.PERSONAL, register.NOT_PERSONAL) == []
    assert both(register.PERSONAL, register.NOT_PERSONAL) == []


def test_the_partners_customers_identities_and_references_are_held_on_the_partners_behalf():
    for column in ("contacts.name", "contacts.phone", "contacts.address", "contacts.partner_ref",
                   "campaigns.statement"):
        entry = register.PERSONAL[column]
        assert entry.basis == ON_BEHALF and "partner" in entry.owner, column


def test_each_retention_names_settings_the_service_reads_and_its_configuration_has():
    named = {setting for entry in register.PERSONAL.values() for setting in re.findall(r"\b[A-Z_]{6,}\b",
                                                                                        entry.retention)}
    assert named == set(rules.SETTINGS)
    assert named <= set(CONFIG)
    assert "STATEMENT_REFERENCE_RETENTION_DAYS" in register.PERSONAL["campaigns.statement"].retention
    assert "OPEN_CAMPAIGN_LIMIT_DAYS" in register.PERSONAL["contacts.name"].retention
