"""The training share over a period, per agent and per desk, and the agents under the floor, through the
service class with a real SQLite database (nameko's worker_factory)."""
import pytest

from shared.errors import InvalidRequest, NotFound

OCTOBER = {"from": "2025-10-01", "to": "2025-10-31"}  # weeks 2025-W40 to 2025-W44 by their Thursdays


def hire(formation, pimms_id="lyon-8", hired_on="2025-09-01", **changes):
    return formation.hire_agent({"pimms_id": pimms_id, "first_name": "Awa", "last_name": "Diallo",
                                 "gender": "female", "contract_type": "pec", "weekly_hours": 35,
                                 "hired_on": hired_on, **changes})["agent_id"]


def week(formation, agent_id, code, hours, *trainings):
    formation.log_work_time({"agent_id": agent_id, "week": code, "hours": hours})
    for kind, training_hours in trainings:
        formation.log_training({"agent_id": agent_id, "week": code, "hours": training_hours, "kind": kind,
                                "topic": "mediation", "provider": "union-pimms"})


@pytest.fixture
def team(formation):
    """Lyon 8e: `low` trains 6 h out of 105 in October, `steady` 4 h out of 40, `new` has no week logged,
    `gone` left in September; Lyon 9e: `other` trains a lot, and must not count at Lyon 8e."""
    low, steady = hire(formation, agent_id="low"), hire(formation, agent_id="steady")
    hire(formation, agent_id="new", hired_on="2025-10-13")
    gone = hire(formation, agent_id="gone")
    formation.record_exit({"agent_id": gone, "exited_on": "2025-09-19", "outcome": "qualifying_course"})
    other = hire(formation, agent_id="other", pimms_id="lyon-9")
    week(formation, low, "2025-W39", 35, ("training", 7))  # Thursday 25 September: not October's
    week(formation, low, "2025-W40", 35, ("training", 3), ("professional_project", 1))  # Thursday 2 October
    week(formation, low, "2025-W41", 35)
    week(formation, low, "2025-W44", 35, ("training", 2))  # Thursday 30 October
    week(formation, low, "2025-W45", 35, ("training", 10))  # Thursday 6 November: not October's
    week(formation, steady, "2025-W40", 20, ("training", 2))
    week(formation, steady, "2025-W41", 20, ("professional_project", 2))
    week(formation, other, "2025-W40", 35, ("training", 20))
    return formation


def test_an_agents_share_counts_the_weeks_whose_thursday_falls_in_the_period(team):
    share = team.training_share({"scope": "agent", "id": "low", **OCTOBER})
    assert (share["work_hours"], share["training_hours"]) == (105.0, 6.0)
    assert share["hours_by_kind"] == {"training": 5.0, "professional_project": 1.0}
    assert share["share_pct"] == 5.71 and share["below_floor"] is True
    assert (share["floor_pct"], share["floor_source"]) == (9.0, "default")


def test_a_period_given_in_iso_weeks_is_the_same_as_in_dates(team):
    by_dates = team.training_share({"scope": "agent", "id": "low", **OCTOBER})
    by_weeks = team.training_share({"scope": "agent", "id": "low", "from": "2025-W40", "to": "2025-W44"})
    assert {k: v for k, v in by_weeks.items() if k not in ("from", "to")} == \
           {k: v for k, v in by_dates.items() if k not in ("from", "to")}
    assert (by_weeks["from"], by_weeks["to"]) == ("2025-09-29", "2025-11-02")


def test_a_desks_share_sums_its_own_agents_hours(team):
    share = team.training_share({"scope": "desk", "id": "lyon-8", **OCTOBER})
    assert (share["work_hours"], share["training_hours"], share["agents"]) == (145.0, 10.0, 2)
    assert share["share_pct"] == 6.9 and share["below_floor"] is True


def test_agents_under_the_floor_are_listed_with_the_training_they_lack(team):
    under = team.agents_under_floor({"pimms_id": "lyon-8", **OCTOBER})
    assert under["agents"] == [{"agent_id": "low", "work_hours": 105.0, "training_hours": 6.0, "share_pct": 5.71,
                                "missing_hours": 3.45}]  # 9% of 105 h is 9.45 h
    assert under["without_work_time"] == ["new"]  # `gone` had left before October
    assert (under["floor_pct"], under["floor_source"]) == (9.0, "default")


def test_the_default_floor_comes_from_the_configuration(make_formation, team):
    lower = make_formation(TRAINING_FLOOR_PCT_DEFAULT=5)
    assert lower.agents_under_floor({"pimms_id": "lyon-8", **OCTOBER})["agents"] == []
    assert lower.training_share({"scope": "desk", "id": "lyon-8", **OCTOBER})["below_floor"] is False


def test_with_nothing_worked_there_is_no_share_to_judge(team):
    share = team.training_share({"scope": "desk", "id": "paris-20", **OCTOBER})
    assert (share["work_hours"], share["share_pct"], share["below_floor"]) == (0.0, None, None)
    with pytest.raises(NotFound, match="ghost"):
        team.training_share({"scope": "agent", "id": "ghost", **OCTOBER})


@pytest.mark.parametrize("request_, field", [
    ({"scope": "team", "id": "lyon-8", **OCTOBER}, "scope"),
    ({"scope": "desk", "id": "Lyon 8", **OCTOBER}, "id"),
    ({"scope": "desk", "id": "lyon-8", "from": "2025-10-31", "to": "2025-10-01"}, "to"),
    ({"scope": "desk", "id": "lyon-8", "from": "October", "to": "2025-10-31"}, "from"),
    ({"scope": "desk", "id": "lyon-8", "from": "2025-W54", "to": "2025-10-31"}, "from"),
    ({"scope": "desk", "id": "lyon-8", "from": "2025-10-01"}, "to"),
])
def test_a_bad_period_or_scope_names_the_field(formation, request_, field):
    with pytest.raises(InvalidRequest) as exc:
        formation.training_share(request_)
    assert field in exc.value.errors
