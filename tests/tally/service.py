"""A minimal consumer used by the platform tests: it tallies every event it applies, in its own database.
An agent named `boom` makes its handler fail, to exercise retries and dead letters."""
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from shared.consumer import handle_event, handle_event_batch
from shared.dependencies import Database
from shared.metrics import Metrics
from shared.rpc import rpc

metadata = MetaData()
tallied = Table(
    "tallied", metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(80), nullable=False),
)


class HandlerFailure(Exception):
    pass


def tally(uow, event):
    if event.payload.get("agent_id") == "boom":
        raise HandlerFailure("agent boom always fails")
    uow.session.execute(insert(tallied).values(event_id=event.event_id, event_type=event.type))


class TallyService:
    name = "tally"
    db = Database(Path(__file__).parent / "migrations" / "versions")
    metrics = Metrics()

    @handle_event("accueil.visit_closed")
    def on_visit_closed(self, event):
        return self.db.apply_once(event, tally)

    @handle_event("accueil.workshop_held")
    def on_workshop_held(self, event):
        return self.db.apply_once(event, tally)

    @rpc
    def counts(self):
        with self.db.unit_of_work() as uow:
            rows = uow.session.execute(
                select(tallied.c.event_id, func.count()).group_by(tallied.c.event_id)).all()
        return {event_id: n for event_id, n in rows}


def tally_all(uow, events):
    for event in events:
        tally(uow, event)


class BatchTallyService:
    """The same tally, applying events in batches (one transaction per batch)."""

    name = "batch_tally"
    db = Database(Path(__file__).parent / "migrations" / "versions")
    metrics = Metrics()

    @handle_event_batch("accueil.workshop_held", batch_size=50, max_wait=0.05)
    def on_workshops(self, events):
        return self.db.apply_batch(events, tally_all)

    @rpc
    def counts(self):
        return TallyService.counts(self)
