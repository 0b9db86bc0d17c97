"""Fuzzing formation's RPC: random and malformed requests never crash the service, always get a typed error,
and never store half a record."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.formation.models import Agent, Milestone, Training, WorkWeek
from shared.tables import outbox
from tests.fuzz import TYPED_ERRORS, broken, json_values
from tests.kit import counts

HIRE = {"agent_id": None, "pimms_id": "lyon-8", "first_name": "Awa", "last_name": "Diallo", "gender": "female",
        "contract_type": "cdd", "weekly_hours": 35, "hired_on": "2025-09-01"}
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# durations near the edges of the rules: nothing, under a minute, a day, over the week's maximum
HOURS = st.sampled_from([0, 0.001, 0.5, 10, 47.99, 48, 48.01, -0.5, 1e-300, 1e300])


def snapshot(storage):
    return counts(storage, Agent, WorkWeek, Training, Milestone, outbox)


def call(method, request, storage):
    before = snapshot(storage)
    try:
        method(request)
    except TYPED_ERRORS:
        assert snapshot(storage) == before, "a refused request stored something"


def hired(formation):
    agent_id = formation.hire_agent(HIRE)["agent_id"]
    formation.log_work_time({"agent_id": agent_id, "week": "2025-W37", "hours": 20})
    return agent_id


@SETTINGS
@given(st.one_of(broken(HIRE), json_values, HOURS.map(lambda hours: {**HIRE, "weekly_hours": hours})))
def test_hiring_survives_anything(formation, storage, request_):
    call(formation.hire_agent, request_, storage)


@SETTINGS
@given(data=st.data())
def test_logging_work_and_training_survives_anything(formation, storage, data):
    agent_id = hired(formation)
    work = {"agent_id": agent_id, "week": "2025-W38", "hours": 35}
    call(formation.log_work_time, data.draw(st.one_of(
        broken(work), HOURS.map(lambda hours: {**work, "hours": hours}))), storage)
    training = {"agent_id": agent_id, "week": "2025-W37", "hours": 2, "kind": "training", "topic": "digital",
                "provider": "afpa"}
    call(formation.log_training, data.draw(st.one_of(
        broken(training), HOURS.map(lambda hours: {**training, "hours": hours}))), storage)


@SETTINGS
@given(data=st.data())
def test_milestones_and_exits_survive_anything(formation, storage, data):
    agent_id = hired(formation)
    call(formation.add_milestone, data.draw(broken({"agent_id": agent_id, "kind": "positioning",
                                                    "reached_on": "2025-09-03"})), storage)
    call(formation.record_exit, data.draw(broken({"agent_id": agent_id, "exited_on": "2025-12-19",
                                                  "outcome": "interim", "contract_months": 6})), storage)


@SETTINGS
@given(st.one_of(json_values, broken({"scope": "desk", "id": "lyon-8", "from": "2025-W36", "to": "2025-10-31"})))
def test_reading_shares_survives_anything(formation, storage, request_):
    call(formation.training_share, request_, storage)
    if isinstance(request_, dict) and "scope" in request_:
        request_ = {"pimms_id": request_.pop("id", None), **{k: v for k, v in request_.items() if k != "scope"}}
    call(formation.agents_under_floor, request_, storage)


@SETTINGS
@given(st.one_of(json_values, broken({"pimms_id": "lyon-8", "status": "employed"})))
def test_reading_agents_survives_anything(formation, storage, request_):
    call(formation.list_agents, request_, storage)
    call(formation.get_agent, request_, storage)
