"""Builders for reporting's tests: events built and validated exactly as they travel on the bus, and the
service through nameko's worker_factory on a real database."""
import datetime as dt
import json
import random
import uuid
from types import SimpleNamespace

from nameko.testing.services import worker_factory
from sqlalchemy import select

from services.accueil.schemas import ACTS, DOMAINS, THEMES
from services.reporting.service import ReportingService
from shared import envelope
from shared.dependencies import WorkerDatabase
from shared.metrics import PlatformMetrics
from shared.tables import outbox
from shared.vocabulary import PARTNERS

UTC = dt.timezone.utc
ASSOCIATION = "pimms-lyon"


def at(year, month, day=10, hour=10):
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


def ref(n):
    """A visitor reference, as accueil makes them (32 hex characters)."""
    return f"{n:032x}"


def visit_closed(when, *, pimms_id="lyon-8", association_id=ASSOCIATION, partner="edf", domain=None,
                 acts=("explanation",), visitors=((1, True),), waiting_min=10, duration_min=20):
    motif = ({"kind": "generaliste", "partner": None, "domain": domain} if domain
             else {"kind": "partenaire", "partner": partner, "domain": None})
    doc = envelope.build("accueil.visit_closed", {
        "visit_id": uuid.uuid4(), "agent_id": "agent-1",
        "visitors": [{"visitor_ref": ref(n), "first_visit": first} for n, first in visitors],
        "motif": motif, "acts": list(acts), "registres": ["understanding"], "outcome": "resolved",
        "waiting_min": waiting_min, "duration_min": duration_min,
        "opened_at": when - dt.timedelta(minutes=duration_min), "closed_at": when,
    }, association_id=association_id, pimms_id=pimms_id, occurred_at=when)
    return envelope.load(doc)


def workshop_held(held_on, *, recorded=None, pimms_id="lyon-8", association_id=ASSOCIATION, theme="digital",
                  attendees=12):
    doc = envelope.build("accueil.workshop_held", {
        "workshop_id": uuid.uuid4(), "agent_id": "agent-2", "theme": theme, "partner": None,
        "held_on": held_on, "attendees": attendees, "duration_min": 120, "registres": ["collective"],
    }, association_id=association_id, pimms_id=pimms_id,
        occurred_at=recorded or dt.datetime.combine(held_on, dt.time(18), tzinfo=UTC))
    return envelope.load(doc)


def random_events(seed, n, associations=(ASSOCIATION, "pimms-paris"), desks=3):
    """A few hundred events of every kind, over desks of two associations and months of two years."""
    rng = random.Random(seed)
    events = []
    for _ in range(n):
        association = rng.choice(associations)
        desk = f"{association[6:]}-{rng.randint(1, desks)}"
        when = at(rng.choice([2025, 2026]), rng.randint(1, 12), rng.randint(1, 28), rng.randint(7, 19))
        if rng.random() < 0.15:
            events.append(workshop_held(when.date(), pimms_id=desk, association_id=association,
                                        theme=rng.choice(sorted(THEMES)), attendees=rng.randint(1, 40)))
            continue
        partner = rng.random() < 0.5
        events.append(visit_closed(
            when, pimms_id=desk, association_id=association,
            partner=rng.choice(sorted(PARTNERS)) if partner else None,
            domain=None if partner else rng.choice(sorted(DOMAINS)),
            acts=[rng.choice(sorted(ACTS)) for _ in range(rng.randint(1, 4))],
            visitors=[(rng.randint(1, 60), rng.random() < 0.3) for _ in range(rng.randint(1, 3))],
            waiting_min=rng.choice([None, rng.randint(0, 60)]), duration_min=rng.randint(1, 90)))
    return events


def make_reporting(storage, **config):
    """The service class with a real database: its handlers, RPC methods and timer called directly."""
    worker_ctx = SimpleNamespace(entrypoint=SimpleNamespace(
        queue=SimpleNamespace(name="reporting.events"), method_name="on_event"))
    settings = {"ASSOCIATION_ID": ASSOCIATION, "SUPPRESSION_THRESHOLD": 5, "CLOSE_AFTER_HOURS": 6}
    settings.update(config)
    return worker_factory(ReportingService, db=WorkerDatabase(storage, worker_ctx), metrics=PlatformMetrics(),
                          config=settings)


def apply(reporting, event):
    """Deliver one event to its handler, as the consumer would: activity in a batch of one."""
    if event.type == "reporting.period_closed":
        return reporting.on_period_closed(event)
    handler = {"accueil.visit_closed": reporting.on_visit_closed,
               "accueil.workshop_held": reporting.on_workshop_held}[event.type]
    return handler([event])


def published(storage, event_type="reporting.period_closed"):
    """The events in the outbox, as the relay would publish them, validated by their schema."""
    with storage.engine.connect() as conn:
        bodies = conn.execute(select(outbox.c.body).where(outbox.c.event_type == event_type)
                              .order_by(outbox.c.id)).scalars().all()
    return [envelope.load(json.loads(body)) for body in bodies]
