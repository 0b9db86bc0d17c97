"""Reporting folds workshop sessions (issue 20): attendees are people received (a person seen at the desk and
at a workshop counts once), sessions, registrations, attendance and fill rates by theme per desk and month,
small counts suppressed as elsewhere; v1 events in the store fold as their upcast v2."""
import csv
import datetime as dt
import io

from services.reporting.tests.events import apply, at, make_reporting, session_held, visit_closed, workshop_held


def test_a_person_seen_at_the_desk_and_at_a_workshop_counts_once(storage):
    reporting = make_reporting(storage, ALLOW_EXACT_FIGURES=True)
    for n in range(6):
        apply(reporting, visit_closed(at(2026, 10, 1 + n), visitors=[(n, True)]))
    # people 0 to 3 came to the desk; 4 more came only to the workshop
    apply(reporting, session_held(dt.date(2026, 10, 20), [0, 1, 2, 3, 40, 41, 42, 43],
                                  registrations=10, registrations_attended=6, capacity=12))
    figures = reporting.figures("desk", "lyon-8", "2026-10", exact=True)["figures"]
    assert figures["people"]["received"] == 10 and figures["people"]["new"] == 6
    workshops = figures["workshops"]
    assert (workshops["sessions"], workshops["attendees"], workshops["registrations"]) == (1, 8, 10)
    assert (workshops["attendance_rate"], workshops["places"], workshops["fill_rate"]) == (0.6, 12, 0.667)
    assert workshops["by_theme"]["digital"]["fill_rate"] == 0.667 and workshops["by_theme"]["budget"]["places"] == 0


def test_the_rates_are_by_theme_and_month_and_small_counts_are_suppressed_in_the_csv(storage):
    reporting = make_reporting(storage, ALLOW_EXACT_FIGURES=True)
    apply(reporting, session_held(dt.date(2026, 10, 5), list(range(12)), registrations=12, registrations_attended=9,
                                  capacity=15, theme="budget"))
    apply(reporting, session_held(dt.date(2026, 10, 9), [50, 51, 52], registrations=3, registrations_attended=3,
                                  capacity=10, theme="health"))
    apply(reporting, session_held(dt.date(2026, 11, 2), [60, 61, 62, 63, 64, 65], registrations=8,
                                  registrations_attended=6, capacity=8, theme="budget"))
    october = reporting.figures("desk", "lyon-8", "2026-10", exact=True)["figures"]["workshops"]
    assert october["by_theme"]["budget"]["attendance_rate"] == 0.75 and october["by_theme"]["health"]["places"] == 10
    assert (october["sessions"], october["registrations"], october["places"]) == (2, 15, 25)
    [row] = [r for r in csv.DictReader(io.StringIO(reporting.export("desk", "lyon-8", "2026-10", "csv")))]
    assert row["workshops.by_theme.health.registrations"] == "<5"  # three people: hidden
    assert row["workshops.by_theme.health.attendance_rate"] == "<5"  # and its rate with it
    assert row["workshops.by_theme.health.sessions"] == "1"  # a session is not a person
    assert row["workshops.by_theme.budget.registrations"] == "<5"  # else 15 - 12 gives the 3 away
    assert row["workshops.registrations"] == "15" and row["workshops.attendees"] == "15"
    november = reporting.figures("desk", "lyon-8", "2026-11", exact=True)["figures"]["workshops"]
    assert (november["registrations"], november["fill_rate"]) == (8, 0.75)


def test_a_rebuild_folds_stored_v1_and_v2_workshops_as_they_were_folded(storage):
    reporting = make_reporting(storage, ALLOW_EXACT_FIGURES=True)
    apply(reporting, workshop_held(dt.date(2026, 10, 15), attendees=7))  # a v1 head count, as stored before v2
    apply(reporting, session_held(dt.date(2026, 10, 20), [1, 2, 3, 4, 5], registrations=6, registrations_attended=5))
    before = reporting.figures("desk", "lyon-8", "2026-10", exact=True)["figures"]
    reporting.rebuild()
    after = reporting.figures("desk", "lyon-8", "2026-10", exact=True)["figures"]
    assert before == after and after["people"]["received"] == 12 and after["workshops"]["sessions"] == 2
