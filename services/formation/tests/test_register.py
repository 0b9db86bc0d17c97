"""Formation's register of processing (register.py) against its tables: every column classified, once, and
nothing declared that the tables do not have; the names' retention is the setting the daily job enforces."""
from pathlib import Path

from services.formation import register
from services.formation.models import Base
from shared.register import both, stale, undeclared

TABLES = Base.metadata.sorted_tables


def test_every_column_of_formations_tables_is_declared_personal_or_not_and_only_once():
    assert {t.name for t in TABLES} == {"agents", "work_weeks", "trainings", "milestones"}
    assert undeclared(TABLES, register.PERSONAL, register.NOT_PERSONAL) == []
    assert stale(TABLES, register.PERSONAL, register.NOT_PERSONAL) == []
    assert both(register.PERSONAL, register.NOT_PERSONAL) == []


def test_names_are_kept_as_long_as_the_setting_the_daily_job_reads_says():
    config = (Path(register.__file__).parent / "config.yaml").read_text()
    assert "\nAGENT_RETENTION_MONTHS: ${AGENT_RETENTION_MONTHS:60}\n" in config
    for column in ("agents.first_name", "agents.last_name"):
        assert "AGENT_RETENTION_MONTHS (60)" in register.PERSONAL[column].retention
    every_agent_id = [f"{t.name}.{c.name}" for t in TABLES for c in t.columns if c.name == "agent_id"]
    assert every_agent_id and all(register.PERSONAL[column] is register.AGENT_CODE for column in every_agent_id)
