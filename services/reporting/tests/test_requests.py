"""Reporting's RPC as its callers see it: typed errors naming the field and the rule, figures per scope,
exports whose CSV columns never move, and the annual report in the shape of the network's published
figures."""
import csv
import datetime as dt
import io
import uuid
from pathlib import Path

import pytest

from services.reporting.rendering import CSV_HEADER
from services.reporting.tests.events import (
    apply,
    at,
    case_closed,
    case_opened,
    make_reporting,
    referral_answered,
    referral_sent,
    visit_closed,
    workshop_held,
)
from shared.errors import InvalidRequest, NotFound

GOLDEN_HEADER = (Path(__file__).parent / "csv_header.txt").read_text().split()


@pytest.fixture
def lyon(storage):
    """October 2026 at two desks: 20 partner visits at lyon-8, 6 generalist ones and a workshop at lyon-9."""
    reporting = make_reporting(storage, ALLOW_EXACT_FIGURES=True)
    for i in range(20):
        apply(reporting, visit_closed(at(2026, 10, 1 + i), pimms_id="lyon-8", partner="edf" if i % 10 else "sncf",
                                      acts=["advice", "letter"], visitors=[(i % 15, i < 15)], waiting_min=10,
                                      duration_min=30))
    for i in range(6):
        apply(reporting, visit_closed(at(2026, 10, 2 + i), pimms_id="lyon-9", domain="caf", acts=["information"],
                                      visitors=[(100 + i, True)], waiting_min=None, duration_min=15))
    apply(reporting, workshop_held(dt.date(2026, 10, 15), pimms_id="lyon-9", theme="digital", attendees=14))
    return reporting


@pytest.mark.parametrize("args, field", [
    ({"scope": "planet", "id": "x", "period": "2026-10"}, "scope"),
    ({"scope": "desk", "period": "2026-10"}, "id"),
    ({"scope": "desk", "id": "Lyon 8e", "period": "2026-10"}, "id"),
    ({"scope": "network", "id": "pimms-lyon", "period": "2026-10"}, "id"),
    ({"scope": "association", "id": "pimms-lyon", "period": "2026-1"}, "period"),
    ({"scope": "association", "id": "pimms-lyon", "period": "26-10"}, "period"),
    ({"scope": "association", "id": "pimms-lyon"}, "period"),
    ({"scope": "association", "id": "pimms-lyon", "period": "2026-10", "exact": "maybe"}, "exact"),
])
def test_a_bad_figures_request_names_the_field(lyon, args, field):
    with pytest.raises(InvalidRequest) as exc:
        lyon.figures(**args)
    assert field in exc.value.errors


def test_an_unknown_desk_or_association_is_not_found(lyon):
    with pytest.raises(NotFound):
        lyon.figures("desk", "marseille-1", "2026-10")
    with pytest.raises(NotFound):
        lyon.figures("association", "pimms-marseille", "2026-10")


def test_a_known_desk_in_a_quiet_month_has_zero_figures(lyon):
    figures = lyon.figures("desk", "lyon-9", "2026-03")["figures"]
    assert figures["visits"]["total"] == 0 and figures["people"]["received"] == 0 and figures["desks"] == 1


def test_figures_per_desk_association_and_network_for_a_month_and_a_year(lyon):
    desk = lyon.figures("desk", "lyon-8", "2026-10", exact=True)["figures"]
    assert desk["visits"] == {**desk["visits"], "total": 20, "partenaire": 20, "generaliste": 0}
    assert desk["visits"]["by_partner"]["edf"] == 18 and desk["visits"]["by_partner"]["sncf"] == 2
    assert desk["acts"]["total"] == 40 and desk["people"]["received"] == 15 and desk["people"]["new"] == 15
    assert desk["durations"]["visit_min_mean"] == 30.0 and desk["durations"]["waiting_min_mean"] == 10.0
    association = lyon.figures("association", "pimms-lyon", "2026", exact=True)["figures"]
    assert association["visits"]["total"] == 26 and association["visits"]["by_domain"]["caf"] == 6
    assert association["workshops"]["sessions"] == 1 and association["workshops"]["attendees"] == 14
    assert association["workshops"]["by_theme"]["digital"] == {"sessions": 1, "attendees": 14}
    assert association["durations"]["waiting_measured"] == 20  # lyon-9 recorded no waiting times
    assert association["desks"] == 2 and association["associations"] == 1
    network = lyon.figures("network", None, "2026-10", exact=True)["figures"]
    assert network["people"]["received"] == 21 and network["exits"]["positive_rate"] is None


def test_exact_figures_are_for_the_associations_staff_only_when_configured(storage):
    reporting = make_reporting(storage)  # ALLOW_EXACT_FIGURES not set
    apply(reporting, visit_closed(at(2026, 10, 1)))
    with pytest.raises(InvalidRequest) as exc:
        reporting.figures("desk", "lyon-8", "2026-10", exact=True)
    assert "exact" in exc.value.errors
    shown = reporting.figures("desk", "lyon-8", "2026-10")
    assert shown["figures"]["visits"]["total"] is None and "visits.total" in shown["suppressed"]
    assert shown["exact"] is False


def test_an_export_is_suppressed_even_where_exact_figures_are_allowed(lyon):
    rows = lyon.export("association", "pimms-lyon", "2026-10", "json")["rows"]
    assert [(r["scope"], r["id"]) for r in rows] == [("association", "pimms-lyon"), ("desk", "lyon-8"),
                                                    ("desk", "lyon-9")]
    desk8 = rows[1]
    assert desk8["figures"]["visits"]["by_partner"]["sncf"] is None
    assert "visits.by_partner.sncf" in desk8["suppressed"]


def test_csv_columns_keep_their_order_whatever_the_data(lyon, storage):
    full = lyon.export("association", "pimms-lyon", "2026-10", "csv")
    empty = lyon.export("desk", "lyon-8", "2025-01", "csv")
    head_office = make_reporting(storage, HEAD_OFFICE=True)
    head_office_csv = head_office.export("network", None, "2026-10", "csv")
    headers = [next(csv.reader(io.StringIO(text))) for text in (full, empty, head_office_csv)]
    assert headers[0] == headers[1] == headers[2] == list(CSV_HEADER)
    # columns are only ever appended: the ones published so far keep their place
    assert headers[0][:len(GOLDEN_HEADER)] == GOLDEN_HEADER
    rows = list(csv.DictReader(io.StringIO(full)))
    assert [r["id"] for r in rows] == ["pimms-lyon", "lyon-8", "lyon-9"]
    assert rows[0]["visits.total"] == "26" and rows[2]["workshops.attendees"] == "14"
    assert rows[1]["visits.by_partner.sncf"] == "<5"


def test_follow_ups_and_referrals_are_exported_in_the_last_columns_suppressed_as_any_count(lyon):
    # given lyon-8's October: 8 follow-ups opened about housing, 6 closed (5 resolved after 2 days, 1 after
    # 20 days unresolved); 7 referrals to the CAF, 6 answered after 1 to 6 days
    cases = [uuid.uuid4() for _ in range(8)]
    for day, case_id in enumerate(cases, 1):
        apply(lyon, case_opened(at(2026, 10, day), case_id=case_id, domain="housing"))
    for day, case_id in enumerate(cases[:6], 1):
        apply(lyon, case_closed(at(2026, 10, day + (2 if day < 6 else 20)), opened_at=at(2026, 10, day),
                                case_id=case_id, domain="housing", outcome="resolved" if day < 6 else "unresolved"))
    for day in range(1, 8):
        referral_id = uuid.uuid4()
        apply(lyon, referral_sent(at(2026, 10, day), referral_id=referral_id, partner="caf"))
        if day < 7:
            apply(lyon, referral_answered(at(2026, 10, 2 * day), sent_at=at(2026, 10, day), referral_id=referral_id,
                                          partner="caf"))
    rows = list(csv.DictReader(io.StringIO(lyon.export("association", "pimms-lyon", "2026-10", "csv"))))
    association = rows[0]
    # then they are columns after every earlier one, in the schema's order
    header = list(rows[0])
    assert header.index("follow_ups.opened") > header.index("outbound.campaigns_closed")
    assert header[-1] == "referrals.by_partner.veolia.median_days_to_answer"
    assert (association["follow_ups.opened"], association["follow_ups.closed"]) == ("8", "6")
    assert association["follow_ups.open_at_end"] == "<5"  # 2 follow-ups still open
    assert association["follow_ups.median_days_to_close"] == "2.0"
    assert association["follow_ups.closed_by_outcome.unresolved"] == "<5"
    assert association["follow_ups.closed_by_outcome.resolved"] == "<5"  # else 6 - 5 gives the 1 away
    assert (association["referrals.sent"], association["referrals.answered"]) == ("7", "6")
    assert association["referrals.by_partner.caf.answer_rate"] == "0.857"
    assert association["referrals.by_partner.caf.median_days_to_answer"] == "3.5"
    assert association["referrals.by_partner.edf.median_days_to_answer"] == ""  # none: no median
    # and the figures RPC has them too, exact for the staff
    exact = lyon.figures("desk", "lyon-8", "2026-10", exact=True)["figures"]
    assert exact["follow_ups"]["closed_by_outcome"]["unresolved"] == 1 and exact["follow_ups"]["open_at_end"] == 2


def test_a_bad_export_request_names_the_field(lyon):
    with pytest.raises(InvalidRequest) as exc:
        lyon.export("association", "pimms-lyon", "2026-10", "xlsx")
    assert "format" in exc.value.errors


def test_the_annual_report_has_the_shape_of_the_networks_published_figures(lyon):
    report = lyon.annual_report(2026)
    assert list(report) == [
        "year", "scope", "id", "threshold", "people_received", "visits", "mediation_acts", "workshop_sessions",
        "workshop_attendees", "outbound_contacts", "outbound_reached", "outbound_cases_resolved", "agents",
        "share_of_women", "training_share", "positive_exits_rate", "desks", "associations", "suppressed",
        "incomplete"]
    assert (report["people_received"], report["visits"], report["mediation_acts"]) == (21, 26, 46)
    assert (report["workshop_sessions"], report["workshop_attendees"]) == (1, 14)
    assert (report["desks"], report["associations"]) == (2, 1)
    assert report["agents"] == 0 and report["positive_exits_rate"] is None  # no agent: no exit to rate
    desk = lyon.annual_report(2026, "desk", "lyon-9")
    assert desk["visits"] == 6 and desk["workshop_sessions"] == 1  # a session is not a person: never hidden
    assert desk["suppressed"] == []
    with pytest.raises(InvalidRequest) as exc:
        lyon.annual_report("next year")
    assert "year" in exc.value.errors
