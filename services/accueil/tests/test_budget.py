"""Point Conseil Budget through accueil's RPC on a real database (issue 18): a household's dossier opened
from a visit with the person's consent, its diagnosis computing the amount left to live on, its action plan,
creditor interventions, orientations and outcome; its over-indebtedness file stage by stage; the events
carry codes, counts and a band, never an amount, a creditor or a person; only under the PCB mandate."""
import datetime as dt

import pytest

from services.accueil.tests.conftest import AGENT, make_accueil
from services.accueil.tests.test_cases import anonymous_visit
from services.accueil.tests.test_citizens import AGENT_9, named_visit
from shared.contract_terms import ContractViolation
from shared.errors import Conflict, InvalidRequest, NotFound
from tests import kit

TODAY = dt.date.today()
DIAGNOSIS = {"resources": [{"kind": "wages", "monthly": "1450.00"}, {"kind": "benefits", "monthly": "210.50"}],
             "charges": [{"kind": "housing", "monthly": "620"}, {"kind": "energy", "monthly": "95.25"}],
             "debts": [{"kind": "consumer_credit", "creditor": "Cofidis", "owed": "8400", "monthly": "310"}],
             "recommendations": "renégocier le crédit, demander le chèque énergie"}


def day(offset=0):
    return (TODAY + dt.timedelta(days=offset)).isoformat()


def dossier(accueil, **more):
    visit, citizen_id = named_visit(accueil)
    opened = accueil.open_dossier({"visit_id": visit["visit_id"], "agent_id": "a1", "origin": "bank",
                                   "household": "single_parent", **more})
    return opened, citizen_id


def test_a_dossier_is_opened_for_the_person_named_with_consent_and_its_event_names_nobody(storage):
    agent = make_accueil(storage, AGENT)
    opened, citizen_id = dossier(agent)
    assert (opened["citizen_id"], opened["status"], opened["origin"]) == (citizen_id, "open", "bank")
    [event] = kit.published(storage, "accueil.budget_dossier_opened")
    assert set(event["payload"]) == {"dossier_id", "agent_id", "origin", "household", "opened_at"}  # nobody in it


def test_no_dossier_without_a_named_person_who_consented(storage):
    agent = make_accueil(storage, AGENT)
    with pytest.raises(InvalidRequest) as anonymous:
        agent.open_dossier({"visit_id": anonymous_visit(agent)["visit_id"], "agent_id": "a1", "origin": "walk_in",
                            "household": "single"})
    assert "consent" in anonymous.value.errors["citizen_id"][0]
    visit, _ = named_visit(agent, purposes=("contact",))
    with pytest.raises(InvalidRequest) as refused:
        agent.open_dossier({"visit_id": visit["visit_id"], "agent_id": "a1", "origin": "walk_in",
                            "household": "single"})
    assert "purpose follow_up" in refused.value.errors["citizen_id"][0]


def test_the_diagnosis_computes_what_is_left_to_live_on_and_only_its_band_leaves(storage):
    agent = make_accueil(storage, AGENT)
    opened, _ = dossier(agent)
    diagnosed = agent.record_diagnosis({"dossier_id": opened["dossier_id"], **DIAGNOSIS})
    assert diagnosed["remaining"] == "635.25"  # 1660.50 - 715.25 - 310
    assert diagnosed["diagnosis"]["debts"][0]["creditor"] == "Cofidis"
    agent.plan_step({"dossier_id": opened["dossier_id"], "label": "dossier chèque énergie", "due_on": day(7)})
    step = agent.plan_step({"dossier_id": opened["dossier_id"], "label": "rdv banque", "due_on": day(3)})
    agent.plan_step({"dossier_id": opened["dossier_id"], "step_id": step["steps"][1]["step_id"], "done_on": day()})
    agent.record_intervention({"dossier_id": opened["dossier_id"], "creditor": "Cofidis", "asked": "report d'échéances",
                               "asked_on": day(), "answer": "partial", "answered_on": day()})
    agent.record_intervention({"dossier_id": opened["dossier_id"], "creditor": "EDF", "asked": "échéancier",
                               "asked_on": day()})
    agent.add_orientation({"dossier_id": opened["dossier_id"], "to": "cresus", "on": day()})
    closed = agent.close_dossier({"dossier_id": opened["dossier_id"], "outcome": "plan_agreed"})
    assert closed["status"] == "closed"
    [event] = kit.published(storage, "accueil.budget_dossier_closed")
    payload = event["payload"]
    assert (payload["remaining_band"], payload["plan_steps"], payload["plan_steps_done"]) == ("400_800", 2, 1)
    assert payload["interventions"] == {"no_answer": 1, "partial": 1} and payload["orientations"] == ["cresus"]
    published = str(kit.published(storage))
    assert "Cofidis" not in published and "635" not in published and "1450" not in published
    with pytest.raises(Conflict):
        agent.plan_step({"dossier_id": opened["dossier_id"], "label": "encore", "due_on": day(1)})


@pytest.mark.parametrize("change, field", [
    ({"resources": [{"kind": "wages", "monthly": "-5"}], "charges": []}, "resources"),
    ({"resources": [{"kind": "lottery", "monthly": "5"}], "charges": []}, "resources"),
    ({"resources": [], "charges": [], "debts": [{"kind": "tax", "creditor": "DGFiP", "owed": "-1"}]}, "debts"),
])
def test_a_diagnosis_that_is_not_one_is_refused_with_the_field_named(storage, change, field):
    agent = make_accueil(storage, AGENT)
    opened, _ = dossier(agent)
    with pytest.raises(InvalidRequest) as refused:
        agent.record_diagnosis({"dossier_id": opened["dossier_id"], **change})
    assert field in refused.value.errors


def test_dates_come_in_order_and_never_ahead(storage):
    agent = make_accueil(storage, AGENT)
    opened, _ = dossier(agent)
    for request, field in (
            ({"creditor": "X", "asked": "y", "asked_on": day(), "answer": "refused", "answered_on": day(-1)},
             "answered_on"),
            ({"creditor": "X", "asked": "y", "asked_on": day(1)}, "asked_on")):
        with pytest.raises(InvalidRequest) as refused:
            agent.record_intervention({"dossier_id": opened["dossier_id"], **request})
        assert field in refused.value.errors
    with pytest.raises(InvalidRequest):
        agent.plan_step({"dossier_id": opened["dossier_id"], "label": "x", "due_on": day(), "done_on": day(-3)})


def stage(accueil, dossier_id, name, offset=0, **more):
    return accueil.overindebtedness_stage({"dossier_id": dossier_id, "stage": name, "on": day(offset), **more})


def test_an_over_indebtedness_file_goes_stage_by_stage_to_its_orientation(storage):
    agent = make_accueil(storage, AGENT)
    opened, _ = dossier(agent)
    dossier_id = opened["dossier_id"]
    with pytest.raises(InvalidRequest):
        stage(agent, dossier_id, "filed", -20)  # not built yet
    stage(agent, dossier_id, "built", -30)
    stage(agent, dossier_id, "filed", -20)
    with pytest.raises(InvalidRequest):
        stage(agent, dossier_id, "orientation", -1, orientation="plan_conventionnel")  # admissibility first
    with pytest.raises(InvalidRequest):
        stage(agent, dossier_id, "admissibility", -25, admissible=True)  # before it was filed
    stage(agent, dossier_id, "admissibility", -5, admissible=True)
    done = stage(agent, dossier_id, "orientation", 0, orientation="plan_conventionnel")
    assert done["overindebtedness"]["orientation"] == "plan_conventionnel"
    events = [e["payload"] for e in kit.published(storage, "accueil.overindebtedness_stage")]
    assert [e["stage"] for e in events] == ["built", "filed", "admissibility", "orientation"]
    assert (events[2]["admissible"], events[2]["days_since_filed"], events[3]["days_since_filed"]) == (True, 15, 20)


def test_an_inadmissible_file_closes_and_no_file_begins_on_a_closed_dossier(storage):
    agent = make_accueil(storage, AGENT)
    opened, _ = dossier(agent)
    stage(agent, opened["dossier_id"], "built", -3)
    stage(agent, opened["dossier_id"], "filed", -2)
    stage(agent, opened["dossier_id"], "admissibility", -1, admissible=False)
    with pytest.raises(InvalidRequest):
        stage(agent, opened["dossier_id"], "orientation", 0, orientation="mesures_imposees")
    stage(agent, opened["dossier_id"], "closed", 0)
    other, _ = dossier(agent)
    agent.close_dossier({"dossier_id": other["dossier_id"], "outcome": "abandoned"})
    with pytest.raises(Conflict):
        stage(agent, other["dossier_id"], "built", 0)


def test_a_dossier_is_only_under_the_mandate_and_at_the_reader_s_desks(storage):
    kit.apply_contract(storage, "accueil", kit.contract_changed())  # mandate accueil only
    agent = make_accueil(storage, AGENT, enforcement=True)
    with pytest.raises(ContractViolation):
        dossier(agent)
    kit.apply_contract(storage, "accueil", kit.contract_changed(revision=2, mandates=["accueil",
                                                                                     "point_conseil_budget"]))
    opened, _ = dossier(agent)
    with pytest.raises(NotFound):
        make_accueil(storage, AGENT_9).get_dossier(opened["dossier_id"])
    assert [d["dossier_id"] for d in agent.list_dossiers({"pimms_id": "lyon-8"})] == [opened["dossier_id"]]


def test_the_household_s_figures_are_in_its_export_and_go_with_its_erasure(storage):
    from services.accueil.tests.conftest import MANAGER
    agent = make_accueil(storage, AGENT)
    opened, citizen_id = dossier(agent)
    agent.record_diagnosis({"dossier_id": opened["dossier_id"], **DIAGNOSIS})
    agent.record_intervention({"dossier_id": opened["dossier_id"], "creditor": "Cofidis", "asked": "report",
                               "asked_on": day()})
    [exported] = agent.export_citizen(citizen_id)["budget_dossiers"]
    assert exported["remaining"] == "635.25" and exported["interventions"][0]["creditor"] == "Cofidis"
    make_accueil(storage, MANAGER).erase_citizen({"citizen_id": citizen_id})
    kept = agent.get_dossier(opened["dossier_id"])
    assert (kept["citizen_id"], kept["diagnosis"], kept["remaining"], kept["recommendations"]) == (
        None, None, None, None)
    assert (kept["interventions"][0]["creditor"], kept["interventions"][0]["asked_on"]) == (None, day())
    assert kept["origin"] == "bank" and kept["status"] == "open"


def test_a_dossier_recorded_after_the_fact_keeps_its_day_and_never_one_ahead(storage):
    agent = make_accueil(storage, AGENT)
    visit, _ = named_visit(agent)
    request = {"visit_id": visit["visit_id"], "agent_id": "a1", "origin": "bank", "household": "single"}
    with pytest.raises(InvalidRequest) as ahead:
        agent.open_dossier({**request, "opened_at": "2999-01-01T09:00:00+00:00"})
    assert "opened_at" in ahead.value.errors
    opened = agent.open_dossier({**request, "opened_at": f"{day(-30)}T09:00:00+00:00"})
    assert opened["opened_at"].startswith(day(-30))
    step = agent.plan_step({"dossier_id": opened["dossier_id"], "label": "x", "due_on": day(), "done_on": day(-20)})
    assert step["steps"][0]["done_on"] == day(-20)
