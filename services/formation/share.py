"""The training share: hours of training and of the professional project over hours worked, per agent or per
desk, over the whole ISO weeks of a period, against the floor of the association's franchise contract."""
import math
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from services.formation.domain import get_agent, to_hours
from services.formation.models import Agent, Training, WorkWeek
from shared.contracts.formation import week_start_bounds
from shared.contract_terms import current_terms


@dataclass
class Time:
    """Minutes over a period: worked, and spent on each kind of training (both kinds count)."""

    work: int = 0
    training: int = 0
    professional_project: int = 0

    @property
    def trained(self):
        return self.training + self.professional_project

    def share_pct(self):
        return None if self.work == 0 else round(100 * self.trained / self.work, 2)

    def below(self, floor_pct):
        """None when nothing was worked: there is no share to judge. A share exactly at the floor meets it."""
        return None if self.work == 0 else self.trained * 100 < _exact(floor_pct) * self.work

    def missing_minutes(self, floor_pct):
        return max(0, math.ceil(_exact(floor_pct) * self.work / 100 - self.trained))

    def __add__(self, other):
        return Time(self.work + other.work, self.training + other.training,
                    self.professional_project + other.professional_project)


def _exact(pct):
    """The floor as written (9.1, not 9.0999999999999996447): floats would put a share at the floor under it."""
    return Decimal(repr(float(pct)))


def training_floor(session, association_id, default_pct):
    """The floor of the contract last received from franchise, else the network's default."""
    terms = current_terms(session, association_id)
    if terms is None:
        return float(default_pct), "default"
    return terms.training_floor_pct, "contract"


def time_by_agent(session, where, start, end):
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


def training_share(session, req, floor):
    """The share of one agent (NotFound if unknown) or of a desk's agents taken together."""
    if req["scope"] == "agent":
        get_agent(session, req["id"])
        where = Agent.id == req["id"]
    else:
        where = Agent.pimms_id == req["id"]
    times = time_by_agent(session, where, req["start"], req["end"])
    total = sum(times.values(), Time())
    floor_pct, source = floor
    return {
        "scope": req["scope"], "id": req["id"], **_period(req),
        "work_hours": to_hours(total.work), "training_hours": to_hours(total.trained),
        "hours_by_kind": {"training": to_hours(total.training),
                          "professional_project": to_hours(total.professional_project)},
        "share_pct": total.share_pct(), "floor_pct": floor_pct, "floor_source": source,
        "below_floor": total.below(floor_pct), "agents": sum(1 for t in times.values() if t.work),
    }


def agents_under_floor(session, req, floor):
    """The desk's agents whose share over the period is below the floor, lowest first, with the hours of
    training they lack; and those employed in the period with no work time logged, whose share is unknown."""
    floor_pct, source = floor
    start, end = req["start"], req["end"]
    times = time_by_agent(session, Agent.pimms_id == req["pimms_id"], start, end)
    under = sorted(
        ({"agent_id": agent_id, "work_hours": to_hours(t.work), "training_hours": to_hours(t.trained),
          "share_pct": t.share_pct(), "missing_hours": to_hours(t.missing_minutes(floor_pct))}
         for agent_id, t in times.items() if t.below(floor_pct)),
        key=lambda a: (a["share_pct"], a["agent_id"]))
    employed = session.scalars(select(Agent.id).where(
        Agent.pimms_id == req["pimms_id"], Agent.hired_on <= end,
        (Agent.exited_on.is_(None)) | (Agent.exited_on >= start)).order_by(Agent.id))
    unknown = [agent_id for agent_id in employed if agent_id not in times or times[agent_id].work == 0]
    return {"pimms_id": req["pimms_id"], **_period(req), "floor_pct": floor_pct, "floor_source": source,
            "agents": under, "without_work_time": unknown}


def _period(req):
    return {"from": req["start"].isoformat(), "to": req["end"].isoformat()}
