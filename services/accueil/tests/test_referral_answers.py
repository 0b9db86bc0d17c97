"""A partner's answers file imported at a desk (issue 17), through accueil's RPC on a real database: its good
rows answer the desk's referrals as a staff member's answer does (accueil.referral_answered once per answer,
the follow-up back due today), every bad row is reported with its line, field and reason, the same file again
changes nothing, and a referral of another desk or partner reads as one that does not exist."""
import base64
import datetime as dt
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.accueil.models import Referral
from services.accueil.tests.conftest import AGENT, MANAGER, make_accueil
from services.accueil.tests.test_cases import anonymous_visit, case_from, referral
from services.accueil.tests.test_citizens import AGENT_9
from shared import localtime
from shared.contracts.common import MAX_FILE_CHARS
from shared.db import utcnow
from shared.errors import Forbidden, InvalidRequest
from tests import kit

PARIS = localtime.zone_of({})
TODAY = localtime.today(PARIS)
CAF_HEADER = "Référence PIMMS;Allocataire;Décision;Date de décision"


def days_ago(days, form="%d/%m/%Y"):
    return (TODAY - dt.timedelta(days=days)).strftime(form)


def caf(*rows):
    return "\r\n".join([CAF_HEADER, *rows]) + "\r\n"


def send(accueil, visit, days=7, **more):
    """A referral sent `days` ago (to CAF unless said), its id."""
    sent_at = (utcnow() - dt.timedelta(days=days)).isoformat()
    return referral(accueil, visit, sent_at=sent_at, **more)["referral_id"]


def import_(accueil, text, partner="caf", pimms_id="lyon-8", encoding="utf-8", **more):
    return accueil.import_referral_answers({"pimms_id": pimms_id, "partner": partner,
                                            "file": base64.b64encode(text.encode(encoding)).decode(), **more})


def lines(report):
    return {(error["line"], error["field"]) for error in report["errors"]}


def stored(storage, referral_id):
    with storage.sessionmaker() as session:
        found = session.get(Referral, referral_id)
        return found.status, found.answer, found.reason, found.redirected_to


# -- good rows and bad rows --------------------------------------------------------------------------------------
def test_good_rows_answer_their_referrals_and_every_bad_row_is_reported_with_its_line(storage):
    agent = make_accueil(storage, AGENT)
    visit = anonymous_visit(agent)
    case = case_from(agent, visit, due_on=(TODAY + dt.timedelta(days=10)).isoformat())
    granted = send(agent, visit, case_id=case["case_id"])
    refused, received, mistyped, early, ahead = (send(agent, visit) for _ in range(5))
    report = import_(agent, caf(
        f"{granted};M. Roux;Accordé;{days_ago(2)}",                        # line 2
        f"{refused};Mme Diallo;Refusé - dossier incomplet;{days_ago(1)}",  # line 3
        f"{received};;En cours d'instruction;{days_ago(5)}",               # line 4
        f"{mistyped};;Accepté;{days_ago(1)}",                              # line 5: not a CAF word
        f"{early};;Accordé;{days_ago(8)}",                                 # line 6: before it was sent
        f"{ahead};;Accordé;{days_ago(-1)}",                                # line 7: tomorrow
        f"{uuid.uuid4()};;Accordé;{days_ago(1)}",                          # line 8: no such referral
    ))
    assert {k: report[k] for k in ("rows", "applied", "answered", "unchanged", "rejected")} == {
        "rows": 7, "applied": 3, "answered": 2, "unchanged": 0, "rejected": 4}
    assert lines(report) == {(5, "answer"), (6, "answered_on"), (7, "answered_on"), (8, "referral_id")}
    assert [e["line"] for e in report["errors"]] == [5, 6, 7, 8]
    assert report["errors"][1]["message"].startswith("Date de décision: is before the referral was sent, on ")
    assert (stored(storage, granted), stored(storage, refused), stored(storage, received)) == (
        ("answered", "resolved", None, None), ("answered", "refused", "incomplete", None),
        ("acknowledged", None, None, None))
    assert {stored(storage, r)[0] for r in (mistyped, early, ahead)} == {"sent"}
    events = {e["payload"]["referral_id"]: e["payload"] for e in kit.published(storage, "accueil.referral_answered")}
    assert set(events) == {granted, refused}
    assert (events[granted]["answer"], events[granted]["days_to_answer"]) == ("resolved", 5)
    assert (events[refused]["reason"], events[refused]["days_to_answer"]) == ("incomplete", 6)
    assert "Roux" not in str(kit.published(storage)) and "Diallo" not in str(kit.published(storage))
    back = agent.get_case(case["case_id"])
    assert (back["status"], back["due_on"]) == ("open", TODAY.isoformat())


def test_another_desk_s_or_another_partner_s_referral_reads_exactly_as_one_that_does_not_exist(storage):
    manager = make_accueil(storage, MANAGER)  # of both desks: even so, a file is one desk's and one partner's
    elsewhere = send(manager, anonymous_visit(manager, "lyon-9"))
    to_cpam = send(manager, anonymous_visit(manager), partner="cpam")
    report = import_(manager, caf(f"{elsewhere};;Accordé;{days_ago(1)}", f"{to_cpam};;Accordé;{days_ago(1)}",
                                  f"{uuid.uuid4()};;Accordé;{days_ago(1)}"))
    assert lines(report) == {(2, "referral_id"), (3, "referral_id"), (4, "referral_id")}
    assert {e["message"] for e in report["errors"]} == {
        "Référence PIMMS: unknown referral: no referral of this desk to this partner has this reference"}
    assert stored(storage, elsewhere)[0] == stored(storage, to_cpam)[0] == "sent"
    assert kit.published(storage, "accueil.referral_answered") == []


def test_the_same_file_again_changes_nothing_and_a_different_answer_is_reported(storage):
    agent = make_accueil(storage, AGENT)
    visit = anonymous_visit(agent)
    first, second, by_hand = send(agent, visit), send(agent, visit), send(agent, visit)
    agent.progress_referral({"referral_id": by_hand, "status": "answered", "answer": "resolved"})
    text = caf(f"{first};;Refusé - Pièces manquantes;{days_ago(1)}", f"{second};;Reçu;{days_ago(1)}",
               f"{by_hand};;Accordé;{days_ago(1)}")
    report = import_(agent, text, idempotency_key="file-1")
    assert (report["applied"], report["unchanged_lines"], report["errors"]) == (2, [4], [])
    again = import_(agent, text, idempotency_key="file-2")
    assert (again["applied"], again["unchanged_lines"], again["errors"]) == (0, [2, 3, 4], [])
    changed = import_(agent, caf(f"{first};;Accordé;{days_ago(0)}"))
    assert changed["applied"] == 0 and [e["message"] for e in changed["errors"]] == [
        "Décision: the referral is already answered (Refusé, Dossier incomplet): a different answer is the "
        "partner's to explain"]
    assert stored(storage, first) == ("answered", "refused", "incomplete", None)
    assert len(kit.published(storage, "accueil.referral_answered")) == 2  # first's, by_hand's: once each


def test_a_repeated_request_answers_the_first_report_and_counts_its_rows_once(storage):
    agent = make_accueil(storage, AGENT)
    sent = send(agent, anonymous_visit(agent))
    request = caf(f"{sent};;Accordé;{days_ago(1)}", f"{uuid.uuid4()};;Accordé;{days_ago(1)}")
    first = import_(agent, request, idempotency_key="k-1")
    assert import_(agent, request, idempotency_key="k-1") == first
    assert len(kit.published(storage, "accueil.referral_answered")) == 1
    sample = agent.metrics.registry.get_sample_value
    assert [sample("pimms_referral_answer_rows_total", {"partner": "caf", "result": result})
            for result in ("applied", "unchanged", "rejected")] == [1.0, 0.0, 1.0]


# -- each partner's file ------------------------------------------------------------------------------------------
def test_a_file_in_excel_s_windows_encoding_reads_its_accents(storage):
    agent = make_accueil(storage, AGENT)
    sent = send(agent, anonymous_visit(agent))
    report = import_(agent, caf(f"{sent};Mme Hélène Lefèvre;Refusé - Ressources supérieures au plafond;"
                                f"{days_ago(1)}"), encoding="cp1252")
    assert (report["encoding"], report["applied"]) == ("cp1252", 1)
    assert stored(storage, sent) == ("answered", "refused", "not_eligible", None)


def test_each_partner_s_file_is_read_in_its_layout_and_others_in_the_network_s_template(storage):
    agent = make_accueil(storage, AGENT)
    visit = anonymous_visit(agent)
    to_cpam, to_cresus, to_caf = (send(agent, visit, partner=p) for p in ("cpam", "cresus", "caf"))
    cpam = import_(agent, "ref_partenaire,statut,motif_rejet,organisme_oriente,date_traitement\n"
                          f"{to_cpam},REORIENTATION,,CAF,{days_ago(1, '%Y-%m-%d')}\n", partner="cpam")
    cresus = import_(agent, "reference;reponse;motif;reoriente_vers;date\n"
                            f"{to_cresus};resolved;;;{days_ago(1)}\n", partner="cresus")
    caf_template = import_(agent, "reference;reponse;motif;reoriente_vers;date\n"
                                  f"{to_caf};Refusé;Non éligible;;{days_ago(1)}\n", file_format="pimms")
    assert [(r["file_format"], r["applied"]) for r in (cpam, cresus, caf_template)] == [
        ("cpam", 1), ("pimms", 1), ("pimms", 1)]
    assert [stored(storage, r) for r in (to_cpam, to_cresus, to_caf)] == [
        ("answered", "redirected", None, "caf"), ("answered", "resolved", None, None),
        ("answered", "refused", "not_eligible", None)]


# -- refused whole --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, reason", [
    (" \r\n", "the file is empty"),
    ("reference;reponse;motif;reoriente_vers;date\n{row}", "line 1 must be the header of the caf format"),
    ("{row}", "line 1 must be the header of the caf format"),
])
def test_a_file_its_layout_cannot_read_is_refused_whole_and_changes_nothing(storage, text, reason):
    agent = make_accueil(storage, AGENT)
    sent = send(agent, anonymous_visit(agent))
    with pytest.raises(InvalidRequest) as refused:
        import_(agent, text.format(row=f"{sent};;Accordé;{days_ago(1)}\n"))
    assert reason in str(refused.value.errors["file"])
    assert stored(storage, sent)[0] == "sent" and kit.published(storage, "accueil.referral_answered") == []


@pytest.mark.parametrize("request_, field", [
    ({"file": None}, "file"),
    ({"file": "not base64!"}, "file"),
    ({"file": base64.b64encode(b"x" * (MAX_FILE_CHARS + 1)).decode()}, "file"),
    ({"partner": "acme"}, "partner"),
    ({"encoding": "ebcdic"}, "encoding"),
    ({"file_format": "acme"}, "file_format"),
    ({"pimms_id": None}, "pimms_id"),
])
def test_a_bad_import_request_names_the_field(storage, request_, field):
    agent = make_accueil(storage, AGENT)
    with pytest.raises(InvalidRequest) as refused:
        agent.import_referral_answers({"pimms_id": "lyon-8", "partner": "caf",
                                       "file": base64.b64encode(caf().encode()).decode(), **request_})
    assert field in refused.value.errors


def test_only_staff_of_the_desk_import_its_answers(storage):
    agent = make_accueil(storage, AGENT)
    sent = send(agent, anonymous_visit(agent))
    text = caf(f"{sent};;Accordé;{days_ago(1)}")
    with pytest.raises(Forbidden):
        import_(make_accueil(storage, None), text)
    with pytest.raises(Forbidden):
        import_(make_accueil(storage, AGENT_9), text)
    assert stored(storage, sent)[0] == "sent"


# -- whatever arrives -------------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: (CAF_HEADER + "\n" + t).encode())))
def test_any_bytes_get_a_report_or_a_typed_error_and_never_answer_an_unknown_referral(storage, raw):
    agent = make_accueil(storage, AGENT)
    try:
        report = agent.import_referral_answers({"pimms_id": "lyon-8", "partner": "caf",
                                                "file": base64.b64encode(raw).decode()})
    except InvalidRequest as refused:
        assert set(refused.errors) == {"file"}
        return
    assert report["rows"] == report["applied"] + report["unchanged"] + report["rejected"]
    assert report["applied"] == 0  # no referral exists: nothing to answer
