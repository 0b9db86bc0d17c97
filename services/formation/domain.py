"""Agents médiateurs: hiring, weeks of work, training within working time, the qualification path, the exit
and whether it is a sortie positive. Plain functions over a SQLAlchemy session; the outbox comes in through
`uow.publish`. The training share against the contract's floor lives in `share.py`."""
import datetime as dt
import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from services.formation.models import Agent, Milestone, Training, WorkWeek
from shared.contracts.formation import TIMED_OUTCOMES
from shared.contracts.formation import SUNDAY, monday_of, week_code
from shared.errors import Conflict, NotFound, invalid

# A desk's calendar runs up to 14 hours ahead of UTC (the Pacific territories): a date no later than UTC's
# date 14 hours from now is not in the future anywhere in the network.
AHEAD_OF_UTC = dt.timedelta(hours=14)
DAY_MAX_HOURS = 10  # Code du travail, L3121-18: at most 10 hours of work in a day
WEEK_MAX_HOURS = 48  # L3121-20: at most 48 hours of work in a week

# Sortie positive, the network's definition: a lasting job, one's own business, or a qualifying course.
POSITIVE_OUTCOMES = frozenset({"cdi", "own_business", "qualifying_course"})
LASTING_MONTHS = 6  # a CDD or an interim assignment is a lasting job from 6 months on


# -- the rules ----------------------------------------------------------------------------------------------
def is_positive_exit(outcome, contract_months=None):
    """CDI, CDD or interim of 6 months or more, own business, qualifying course: positive. Job search,
    other, and a shorter CDD or interim: not."""
    if outcome in POSITIVE_OUTCOMES:
        return True
    if outcome in TIMED_OUTCOMES:
        return contract_months is not None and contract_months >= LASTING_MONTHS
    return False


def hours_allowed(week_start, hired_on, exited_on=None):
    """The most work one week can hold for an agent: 10 hours for each day of it they were employed,
    48 hours at most; 0 for a week wholly outside their employment."""
    first = max(week_start, hired_on)
    last = week_start + SUNDAY if exited_on is None else min(week_start + SUNDAY, exited_on)
    days = (last - first).days + 1
    return max(0, min(WEEK_MAX_HOURS, DAY_MAX_HOURS * days))


def to_minutes(hours):
    return round(hours * 60)


def some_minutes(req, field):
    """A duration that must not be nil, in whole minutes: 0.001 hours is no time at all."""
    minutes = to_minutes(req[field])
    if minutes < 1:
        raise invalid(field, "must be at least one minute")
    return minutes


def to_hours(minutes):
    return round(minutes / 60, 4)


def local_today(now):
    return (now + AHEAD_OF_UTC).date()


# -- hiring -------------------------------------------------------------------------------------------------
def hire_agent(uow, req, now, contract):
    if req["hired_on"] > local_today(now):
        raise invalid("hired_on", "must not be in the future: record the hire from its first day")
    contract.check("formation", pimms_id=req["pimms_id"], on=req["hired_on"])
    agent_id = req["agent_id"] or f"ag-{uuid.uuid4().hex[:12]}"
    if uow.session.get(Agent, agent_id) is not None:
        raise Conflict(f"agent_id {agent_id} is already taken")
    agent = Agent(
        id=agent_id, pimms_id=req["pimms_id"], first_name=req["first_name"], last_name=req["last_name"],
        gender=req["gender"], contract_type=req["contract_type"], weekly_minutes=some_minutes(req, "weekly_hours"),
        hired_on=req["hired_on"], created_at=now,
    )
    uow.session.add(agent)
    try:
        uow.session.flush()
    except IntegrityError:  # the same id given twice at the same moment
        raise Conflict(f"agent_id {agent_id} is already taken") from None
    uow.publish("formation.agent_hired", {
        "agent_id": agent.id, "gender": agent.gender, "contract_type": agent.contract_type,
        "weekly_hours": to_hours(agent.weekly_minutes), "hired_on": agent.hired_on,
    }, pimms_id=agent.pimms_id, occurred_at=now)
    return agent


def get_agent(session, agent_id, lock=False):
    """The agent, row-locked when `lock` (on PostgreSQL), so that checks and writes about one agent never
    interleave: two trainings of a week together beyond its work time, or two exits."""
    agent = session.get(Agent, str(agent_id), with_for_update=lock or None)
    if agent is None:
        raise NotFound(f"no agent {agent_id}")
    return agent


def _check_week(agent, week, now):
    code = week_code(week)
    if week > monday_of(local_today(now)):
        raise invalid("week", f"{code} has not started yet")
    if week + SUNDAY < agent.hired_on:
        raise invalid("week", f"{code} is before the agent was hired on {agent.hired_on}")
    if agent.exited_on is not None and week > agent.exited_on:
        raise invalid("week", f"{code} is after the agent left on {agent.exited_on}")


def _training_minutes(session, agent_id, week):
    return session.scalar(select(func.coalesce(func.sum(Training.minutes), 0)).where(
        Training.agent_id == agent_id, Training.week_start == week))


# -- work time and training ---------------------------------------------------------------------------------
def log_work_time(uow, req, now):
    """Set the hours an agent worked in a week. Logging a week again corrects it: the new figure replaces
    the old, and the event carries the week's total with a growing revision."""
    session = uow.session
    agent = get_agent(session, req["agent_id"], lock=True)
    week, code, minutes = req["week"], week_code(req["week"]), to_minutes(req["hours"])
    _check_week(agent, week, now)
    allowed = hours_allowed(week, agent.hired_on, agent.exited_on)
    if minutes > allowed * 60:
        raise invalid("hours", f"{code} allows at most {allowed} hours for this agent "
                               f"({DAY_MAX_HOURS} h a day employed, {WEEK_MAX_HOURS} h a week)")
    trained = _training_minutes(session, agent.id, week)
    if minutes < trained:
        raise invalid("hours", f"is less than the {to_hours(trained)} h of training already logged for {code}, "
                               "which is part of working time")
    row = session.get(WorkWeek, (agent.id, week))
    if row is not None and row.minutes == minutes:
        return work_view(row)  # the same figure again (a retry): nothing changes, nothing to publish
    if row is None:
        row = WorkWeek(agent_id=agent.id, week_start=week, minutes=minutes, revision=1, logged_at=now)
        session.add(row)
    else:
        row.minutes, row.revision, row.logged_at = minutes, row.revision + 1, now
    uow.publish("formation.work_time_logged", {
        "agent_id": agent.id, "week": code, "hours": to_hours(minutes), "revision": row.revision,
    }, pimms_id=agent.pimms_id, occurred_at=now)
    return work_view(row)


def log_training(uow, req, now):
    """Add a training session (or time on the professional project) to a week whose work time is logged:
    training is part of working time, so the week's work comes first and bounds it."""
    session = uow.session
    agent = get_agent(session, req["agent_id"], lock=True)
    week, code, minutes = req["week"], week_code(req["week"]), some_minutes(req, "hours")
    _check_week(agent, week, now)
    work = session.get(WorkWeek, (agent.id, week))
    if work is None:
        raise invalid("week", f"{code} has no work time logged: log the week's work time before its training, "
                              "which is part of it")
    trained = _training_minutes(session, agent.id, week) + minutes
    if trained > work.minutes:
        raise invalid("hours", f"would bring {code}'s training to {to_hours(trained)} h, beyond the "
                               f"{to_hours(work.minutes)} h of work logged for it")
    training = Training(id=str(uuid.uuid4()), agent_id=agent.id, week_start=week, minutes=minutes,
                        kind=req["kind"], topic=req["topic"], provider=req["provider"], logged_at=now)
    session.add(training)
    uow.publish("formation.training_logged", {
        "training_id": uuid.UUID(training.id), "agent_id": agent.id, "week": code, "hours": to_hours(minutes),
        "kind": training.kind, "topic": training.topic, "provider": training.provider,
    }, pimms_id=agent.pimms_id, occurred_at=now)
    return training_view(training)


# -- qualification path and exit ----------------------------------------------------------------------------
def add_milestone(session, req, now):
    agent = get_agent(session, req["agent_id"], lock=True)
    day = req["reached_on"]
    if day > local_today(now):
        raise invalid("reached_on", "must not be in the future")
    if day < agent.hired_on:
        raise invalid("reached_on", f"is before the agent was hired on {agent.hired_on}")
    if agent.exited_on is not None and day > agent.exited_on:
        raise invalid("reached_on", f"is after the agent left on {agent.exited_on}")
    agent.milestones.append(Milestone(kind=req["kind"], reached_on=day, recorded_at=now))
    return agent


def record_exit(uow, req, now):
    session = uow.session
    agent = get_agent(session, req["agent_id"], lock=True)
    if agent.exited_on is not None:
        raise Conflict(f"agent {agent.id} already left on {agent.exited_on}: an exit is recorded once")
    day = req["exited_on"]
    if day > local_today(now):
        raise invalid("exited_on", "must not be in the future")
    if day < agent.hired_on:
        raise invalid("exited_on", f"is before the agent was hired on {agent.hired_on}")
    _check_nothing_after(session, agent, day)
    agent.exited_on, agent.exit_outcome = day, req["outcome"]
    agent.exit_contract_months = req["contract_months"]
    agent.exit_positive = is_positive_exit(req["outcome"], req["contract_months"])
    uow.publish("formation.agent_exited", {
        "agent_id": agent.id, "exited_on": day, "outcome": agent.exit_outcome,
        "contract_months": agent.exit_contract_months, "positive": agent.exit_positive,
    }, pimms_id=agent.pimms_id, occurred_at=now)
    return agent


def _check_nothing_after(session, agent, day):
    """An exit date must leave every week already logged, and every milestone, within the employment."""
    last_week = session.scalar(select(func.max(WorkWeek.week_start)).where(WorkWeek.agent_id == agent.id))
    if last_week is not None and last_week > day:
        raise invalid("exited_on", f"work time is logged for {week_code(last_week)}, after this date")
    exit_week = session.get(WorkWeek, (agent.id, monday_of(day)))
    if exit_week is not None:
        allowed = hours_allowed(exit_week.week_start, agent.hired_on, day)
        if exit_week.minutes > allowed * 60:
            raise invalid("exited_on", f"{week_code(exit_week.week_start)} has {to_hours(exit_week.minutes)} h "
                                       f"of work logged, more than its {allowed} h up to this date allow")
    late = [m for m in agent.milestones if m.reached_on > day]
    if late:
        raise invalid("exited_on", f"milestone {late[0].kind} is recorded on {late[0].reached_on}, after this date")


# -- reading ------------------------------------------------------------------------------------------------
def list_agents(session, req):
    query = select(Agent).where(Agent.pimms_id == req["pimms_id"])
    if req["status"] == "employed":
        query = query.where(Agent.exited_on.is_(None))
    elif req["status"] == "exited":
        query = query.where(Agent.exited_on.is_not(None))
    return list(session.scalars(query.order_by(Agent.hired_on, Agent.id)))


def agent_view(agent):
    """What the association reads of its agent, identity included: this never goes into an event."""
    exit_ = None
    if agent.exited_on is not None:
        exit_ = {"exited_on": agent.exited_on.isoformat(), "outcome": agent.exit_outcome,
                 "contract_months": agent.exit_contract_months, "positive": agent.exit_positive}
    return {
        "agent_id": agent.id, "pimms_id": agent.pimms_id, "first_name": agent.first_name,
        "last_name": agent.last_name, "gender": agent.gender, "contract_type": agent.contract_type,
        "weekly_hours": to_hours(agent.weekly_minutes), "hired_on": agent.hired_on.isoformat(),
        "status": "employed" if exit_ is None else "exited", "exit": exit_,
    }


def agent_detail(session, agent):
    worked = session.scalar(select(func.coalesce(func.sum(WorkWeek.minutes), 0))
                            .where(WorkWeek.agent_id == agent.id))
    trained = session.scalar(select(func.coalesce(func.sum(Training.minutes), 0))
                             .where(Training.agent_id == agent.id))
    return {
        **agent_view(agent),
        # sorted here too: a milestone just added sits at the end of the loaded list, whatever its date
        "milestones": [{"kind": m.kind, "reached_on": m.reached_on.isoformat()}
                       for m in sorted(agent.milestones, key=lambda m: m.reached_on)],
        "work_hours": to_hours(worked), "training_hours": to_hours(trained),
    }


def work_view(row):
    return {"agent_id": row.agent_id, "week": week_code(row.week_start), "hours": to_hours(row.minutes),
            "revision": row.revision}


def training_view(training):
    return {"training_id": training.id, "agent_id": training.agent_id, "week": week_code(training.week_start),
            "hours": to_hours(training.minutes), "kind": training.kind, "topic": training.topic,
            "provider": training.provider}
