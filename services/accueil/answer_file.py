"""A partner's answers to a desk's referrals, from its CSV file: each row read in the partner's layout
(ANSWER_FILE_FORMATS in shared/contracts/accueil_cases.py) with its words mapped to our codes, checked on its
own (parse), then against the referral it names (settle). No database, no broker: plain functions over the
text, the day and the few facts the store hands in (case_store.import_referral_answers applies the verdicts).

Only the mapped columns are read, and only as codes: a partner's comment or a free text in a detail column
is never stored, nor echoed in the report (which is kept as the request's answer), which names the line, the
column and the rule."""
import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import NamedTuple

from shared import localtime, partner_files
from shared.contracts.accueil_cases import (
    ACKNOWLEDGED,
    ANSWER_FILE_FORMATS,
    REFERRAL_ANSWERS,
    REFUSAL_REASONS,
)
from shared.contracts.common import PARTNERS

# The same words whether the referral does not exist, is another partner's or another desk's: a file must
# not tell a desk what exists elsewhere.
UNKNOWN_REFERRAL = "unknown referral: no referral of this desk to this partner has this reference"
DETAIL_IN_ANSWER = re.compile(r"\s+[-–—]\s+")  # "Refusé - dossier incomplet"
EXCEL_TIME = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2})?$")  # "15/03/2026 00:00": Excel's time on a day
DETAIL_OF = {"refused": "reason", "redirected": "redirected_to"}  # the code list each answer's detail is from
WORDS = {"reason": "reasons", "redirected_to": "partners"}


@dataclass(frozen=True)
class AnswerRow:
    """A good row: the partner's answer to one referral, in our codes, on the day it gives."""
    line: int
    referral_id: str
    status: str                # acknowledged | answered
    answer: str | None         # REFERRAL_ANSWERS, when answered
    reason: str | None         # REFUSAL_REASONS, for a refusal
    redirected_to: str | None  # PARTNERS, for a redirection
    on: dt.date


@dataclass(frozen=True)
class ReferralFacts:
    """What settling a row needs of the referral it names, as stored."""
    status: str
    answer: str | None
    reason: str | None
    redirected_to: str | None
    sent_at: dt.datetime


class Verdict(NamedTuple):
    action: str              # apply | unchanged | reject
    at: dt.datetime | None   # when the partner acknowledged or answered, to apply
    errors: dict             # field -> reasons, to reject


def file_format_for(partner: str) -> str:
    return partner if partner in ANSWER_FILE_FORMATS else "pimms"


# -- the row on its own ---------------------------------------------------------------------------------------
def parse(text: str, format_name: str, partner: str, today: dt.date, field: str = "file") -> partner_files.ParsedFile:
    """Every row of the file: an AnswerRow, or rejected with its line and reasons (a reference that is not
    one, a word the layout does not know, a day that is not one or is after `today`, the same referral twice).
    A file without the layout's header is refused whole, as an error on `field`."""
    layout, seen = ANSWER_FILE_FORMATS[format_name], {}
    return partner_files.parse(text, layout, format_name, lambda line, values, labels: _row(
        line, values, labels, layout, partner, today, seen), field)


def _row(line, values, labels, layout, partner, today, seen):
    errors = {}

    def reject(field, column, reason):
        errors.setdefault(field, []).append(f"{labels[column]}: {reason}")

    referral_id = _referral_id(values["referral_id"], line, seen, reject)
    code, detail = _answer(values, labels, layout, partner, reject)
    on = _answered_on(values["answered_on"], layout["dates"], today, reject)
    if errors:
        return None, errors
    answered = code != ACKNOWLEDGED
    return AnswerRow(line=line, referral_id=referral_id, status="answered" if answered else ACKNOWLEDGED,
                     answer=code if answered else None, on=on, **detail), None


def _referral_id(value, line, seen, reject):
    referral_id = _reference(value)
    if not value:
        reject("referral_id", "referral_id", "is required")
    elif referral_id is None:
        reject("referral_id", "referral_id", "is not a referral reference (the 36 characters PIMMS gave with it, "
                                             "such as 3f2b8c1e-5d4a-4b6f-9e21-7c0d8a9b1f35)")
    elif referral_id in seen:
        reject("referral_id", "referral_id", f"is already on line {seen[referral_id]} of this file")
    else:
        seen[referral_id] = line
    return referral_id


def _answer(values, labels, layout, partner, reject):
    """Our code for the partner's answer, and a refusal's reason or the partner redirected to."""
    word, inline = values["answer"], ""
    if layout.get("detail_in_answer"):
        word, _, inline = _split_detail(word)
    code = _word(layout["answers"], word)
    if not word:
        reject("answer", "answer", "is required")
    elif code is None:
        reject("answer", "answer", f"is not an answer of this file: {_listed(layout['answers'])}")
    detail = {"reason": None, "redirected_to": None}
    if code not in DETAIL_OF:
        return code, detail  # a detail given with another answer is a comment: not read
    field = DETAIL_OF[code]
    if layout.get("detail_in_answer"):
        column, text = "answer", inline
    else:
        column = field if field in labels else "detail"
        text = values[column]
    words = layout[WORDS[field]]
    detail[field] = _word(words, text)
    if not text:
        what = "a refusal gives its reason" if code == "refused" else "a redirection names the partner"
        reject(field, column, f"{what}: {_listed(words)}")
    elif detail[field] is None:
        what = "reason" if code == "refused" else "partner redirected to"
        reject(field, column, f"the {what} is not one of this file's: {_listed(words)}")
    elif field == "redirected_to" and detail[field] == partner:
        reject(field, column, "is the partner the referral was sent to")
    return code, detail


def _answered_on(value, forms, today, reject):
    on = _day(value, forms)
    if not value:
        reject("answered_on", "answered_on", "is required")
    elif on is None:
        examples = " or ".join(dt.date(2026, 12, 31).strftime(form) for form in forms)
        reject("answered_on", "answered_on", f"is not a day such as {examples}")
    elif on > today:
        reject("answered_on", "answered_on", "is in the future")
    return on


def _reference(value):
    try:
        return str(uuid.UUID(value.replace(" ", "")))
    except ValueError:
        return None


def _split_detail(cell):
    """"Refusé - dossier incomplet" as ("Refusé", " - ", "dossier incomplet"); a word alone has no detail."""
    found = DETAIL_IN_ANSWER.search(cell)
    return (cell, "", "") if found is None else (cell[:found.start()], found.group(), cell[found.end():])


def _word(words, text):
    """Our code for the partner's word, compared without case, accents or extra spaces; None if unknown."""
    wanted = partner_files.key(text)
    return next((code for word, code in words.items() if partner_files.key(word) == wanted), None) if text else None


def _listed(words):
    return "expected one of " + ", ".join(words)


def _day(value, forms):
    value = EXCEL_TIME.sub("", value)
    for form in forms:
        try:
            day = dt.datetime.strptime(value, form).date()
        except ValueError:
            continue
        if day.year >= 2000:  # "15/03/26" read as year 26 is a mistyped year, not a day
            return day
    return None


# -- the row against its referral ------------------------------------------------------------------------------
def settle(row: AnswerRow, referral: ReferralFacts | None, format_name: str, zone: dt.tzinfo) -> Verdict:
    """What a good row does to the referral it names (None: none of this desk's to this partner): apply it
    at `at`, leave it unchanged (the same answer is already recorded, as when a corrected file comes again, or
    the referral is past what the row says), or reject it. A day only says when: the answer is recorded at
    that day's start, or at the referral's sending if that was later the same day."""
    layout = ANSWER_FILE_FORMATS[format_name]
    labels = partner_files.labels_of(layout)
    if referral is None:
        return _rejected("referral_id", labels["referral_id"], UNKNOWN_REFERRAL)
    if row.status == ACKNOWLEDGED and referral.status != "sent":
        return Verdict("unchanged", None, {})
    if row.status == "answered" and referral.status == "answered":
        if (referral.answer, referral.reason, referral.redirected_to) == (row.answer, row.reason, row.redirected_to):
            return Verdict("unchanged", None, {})
        recorded = [REFERRAL_ANSWERS[referral.answer]]
        if referral.reason is not None:
            recorded.append(REFUSAL_REASONS[referral.reason])
        if referral.redirected_to is not None:
            recorded.append(PARTNERS[referral.redirected_to])
        return _rejected("answer", labels["answer"], f"the referral is already answered ({', '.join(recorded)}): "
                                                     "a different answer is the partner's to explain")
    sent_on = localtime.local_date(referral.sent_at, zone)
    if row.on < sent_on:
        return _rejected("answered_on", labels["answered_on"],
                         f"is before the referral was sent, on {sent_on.strftime(layout['dates'][0])}")
    start, _ = localtime.day_bounds(row.on, zone)
    return Verdict("apply", max(start, referral.sent_at), {})


def _rejected(field, label, reason):
    return Verdict("reject", None, {field: [f"{label}: {reason}"]})


def error_list(rejected: list) -> list:
    """Rejected rows ({"line", "errors": {field: [reason]}}) as the report lists them, line by line."""
    return [{"line": row["line"], "field": field, "message": message}
            for row in sorted(rejected, key=lambda row: row["line"])
            for field, messages in row["errors"].items() for message in messages]
