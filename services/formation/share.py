"""The training share as plain arithmetic: hours of training and of the professional project over hours
worked, per agent or per desk, against the floor of the association's franchise contract. No database: the
store (store.py) sums each agent's minutes over the whole ISO weeks of a period; this module judges them
and shapes the answers."""
import math
from dataclasses import dataclass
from decimal import Decimal

from services.formation.rules import to_hours


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


def training_share(req, times, floor):
    """The share of the agents in `times` ({agent_id: Time}) taken together: one agent's, or a desk's.
    `floor` is (floor_pct, source)."""
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


def agents_under_floor(req, times, employed, floor):
    """The desk's agents whose share over the period is below the floor, lowest first, with the hours of
    training they lack; and those `employed` in the period (agent ids, in order) with no work time logged,
    whose share is unknown."""
    floor_pct, source = floor
    under = sorted(
        ({"agent_id": agent_id, "work_hours": to_hours(t.work), "training_hours": to_hours(t.trained),
          "share_pct": t.share_pct(), "missing_hours": to_hours(t.missing_minutes(floor_pct))}
         for agent_id, t in times.items() if t.below(floor_pct)),
        key=lambda a: (a["share_pct"], a["agent_id"]))
    unknown = [agent_id for agent_id in employed if agent_id not in times or times[agent_id].work == 0]
    return {"pimms_id": req["pimms_id"], **_period(req), "floor_pct": floor_pct, "floor_source": source,
            "agents": under, "without_work_time": unknown}


def _period(req):
    return {"from": req["start"].isoformat(), "to": req["end"].isoformat()}
