"""Reading a partner's answers file, with no database and no broker (issue 17): each partner's layout and words
mapped to our codes, every bad row reported with its line, field and reason, then each good row settled
against the referral it names."""
import csv
import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.accueil import answer_file
from services.accueil.answer_file import AnswerRow, ReferralFacts
from shared import partner_files
from shared.contracts.accueil_cases import (
    ACKNOWLEDGED,
    ANSWER_FILE_FORMATS,
    REFERRAL_ANSWERS,
    REFUSAL_REASONS,
)
from shared.contracts.common import PARTNERS
from shared.errors import InvalidRequest
from tests.test_structure import IMPURE, imported_modules

TODAY = dt.date(2026, 3, 20)
PARIS = ZoneInfo("Europe/Paris")
CAF_HEADER = "Référence PIMMS;Allocataire;Décision;Date de décision"  # the name column is never read


def ref(n):
    return f"3f2b8c1e-5d4a-4b6f-9e21-7c0d8a9b1f{n:02d}"


def caf(*rows):
    return "\r\n".join([CAF_HEADER, *rows]) + "\r\n"


def read(text, format_name="caf", partner="caf"):
    return answer_file.parse(text, format_name, partner, TODAY)


def answers(parsed):
    return [(r.line, r.referral_id, r.status, r.answer, r.reason, r.redirected_to, r.on) for r in parsed.rows]


def reasons(parsed):
    return {row["line"]: row["errors"] for row in parsed.rejected}


# -- each partner's layout --------------------------------------------------------------------------------------
def test_caf_s_decisions_read_as_our_answers_with_the_reason_or_partner_after_the_dash():
    parsed = read(caf(f"{ref(1)};M. Roux;Accordé;15/03/2026",
                      f"{ref(2)};Mme Diallo;Refusé - dossier incomplet;16/03/2026",
                      f"{ref(3)};M. Nguyen;Réorienté – France Travail;17/03/2026",
                      f"{ref(4)};Mme Petit;En cours d'instruction;18/03/2026"))
    march = dt.date(2026, 3, 15)
    assert parsed.rejected == []
    assert answers(parsed) == [
        (2, ref(1), "answered", "resolved", None, None, march),
        (3, ref(2), "answered", "refused", "incomplete", None, march + dt.timedelta(days=1)),
        (4, ref(3), "answered", "redirected", None, "france_travail", march + dt.timedelta(days=2)),
        (5, ref(4), ACKNOWLEDGED, None, None, None, march + dt.timedelta(days=3))]


def test_a_partner_s_words_match_whatever_their_case_accents_or_spacing():
    parsed = read(caf(f"{ref(1)};;ACCORDE;15/03/2026", f"{ref(2)};;  refuse   -   Dossier  Incomplet ;15/03/2026",
                      f"{ref(3)};;Réorienté - pole emploi;15/03/2026"))
    assert [(r.answer, r.reason, r.redirected_to) for r in parsed.rows] == [
        ("resolved", None, None), ("refused", "incomplete", None), ("redirected", None, "france_travail")]


@pytest.mark.parametrize("format_name, partner, text, expected", [
    ("cpam", "cpam", "ref_partenaire,statut,motif_rejet,organisme_oriente,date_traitement,commentaire\n"
                     f"{ref(1)},REJET,PIECES_MANQUANTES,,2026-03-15,relance faite\n"
                     f"{ref(2)},REORIENTATION,,CAF,2026-03-16,\n"
                     f"{ref(3)},PRIS_EN_CHARGE,,,16/03/2026,\n",
     [("refused", "incomplete", None), ("redirected", None, "caf"), (None, None, None)]),
    ("france_travail", "france_travail", "Identifiant de la demande;Suite donnée;Précision;Date\n"
                                         f"{ref(1)};Refus;Non éligible;15/03/2026\n"
                                         f"{ref(2)};Orientation;CPAM;15/03/2026\n"
                                         f"{ref(3)};Solution apportée;formation trouvée;15/03/2026\n",
     [("refused", "not_eligible", None), ("redirected", None, "cpam"), ("resolved", None, None)]),
    ("pimms", "cresus", "reference;reponse;motif;reoriente_vers;date\n"
                        f"{ref(1)};refused;not_eligible;;2026-03-15\n"
                        f"{ref(2)};Réorienté;;Point Conseil;15/03/2026\n"
                        f"{ref(3)};Réorienté;;CAF;15/03/2026\n"
                        f"{ref(4)};Accusé de réception;;;15/03/2026\n",
     [("refused", "not_eligible", None), ("redirected", None, "caf"), (None, None, None)]),
])
def test_each_partner_s_layout_reads_its_own_columns_and_words(format_name, partner, text, expected):
    parsed = read(text, format_name, partner)
    assert [(r.answer, r.reason, r.redirected_to) for r in parsed.rows] == expected
    if format_name == "pimms":  # "Point Conseil" is none of the network's partners
        assert list(reasons(parsed)) == [3] and "redirected_to" in reasons(parsed)[3]


def test_a_partner_without_a_layout_of_its_own_uses_the_network_s_template():
    assert (answer_file.file_format_for("caf"), answer_file.file_format_for("veolia")) == ("caf", "pimms")


def test_every_layout_maps_its_words_to_our_codes_and_gives_a_refusal_its_reason():
    codes = {"answers": {*REFERRAL_ANSWERS, ACKNOWLEDGED}, "reasons": set(REFUSAL_REASONS), "partners": set(PARTNERS)}
    for name, layout in ANSWER_FILE_FORMATS.items():
        columns = set(layout["columns"])
        assert {"referral_id", "answer", "answered_on"} <= columns, name
        assert layout.get("detail_in_answer") or {"reason", "redirected_to"} <= columns or "detail" in columns, name
        for words, known in codes.items():
            assert set(layout[words].values()) <= known, (name, words)
            keys = [partner_files.key(word) for word in layout[words]]
            same = {k: {layout[words][w] for w in layout[words] if partner_files.key(w) == k} for k in keys}
            assert all(len(found) == 1 for found in same.values()), (name, words)  # one word, one code


# -- bad rows -------------------------------------------------------------------------------------------------------
def test_every_bad_row_is_reported_with_its_line_field_and_reason_and_the_good_ones_still_read():
    parsed = read(caf(
        f"{ref(1)};;Accordé;15/03/2026",                       # line 2: good
        ";;Accordé;15/03/2026",                                # line 3: no reference
        "12345;;Accordé;15/03/2026",                           # line 4: not a reference we gave
        f"{ref(1)};;Refusé - dossier incomplet;15/03/2026",    # line 5: the same referral again
        f"{ref(5)};;Accepté;15/03/2026",                       # line 6: a word CAF does not write
        f"{ref(6)};;Refusé;15/03/2026",                        # line 7: a refusal without its reason
        f"{ref(7)};;Refusé - trop tard;15/03/2026",            # line 8: a reason CAF does not write
        f"{ref(8)};;Accordé;31/02/2026",                       # line 9: no such day
        f"{ref(9)};;Accordé;21/03/2026",                       # line 10: tomorrow
        f"{ref(10)};;Accordé;15/03/26",                        # line 11: a two-digit year
        f"{ref(11)};;Accordé;",                                # line 12: no day
        "",                                                    # line 13: blank, not a row
        f"{ref(12)};M. Roux; fils;Accordé;15/03/2026",         # line 14: a separator in an unquoted name
    ))
    assert [r.line for r in parsed.rows] == [2]
    assert {line: sorted(errors) for line, errors in reasons(parsed).items()} == {
        3: ["referral_id"], 4: ["referral_id"], 5: ["referral_id"], 6: ["answer"], 7: ["reason"], 8: ["reason"],
        9: ["answered_on"], 10: ["answered_on"], 11: ["answered_on"], 12: ["answered_on"], 14: ["_row", "answer",
                                                                                                 "answered_on"]}
    found = reasons(parsed)
    assert found[3]["referral_id"] == ["Référence PIMMS: is required"]
    assert found[4]["referral_id"][0].startswith("Référence PIMMS: is not a referral reference")
    assert found[5]["referral_id"] == ["Référence PIMMS: is already on line 2 of this file"]
    assert found[6]["answer"][0].startswith("Décision: is not an answer of this file: expected one of "
                                            "Accordé, Droit ouvert, Refusé")
    assert found[7]["reason"][0].startswith("Décision: a refusal gives its reason: expected one of Dossier incomplet")
    assert found[8]["reason"][0].startswith("Décision: the reason is not one of this file's: expected one of "
                                            "Dossier incomplet")
    assert "Accepté" not in str(found) and "trop tard" not in str(found)  # the file's words are not echoed
    assert found[9]["answered_on"] == ["Date de décision: is not a day such as 31/12/2026"]
    assert found[10]["answered_on"] == ["Date de décision: is in the future"]
    assert found[14]["_row"] == ["has 5 values where the header has 4: is a separator inside an unquoted value?"]


def test_a_redirection_to_the_partner_the_referral_went_to_is_not_one():
    parsed = read("reference;reponse;motif;reoriente_vers;date\n"
                  f"{ref(1)};redirected;;caf;15/03/2026\n", "pimms", "caf")
    assert reasons(parsed) == {2: {"redirected_to": ["reoriente_vers: is the partner the referral was sent to"]}}


def test_a_day_excel_wrote_with_a_time_is_that_day():
    parsed = read(caf(f"{ref(1)};;Accordé;15/03/2026 00:00", f"{ref(2)};;Accordé;15/03/2026 14:32:10"))
    assert [r.on for r in parsed.rows] == [dt.date(2026, 3, 15)] * 2


@pytest.mark.parametrize("text, reason", [
    ("", "the file is empty"),
    ("Référence PIMMS;Décision\n" f"{ref(1)};Accordé\n", "Date de décision"),
    (f"{ref(1)};;Accordé;15/03/2026\n", "line 1 must be the header of the caf format"),
])
def test_a_file_without_its_layout_s_header_is_refused_whole_on_the_file(text, reason):
    with pytest.raises(InvalidRequest) as refused:
        read(text)
    assert reason in str(refused.value.errors["file"])


def test_a_file_of_more_rows_than_allowed_is_refused_whole(monkeypatch):
    monkeypatch.setattr(partner_files, "MAX_ROWS", 2)
    assert len(read(caf(*(f"{ref(n)};;Accordé;15/03/2026" for n in range(2)))).rows) == 2
    with pytest.raises(InvalidRequest) as refused:
        read(caf(*(f"{ref(n)};;Accordé;15/03/2026" for n in range(3))))
    assert refused.value.errors == {"file": ["has more than 2 rows: split the file"]}


# -- a good row against its referral ----------------------------------------------------------------------------
SENT = dt.datetime(2026, 3, 10, 15, 30, tzinfo=dt.timezone.utc)  # 16:30 in Paris


def row(status="answered", answer="refused", reason="incomplete", redirected_to=None, on=dt.date(2026, 3, 15)):
    return AnswerRow(line=7, referral_id=ref(1), status=status, answer=answer, reason=reason,
                     redirected_to=redirected_to, on=on)


def facts(status="sent", answer=None, reason=None, redirected_to=None):
    return ReferralFacts(status=status, answer=answer, reason=reason, redirected_to=redirected_to, sent_at=SENT)


def test_an_answer_is_recorded_at_its_day_s_start_or_at_the_sending_that_same_day():
    later = answer_file.settle(row(), facts(), "caf", PARIS)
    assert later == ("apply", dt.datetime(2026, 3, 14, 23, 0, tzinfo=dt.timezone.utc), {})  # 15/03 00:00 in Paris
    same_day = answer_file.settle(row(on=dt.date(2026, 3, 10)), facts("acknowledged"), "caf", PARIS)
    assert same_day.action == "apply" and same_day.at == SENT


def test_a_day_before_the_referral_was_sent_is_refused_with_the_sending_day():
    verdict = answer_file.settle(row(on=dt.date(2026, 3, 9)), facts(), "caf", PARIS)
    assert verdict == ("reject", None, {"answered_on": ["Date de décision: is before the referral was sent, on "
                                                        "10/03/2026"]})


def test_no_referral_to_settle_against_reads_as_an_unknown_referral():
    assert answer_file.settle(row(), None, "cpam", PARIS).errors == {
        "referral_id": [f"ref_partenaire: {answer_file.UNKNOWN_REFERRAL}"]}


def test_the_answer_already_recorded_leaves_the_referral_unchanged_and_another_is_refused():
    answered = facts("answered", "refused", "incomplete")
    assert answer_file.settle(row(), answered, "caf", PARIS).action == "unchanged"
    assert answer_file.settle(row(status=ACKNOWLEDGED, answer=None, reason=None), answered, "caf",
                              PARIS).action == "unchanged"
    assert answer_file.settle(row(status=ACKNOWLEDGED, answer=None, reason=None), facts("acknowledged"), "caf",
                              PARIS).action == "unchanged"
    other = answer_file.settle(row(answer="resolved", reason=None), answered, "caf", PARIS)
    assert other.action == "reject" and other.errors["answer"][0].startswith(
        "Décision: the referral is already answered (Refusé, Dossier incomplet)")
    redirected = answer_file.settle(row(), facts("answered", "redirected", redirected_to="cpam"), "caf", PARIS)
    assert "already answered (Réorienté, CPAM)" in redirected.errors["answer"][0]


def test_the_report_lists_each_reason_by_line():
    assert answer_file.error_list([{"line": 9, "errors": {"answer": ["a"]}},
                                   {"line": 3, "errors": {"_row": ["b"], "answered_on": ["c", "d"]}}]) == [
        {"line": 3, "field": "_row", "message": "b"}, {"line": 3, "field": "answered_on", "message": "c"},
        {"line": 3, "field": "answered_on", "message": "d"}, {"line": 9, "field": "answer", "message": "a"}]


# -- whatever a partner's Excel writes ---------------------------------------------------------------------------
DECISIONS = {"Accordé": ("resolved", None, None), "Refusé - Pièces manquantes": ("refused", "incomplete", None),
             "Refusé - Ressources supérieures au plafond": ("refused", "not_eligible", None),
             "Réorienté - CPAM": ("redirected", None, "cpam"), "Reçu": (None, None, None)}
names = st.text(st.characters(codec="cp1252", exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=30)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.uuids(), names, st.sampled_from(sorted(DECISIONS)),
                          st.dates(dt.date(2020, 1, 1), TODAY)), max_size=12, unique_by=lambda r: r[0]))
def test_whatever_excel_writes_in_caf_s_layout_reads_back_the_same(rows):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CAF_HEADER.split(";"))
    for referral_id, name, decision, day in rows:
        writer.writerow([str(referral_id).upper(), name, decision, day.strftime("%d/%m/%Y")])
    text, _ = partner_files.decode(out.getvalue().encode("cp1252"), "auto", "file")
    parsed = read(text)
    assert parsed.rejected == []
    assert [(r.referral_id, r.answer, r.reason, r.redirected_to, r.on) for r in parsed.rows] == [
        (str(referral_id), *DECISIONS[decision], day) for referral_id, _, decision, day in rows]


@pytest.mark.parametrize("module", [answer_file.__file__, partner_files.__file__])
def test_reading_a_file_needs_no_database_and_no_broker(module):
    imported = set(imported_modules(Path(module)))
    assert not [m for m in imported if m.startswith(IMPURE) or m.endswith((".store", ".models"))], imported
