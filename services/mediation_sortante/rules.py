"""Médiation sortante's rules: what a desk may record in a campaign, from opening it to its close and the
purge of identities. No database, no broker: plain functions over the request's values, the clock and the
few facts the store hands in (a campaign's terms, a case's attempts so far); they return what to record or
raise the typed error naming the field and the rule, and the store applies what they decide (store.py).

Decisions:
- an attempt is refused once the case has had the campaign's `max_attempts`; when that last allowed
  attempt fails and no attempt ever reached the person, the case is resolved `unreachable` at once
  (`automatic`), since no other outcome is possible any more;
- `unreachable` by hand needs every allowed attempt made (someone reached once, then never again); every
  other outcome needs an attempt that reached the person;
- a campaign closes only when every case has its outcome, so the partner is billed for work done and
  nothing is called unreachable that was not tried; nothing is recorded in a closed campaign;
- except one left open past OPEN_CAMPAIGN_LIMIT_DAYS: the daily job closes it, its open cases `expired`
  (not `unreachable`: nobody decided it, and some were never tried), so that its identities do not stay
  forever; the normal retention then runs from that close;
- a statement is marked sent only once its campaign is closed (before, it is not final), and once; its
  partner references go STATEMENT_REFERENCE_RETENTION_DAYS after it was sent, its counts stay."""
import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from shared.contracts.mediation_sortante import CHANNELS, OUTCOMES_NEEDING_ACTS
from shared.errors import Conflict, NotFound, invalid

CLOCK_SKEW = dt.timedelta(minutes=5)  # a desk's clock may run a little ahead of the server's


@dataclass(frozen=True)
class CampaignFacts:
    """A campaign as the rules and the statement read it; moments are aware, in UTC."""

    id: str
    pimms_id: str
    partner: str
    label: str | None
    channels: tuple
    max_attempts: int
    status: str  # open | closed
    opened_at: dt.datetime
    closed_at: dt.datetime | None = None


class AttemptFact(NamedTuple):
    at: dt.datetime  # aware, in UTC
    reached: bool


@dataclass(frozen=True)
class CaseFacts:
    id: str
    status: str  # open | resolved
    outcome: str | None
    attempts: tuple = ()  # AttemptFact, in the order they were numbered


def moment(value, now, field):
    """A moment given by the caller (default: now), in UTC, and not in the future; `field` names it in the
    error."""
    chosen = now if value is None else value.astimezone(dt.timezone.utc)
    if chosen > now + CLOCK_SKEW:
        raise invalid(field, "must not be in the future")
    return chosen


# -- campaigns ----------------------------------------------------------------------------------------------
def campaign_channels(requested):
    """The channels a campaign uses: each once, in the vocabulary's order (the statement's)."""
    return [channel for channel in CHANNELS if channel in requested]


def still_open(campaign_id, status, doing):
    """Nothing is imported into, nor assigned in, a closed campaign; `doing` says what was refused."""
    if status != "open":
        raise Conflict(f"campaign {campaign_id} is closed: nothing can {doing} it any more")


def may_close(campaign, open_cases, last_outcome, closed_at):
    """A campaign closes once, when none of its cases is open, and not before it opened nor before its last
    outcome (`last_outcome`: None without any)."""
    if campaign.status != "open":
        raise Conflict(f"campaign {campaign.id} is already closed")
    if open_cases:
        raise Conflict(f"campaign {campaign.id} still has {open_cases} open case(s): record their outcome "
                       "(or their remaining attempts) before closing it")
    if closed_at < max(filter(None, (campaign.opened_at, last_outcome))):
        raise invalid("closed_at", "must not be before the campaign opened or its last outcome")


# -- the partner's file -------------------------------------------------------------------------------------
def sort_out(rows, known):
    """The file's good rows not yet in the campaign, and the lines of those whose reference already is
    (`known`: the campaign's references): importing the same file twice adds nothing."""
    new, already = [], []
    for row in rows:
        if row.partner_ref in known:
            already.append(row.line)
        else:
            new.append(row)
    return new, already


# -- agents -------------------------------------------------------------------------------------------------
def may_assign(campaign_id, wanted, statuses):
    """Every case asked for is in the campaign (`statuses`: the status of each one found, by id) and still
    open: only open cases are assigned."""
    missing = set(wanted) - set(statuses)
    if missing:
        raise NotFound(f"no case {sorted(missing)[0]} in campaign {campaign_id}")
    resolved = sorted(case_id for case_id, status in statuses.items() if status != "open")
    if resolved:
        raise Conflict(f"case {resolved[0]} already has its outcome: only open cases are assigned")


def deal(agent_ids, cases):
    """The agents to give `cases` open cases to, in turn (each agent once, in the order given), and how many
    each gets.

    >>> deal(["amina", "bruno", "amina"], 3)
    (['amina', 'bruno', 'amina'], {'amina': 2, 'bruno': 1})"""
    agents = list(dict.fromkeys(agent_ids))
    holders = [agents[index % len(agents)] for index in range(cases)]
    assigned = dict.fromkeys(agents, 0)
    for agent in holders:
        assigned[agent] += 1
    return holders, assigned


def holder_after_attempt(holder, agent_id):
    """Whoever tries first holds the case."""
    return agent_id if holder is None else holder


# -- cases --------------------------------------------------------------------------------------------------
def admit_attempt(campaign, case, channel, at, now):
    """The number and the moment (in UTC) of a new attempt on `case`, or the error that refuses it."""
    if campaign.status != "open":
        raise Conflict(f"campaign {campaign.id} is closed: no attempt after its close")
    if case.status != "open":
        raise Conflict(f"case {case.id} already has its outcome ({case.outcome}): no more attempts")
    if channel not in campaign.channels:
        raise invalid("channel", f"must be one of this campaign's channels: {', '.join(campaign.channels)}")
    at = moment(at, now, "at")
    if at < campaign.opened_at:
        raise invalid("at", "must not be before the campaign opened")
    number = len(case.attempts) + 1
    if number > campaign.max_attempts:
        raise Conflict(f"case {case.id} has had the campaign's {campaign.max_attempts} attempts: "
                       "record its outcome")
    return number, at


def unreachable_since(max_attempts, attempts):
    """When a case becomes unreachable with no agent's decision (its latest attempt): the last allowed
    attempt was made and none of `attempts` (all of them, the new one included) reached the person. None
    while someone may still answer, or was reached once."""
    if len(attempts) == max_attempts and not any(attempt.reached for attempt in attempts):
        return max(attempt.at for attempt in attempts)
    return None


def admit_outcome(max_attempts, case, outcome, acts, resolved_at, now):
    """The acts (each once, in the order given) and the moment (in UTC) of the one outcome of `case`, or the
    error that refuses it."""
    if case.status != "open":
        raise Conflict(f"case {case.id} already has its outcome ({case.outcome})")
    acts = list(dict.fromkeys(acts))
    resolved_at = moment(resolved_at, now, "resolved_at")
    attempts = case.attempts
    if not attempts:
        raise Conflict(f"case {case.id} has no attempt yet: an outcome follows an attempt")
    if outcome == "unreachable":
        if len(attempts) < max_attempts:
            raise Conflict(f"case {case.id} has had {len(attempts)} of the campaign's {max_attempts} "
                           "attempts: it is unreachable only after all of them")
        if acts:
            raise invalid("acts", "an unreachable case has no acts")
    else:
        if not any(attempt.reached for attempt in attempts):
            raise Conflict(f"case {case.id} was never reached: {outcome} needs an attempt that reached them")
        if outcome in OUTCOMES_NEEDING_ACTS and not acts:
            raise invalid("acts", f"{outcome} needs at least one act de médiation")
    if resolved_at < max(attempt.at for attempt in attempts):
        raise invalid("resolved_at", "must not be before the case's last attempt")
    return acts, resolved_at


# -- the statement sent -------------------------------------------------------------------------------------
def may_mark_statement_sent(campaign, sent_before, sent_at):
    """The statement of a closed campaign is marked sent once (`sent_before`: when it already was, or None),
    and not before the close that froze it."""
    if campaign.status != "closed":
        raise Conflict(f"campaign {campaign.id} is still open: its statement is not final, and can be marked "
                       "sent only once the campaign is closed")
    if sent_before is not None:
        raise Conflict(f"the statement of campaign {campaign.id} was already marked sent at "
                       f"{sent_before.isoformat()}")
    if sent_at < campaign.closed_at:
        raise invalid("sent_at", "must not be before the campaign's close, which froze the statement")


# -- retention ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetentionLimits:
    """How long each category of data is kept, in days; each is a setting of config.yaml (SETTINGS)."""

    contact_days: int = 90  # identities of a closed campaign's contacts, from its close
    open_campaign_days: int = 180  # a campaign left open, from its opening, before the job closes it
    # partner references in a statement, from when it was sent; not at once, since the partner checks the bill
    # in its monthly cycle and may dispute a line by its reference (config.yaml says more)
    statement_reference_days: int = 30


SETTINGS = {"CONTACT_RETENTION_DAYS": "contact_days", "OPEN_CAMPAIGN_LIMIT_DAYS": "open_campaign_days",
            "STATEMENT_REFERENCE_RETENTION_DAYS": "statement_reference_days"}
MINIMUM_DAYS = {"open_campaign_days": 1}  # 0 would close every campaign the day it opens


def retention_limits(config):
    """The limits the service's configuration sets (a setting left out keeps its default), or a ValueError
    naming the setting that is not a whole number of days or too small."""
    chosen = {}
    for setting, field in SETTINGS.items():
        if config.get(setting) is None:
            continue
        try:
            days = int(config[setting])
        except (TypeError, ValueError):
            raise ValueError(f"{setting} must be a whole number of days, not {config[setting]!r}") from None
        if days < MINIMUM_DAYS.get(field, 0):
            raise ValueError(f"{setting} must be at least {MINIMUM_DAYS.get(field, 0)} days, not {days}")
        chosen[field] = days
    return RetentionLimits(**chosen)


def purge_cutoff(as_of, days):
    """What happened at this moment or before (a close, an opening, a statement sent) is `days` old or more:
    kept long enough."""
    return as_of - dt.timedelta(days=days)


def expiry_close(as_of, recorded):
    """The moment the job closes a campaign left open past its limit, and its open cases expire: `as_of`,
    or the latest moment recorded in it (`recorded`: its last attempt and last outcome, None without) when a
    desk's clock running ahead (CLOCK_SKEW) put one later, so that nothing comes after the close."""
    return max([as_of, *(moment for moment in recorded if moment is not None)])
