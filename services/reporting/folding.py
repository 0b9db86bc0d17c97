"""Folding facts into figure cells: what many events add to each (association, desk, month), the visitors
they saw, the days they add to medians' day counts, the months they touched, and what reporting knows of the
subjects folded through (an agent, an agent's week, a follow-up, a referral, a budget dossier, an agent's
year of training in budget). No database, no broker: the store reads the subjects known before and writes
what this returns (store.py).

A subject's contribution changes as events about it arrive: the fold adds what the subject contributes now
less what it contributed before, which keeps the aggregates additive."""
from dataclasses import dataclass, field
from typing import NamedTuple

from services.reporting import cells as F
from services.reporting.cells import NO_DESK
from services.reporting.projectors import PROJECTORS, REMEMBERED, UnknownEvent, project


class UnknownCell(Exception):
    """A projector added to a cell the figures do not have: a bug, so the event is retried, then dead-lettered."""


def year_of(month):
    return month[:4]


# -- folding ----------------------------------------------------------------------------------------------------
class Known(NamedTuple):
    """What reporting knows of a subject, and the cells it contributed: ((desk, month, {cell: amount}), ...)."""
    state: dict
    cells: tuple


@dataclass
class Folded:
    counts: dict = field(default_factory=dict)  # (association, desk, month) -> {cell: amount}
    visitors: set = field(default_factory=set)  # (association, desk, month, visitor_ref)
    days: dict = field(default_factory=dict)  # (association, desk, month, median cell, days) -> items
    touched: set = field(default_factory=set)  # (association, month)
    subjects: dict = field(default_factory=dict)  # (association, subject) -> Known
    changed: set = field(default_factory=set)  # (association, subject) whose Known changed
    stocks_from: dict = field(default_factory=dict)  # association -> first month whose stocks changed


_ADDITIVE_CELLS = frozenset(c.path for c in F.CELLS if c.kind in F.ADDITIVE)
_STOCK_CELLS = frozenset(F.STOCK_CELLS)
_MEDIAN_CELLS = frozenset(F.MEDIANS)


def fold(facts, subjects=None):
    """Fold facts into cell amounts per (association, desk, month). This loop runs a million times in a
    rebuild, hence its plain dicts. `subjects` holds what is known of the subjects the facts concern (it
    is updated in place: a rebuild passes the same dict to every batch)."""
    folded = Folded(subjects={} if subjects is None else subjects)
    counts, seen, touched, days = folded.counts, folded.visitors, folded.touched, folded.days
    through_subjects = {event_type for event_type, _ in REMEMBERED}  # sets of strings: the cheapest tests
    only_subjects = through_subjects - {event_type for event_type, _ in PROJECTORS}
    for fact in facts:
        if fact.type in through_subjects:
            _fold_subject(folded, fact)
            if fact.type in only_subjects:
                continue
        month, amounts, refs, lengths = project(fact)
        where = (fact.association_id, fact.pimms_id or NO_DESK, month)
        bucket = counts.get(where)
        if bucket is None:
            bucket = counts[where] = {}
        for cell, amount in amounts.items():
            if amount:
                if cell not in _ADDITIVE_CELLS:
                    raise UnknownCell(f"{fact.type} adds to {cell!r}, which is not an additive figure")
                bucket[cell] = bucket.get(cell, 0) + amount
                if cell in _STOCK_CELLS:
                    _stock_changed(folded, fact.association_id, month)
        for ref in refs:
            seen.add((*where, ref))
        for cell, length in lengths:
            if cell not in _MEDIAN_CELLS:
                raise UnknownCell(f"{fact.type} adds days to {cell!r}, which is not a median")
            key = (*where, cell, length)
            days[key] = days.get(key, 0) + 1
        touched.add((fact.association_id, month))
    return folded


def _stock_changed(folded, association_id, month):
    first = folded.stocks_from.get(association_id)
    folded.stocks_from[association_id] = month if first is None else min(first, month)


def _fold_subject(folded, fact):
    """Add what the subject contributes now, less what it contributed before."""
    remembered = REMEMBERED.get((fact.type, fact.version))
    if remembered is None:
        raise UnknownEvent(f"no projector for {fact.type} v{fact.version}")
    name = remembered.subject(fact)
    if name is None:
        return  # the fact concerns no subject (a training on another topic than budget)
    key = (fact.association_id, name)
    before = folded.subjects.get(key)
    state = remembered.merge(before.state if before else None, fact)
    if before is not None and state == before.state:
        return  # an older revision, or a fact already known: nothing changes
    cells = tuple(remembered.contribute(state))
    for sign, contributed in ((-1, before.cells if before else ()), (1, cells)):
        for desk, month, amounts in contributed:
            where = (fact.association_id, desk, month)
            bucket = folded.counts.setdefault(where, {})
            for cell, amount in amounts.items():
                if amount:
                    if cell not in _ADDITIVE_CELLS:
                        raise UnknownCell(f"{fact.type} adds to {cell!r}, which is not an additive figure")
                    bucket[cell] = bucket.get(cell, 0) + sign * amount
                    if cell in _STOCK_CELLS:
                        _stock_changed(folded, fact.association_id, month)
            folded.touched.add((fact.association_id, month))
    folded.subjects[key] = Known(state, cells)
    folded.changed.add(key)


