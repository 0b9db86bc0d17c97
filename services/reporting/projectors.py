"""Projectors: how each consumed event folds into figure cells. One plain function per event type.

Adding an event type is one function here, registered with `@projector(type, version, feeds=...)`, and
one `@handle_event_batch` handler in service.py; a rebuild back-fills it over every event already stored.
`feeds` names the sections of the figures it measures: until some projector feeds a section, its cells
are null (not measured), and from then on they are numbers, so the figures keep one shape.

A projector sees the event as stored (`Fact`, its payload as it travelled, in JSON types), so the
incremental path and the rebuild fold exactly the same input. It returns the month the activity belongs
to, the cells it adds to, and the visitor references it saw."""
import datetime as dt
from typing import NamedTuple

PROJECTORS = {}  # (event type, version) -> projector function
FEEDS = {}  # (event type, version) -> sections of the figures it measures


class Fact(NamedTuple):  # a NamedTuple: a rebuild makes a million of them
    type: str
    version: int
    occurred_at: dt.datetime  # UTC
    association_id: str
    pimms_id: str | None
    payload: dict


class Contribution(NamedTuple):
    month: str  # YYYY-MM
    counts: dict  # cell path -> amount added (zero amounts are ignored)
    visitors: tuple = ()


class UnknownEvent(Exception):
    """An event type reporting has no projector for: a handler was added without its projector."""


def projector(event_type, version=1, feeds=()):
    def register(fn):
        PROJECTORS[(event_type, version)] = fn
        FEEDS[(event_type, version)] = tuple(feeds)
        return fn

    return register


def measured_sections():
    return {section for feeds in FEEDS.values() for section in feeds}


def project(fact):
    try:
        fold = PROJECTORS[(fact.type, fact.version)]
    except KeyError:
        raise UnknownEvent(f"no projector for {fact.type} v{fact.version}") from None
    return fold(fact)


def month_of(moment):
    return f"{moment.year:04d}-{moment.month:02d}"


# -- médiation postée and ateliers (accueil) ------------------------------------------------------------------
@projector("accueil.visit_closed", 1, feeds=("people", "visits", "acts", "durations", "registres"))
def visit_closed(fact):
    payload = fact.payload
    motif, acts, visitors = payload["motif"], payload["acts"], payload["visitors"]
    counts = {"visits.total": 1, "acts.total": len(acts), "durations.visit_min_total": payload["duration_min"],
              "people.new": sum(1 for visitor in visitors if visitor["first_visit"])}
    if motif["kind"] == "partenaire":
        counts["visits.partenaire"] = 1
        counts["visits.by_partner." + motif["partner"]] = 1
    else:
        counts["visits.generaliste"] = 1
        counts["visits.by_domain." + motif["domain"]] = 1
    for act in acts:
        cell = "acts.by_kind." + act
        counts[cell] = counts.get(cell, 0) + 1
    for registre in set(payload["registres"]):
        counts["registres." + registre] = 1
    if payload["waiting_min"] is not None:
        counts["durations.waiting_measured"] = 1
        counts["durations.waiting_min_total"] = payload["waiting_min"]
    # the visit belongs to the month it closed in: occurred_at is its closed_at, in UTC
    return Contribution(month_of(fact.occurred_at), counts, tuple(v["visitor_ref"] for v in visitors))


@projector("accueil.workshop_held", 1, feeds=("workshops", "registres"))
def workshop_held(fact):
    payload, theme = fact.payload, fact.payload["theme"]
    counts = {
        "workshops.sessions": 1,
        "workshops.attendees": payload["attendees"],
        f"workshops.by_theme.{theme}.sessions": 1,
        f"workshops.by_theme.{theme}.attendees": payload["attendees"],
    }
    for registre in set(payload["registres"]):
        counts["registres." + registre] = 1
    # accueil stamps workshop_held when it is recorded; the workshop belongs to the month it was held
    return Contribution(payload["held_on"][:7], counts)
