"""The waiting room's figures (issue 20): tickets served and left, the walk-ins' and the appointments' waits
(median and 90th percentile), appointments booked, cancelled, kept and missed and the no-show rate, per desk
and month, in the figures and the CSV's last columns; small counts suppressed as elsewhere; the events of
accueil folded once."""
import csv
import io
import uuid

import pytest

from services.reporting.tests.events import ASSOCIATION, apply, appointment, at, make_reporting
from services.reporting.tests.events import ticket_left as left
from services.reporting.tests.events import ticket_served as served


@pytest.fixture
def october(storage):
    """lyon-8 in October 2026: 10 walk-ins served after 1 to 10 minutes, 6 tickets left (2 at the day's end);
    9 appointments booked, 1 cancelled, 6 kept (waits 0 0 2 3 5 12), 2 missed."""
    reporting = make_reporting(storage, ALLOW_EXACT_FIGURES=True)
    for minutes in range(1, 11):
        apply(reporting, served(at(2026, 10, minutes), minutes))
    for n in range(6):
        apply(reporting, left(at(2026, 10, 12 + n), at_day_end=n < 2))
    outcomes = ["cancelled"] + [("kept", w) for w in (0, 0, 2, 3, 5, 12)] + ["missed", "missed"]
    for day, outcome in enumerate(outcomes, 1):
        appointment_id, starts_at = uuid.uuid4(), at(2026, 10, day, 14)
        apply(reporting, appointment("booked", starts_at, appointment_id))
        kind, waited = outcome if isinstance(outcome, tuple) else (outcome, 0)
        apply(reporting, appointment(kind, starts_at, appointment_id, waited))
    return reporting


def test_the_waiting_room_s_figures_per_desk_and_month(october):
    figures = october.figures("desk", "lyon-8", "2026-10", exact=True)["figures"]["waiting"]
    assert (figures["tickets_served"], figures["tickets_left"], figures["tickets_left_at_day_end"]) == (10, 6, 2)
    assert figures["walk_in_waiting_median_min"] == 5.5 and figures["walk_in_waiting_p90_min"] == 9.0
    assert (figures["appointments_booked"], figures["appointments_cancelled"], figures["appointments_kept"],
            figures["appointments_missed"], figures["appointments_ended"]) == (9, 1, 6, 2, 8)
    assert figures["no_show_rate"] == 0.25
    assert figures["appointment_waiting_median_min"] == 2.5 and figures["appointment_waiting_p90_min"] == 12.0


def test_an_event_delivered_twice_counts_once(october):
    repeated = served(at(2026, 10, 20), 40)
    apply(october, repeated)
    apply(october, repeated)
    figures = october.figures("desk", "lyon-8", "2026-10", exact=True)["figures"]["waiting"]
    assert figures["tickets_served"] == 11 and figures["walk_in_waiting_p90_min"] == 10.0


def test_the_waiting_room_is_the_csv_s_fifth_edition_and_small_counts_are_suppressed(october):
    rows = list(csv.DictReader(io.StringIO(october.export("association", ASSOCIATION, "2026-10", "csv"))))
    header = list(rows[0])
    # the fifth edition's 13 columns come right after the fourth's, and before the sixth's (workshop sessions)
    first = header.index("waiting.tickets_served")
    assert header[first - 1] == "overindebtedness.closed" and header[first + 12] == "waiting.appointment_waiting_p90_min"
    assert header[first + 13].startswith("workshops.") and "workshops.registrations" in header[first + 13:]
    association = rows[0]
    assert (association["waiting.tickets_served"], association["waiting.tickets_left"]) == ("10", "6")
    assert association["waiting.tickets_left_at_day_end"] == "<5" and association["waiting.appointments_missed"] == "<5"
    assert association["waiting.walk_in_waiting_median_min"] == "5.5"
    assert association["waiting.appointments_cancelled"] == "<5"
