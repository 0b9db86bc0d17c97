"""Formation's storage: agents, their weeks of work, trainings and milestones, each change written with its
event in one transaction (`uow.publish`, the outbox). A write about one agent locks the agent's row first,
then fetches the facts the rules (rules.py) judge, and writes only what they let through; the sums behind
the training share (share.py) are read here too, and former agents' names are erased here when their
retention is over."""
import uuid

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from services.formation import rules
from services.formation.models import Agent, Milestone, Training, WorkWeek
from services.formation.share import Time
from shared.contract_terms import current_terms
from shared.contracts.formation import monday_of, week_code, week_start_bounds
from shared.db import secure_delete
from shared.errors import Conflict, NotFound


# -- agents -------------------------------------------------------------------------------------------------
def hire_agent(uow, req, now, contract):
    rules.check_hiring_date(req["hired_on"], rules.local_today(now))
    contract.check("formation", pimms_id=req["pimms_id"], on=req["hired_on"])
    agent_id = req["agent_id"] or f"ag-{uuid.uuid4().hex[:12]}"
    if uow.session.get(Agent, agent_id) is not None:
        raise Conflict(f"agent_id {agent_id} is already taken")
    agent = Agent(
        id=agent_id, pimms_id=req["pimms_id"], first_name=req["first_name"], last_name=req["last_name"],
        gender=req["gender"], contract_type=req["contract_type"],
        weekly_minutes=rules.some_minutes(req["weekly_hours"], "weekly_hours"), hired_on=req["hired_on"],
        created_at=now,
    )
    uow.session.add(agent)
    try:
        uow.session.flush()
    except IntegrityError:  # the same id given twice at the same moment
        raise Conflict(f"agent_id {agent_id} is already taken") from None
    uow.publish("formation.agent_hired", {
        "agent_id": agent.id, "gender": agent.gender, "contract_type": agent.contract_type,
        "weekly_hours": rules.to_hours(agent.weekly_minutes), "hired_on": agent.hired_on,
    }, pimms_id=agent.pimms_id, occurred_at=now)
    return agent


def get_agent(session, agent_id, lock=False):
    """The agent, row-locked when `lock` (on PostgreSQL), so that checks and writes about one agent never
    interleave: two trainings of a week together beyond its work time, or two exits."""
    agent = session.get(Agent, str(agent_id), with_for_update=lock or None)
    if agent is None:
        raise NotFound(f"no agent {agent_id}")
    return agent


def employment(agent):
    return rules.Employment(agent.hired_on, agent.exited_on)


def _training_minutes(session, agent_id, week):
    return session.scalar(select(func.coalesce(func.sum(Training.minutes), 0)).where(
        Training.agent_id == agent_id, Training.week_start == week))


# -- work time and training ---------------------------------------------------------------------------------
def log_work_time(uow, req, now):
    """Set the hours an agent worked in a week. Logging a week again corrects it: the new figure replaces
    the old, and the event carries the week's total with a growing revision."""
    session = uow.session
    agent = get_agent(session, req["agent_id"], lock=True)
    week, minutes = req["week"], rules.to_minutes(req["hours"])
    rules.check_week(week, employment(agent), rules.local_today(now))
    rules.check_work_within_week(week, minutes, employment(agent))
    rules.check_work_covers_training(week, minutes, _training_minutes(session, agent.id, week))
    row = session.get(WorkWeek, (agent.id, week))
    if row is not None and row.minutes == minutes:
        return work_view(row)  # the same figure again (a retry): nothing changes, nothing to publish
    if row is None:
        row = WorkWeek(agent_id=agent.id, week_start=week, minutes=minutes, revision=1, logged_at=now)
        session.add(row)
    else:
        row.minutes, row.revision, row.logged_at = minutes, row.revision + 1, now
    uow.publish("formation.work_time_logged", {
        "agent_id": agent.id, "week": week_code(week), "hours": rules.to_hours(minutes), "revision": row.revision,
    }, pimms_id=agent.pimms_id, occurred_at=now)
    return work_view(row)


def log_training(uow, req, now):
    """Add a training session (or time on the professional project) to a week whose work time is logged:
    training is part of working time, so the week's work comes first and bounds it."""
    session = uow.session
    agent = get_agent(session, req["agent_id"], lock=True)
    week, minutes = req["week"], rules.some_minutes(req["hours"], "hours")
    rules.check_week(week, employment(agent), rules.local_today(now))
    work = session.get(WorkWeek, (agent.id, week))
    rules.check_work_logged(week, None if work is None else work.minutes)
    rules.check_training_within_work(week, minutes, _training_minutes(session, agent.id, week), work.minutes)
    training = Training(id=str(uuid.uuid4()), agent_id=agent.id, week_start=week, minutes=minutes,
                        kind=req["kind"], topic=req["topic"], provider=req["provider"], logged_at=now)
    session.add(training)
    uow.publish("formation.training_logged", {
        "training_id": uuid.UUID(training.id), "agent_id": agent.id, "week": week_code(week),
        "hours": rules.to_hours(minutes), "kind": training.kind, "topic": training.topic,
        "provider": training.provider,
    }, pimms_id=agent.pimms_id, occurred_at=now)
    return training_view(training)


# -- qualification path and exit ----------------------------------------------------------------------------
def add_milestone(session, req, now):
    agent = get_agent(session, req["agent_id"], lock=True)
    day = req["reached_on"]
    rules.check_milestone_date(day, employment(agent), rules.local_today(now))
    agent.milestones.append(Milestone(kind=req["kind"], reached_on=day, recorded_at=now))
    return agent


def record_exit(uow, req, now):
    session = uow.session
    agent = get_agent(session, req["agent_id"], lock=True)
    rules.check_first_exit(agent.id, employment(agent))
    day = req["exited_on"]
    rules.check_exit_date(day, employment(agent), rules.local_today(now))
    _check_nothing_after(session, agent, day)
    agent.exited_on, agent.exit_outcome = day, req["outcome"]
    agent.exit_contract_months = req["contract_months"]
    agent.exit_positive = rules.is_positive_exit(req["outcome"], req["contract_months"])
    uow.publish("formation.agent_exited", {
        "agent_id": agent.id, "exited_on": day, "outcome": agent.exit_outcome,
        "contract_months": agent.exit_contract_months, "positive": agent.exit_positive,
    }, pimms_id=agent.pimms_id, occurred_at=now)
    return agent


def _check_nothing_after(session, agent, day):
    """Read what an exit on `day` must leave within the employment (the weeks logged, the milestones) and
    ask the rule."""
    last_week = session.scalar(select(func.max(WorkWeek.week_start)).where(WorkWeek.agent_id == agent.id))
    exit_week = session.get(WorkWeek, (agent.id, monday_of(day)))
    rules.check_nothing_after(day, employment(agent), last_week, None if exit_week is None else exit_week.minutes,
                              [(m.kind, m.reached_on) for m in agent.milestones])


# -- retention of agents' names -----------------------------------------------------------------------------
def purge_identities(session, day, months, now):
    """Erase the names of the agents whose name has been kept `months` after their exit by `day`
    (rules.due_for_erasure): first and last name emptied, `now` recorded as the moment they went. What the
    figures count stays (gender, contract, weekly hours, dates, the exit and its outcome, work weeks, trainings,
    milestones) and nothing is published: no event ever carried a name. Returns how many names went."""
    secure_delete(session)
    leavers = session.execute(select(Agent.id, Agent.exited_on).where(
        Agent.exited_on.is_not(None), Agent.identity_erased_at.is_(None))).all()
    due = rules.due_for_erasure(leavers, day, months)
    if not due:
        return 0
    # `identity_erased_at IS NULL` again: two replicas' runs at once erase each name once, and count it once
    return session.execute(
        update(Agent).where(Agent.id.in_(due), Agent.identity_erased_at.is_(None))
        .values(first_name=None, last_name=None, identity_erased_at=now)
        .execution_options(synchronize_session=False)).rowcount


# -- reading ------------------------------------------------------------------------------------------------
def list_agents(session, req):
    query = select(Agent).where(Agent.pimms_id == req["pimms_id"])
    if req["status"] == "employed":
        query = query.where(Agent.exited_on.is_(None))
    elif req["status"] == "exited":
        query = query.where(Agent.exited_on.is_not(None))
    return list(session.scalars(query.order_by(Agent.hired_on, Agent.id)))


def agent_view(agent):
    """What the association reads of its agent, identity included: this never goes into an event. Once the
    name is erased (AGENT_RETENTION_MONTHS after the exit), first and last name are None and
    `identity_erased_at` says since when; everything else reads as before."""
    exit_ = None
    if agent.exited_on is not None:
        exit_ = {"exited_on": agent.exited_on.isoformat(), "outcome": agent.exit_outcome,
                 "contract_months": agent.exit_contract_months, "positive": agent.exit_positive}
    erased = agent.identity_erased_at
    return {
        "agent_id": agent.id, "pimms_id": agent.pimms_id, "first_name": agent.first_name,
        "last_name": agent.last_name, "gender": agent.gender, "contract_type": agent.contract_type,
        "weekly_hours": rules.to_hours(agent.weekly_minutes), "hired_on": agent.hired_on.isoformat(),
        "status": "employed" if exit_ is None else "exited", "exit": exit_,
        "identity_erased_at": None if erased is None else erased.isoformat(),
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
        "work_hours": rules.to_hours(worked), "training_hours": rules.to_hours(trained),
    }


def work_view(row):
    return {"agent_id": row.agent_id, "week": week_code(row.week_start), "hours": rules.to_hours(row.minutes),
            "revision": row.revision}


def training_view(training):
    return {"training_id": training.id, "agent_id": training.agent_id, "week": week_code(training.week_start),
            "hours": rules.to_hours(training.minutes), "kind": training.kind, "topic": training.topic,
            "provider": training.provider}


# -- the sums behind the training share ---------------------------------------------------------------------
def training_floor(session, association_id, default_pct):
    """The floor of the contract last received from franchise, else the network's default."""
    terms = current_terms(session, association_id)
    if terms is None:
        return float(default_pct), "default"
    return terms.training_floor_pct, "contract"


def times_in_scope(session, scope, scope_id, start, end):
    """{agent_id: Time} over the weeks of [start, end] for one agent (NotFound if unknown), or for each of a
    desk's agents."""
    if scope == "agent":
        get_agent(session, scope_id)
        where = Agent.id == scope_id
    else:
        where = Agent.pimms_id == scope_id
    return _time_by_agent(session, where, start, end)


def times_at_desk(session, pimms_id, start, end):
    return _time_by_agent(session, Agent.pimms_id == pimms_id, start, end)


def employed_between(session, pimms_id, start, end):
    """The ids of the desk's agents employed on some day of [start, end], in order."""
    return list(session.scalars(select(Agent.id).where(
        Agent.pimms_id == pimms_id, Agent.hired_on <= end,
        (Agent.exited_on.is_(None)) | (Agent.exited_on >= start)).order_by(Agent.id)))


def _time_by_agent(session, where, start, end):
    """{agent_id: Time} over the weeks of [start, end], for the agents selected by `where`."""
    low, high = week_start_bounds(start, end)
    times = {}
    worked = session.execute(
        select(WorkWeek.agent_id, func.sum(WorkWeek.minutes)).join(Agent, Agent.id == WorkWeek.agent_id)
        .where(where, WorkWeek.week_start.between(low, high)).group_by(WorkWeek.agent_id))
    for agent_id, minutes in worked:
        times[agent_id] = Time(work=int(minutes))
    trained = session.execute(
        select(Training.agent_id, Training.kind, func.sum(Training.minutes))
        .join(Agent, Agent.id == Training.agent_id)
        .where(where, Training.week_start.between(low, high)).group_by(Training.agent_id, Training.kind))
    for agent_id, kind, minutes in trained:
        setattr(times.setdefault(agent_id, Time()), kind, int(minutes))
    return times
