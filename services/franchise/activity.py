"""What head office keeps of the associations' activity, as plain rules: which desk an event counts for,
which of two facts wins, which facts an evaluation reads, when an evaluation is published, and what head
office reads of a desk. No database, no broker: store.py keeps the facts and evaluates (compliance.py).

Activity events reach head office through each association's uplink (deploy/topology/). Of them, this
service keeps facts only: the last day a desk used each registre, hours per agent and ISO week, the day
an association's monthly figures first arrived. Visitor references and visit details are dropped on
arrival. After each fact, the desk is evaluated (compliance.py) and `franchise.compliance_evaluated` is
published if its status changed; a timer re-evaluates every desk, since time alone moves the window."""
import datetime as dt

from services.franchise import compliance


class ForeignDesk(Exception):
    """An event names a desk that head office registered to another association: it is not counted."""


# -- which desk, which day, which week --------------------------------------------------------------------
def counted_desk(event, owner):
    """The event's desk. `owner` is the association head office registered it to, None if it has not
    registered it yet: such a desk is kept as it comes, its facts count once it is registered and under
    contract."""
    if event.pimms_id is None:
        raise ForeignDesk(f"{event.type} from {event.association_id} names no desk")
    if owner is not None and owner != event.association_id:
        raise ForeignDesk(f"{event.type} from {event.association_id} names desk {event.pimms_id} of {owner}")
    return event.pimms_id


def has_desk(event):
    """Hours of an agent not attached to a desk are not counted: there is no desk's share to count them in."""
    return event.pimms_id is not None


def visit_day(payload):
    """The day a visit used its registres: the UTC day it closed."""
    return payload["closed_at"].astimezone(dt.timezone.utc).date()


def workshop_day(payload):
    return payload["held_on"]


def week_start(week_code):
    """The Monday of an ISO week code.

    >>> week_start("2026-W03")
    datetime.date(2026, 1, 12)"""
    year, week = week_code.split("-W")
    return dt.date.fromisocalendar(int(year), int(week), 1)


def agent_week(pimms_id, payload):
    """The key of the hours an event adds to: (desk, agent, Monday of the week)."""
    return pimms_id, payload["agent_id"], week_start(payload["week"])


def is_monthly(period):
    """Only a month's figures ("YYYY-MM") are due monthly; yearly totals change nothing here."""
    return len(period) == 7


# -- which of two facts wins --------------------------------------------------------------------------------
def later_use(day, last_used_on):
    """Events may arrive out of order: the latest day a registre was used wins."""
    return last_used_on < day


def newer_work_time(revision, known_revision):
    """A week's hours worked are its total: a later revision replaces an earlier one, never the reverse."""
    return revision > known_revision


def arrived_earlier(sent_at, first_sent_at):
    """The first arrival of a month's figures decides whether it was on time: a later revision is a
    correction and does not make the month late."""
    return first_sent_at > sent_at


# -- evaluation -----------------------------------------------------------------------------------------
def in_force(valid_from, valid_to, today):
    """Whether a contract's period includes today (a suspended contract still counts: its desks are still
    held to the norm; a terminated one is not read at all)."""
    return valid_from <= today and (valid_to is None or today <= valid_to)


def first_week_read(today):
    """The earliest Monday whose week can count: compliance counts a week when its Thursday is in the window."""
    return compliance.window_start(today) - compliance.THURSDAY


def desk_facts(registres_last_used, hours, figures_sent):
    """compliance.DeskFacts from what is kept: (registre, last day used) pairs, (agent, Monday, worked,
    training) rows, (month, first sent) pairs with aware instants."""
    return compliance.DeskFacts(
        registres_last_used={r: d for r, d in registres_last_used},
        hours=tuple(compliance.AgentHours(agent_id, monday, worked, training)
                    for agent_id, monday, worked, training in hours),
        figures_sent={m: at for m, at in figures_sent},
    )


def status_changed(previous, card):
    """`compliance_evaluated` is published only when the status changes, a desk's first evaluation included
    (`previous` None)."""
    return card.status != previous


# -- what head office reads ---------------------------------------------------------------------------------
def desk_card(pimms_id, association_id, card, evaluated_at):
    """A desk's last evaluation as read: `card` is the kept Scorecard.to_json(), `evaluated_at` aware."""
    return {"pimms_id": pimms_id, "association_id": association_id, **card,
            "evaluated_at": evaluated_at.isoformat()}


def network_scorecard(desks, today):
    """Every desk's card and the number of desks per status (every status, zero included)."""
    totals = {status: sum(d["status"] == status for d in desks) for status in compliance.SEVERITY}
    return {"as_of": today.isoformat(), "totals": totals, "desks": desks}
