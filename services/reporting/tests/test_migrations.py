"""Reporting's migrations on a database that already holds events, on SQLite and on PostgreSQL: the day counts
of medians (reporting_0003) arrive empty beside the store and the aggregates, and go again on a downgrade."""
import json

import pytest
from sqlalchemy import inspect, text

from services.reporting.service import MIGRATIONS
from services.reporting.tests.events import ASSOCIATION, apply, at, case_closed, make_reporting, visit_closed
from shared.db import make_engine, migrate


def test_day_counts_come_empty_to_a_database_with_events_and_a_rebuild_keeps_its_figures(db_url, migrated_storage):
    # given a reporting of the second migration that folded October's visits
    engine = make_engine(db_url)
    try:
        migrate(engine, MIGRATIONS, "reporting_0002")
        assert "reporting_day_counts" not in inspect(engine).get_table_names()
        with engine.begin() as conn:
            for day in range(1, 7):
                event = visit_closed(at(2026, 10, day))
                conn.execute(text(
                    "INSERT INTO reporting_applied_events (event_id, type, version, occurred_at, association_id, "
                    "pimms_id, payload, applied_at) VALUES (:id, 'accueil.visit_closed', 1, :at, :a, 'lyon-8', "
                    ":payload, :at)"), {"id": event.event_id, "at": event.occurred_at, "a": ASSOCIATION,
                                         "payload": json.dumps(event.wire)})
        # when it migrates to the newest schema
        migrate(engine, MIGRATIONS, "heads")
        assert "reporting_day_counts" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    # then a rebuild folds the stored visits, and follow-ups closed from now on have their median
    reporting = make_reporting(migrated_storage(MIGRATIONS, url=db_url), ALLOW_EXACT_FIGURES=True)
    assert reporting.rebuild()["events"] == 6
    apply(reporting, case_closed(at(2026, 10, 20), opened_at=at(2026, 10, 8)))
    october = reporting.figures("desk", "lyon-8", "2026-10", exact=True)["figures"]
    assert october["visits"]["total"] == 6 and october["follow_ups"]["median_days_to_close"] == 12.0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_downgrade_drops_the_day_counts_and_keeps_the_rest(db_url):
    engine = make_engine(db_url)
    try:
        migrate(engine, MIGRATIONS, "heads")
        migrate(engine, MIGRATIONS, "reporting_0002", downgrade=True)
        tables = set(inspect(engine).get_table_names())
        assert "reporting_day_counts" not in tables
        assert {"reporting_applied_events", "reporting_aggregates", "reporting_subjects"} <= tables
    finally:
        engine.dispose()
