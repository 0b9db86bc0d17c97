"""Formation's queries and locks on SQLite and on PostgreSQL: the grouped sums of the training share, and
concurrent writes about one agent, which must not interleave."""
import eventlet
import pytest

from services.formation import store
from services.formation.service import MIGRATIONS
from shared.errors import Conflict, InvalidRequest


@pytest.fixture
def storage(db_url, migrated_storage):
    """The `formation` of conftest.py, on SQLite and on PostgreSQL."""
    return migrated_storage(MIGRATIONS, url=db_url)


def hire(formation, agent_id, pimms_id="lyon-8"):
    return formation.hire_agent({"agent_id": agent_id, "pimms_id": pimms_id, "first_name": "Awa",
                                 "last_name": "Diallo", "gender": "female", "contract_type": "cdd",
                                 "weekly_hours": 26, "hired_on": "2025-09-01"})["agent_id"]


def train(formation, agent_id, week, hours, kind="training"):
    return formation.log_training({"agent_id": agent_id, "week": week, "hours": hours, "kind": kind,
                                   "topic": "access_to_rights", "provider": "union-pimms"})


def test_the_share_sums_hours_per_agent_kind_and_desk_within_the_periods_weeks(formation):
    for agent_id, pimms_id in (("a1", "lyon-8"), ("a2", "lyon-8"), ("b1", "lyon-9")):
        hire(formation, agent_id, pimms_id)
        for week in ("2025-W39", "2025-W40", "2025-W44", "2025-W45"):
            formation.log_work_time({"agent_id": agent_id, "week": week, "hours": 26.5})
    train(formation, "a1", "2025-W40", 2.25)
    train(formation, "a1", "2025-W40", 1, kind="professional_project")
    train(formation, "a1", "2025-W39", 20)  # September's
    train(formation, "a2", "2025-W44", 5)
    train(formation, "b1", "2025-W44", 26.5)

    desk = formation.training_share({"scope": "desk", "id": "lyon-8", "from": "2025-10-01", "to": "2025-10-31"})
    assert (desk["work_hours"], desk["training_hours"], desk["agents"]) == (106.0, 8.25, 2)
    assert desk["hours_by_kind"] == {"training": 7.25, "professional_project": 1.0}
    under = formation.agents_under_floor({"pimms_id": "lyon-8", "from": "2025-10-01", "to": "2025-10-31"})
    assert [(a["agent_id"], a["share_pct"]) for a in under["agents"]] == [("a1", 6.13)]


@pytest.fixture
def slow_checks(monkeypatch):
    """Pause after each check reads, so that without a lock every concurrent call would read before any
    of them writes: the race is certain, not a matter of luck."""
    for name in ("_training_minutes", "_check_nothing_after"):
        check = getattr(store, name)

        def paused(*args, _check=check):
            result = _check(*args)
            eventlet.sleep(0.05)
            return result

        monkeypatch.setattr(store, name, paused)


def concurrently(formation, calls):
    """Run calls at once, each on a connection already open, so none finishes while others connect."""
    pool = eventlet.GreenPool()
    list(pool.imap(formation.get_agent, ["a1"] * len(calls)))  # opens as many pooled connections
    return [pool.spawn(call) for call in calls]


def test_trainings_logged_at_once_never_exceed_the_weeks_work_time(formation, slow_checks):
    hire(formation, "a1")
    formation.log_work_time({"agent_id": "a1", "week": "2025-W40", "hours": 10})
    attempts = concurrently(formation, [lambda: train(formation, "a1", "2025-W40", 6)] * 4)
    outcomes = []
    for attempt in attempts:
        try:
            outcomes.append(attempt.wait()["hours"])
        except InvalidRequest as exc:
            outcomes.append("hours" in exc.errors and "refused")
    assert sorted(outcomes, key=str) == [6.0, "refused", "refused", "refused"]
    assert formation.get_agent("a1")["training_hours"] == 6.0


def test_exits_recorded_at_once_leave_one_exit(formation, slow_checks):
    hire(formation, "a1")
    attempts = concurrently(formation, [
        lambda outcome=outcome: formation.record_exit({"agent_id": "a1", "exited_on": "2025-12-19",
                                                       "outcome": outcome})
        for outcome in ("cdi", "job_search", "other")])
    outcomes = []
    for attempt in attempts:
        try:
            outcomes.append(attempt.wait()["exit"]["outcome"])
        except Conflict:
            outcomes.append("conflict")
    assert outcomes.count("conflict") == 2
    assert formation.get_agent("a1")["exit"]["outcome"] in outcomes


def test_names_are_erased_on_each_database_once_however_many_runs_meet(make_formation):
    formation = make_formation(AGENT_RETENTION_MONTHS=1)
    for agent_id in ("a1", "a2", "a3"):
        hire(formation, agent_id)
    formation.record_exit({"agent_id": "a1", "exited_on": "2025-09-05", "outcome": "cdi"})
    formation.record_exit({"agent_id": "a2", "exited_on": "2025-09-12", "outcome": "job_search"})
    runs = concurrently(formation, [formation.purge_identities] * 3)
    assert sorted(run.wait()["erased"] for run in runs) in ([0, 0, 2], [0, 1, 1])  # each name counted once
    assert [(a["agent_id"], a["first_name"], a["identity_erased_at"] is not None)
            for a in formation.list_agents({"pimms_id": "lyon-8"})] == [
        ("a1", None, True), ("a2", None, True), ("a3", "Awa", False)]
    assert formation.metrics.registry.get_sample_value("pimms_agent_identities_erased_total") == 2.0
