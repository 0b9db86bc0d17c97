"""Reporting's store: apply an event (store it, fold it into the aggregates) and rebuild every aggregate from
the store. Projecting one event is projectors.py, folding many folding.py (both pure), closing periods
periods.py, reading reading.py, rendering rendering.py, the catalogue of cells cells.py.

Applying and rebuilding share one fold (`folding.fold`), so a rebuild gives what the events gave one by one:
- applying a batch of events (the consumer's batch, one transaction with the ids it applied): read (and
  lock) the subjects they concern, insert them in the append-only store, fold them, add their cells to the
  aggregates with one upsert statement, their visitors with one insert and their days to the day counts with
  one upsert, write the subjects, mark the
  closed periods they touch as dirty;
- rebuilding: empty the aggregates, visitor sets, day counts and subjects, read the store in order by batches, fold
  each batch (its subjects read from their table and written back, as when applying: memory stays flat
  however long the store) and write it with a few multi-row statements, in one transaction (readers see the old figures until it commits; on PostgreSQL the store
  is locked meanwhile so no event slips between read and commit).
Both fold the store's order, so a subject goes through the same states and adds the same differences.
"""
import gc
import json
import time
from contextlib import contextmanager

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from services.reporting.folding import Known, fold, year_of
from services.reporting.models import aggregates, applied_events, day_counts, periods, subjects, visitors
from services.reporting.projectors import REMEMBERED, Fact
from shared.db import as_utc
from shared.envelope import payload_schema
from shared.localtime import UTC

REBUILD_BATCH = 20_000
REBUILD_CACHE_KIB = 64 * 1024  # SQLite's page cache while a rebuild runs (see _page_cache)


def _dumps(value):
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def load_subjects(session, facts):
    """What is known of the subjects these facts concern, their rows locked (PostgreSQL) so that two
    batches about one agent (a hiring and an exit arrive on two queues) apply one after the other."""
    keys = sorted({(fact.association_id, name) for fact in facts
                   if (remembered := REMEMBERED.get((fact.type, fact.version))) is not None
                   and (name := remembered.subject(fact)) is not None})
    if not keys:
        return {}
    rows = session.execute(select(subjects).where(tuple_(subjects.c.association_id, subjects.c.subject).in_(keys))
                           .order_by(subjects.c.association_id, subjects.c.subject).with_for_update()).all()
    return {(row.association_id, row.subject): Known(json.loads(row.known), tuple(
        (desk, month, amounts) for desk, month, amounts in json.loads(row.cells))) for row in rows}


def write_subjects(session, folded, existing):
    """Insert the new subjects (a concurrent insert of the same one fails, and its batch is retried) and
    update the known ones."""
    rows = [{"association_id": a, "subject": name, "known": _dumps(folded.subjects[(a, name)].state),
             "cells": _dumps(folded.subjects[(a, name)].cells)} for a, name in sorted(folded.changed)]
    new = [row for row in rows if (row["association_id"], row["subject"]) not in existing]
    if new:
        session.execute(insert(subjects), new)
    known = [{"a": row["association_id"], "s": row["subject"], "k": row["known"], "c": row["cells"]}
             for row in rows if (row["association_id"], row["subject"]) in existing]
    if known:  # one statement executed for every row (a rebuild updates thousands per batch)
        session.execute(update(subjects).where(
            subjects.c.association_id == bindparam("a"), subjects.c.subject == bindparam("s"),
        ).values(known=bindparam("k"), cells=bindparam("c")), known)


def dialect_insert(session, table):
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def write(session, folded, visitor_table=visitors.name):
    """Add folded cells to the aggregates, visitors to their sets and days to their counts, in bulk.

    Written as plain SQL on purpose: a rebuild writes millions of rows, and SQLAlchemy compiling a
    multi-row statement costs more than the database work. SQLite gets one prepared statement executed
    for every row (in C); PostgreSQL gets multi-row statements of up to 1,000 rows (one round trip each,
    where pg8000's executemany would make one per row). Rows go in key order, so concurrent appliers
    cannot deadlock on PostgreSQL."""
    cells = sorted((*where, cell, amount) for where, bucket in folded.counts.items() for cell, amount in bucket.items())
    pk = "association_id, pimms_id, month"
    _bulk(session, f"INSERT INTO {aggregates.name} ({pk}, cell, value) VALUES {{rows}} "
                   f"ON CONFLICT ({pk}, cell) DO UPDATE SET value = {aggregates.name}.value + excluded.value",
          cells, width=5)
    seen = sorted(folded.visitors) if visitor_table == visitors.name else list(folded.visitors)
    _bulk(session, f"INSERT INTO {visitor_table} ({pk}, visitor_ref) VALUES {{rows}} ON CONFLICT DO NOTHING",
          seen, width=4)
    _bulk(session, f"INSERT INTO {day_counts.name} ({pk}, cell, days, value) VALUES {{rows}} "
                   f"ON CONFLICT ({pk}, cell, days) DO UPDATE SET value = {day_counts.name}.value + excluded.value",
          sorted((*key, items) for key, items in folded.days.items()), width=6)


def _bulk(session, template, rows, width, chunk=1000):
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.exec_driver_sql(template.format(rows="(" + ", ".join("?" * width) + ")"), rows)
        return
    one = "(" + ", ".join(["%s"] * width) + ")"
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        connection.exec_driver_sql(template.format(rows=", ".join([one] * len(part))),
                                   tuple(value for row in part for value in row))


# -- applying ---------------------------------------------------------------------------------------------------
def apply_events(uow, events, now, zone=UTC):
    """Store the events, fold them into the aggregates, mark the closed periods they change as dirty.
    Everything is folded before anything is written: an event no projector can fold stores nothing."""
    facts, stored = [], []
    for event in events:
        # the payload as it travelled, validated on arrival: what the store keeps and a rebuild folds again
        wire = event.wire if event.wire is not None else payload_schema(event.type, event.version).dump(event.payload)
        facts.append(Fact(event.type, event.version, event.occurred_at, event.association_id, event.pimms_id, wire,
                          zone))
        stored.append({
            "event_id": event.event_id, "type": event.type, "version": event.version,
            "occurred_at": event.occurred_at, "association_id": event.association_id, "pimms_id": event.pimms_id,
            "payload": json.dumps(wire, separators=(",", ":"), sort_keys=True), "applied_at": now})
    session = uow.session
    known = load_subjects(session, facts)
    folded = fold(facts, dict(known))
    session.execute(insert(applied_events), stored)  # in arrival order: the order a rebuild folds them in
    write(session, folded)
    write_subjects(session, folded, known)
    mark_dirty(session, folded.touched, folded.stocks_from)
    return len(events)


def stored_ids(session, event_ids):
    """The events among these already in the store: the store is reporting's record of what it applied
    (its unique event_id makes a concurrent second application fail at commit)."""
    return session.scalars(select(applied_events.c.event_id).where(applied_events.c.event_id.in_(event_ids)))


def mark_dirty(session, touched, stocks_from=None):
    """Closed periods whose figures may have changed: the months touched and their years, and for a stock
    (agents employed) every month and year from the first one it changed in."""
    for association_id, month in touched:
        session.execute(update(periods).where(
            periods.c.association_id == association_id, periods.c.period.in_([month, year_of(month)]),
        ).values(dirty=True))
    for association_id, month in (stocks_from or {}).items():
        length = func.length(periods.c.period)
        session.execute(update(periods).where(periods.c.association_id == association_id, or_(
            and_(length == 7, periods.c.period >= month), and_(length == 4, periods.c.period >= year_of(month)),
        )).values(dirty=True))


STAGED_VISITORS = "reporting_rebuild_visitors"


def rebuild(session, batch_size=REBUILD_BATCH, zone=UTC):
    """Recompute every aggregate, visitor set and day count from the stored events; returns (events, seconds).

    Visitors are first appended to a temporary table without any index, then copied once, distinct and
    sorted, into their set: the database sorts a million rows in C far faster than it can insert them one
    by one into a growing B-tree (a third of a million-event rebuild). Closed periods are marked dirty: the
    next close republishes those whose figures changed (a new indicator back-filled), and only those."""
    started = time.perf_counter()
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text(f"LOCK TABLE {applied_events.name} IN EXCLUSIVE MODE"))
    session.execute(delete(aggregates))
    session.execute(delete(visitors))
    session.execute(delete(day_counts))
    session.execute(delete(subjects))
    pk = "association_id, pimms_id, month, visitor_ref"
    session.execute(text(f"DROP TABLE IF EXISTS {'' if postgres else 'temp.'}{STAGED_VISITORS}"))
    session.execute(text(
        f"CREATE TEMPORARY TABLE {STAGED_VISITORS} (association_id VARCHAR(64), pimms_id VARCHAR(64), "
        f"month VARCHAR(7), visitor_ref VARCHAR(32))" + (" ON COMMIT DROP" if postgres else "")))
    columns = [applied_events.c[name] for name in (
        "seq", "type", "version", "occurred_at", "association_id", "pimms_id", "payload")]
    last, applied = 0, 0
    loads = json.loads
    with _no_cyclic_gc(), _page_cache(session, REBUILD_CACHE_KIB):
        while True:
            rows = session.execute(select(*columns).where(applied_events.c.seq > last)
                                   .order_by(applied_events.c.seq).limit(batch_size)).all()
            if not rows:
                break
            facts = [Fact(type_, version, as_utc(occurred_at), association_id, pimms_id, loads(payload), zone)
                     for _, type_, version, occurred_at, association_id, pimms_id, payload in rows]
            # the subjects go through their table batch by batch, as when applying: held in memory from
            # the first batch to the last, ten years of agents' weeks and follow-ups grew the process with
            # the store (480 MB for 840,000 events, twice what 84,000 took)
            known = load_subjects(session, facts)
            folded = fold(facts, dict(known))
            write(session, folded, visitor_table=STAGED_VISITORS)
            write_subjects(session, folded, known)
            gc.collect(0)  # this batch's cycles (the driver's and SQLAlchemy's results): young ones only, cheap
            last, applied = rows[-1].seq, applied + len(rows)
            time.sleep(0)  # under eventlet, lets the service's other green threads (broker heartbeats) run
    session.execute(text(f"INSERT INTO {visitors.name} ({pk}) SELECT DISTINCT {pk} FROM {STAGED_VISITORS} "
                         f"ORDER BY {pk}"))
    session.execute(text(f"DROP TABLE {STAGED_VISITORS}"))
    session.execute(update(periods).values(dirty=True))
    return applied, time.perf_counter() - started


@contextmanager
def _page_cache(session, kib):
    """SQLite's page cache of this connection at `kib` while the rebuild runs, then back as it was: at its
    default 2 MB, the aggregates' B-trees of ten years of a network outgrow it and each batch's upserts go to
    the disk's pages again (the rate of a 10-million-event rebuild fell to 0.88 of a 1-million one). A fixed
    size, not one growing with the store: the rebuild's memory stays flat."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    before = session.execute(text("PRAGMA cache_size")).scalar()
    session.execute(text(f"PRAGMA cache_size = -{int(kib)}"))
    try:
        yield
    finally:
        session.execute(text(f"PRAGMA cache_size = {int(before)}"))


@contextmanager
def _no_cyclic_gc():
    """Folding allocates millions of small objects and frees none of them in cycles: left on, Python's
    cyclic collector would rescan the growing heap again and again, tripling the rebuild's time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
