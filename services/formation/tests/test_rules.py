"""Formation's rules, called through the service class with a real SQLite database and no broker (nameko's
worker_factory, see conftest.py): what the association may record about its agents, and the typed error it
gets otherwise, with nothing stored."""
import pytest

from services.formation.models import Agent, Milestone, Training, WorkWeek
from shared.envelope import CODE
from shared.errors import Conflict, InvalidRequest, NotFound
from shared.tables import outbox
from tests.kit import count, published

HIRED_ON = "2025-09-01"  # a Monday: 2025-W36 is the agent's first week


def hire(formation, **changes):
    request = {"pimms_id": "lyon-8", "first_name": "Awa", "last_name": "Diallo", "gender": "female",
               "contract_type": "adulte_relais", "weekly_hours": 35, "hired_on": HIRED_ON}
    request.update(changes)
    return formation.hire_agent(request)


def work(formation, agent, week="2025-W37", hours=35):
    return formation.log_work_time({"agent_id": agent["agent_id"], "week": week, "hours": hours})


def train(formation, agent, week="2025-W37", hours=3.5, **changes):
    return formation.log_training({"agent_id": agent["agent_id"], "week": week, "hours": hours,
                                   "kind": "training", "topic": "mediation", "provider": "union-pimms", **changes})


def leave(formation, agent, exited_on="2025-12-19", outcome="cdi", **changes):
    return formation.record_exit({"agent_id": agent["agent_id"], "exited_on": exited_on, "outcome": outcome,
                                  **changes})


# -- hiring -------------------------------------------------------------------------------------------------
def test_hiring_makes_up_a_code_and_publishes_the_gender_category_but_no_identity(formation, storage):
    agent = hire(formation)
    CODE(agent["agent_id"])  # raises unless it is a code the events accept
    assert agent["status"] == "employed" and agent["first_name"] == "Awa"
    [event] = published(storage)
    assert event["type"] == "formation.agent_hired" and event["pimms_id"] == "lyon-8"
    assert event["payload"] == {"agent_id": agent["agent_id"], "gender": "female", "contract_type": "adulte_relais",
                                "weekly_hours": 35.0, "hired_on": HIRED_ON}


def test_a_given_agent_id_is_kept_and_cannot_be_taken_twice(formation, storage):
    assert hire(formation, agent_id="mat-0042")["agent_id"] == "mat-0042"
    with pytest.raises(Conflict, match="mat-0042"):
        hire(formation, agent_id="mat-0042", first_name="Bruno")
    assert count(storage, Agent) == 1 and count(storage, outbox) == 1


@pytest.mark.parametrize("changes, field", [
    ({"gender": "f"}, "gender"),
    ({"contract_type": "stage"}, "contract_type"),
    ({"weekly_hours": -5}, "weekly_hours"),
    ({"weekly_hours": 0}, "weekly_hours"),
    ({"weekly_hours": 0.001}, "weekly_hours"),  # less than a minute
    ({"weekly_hours": 50}, "weekly_hours"),
    ({"hired_on": "2099-01-04"}, "hired_on"),
    ({"hired_on": "yesterday"}, "hired_on"),
    ({"pimms_id": "Lyon 8e"}, "pimms_id"),
    ({"agent_id": "Awa Diallo"}, "agent_id"),
    ({"first_name": ""}, "first_name"),
    ({"birth_date": "1990-01-01"}, "birth_date"),
])
def test_hiring_with_bad_input_names_the_field_and_stores_nothing(formation, storage, changes, field):
    with pytest.raises(InvalidRequest) as exc:
        hire(formation, **changes)
    assert field in exc.value.errors
    assert count(storage, Agent) == 0 and count(storage, outbox) == 0


# -- work time ----------------------------------------------------------------------------------------------
def test_a_weeks_work_time_is_logged_and_logging_it_again_corrects_it(formation, storage):
    agent = hire(formation)
    assert work(formation, agent, hours=35) == {"agent_id": agent["agent_id"], "week": "2025-W37", "hours": 35.0,
                                                "revision": 1}
    assert work(formation, agent, hours=31.5)["revision"] == 2
    work(formation, agent, hours=31.5)  # the same figure again (a retried call) changes nothing
    assert formation.get_agent(agent["agent_id"])["work_hours"] == 31.5
    logged = [e["payload"] for e in published(storage, "formation.work_time_logged")]
    assert [(e["hours"], e["revision"]) for e in logged] == [(35.0, 1), (31.5, 2)]


@pytest.mark.parametrize("request_, field, rule", [
    ({"hours": -1}, "hours", "between 0 and 48"),
    ({"hours": 49}, "hours", "between 0 and 48"),
    ({"hours": "lots"}, "hours", "number"),
    ({"week": "2025-W35"}, "week", "before the agent was hired"),
    ({"week": "2099-W01"}, "week", "not started"),
    ({"week": "2025-W53"}, "week", "no week 53"),
    ({"week": "2025-37"}, "week", "ISO week"),
    ({"minutes": 60}, "minutes", "Unknown field"),
])
def test_bad_work_time_names_the_field_and_stores_nothing(formation, storage, request_, field, rule):
    agent = hire(formation)
    with pytest.raises(InvalidRequest) as exc:
        formation.log_work_time({"agent_id": agent["agent_id"], "week": "2025-W37", "hours": 35, **request_})
    assert field in exc.value.errors and rule in str(exc.value)
    assert count(storage, WorkWeek) == 0 and count(storage, outbox) == 1


def test_a_week_partly_before_hiring_holds_10_hours_per_day_employed(formation, storage):
    agent = hire(formation, hired_on="2025-09-05")  # the Friday of 2025-W36: three days of that week
    with pytest.raises(InvalidRequest) as exc:
        work(formation, agent, week="2025-W36", hours=31)
    assert "at most 30 hours" in str(exc.value.errors["hours"])
    assert work(formation, agent, week="2025-W36", hours=30)["hours"] == 30.0


@pytest.mark.parametrize("call", [
    lambda f: f.log_work_time({"agent_id": "ghost", "week": "2025-W37", "hours": 35}),
    lambda f: f.log_training({"agent_id": "ghost", "week": "2025-W37", "hours": 2, "kind": "training",
                              "topic": "digital", "provider": "afpa"}),
    lambda f: f.add_milestone({"agent_id": "ghost", "kind": "positioning", "reached_on": "2025-09-02"}),
    lambda f: f.record_exit({"agent_id": "ghost", "exited_on": "2025-12-19", "outcome": "cdi"}),
    lambda f: f.get_agent("ghost"),
])
def test_an_unknown_agent_is_not_found(formation, storage, call):
    with pytest.raises(NotFound, match="ghost"):
        call(formation)
    assert count(storage, outbox) == 0


# -- training -----------------------------------------------------------------------------------------------
def test_training_is_logged_within_the_weeks_work_time(formation, storage):
    agent = hire(formation)
    work(formation, agent, hours=10)
    first = train(formation, agent, hours=6)
    train(formation, agent, hours=4, kind="professional_project", topic="job_search", provider="france-travail")
    assert first["week"] == "2025-W37" and first["kind"] == "training"
    assert formation.get_agent(agent["agent_id"])["training_hours"] == 10.0
    logged = [e["payload"] for e in published(storage, "formation.training_logged")]
    assert [(e["hours"], e["kind"], e["provider"]) for e in logged] == [
        (6.0, "training", "union-pimms"), (4.0, "professional_project", "france-travail")]


def test_training_beyond_the_weeks_work_time_is_refused(formation, storage):
    agent = hire(formation)
    work(formation, agent, hours=10)
    train(formation, agent, hours=6)
    with pytest.raises(InvalidRequest) as exc:
        train(formation, agent, hours=4.5)
    assert "beyond the 10.0 h of work" in str(exc.value.errors["hours"])
    assert count(storage, Training) == 1


def test_training_before_the_weeks_work_time_is_logged_is_refused(formation, storage):
    agent = hire(formation)
    with pytest.raises(InvalidRequest) as exc:
        train(formation, agent, week="2025-W38")
    assert "log the week's work time before its training" in str(exc.value.errors["week"])
    assert count(storage, Training) == 0


def test_work_time_cannot_be_corrected_below_the_training_already_in_it(formation, storage):
    agent = hire(formation)
    work(formation, agent, hours=20)
    train(formation, agent, hours=7)
    with pytest.raises(InvalidRequest) as exc:
        work(formation, agent, hours=6)
    assert "7.0 h of training" in str(exc.value.errors["hours"])
    assert formation.get_agent(agent["agent_id"])["work_hours"] == 20.0


@pytest.mark.parametrize("changes, field", [
    ({"hours": -2}, "hours"),
    ({"hours": 0}, "hours"),
    ({"hours": 0.001}, "hours"),  # less than a minute
    ({"hours": 60}, "hours"),
    ({"kind": "coaching"}, "kind"),
    ({"topic": "knitting"}, "topic"),
    ({"provider": "Organisme X"}, "provider"),
    ({"week": "2025-W35"}, "week"),
])
def test_bad_training_names_the_field_and_stores_nothing(formation, storage, changes, field):
    agent = hire(formation)
    work(formation, agent)
    with pytest.raises(InvalidRequest) as exc:
        train(formation, agent, **changes)
    assert field in exc.value.errors
    assert count(storage, Training) == 0 and count(storage, outbox) == 2


# -- qualification path -------------------------------------------------------------------------------------
def test_milestones_draw_the_qualification_path_in_date_order(formation):
    agent = hire(formation)
    formation.add_milestone({"agent_id": agent["agent_id"], "kind": "training_started", "reached_on": "2025-10-06"})
    detail = formation.add_milestone({"agent_id": agent["agent_id"], "kind": "positioning",
                                      "reached_on": "2025-09-03"})
    assert detail["milestones"] == [{"kind": "positioning", "reached_on": "2025-09-03"},
                                    {"kind": "training_started", "reached_on": "2025-10-06"}]


@pytest.mark.parametrize("changes, field", [
    ({"kind": "promotion"}, "kind"),
    ({"reached_on": "2025-08-29"}, "reached_on"),
    ({"reached_on": "2099-01-01"}, "reached_on"),
    ({"reached_on": None}, "reached_on"),
])
def test_a_bad_milestone_names_the_field_and_stores_nothing(formation, storage, changes, field):
    agent = hire(formation)
    with pytest.raises(InvalidRequest) as exc:
        formation.add_milestone({"agent_id": agent["agent_id"], "kind": "positioning", "reached_on": "2025-09-03",
                                 **changes})
    assert field in exc.value.errors
    assert count(storage, Milestone) == 0


# -- exit ---------------------------------------------------------------------------------------------------
def test_an_exit_to_a_cdi_is_recorded_once_as_a_sortie_positive(formation, storage):
    agent = hire(formation)
    left = leave(formation, agent)
    assert left["status"] == "exited"
    assert left["exit"] == {"exited_on": "2025-12-19", "outcome": "cdi", "contract_months": None, "positive": True}
    with pytest.raises(Conflict, match="already left"):
        leave(formation, agent, exited_on="2025-12-20", outcome="other")
    exits = [e["payload"] for e in published(storage, "formation.agent_exited")]
    assert exits == [{"agent_id": agent["agent_id"], "exited_on": "2025-12-19", "outcome": "cdi",
                      "contract_months": None, "positive": True}]


def test_a_short_cdd_is_an_exit_but_not_a_positive_one(formation):
    agent = hire(formation)
    assert leave(formation, agent, outcome="cdd", contract_months=3)["exit"]["positive"] is False


@pytest.mark.parametrize("changes, field", [
    ({"exited_on": "2025-08-31"}, "exited_on"),  # the day before hiring
    ({"exited_on": "2099-01-01"}, "exited_on"),
    ({"outcome": "retired"}, "outcome"),
    ({"outcome": "cdd"}, "contract_months"),
    ({"outcome": "interim", "contract_months": 0}, "contract_months"),
    ({"outcome": "cdi", "contract_months": 12}, "contract_months"),
    ({"exited_on": "2025-09-08"}, "exited_on"),  # 2025-W38 holds logged work time
    ({"exited_on": "2025-09-16"}, "exited_on"),  # 2025-W38 holds 35 h, more than Monday and Tuesday allow
    ({"exited_on": "2025-09-19"}, "exited_on"),  # the training_started milestone comes after
])
def test_a_bad_exit_names_the_field_and_leaves_the_agent_employed(formation, storage, changes, field):
    agent = hire(formation)
    work(formation, agent, week="2025-W38", hours=35)
    formation.add_milestone({"agent_id": agent["agent_id"], "kind": "training_started", "reached_on": "2025-09-22"})
    with pytest.raises(InvalidRequest) as exc:
        leave(formation, agent, **changes)
    assert field in exc.value.errors
    assert formation.get_agent(agent["agent_id"])["status"] == "employed"
    assert count(storage, outbox) == 2


def test_nothing_is_logged_after_the_exit(formation, storage):
    agent = hire(formation)
    leave(formation, agent, exited_on="2025-09-10")  # a Wednesday
    assert work(formation, agent, week="2025-W37", hours=30)["hours"] == 30.0  # Monday to Wednesday
    with pytest.raises(InvalidRequest) as exc:
        work(formation, agent, week="2025-W38", hours=35)
    assert "after the agent left" in str(exc.value.errors["week"])
    with pytest.raises(InvalidRequest):
        work(formation, agent, week="2025-W37", hours=31)


def test_agents_are_listed_per_desk_and_status(formation):
    staying = hire(formation)
    leaving = hire(formation, first_name="Bruno", gender="male", hired_on="2025-09-15")
    hire(formation, pimms_id="lyon-9")
    leave(formation, leaving)
    listed = formation.list_agents({"pimms_id": "lyon-8"})
    assert [a["agent_id"] for a in listed] == [staying["agent_id"], leaving["agent_id"]]
    assert [a["agent_id"] for a in formation.list_agents({"pimms_id": "lyon-8", "status": "employed"})] == [
        staying["agent_id"]]
    with pytest.raises(InvalidRequest) as exc:
        formation.list_agents({"pimms_id": "lyon-8", "status": "gone"})
    assert "status" in exc.value.errors

