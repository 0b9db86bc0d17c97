"""Follow-ups and referrals in accueil's database: what case_rules.py decides applied to the tables, the
events it causes added to the outbox in the same unit of work. Every call acts for a staff member, on their
desks only: a follow-up or a referral of another desk reads as one that does not exist."""
import secrets
import uuid
from dataclasses import asdict

from sqlalchemy import select

from services.accueil import answer_file, case_rules, rules
from services.accueil.case_views import (
    case_closed_payload,
    case_opened_payload,
    referral_answered_payload,
    referral_sent_payload,
)
from services.accueil.models import FollowUp, FollowUpVisit, Referral
from services.accueil.store import citizen_of, get_visit, named_in, of_the_desks
from shared import localtime, partner_files
from shared.contracts.accueil_cases import OPEN_STATUSES
from shared.types import as_utc


# -- follow-ups ---------------------------------------------------------------------------------------------------
def open_case(uow, req, now, zone, reader):
    """From a visit (its desk, motif and named person) or from a person's record at one of the reader's desks."""
    session = uow.session
    opened_at = rules.not_after_now(req.get("opened_at"), now, "opened_at")
    if req["visit_id"] is not None:
        visit = get_visit(session, req["visit_id"], reader)
        named = [(c.id, c.consent_purposes) for c in named_in(session, visit)]
        citizen_id = case_rules.who_is_followed(named, req["citizen_id"])
        pimms_id = visit.pimms_id
        motif = req["motif"] or {"kind": visit.motif_kind, "partner": visit.partner, "domain": visit.domain}
    else:
        rules.in_scope(reader, req["pimms_id"])
        citizen = citizen_of(session, req["citizen_id"], reader)
        rules.require_purpose(citizen.consent_purposes, rules.FOLLOW_UP, citizen.id, "citizen_id", "a follow-up")
        visit, citizen_id, pimms_id, motif = None, citizen.id, req["pimms_id"], req["motif"]
    case = FollowUp(
        id=str(uuid.uuid4()), pimms_id=pimms_id, owner=req["agent_id"], citizen_id=citizen_id,
        reference=None if citizen_id is not None else case_rules.reference(secrets.token_bytes(8)),
        motif_kind=motif["kind"], partner=motif["partner"], domain=motif["domain"],
        next_action=req["next_action"], status="open", opened_at=opened_at,
        due_on=case_rules.due_date(req["due_on"], localtime.today(zone, opened_at)),
    )
    if visit is not None:
        case.visits.append(FollowUpVisit(visit_id=visit.id, attached_at=opened_at))
    session.add(case)
    uow.publish("accueil.case_opened", case_opened_payload(case), pimms_id=pimms_id, occurred_at=opened_at)
    return case


def get_case(session, case_id, reader, for_update=False):
    return of_the_desks(session, FollowUp, case_id, reader, for_update, "follow-up")


def update_case(uow, req, now, zone, reader):
    """Move a follow-up on (next action, due date, owner, what it waits for, a visit attached) or close it:
    closing publishes accueil.case_closed, once (a closed follow-up cannot change)."""
    session = uow.session
    case = get_case(session, req["case_id"], reader, for_update=True)
    case_rules.may_change(case.status, case.id)
    if req["due_on"] is not None:
        case.due_on = case_rules.due_date(req["due_on"], localtime.today(zone, now))
    for field in ("next_action", "owner"):
        if req[field] is not None:
            setattr(case, field, req[field])
    if req["visit_id"] is not None and str(req["visit_id"]) not in {v.visit_id for v in case.visits}:
        visit = get_visit(session, req["visit_id"], reader)
        case.visits.append(FollowUpVisit(visit_id=visit.id, attached_at=now))
    if req["status"] == "closed":
        case.status, case.outcome, case.closed_at = "closed", req["outcome"], now
        session.flush()
        days = case_rules.days_between(case.opened_at, now, zone)
        uow.publish("accueil.case_closed", case_closed_payload(case, days), pimms_id=case.pimms_id, occurred_at=now)
    elif req["status"] is not None:
        case.status = req["status"]
    return case


def list_cases(session, req, reader, zone, now):
    """A desk's follow-ups: with `due_by`, those to call back (open, due that day or earlier), soonest first."""
    rules.in_scope(reader, req["pimms_id"])
    query = select(FollowUp).where(FollowUp.pimms_id == req["pimms_id"])
    if req["due_by"] is not None:
        query = query.where(FollowUp.status.in_(OPEN_STATUSES), FollowUp.due_on <= req["due_by"])
    if req["status"] is not None:
        query = query.where(FollowUp.status == req["status"])
    if req["citizen_id"] is not None:
        query = query.where(FollowUp.citizen_id == req["citizen_id"])
    return list(session.scalars(query.order_by(FollowUp.due_on, FollowUp.opened_at).limit(req["limit"])))


def referrals_of(session, case_id):
    return list(session.scalars(select(Referral).where(Referral.case_id == case_id).order_by(Referral.sent_at)))


# -- referrals ------------------------------------------------------------------------------------------------------
def send_referral(uow, req, now, zone, contract, reader):
    """A referral from a visit to a partner with a convention in force at that desk; with the identity only
    with the person's consent; its follow-up, if any, then waits for the partner."""
    session = uow.session
    visit = get_visit(session, req["visit_id"], reader)
    sent_at = rules.not_after_now(req["sent_at"], now, "sent_at")
    contract.check("accueil", pimms_id=visit.pimms_id, on=localtime.today(zone, sent_at), partner=req["partner"])
    named = [(c.id, c.consent_purposes) for c in named_in(session, visit)]
    citizen_id = case_rules.identity_sent(req["with_identity"], named)
    case = None
    if req["case_id"] is not None:
        case = get_case(session, req["case_id"], reader, for_update=True)
        case_rules.may_change(case.status, case.id)
    referral = Referral(
        id=str(uuid.uuid4()), pimms_id=visit.pimms_id, visit_id=visit.id, case_id=case and case.id,
        agent_id=req["agent_id"], partner=req["partner"], asked=req["asked"], citizen_id=citizen_id,
        named=citizen_id is not None, status="sent", sent_at=sent_at,
    )
    session.add(referral)
    if case is not None:
        case.status = "waiting_partner"
    uow.publish("accueil.referral_sent", referral_sent_payload(referral, visit), pimms_id=visit.pimms_id,
                occurred_at=sent_at)
    return referral


def get_referral(session, referral_id, reader, for_update=False):
    return of_the_desks(session, Referral, referral_id, reader, for_update, "referral")


def progress_referral(uow, req, now, zone, reader):
    """The partner acknowledged or answered: an answer publishes accueil.referral_answered and puts the
    follow-up waiting for it back in the desk's list of calls, due today."""
    referral = get_referral(uow.session, req["referral_id"], reader, for_update=True)
    at = case_rules.progress(referral.status, referral.id, referral.partner, req, referral.sent_at, now)
    _progress(uow, referral, req, at, now, zone)
    return referral


def _progress(uow, referral, change, at, now, zone):
    """Record an acknowledgement or an answer (`change`'s status, answer, reason, redirected_to) at `at`, as
    the rules allowed it: the one place an answer publishes accueil.referral_answered and brings back the
    follow-up waiting for it."""
    if change["status"] == "acknowledged":
        referral.status, referral.acknowledged_at = "acknowledged", at
        return
    referral.status, referral.answered_at = "answered", at
    referral.answer, referral.reason = change["answer"], change["reason"]
    referral.redirected_to = change["redirected_to"]
    days = case_rules.days_between(referral.sent_at, at, zone)
    uow.publish("accueil.referral_answered", referral_answered_payload(referral, days), pimms_id=referral.pimms_id,
                occurred_at=at)
    if referral.case_id is not None:
        case = uow.session.get(FollowUp, referral.case_id)
        if case.status == "waiting_partner":
            case.status, case.due_on = "open", min(case.due_on, localtime.today(zone, now))


def import_referral_answers(uow, req, now, zone, reader):
    """A partner's answers file for one desk: each good row acknowledges or answers the referral it names as
    progress_referral does (accueil.referral_answered once per answer), every bad row is reported with its
    line, field and reason (answer_file.py). The good rows apply even when others are bad, as médiation
    sortante's contact files do: the partner corrects its bad rows and sends the file again, whose rows
    already applied then leave their referrals unchanged. A file that cannot be read in its layout (header,
    encoding, size) is refused whole. Only this desk's referrals to this partner are read, so any other
    reads as unknown."""
    rules.in_scope(reader, req["pimms_id"])
    format_name = req["file_format"] or answer_file.file_format_for(req["partner"])
    text, encoding = partner_files.decode(req["file"], req["encoding"], "file")
    parsed = answer_file.parse(text, format_name, req["partner"], localtime.today(zone, now))
    referrals = _referrals_to(uow.session, req["pimms_id"], req["partner"], [row.referral_id for row in parsed.rows])
    rejected, unchanged, applied, answered = list(parsed.rejected), [], 0, 0
    for row in parsed.rows:
        referral = referrals.get(row.referral_id)
        verdict = answer_file.settle(row, None if referral is None else _facts(referral), format_name, zone)
        if verdict.action == "reject":
            rejected.append({"line": row.line, "errors": verdict.errors})
        elif verdict.action == "unchanged":
            unchanged.append(row.line)
        else:
            _progress(uow, referral, asdict(row), verdict.at, now, zone)
            applied += 1
            answered += row.status == "answered"
    return {"pimms_id": req["pimms_id"], "partner": req["partner"], "file_format": format_name, "encoding": encoding,
            "rows": parsed.count, "applied": applied, "answered": answered, "unchanged": len(unchanged),
            "rejected": len(rejected), "unchanged_lines": unchanged, "errors": answer_file.error_list(rejected)}


def _referrals_to(session, pimms_id, partner, referral_ids, chunk=500):
    """The desk's referrals to the partner among these ids, locked, by id (in chunks: a database caps the
    values of one query)."""
    found, ids = {}, sorted(set(referral_ids))
    for start in range(0, len(ids), chunk):
        found.update((referral.id, referral) for referral in session.scalars(
            select(Referral).where(Referral.id.in_(ids[start:start + chunk]), Referral.pimms_id == pimms_id,
                                   Referral.partner == partner).order_by(Referral.id).with_for_update()))
    return found


def _facts(referral):
    return answer_file.ReferralFacts(status=referral.status, answer=referral.answer, reason=referral.reason,
                                     redirected_to=referral.redirected_to, sent_at=as_utc(referral.sent_at))


def list_referrals(session, req, reader, zone):
    rules.in_scope(reader, req["pimms_id"])
    query = select(Referral).where(Referral.pimms_id == req["pimms_id"])
    if req["status"] is not None:
        query = query.where(Referral.status == req["status"])
    if req["partner"] is not None:
        query = query.where(Referral.partner == req["partner"])
    if req["unanswered_since"] is not None:
        _, end = localtime.day_bounds(req["unanswered_since"], zone)
        query = query.where(Referral.status != "answered", Referral.sent_at < end)
    return list(session.scalars(query.order_by(Referral.sent_at).limit(req["limit"])))


# -- with a visit's close -----------------------------------------------------------------------------------------
def with_follow_up(uow, visit, follow_up, now, zone, reader):
    """After a visit closed: open a follow-up from it, or move or close the one it took further (`follow_up`
    of the close request, or None). Returns the follow-up, or None."""
    if follow_up is None:
        return None
    if follow_up["case_id"] is None:
        return open_case(uow, {"visit_id": visit.id, "citizen_id": follow_up["citizen_id"], "pimms_id": None,
                               "agent_id": visit.agent_id, "motif": None, "next_action": follow_up["next_action"],
                               "due_on": follow_up["due_on"], "opened_at": visit.closed_at}, now, zone, reader)
    return update_case(uow, {**follow_up, "owner": None, "visit_id": visit.id}, now, zone, reader)
