"""Retention of former agents' names: AGENT_RETENTION_MONTHS after the exit, first and last name go, from the
tables and from the SQLite file itself; everything formation counts, serves and published stays as it was."""
import datetime as dt
import glob
import logging

import pytest

from services.formation.models import Agent
from services.formation.service import FormationService
from shared.db import checkpoint
from shared.errors import InvalidRequest
from tests.kit import published

OLD, RECENT, STAYING = "mat-0001", "mat-0002", "mat-0003"
NAMES = {OLD: ("Zénobie", "Quarantotto"), RECENT: ("Ysaline", "Brocardier"), STAYING: ("Awa", "Diallo")}
SINCE_2019 = {"from": "2019-01-01", "to": "2024-12-31"}


def hire(formation, agent_id, hired_on, gender="female", contract_type="adulte_relais"):
    first_name, last_name = NAMES[agent_id]
    formation.hire_agent({"agent_id": agent_id, "pimms_id": "lyon-8", "first_name": first_name,
                          "last_name": last_name, "gender": gender, "contract_type": contract_type,
                          "weekly_hours": 35, "hired_on": hired_on})


def weeks(formation, agent_id, codes, hours=35, training=3.5, kind="training"):
    for week in codes:
        formation.log_work_time({"agent_id": agent_id, "week": week, "hours": hours})
        formation.log_training({"agent_id": agent_id, "week": week, "hours": training, "kind": kind,
                                "topic": "mediation", "provider": "union-pimms"})


def team(formation):
    """At lyon-8: OLD left on 30 June 2020 for a 6-month CDD (a sortie positive), RECENT on 2 May 2024 to look
    for work, STAYING is still employed; each with weeks of work and training, OLD and RECENT with milestones."""
    hire(formation, OLD, "2019-01-07")
    weeks(formation, OLD, ["2019-W02", "2019-W03", "2019-W04"], training=2)
    weeks(formation, OLD, ["2019-W05"], training=4, kind="professional_project")
    formation.add_milestone({"agent_id": OLD, "kind": "positioning", "reached_on": "2019-01-09"})
    formation.record_exit({"agent_id": OLD, "exited_on": "2020-06-30", "outcome": "cdd", "contract_months": 6})
    hire(formation, RECENT, "2023-09-04", gender="male", contract_type="pec")
    weeks(formation, RECENT, ["2023-W36", "2023-W37"], hours=26, training=1)
    formation.add_milestone({"agent_id": RECENT, "kind": "positioning", "reached_on": "2023-09-05"})
    formation.record_exit({"agent_id": RECENT, "exited_on": "2024-05-02", "outcome": "job_search"})
    hire(formation, STAYING, "2019-01-07")
    weeks(formation, STAYING, ["2019-W02", "2019-W03", "2023-W36"], training=5)


def figures(formation, storage):
    """Everything formation serves or published about the desk and its agents, names and erasure aside."""
    def plain(view):
        return {k: v for k, v in view.items() if k not in ("first_name", "last_name", "identity_erased_at")}

    return {
        "agents": [plain(a) for a in formation.list_agents({"pimms_id": "lyon-8"})],
        "exited": [plain(a) for a in formation.list_agents({"pimms_id": "lyon-8", "status": "exited"})],
        "details": {agent_id: plain(formation.get_agent(agent_id)) for agent_id in NAMES},
        "desk": formation.training_share({"scope": "desk", "id": "lyon-8", **SINCE_2019}),
        "old": formation.training_share({"scope": "agent", "id": OLD, **SINCE_2019}),
        "under_floor": formation.agents_under_floor({"pimms_id": "lyon-8", **SINCE_2019}),
        "events": published(storage),
    }


def on_disk(tmp_path, value):
    """Whether SQLite still holds `value` anywhere: in the file (free space included) or its write-ahead log."""
    paths = glob.glob(f"{tmp_path}/formation.db*")
    assert paths, "the test's database is not where this test looks"
    return any(value.encode() in open(path, "rb").read() for path in paths)


def as_of(day, hour=12):
    """An operator's `now`: noon in Paris on that day."""
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+02:00").isoformat()


def test_a_name_kept_its_months_after_the_exit_is_erased_and_every_figure_stays(formation, storage, tmp_path):
    team(formation)
    before = figures(formation, storage)
    assert before["desk"]["work_hours"] == 297.0 and before["exited"]  # the figures compared are not empty
    checkpoint(storage.engine)  # as SQLite does by itself now and then: the names are in the file proper
    assert on_disk(tmp_path, "Quarantotto")
    with storage.engine.connect() as conn:  # the one pooled connection, as SQLite's own builds open it (some
        conn.exec_driver_sql("PRAGMA secure_delete = OFF")  # distributions turn it on by default: not relied on)

    assert formation.purge_identities() == {"day": dt.date.today().isoformat(), "retention_months": 60, "erased": 1}

    old = formation.get_agent(OLD)
    assert (old["first_name"], old["last_name"]) == (None, None)
    assert dt.datetime.fromisoformat(old["identity_erased_at"]) > dt.datetime.now(dt.timezone.utc) - dt.timedelta(
        minutes=1)
    assert (old["gender"], old["contract_type"], old["status"], old["exit"]) == (
        "female", "adulte_relais", "exited",
        {"exited_on": "2020-06-30", "outcome": "cdd", "contract_months": 6, "positive": True})
    for agent_id in (RECENT, STAYING):
        kept = formation.get_agent(agent_id)
        assert (kept["first_name"], kept["last_name"], kept["identity_erased_at"]) == (*NAMES[agent_id], None)
    assert figures(formation, storage) == before  # and the erasure itself published nothing
    with storage.sessionmaker() as session:
        assert session.get(Agent, OLD).first_name is None and session.get(Agent, OLD).last_name is None
    for value in NAMES[OLD]:
        assert not on_disk(tmp_path, value), value
    assert on_disk(tmp_path, "Brocardier")


def test_a_name_is_kept_through_the_day_its_months_end_and_erased_from_the_next_in_the_associations_calendar(
        formation):
    team(formation)
    assert formation.purge_identities(as_of("2025-06-30"))["erased"] == 0  # kept until 30 June 2025
    assert formation.get_agent(OLD)["first_name"] == NAMES[OLD][0]
    # 22:30 UTC on 30 June is already 1 July in Paris
    answer = formation.purge_identities("2025-06-30T22:30:00+00:00")
    assert answer == {"day": "2025-07-01", "retention_months": 60, "erased": 1}
    assert formation.get_agent(OLD)["first_name"] is None
    assert formation.get_agent(RECENT)["first_name"] == "Ysaline"


def test_each_run_is_logged_and_counted_even_when_it_erases_nothing_and_a_name_goes_once(formation, caplog):
    team(formation)
    with caplog.at_level(logging.INFO, logger="services.formation.service"):
        assert formation.purge_identities()["erased"] == 1
        assert formation.purge_daily() is None  # the timer's run: nothing left to erase
    assert [r.getMessage() for r in caplog.records if r.name == "services.formation.service"] == [
        f"agents' retention as of {dt.date.today()}: 1 names erased (exit more than 60 months before)",
        f"agents' retention as of {dt.date.today()}: 0 names erased (exit more than 60 months before)",
    ]
    registry = formation.metrics.registry
    assert registry.get_sample_value("pimms_agent_retention_runs_total") == 2.0
    assert registry.get_sample_value("pimms_agent_identities_erased_total") == 1.0


def test_the_retention_comes_from_the_configuration(make_formation):
    formation = make_formation(AGENT_RETENTION_MONTHS=12)
    team(formation)
    assert formation.purge_identities()["erased"] == 2
    assert formation.get_agent(RECENT)["identity_erased_at"] is not None
    assert formation.get_agent(STAYING)["first_name"] == "Awa"  # still employed: never erased


def test_a_retention_setting_below_one_month_stops_the_run_and_erases_nothing(make_formation):
    formation = make_formation(AGENT_RETENTION_MONTHS=0)
    team(formation)
    with pytest.raises(ValueError, match="AGENT_RETENTION_MONTHS"):
        formation.purge_identities()
    assert formation.get_agent(RECENT)["first_name"] == "Ysaline"


def test_a_run_as_of_a_day_to_come_is_refused_and_erases_nothing(formation):
    team(formation)
    with pytest.raises(InvalidRequest) as exc:
        formation.purge_identities((dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)).isoformat())
    assert "now" in exc.value.errors
    with pytest.raises(InvalidRequest) as exc:
        formation.purge_identities("yesterday")
    assert "now" in exc.value.errors
    assert formation.get_agent(OLD)["first_name"] == NAMES[OLD][0]


def test_the_purge_runs_daily_and_once_at_start():
    [timer] = FormationService.purge_daily.nameko_entrypoints
    assert (timer.interval, timer.eager) == (24 * 3600, True)
