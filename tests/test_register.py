"""The register of processing (docs/rgpd.md) is true: every column of every table, the services' and the
platform's, is declared personal (whose, what, why, on which ground, how long, who reads it) or not personal,
no declaration names a column that is gone, and the committed page is what the declarations generate."""
from dataclasses import fields

import pytest
from sqlalchemy import Column, MetaData, String

from scripts import register_of_processing as generator
from services.reporting import register as reporting_register
from services.reporting.models import visitors
from shared.register import stale, undeclared

SERVICES = generator.services_with_tables()
DATABASES = [*SERVICES, generator.PLATFORM]


def register_of(name):
    if name == generator.PLATFORM:
        return generator.platform_register()
    if not (generator.ROOT / "services" / name / "register.py").exists():
        pytest.fail(f"services/{name}/register.py is missing: declare PERSONAL and NOT_PERSONAL for its tables")
    return generator.service_register(name)


def test_there_are_services_with_tables_to_inspect():
    assert {"accueil", "gateway", "reporting"} <= set(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_with_tables_has_a_register_beside_them(service):
    assert (generator.ROOT / "services" / service / "register.py").exists(), \
        f"services/{service} has models.py but no register.py"


@pytest.mark.parametrize("name", DATABASES)
def test_every_column_is_declared_personal_or_not_personal(name):
    assert register_of(name).undeclared() == [], f"{name}: classify these columns in its register"


@pytest.mark.parametrize("name", DATABASES)
def test_no_declaration_names_a_column_that_is_gone(name):
    assert register_of(name).stale() == [], f"{name}: these declared columns no longer exist"


@pytest.mark.parametrize("name", DATABASES)
def test_no_column_is_declared_both_personal_and_not_personal(name):
    assert register_of(name).both() == []


@pytest.mark.parametrize("name", DATABASES)
def test_every_personal_field_says_whose_what_why_on_which_ground_how_long_and_who_reads(name):
    for column, entry in register_of(name).personal.items():
        empty = [f.name for f in fields(entry) if not getattr(entry, f.name).strip()]
        assert empty == [], f"{name}: {column} leaves {', '.join(empty)} empty"


def test_the_committed_register_matches_the_declarations():
    assert generator.TARGET.exists(), "docs/rgpd.md is missing: run `make docs`"
    assert generator.TARGET.read_text() == generator.render(), "docs/rgpd.md is out of date: run `make docs`"


def test_a_column_nobody_classified_is_reported_by_its_table_and_name():
    # given reporting's visitor sets gaining a column that could hold a name
    table = visitors.to_metadata(MetaData())
    table.append_column(Column("nickname", String(100)))
    # when checked against reporting's declarations, then it is the one column reported
    assert undeclared([table], reporting_register.PERSONAL, reporting_register.NOT_PERSONAL) == \
        ["reporting_visitors.nickname"]


def test_a_declaration_of_a_dropped_column_is_reported():
    # given reporting's declarations for its visitor sets, and one for a column the table does not have
    personal = {"reporting_visitors.visitor_ref": reporting_register.VISITOR,
                "reporting_visitors.nickname": reporting_register.VISITOR}
    plain = {"reporting_visitors": reporting_register.NOT_PERSONAL["reporting_visitors"]}
    # then that declaration is the one reported
    assert stale([visitors], personal, plain) == ["reporting_visitors.nickname"]


def test_the_check_fails_when_the_committed_page_differs(tmp_path, monkeypatch, capsys):
    # given a committed page that no longer says what the declarations say
    page = tmp_path / "rgpd.md"
    page.write_text(generator.render().replace("reporting_visitors.visitor_ref", "reporting_visitors.ref"))
    monkeypatch.setattr(generator, "TARGET", page)
    # when checked, then the command fails and says the page is out of date
    assert generator.main(["--check"]) == 1
    assert "out of date (run `make docs`): docs/rgpd.md" in capsys.readouterr().err


def test_the_register_names_each_database_and_the_settings_enforcing_retention():
    text = generator.render()
    assert "## `reporting`" in text and "## `gateway`" in text and "## Tables de la plateforme" in text
    assert "| `IDEMPOTENCY_KEEP_HOURS` | every service (`shared/`): the code's default |" in text
