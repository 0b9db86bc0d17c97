"""The norm XP X60-600 and the franchise contract as plain rules over one desk's facts, evaluated as of a
day over the rolling 12 months that end on it (365 days, both ends included). No database, no broker.

The rules, and the reason each shortfall gives (its severity in `REASONS`, in the franchise contract):
- Registres: at least 5 of the 8 registres used in the window, else `registres_below_minimum` (breach),
  or `registres_ramping_up` (warning) while the desk has been under contract for less than the window.
  With 5 or more, `registres_lapsing` (warning) when fewer than 5 would still be in the window in 90 days
  with no new use: head office gets three months' notice before a breach.
- Training: the desk's training share (training and professional-project hours over hours worked, weeks
  counted when their Thursday is in the window, as formation counts them) at or above the contract's floor,
  else `training_below_floor` (breach); the desk above it but an agent under it gives
  `agent_training_below_floor` (warning: an agent hired last month has had little time to train); no hours
  worked received at all gives `training_not_reported` (warning), the share is then unknown (None).
  A ratio means something from the first week, so training has no ramp-up period.
- Monthly figures: a month's figures are due at head office by the 10th of the next month. Every month
  whose due day fell in the window before today, and during which the desk was under contract, must have
  been received: never received is `figures_missing` (breach), received after the due day is
  `figures_late` (warning). Figures are the association's: one send covers all its desks.
The status is the worst severity among the reasons: ok without any."""
import datetime as dt
from dataclasses import dataclass, field

from shared.contracts.common import REGISTRES, REGISTRES_REQUIRED
from shared.contracts.franchise import REASONS

WINDOW_DAYS = 365
LAPSE_NOTICE_DAYS = 90
FIGURES_DUE_DAY = 10
SEVERITY = {"ok": 0, "warning": 1, "breach": 2}
THURSDAY = dt.timedelta(days=3)


@dataclass(frozen=True)
class AgentHours:
    agent_id: str
    week_start: dt.date  # the Monday of an ISO week
    worked: float
    training: float


@dataclass(frozen=True)
class DeskFacts:
    registres_last_used: dict = field(default_factory=dict)  # registre -> last day used
    hours: tuple = ()  # AgentHours
    figures_sent: dict = field(default_factory=dict)  # month "YYYY-MM" -> first sent (aware datetime)


@dataclass(frozen=True)
class Coverage:
    covered_since: dt.date
    training_floor_pct: float


@dataclass(frozen=True)
class Scorecard:
    period_start: dt.date
    period_end: dt.date
    status: str
    reasons: tuple
    registres: tuple
    training_share_pct: float | None
    training_floor_pct: float
    agents_below_floor: tuple
    figures_late: tuple
    figures_missing: tuple

    def payload(self, pimms_id, previous_status):
        """The `franchise.compliance_evaluated` payload: counts only, never who."""
        return {
            "pimms_id": pimms_id, "period": {"start": self.period_start, "end": self.period_end},
            "status": self.status, "previous_status": previous_status, "reasons": list(self.reasons),
            "registres_used": len(self.registres), "registres": list(self.registres),
            "training_share_pct": self.training_share_pct, "training_floor_pct": self.training_floor_pct,
            "agents_below_floor": len(self.agents_below_floor), "figures_late": len(self.figures_late),
            "figures_missing": len(self.figures_missing),
        }

    def to_json(self):
        """What head office reads of a desk (the scorecard RPC); agents are named by their staff codes."""
        return {
            "period": {"start": self.period_start.isoformat(), "end": self.period_end.isoformat()},
            "status": self.status, "reasons": list(self.reasons), "registres_used": len(self.registres),
            "registres": list(self.registres), "training_share_pct": self.training_share_pct,
            "training_floor_pct": self.training_floor_pct, "agents_below_floor": list(self.agents_below_floor),
            "figures_late": list(self.figures_late), "figures_missing": list(self.figures_missing),
        }


def window_start(today):
    return today - dt.timedelta(days=WINDOW_DAYS - 1)


def evaluate(facts, coverage, today):
    start = window_start(today)
    reasons = set()
    registres = _registres(facts, coverage, start, reasons)
    share, below = _training(facts, coverage, start, today, reasons)
    late, missing = _figures(facts, coverage, start, today, reasons)
    ordered = tuple(r for r in REASONS if r in reasons)
    status = max((REASONS[r] for r in ordered), key=SEVERITY.get, default="ok")
    return Scorecard(start, today, status, ordered, registres, share, coverage.training_floor_pct, below,
                     late, missing)


def _registres(facts, coverage, start, reasons):
    used = tuple(r for r in REGISTRES if r in facts.registres_last_used and facts.registres_last_used[r] >= start)
    if len(used) < REGISTRES_REQUIRED:
        reasons.add("registres_ramping_up" if coverage.covered_since > start else "registres_below_minimum")
    else:
        then = start + dt.timedelta(days=LAPSE_NOTICE_DAYS)
        if sum(facts.registres_last_used[r] >= then for r in used) < REGISTRES_REQUIRED:
            reasons.add("registres_lapsing")
    return used


def _training(facts, coverage, start, today, reasons):
    worked, trained = {}, {}
    for h in facts.hours:
        if start <= h.week_start + THURSDAY <= today:
            worked[h.agent_id] = worked.get(h.agent_id, 0.0) + h.worked
            trained[h.agent_id] = trained.get(h.agent_id, 0.0) + h.training
    total = sum(worked.values())
    if total <= 0:
        reasons.add("training_not_reported")
        return None, ()
    floor = coverage.training_floor_pct
    below = tuple(sorted(a for a, hours in worked.items() if hours > 0 and _under(trained[a], hours, floor)))
    if _under(sum(trained.values()), total, floor):
        reasons.add("training_below_floor")
    elif below:
        reasons.add("agent_training_below_floor")
    # training logged for weeks whose work time has not arrived yet can exceed the hours worked
    return min(100.0, round(100 * sum(trained.values()) / total, 1)), below


def _under(training, worked, floor_pct):
    return 100 * training / worked < floor_pct - 1e-9  # a share exactly at the floor meets it


def _figures(facts, coverage, start, today, reasons):
    late, missing = [], []
    for month, due in _months_due(start, today):
        if _month_end(month) < coverage.covered_since:
            continue
        sent = facts.figures_sent.get(month)
        if sent is None:
            missing.append(month)
        elif sent.astimezone(dt.timezone.utc).date() > due:
            late.append(month)
    if missing:
        reasons.add("figures_missing")
    if late:
        reasons.add("figures_late")
    return tuple(late), tuple(missing)


def _months_due(start, today):
    """(month "YYYY-MM", due day) for every month whose due day is in [start, today)."""
    year, month = start.year, start.month - 1  # the month due in start's month
    while True:
        if month == 0:
            year, month = year - 1, 12
        due_year, due_month = (year + 1, 1) if month == 12 else (year, month + 1)
        due = dt.date(due_year, due_month, FIGURES_DUE_DAY)
        if due >= today:
            return
        if due >= start:
            yield f"{year:04d}-{month:02d}", due
        year, month = due_year, due_month


def _month_end(month):
    year, number = int(month[:4]), int(month[5:])
    first_of_next = dt.date(year + (number == 12), number % 12 + 1, 1)
    return first_of_next - dt.timedelta(days=1)
