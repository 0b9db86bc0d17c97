"""Reading at national scale (70 desks x 10 years of months, scripts/bench_national.py): the reads find their
rows by index, and what they read gives the figures the events gave."""
from sqlalchemy import text

from services.reporting import cells as F
from services.reporting.tests.events import ASSOCIATION, agent_hired, apply, at, make_reporting, visit_closed


def plan(storage, sql, **params):
    with storage.engine.connect() as conn:
        return " / ".join(row[-1] for row in conn.execute(text("EXPLAIN QUERY PLAN " + sql), params))


def test_stocks_and_a_desks_association_are_found_by_index_not_by_scanning_the_aggregates(storage):
    stocks = ", ".join(f"'{cell}'" for cell in F.STOCK_CELLS)
    stock_plan = plan(storage, "SELECT association_id, pimms_id, cell, sum(value) FROM reporting_aggregates "
                               f"WHERE month <= :end AND cell IN ({stocks}) GROUP BY association_id, pimms_id, cell",
                      end="2026-12")
    desk_plan = plan(storage, "SELECT DISTINCT association_id FROM reporting_aggregates WHERE pimms_id = :desk",
                     desk="lyon-8")
    assert "COVERING INDEX ix_reporting_aggregates_stocks" in stock_plan and "SCAN" not in stock_plan
    assert "ix_reporting_aggregates_desk" in desk_plan and "SCAN reporting_aggregates" not in desk_plan


def test_the_networks_people_are_the_sum_of_its_associations_people(storage):
    # given one person twice at lyon-8, another at lyon-9, and a person of another association whose
    # pseudonym happens to be the same as the first one's (a visitor_ref is local to its association)
    reporting = make_reporting(storage, ALLOW_EXACT_FIGURES=True)
    for when, desk, association, person in [
            (at(2026, 3, 2), "lyon-8", ASSOCIATION, 1), (at(2026, 4, 2), "lyon-8", ASSOCIATION, 1),
            (at(2026, 4, 3), "lyon-9", ASSOCIATION, 2), (at(2026, 4, 4), "paris-1", "pimms-paris", 1)]:
        apply(reporting, visit_closed(when, pimms_id=desk, association_id=association, visitors=[(person, False)]))
    apply(reporting, agent_hired("agent-9", at(2026, 1, 5).date()))

    def figures(scope, id_, period):
        return reporting.figures(scope, id_, period, exact=True)["figures"]

    # then the network counts three people in 2026 and in April, as its associations do together
    assert figures("association", ASSOCIATION, "2026")["people"]["received"] == 2
    assert figures("association", "pimms-paris", "2026")["people"]["received"] == 1
    assert figures("network", None, "2026")["people"]["received"] == 3
    assert figures("network", None, "2026-04")["people"]["received"] == 3
    # and a stock read through its index is still every month's flows up to the period's end
    assert figures("desk", "lyon-8", "2026-12")["agents"]["employed"] == 1
