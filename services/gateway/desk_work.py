"""The desk's work asked of accueil for an account, within its desks and as its agent; the JSON API and the
desk page both go through here, so a person and a script are held to the same desks and send the same requests."""
from services.gateway import access, audit
from services.gateway.metrics import CITIZEN_READS
from services.gateway.schemas import (
    DOSSIER_CHANGES,
    CaseChange,
    CasesQuery,
    ConsentChange,
    DeskActRequest,
    DeskAnswersImport,
    DeskCaseRequest,
    DeskCloseRequest,
    DeskDossierRequest,
    DeskRecordRequest,
    DeskReferralRequest,
    DeskVisitRequest,
    DeskVisitsQuery,
    DeskWorkshopRequest,
    DossiersQuery,
    ReferralChange,
    ReferralsQuery,
)
from services.gateway.web import request_key
from shared import localtime
from shared.errors import parse_request


def at_desk(principal, schema, body):
    """The body checked against `schema`, its desk the one it names (one of the account's) or the account's own."""
    req = parse_request(schema, body)
    return {**body, "pimms_id": access.default_desk(principal, req["pimms_id"])}


def list_visits(accueil, principal, query):
    """A desk's visits (`pimms_id` defaults to the account's desk) filtered as accueil's list_visits does."""
    return accueil.list_visits(at_desk(principal, DeskVisitsQuery, query))


def today(accueil, pimms_id, zone):
    """The desk's visits of its day, and those left open on an earlier day: they stay until closed."""
    day = localtime.today(zone)
    return accueil.list_visits({"pimms_id": pimms_id, "day": day.isoformat(), "still_open": True})


def calls(accueil, pimms_id, zone):
    """The desk's follow-ups to call back: open, due today or late (the association's calendar)."""
    return accueil.list_cases({"pimms_id": pimms_id, "due_by": localtime.today(zone).isoformat()})


def open_dossiers(accueil, pimms_id):
    """The desk's budget dossiers in progress (none where the association is not a Point Conseil Budget)."""
    return accueil.list_dossiers({"pimms_id": pimms_id, "status": "open"})


def open_visit(accueil, principal, body, supplied_key):
    """Open a visit at a desk of the account, as its agent, with its first acts: one call. `supplied_key`:
    the client's idempotency key (Idempotency-Key, or a desk form's), or None (web.request_key)."""
    key = request_key(principal, supplied_key)
    return accueil.open_visit({**at_desk(principal, DeskVisitRequest, body),
                               "agent_id": principal.agent_id, "idempotency_key": key})


def record_visit(accueil, principal, body, supplied_key):
    """Record a visit that is over at a desk of the account: opened, its acts, closed, in one call."""
    key = request_key(principal, supplied_key)
    return accueil.record_visit({**at_desk(principal, DeskRecordRequest, body),
                                 "agent_id": principal.agent_id, "idempotency_key": key})


def record_workshop(accueil, principal, body, supplied_key):
    key = request_key(principal, supplied_key)
    return accueil.record_workshop({**at_desk(principal, DeskWorkshopRequest, body),
                                    "agent_id": principal.agent_id, "idempotency_key": key})


def visit_in_scope(accueil, principal, visit_id):
    """The visit, if it is at one of the account's desks (else Forbidden, after asking accueil)."""
    visit = accueil.get_visit(visit_id)
    access.require_desk(principal, visit["pimms_id"])
    return visit


def add_act(accueil, principal, visit_id, body, supplied_key):
    """Accueil itself refuses a visit outside the account's desks (the call carries the signed account,
    and a visit of another desk reads there as one that does not exist: 404), so no read comes first."""
    parse_request(DeskActRequest, body)
    return accueil.add_act({**body, "visit_id": visit_id, "idempotency_key": request_key(principal, supplied_key)})


def close_visit(accueil, principal, visit_id, body, supplied_key):
    """As add_act: accueil checks the desk from the signed account. Reading the visit first (to answer 403
    rather than accueil's 404) cost a third RPC per visit, a third of what an agent waited for
    (docs/benchmark.md)."""
    parse_request(DeskCloseRequest, body)
    return accueil.close_visit({**body, "visit_id": visit_id,
                                "idempotency_key": request_key(principal, supplied_key)})


def find_citizens(accueil, db, principal, query):
    """Returning people by name among those who consented to be followed; the search is audited (how many
    were found, never who)."""
    access.citizen_reader(principal)
    found = accueil.find_citizens(query)
    audit.write(db, principal, "citizen_search", f"found:{len(found)}")
    return found


def read_citizen(accueil, db, metrics, principal, citizen_id):
    """A citizen's identity, for staff whose desk received them (accueil decides, from the signed account);
    counted and audited, never with the data read."""
    access.citizen_reader(principal)
    citizen = accueil.get_citizen(citizen_id)
    metrics[CITIZEN_READS].labels(principal.role).inc()
    audit.write(db, principal, "citizen_read", f"citizen:{citizen_id}")
    return citizen


# -- the citizen's data lifecycle: accueil decides and audits; the gateway's log says who asked -----------------
def export_citizen(accueil, db, metrics, principal, citizen_id):
    """All that is held about a person (right of access), for staff whose desk received them; audited."""
    access.citizen_reader(principal)
    export = accueil.export_citizen(citizen_id)
    metrics[CITIZEN_READS].labels(principal.role).inc()
    audit.write(db, principal, "citizen_export", f"citizen:{citizen_id}")
    return export


def record_consent(accueil, db, principal, citizen_id, body, supplied_key):
    """A consent given or withdrawn; withdrawn for every purpose, accueil erases the record."""
    access.citizen_reader(principal)
    parse_request(ConsentChange, body)
    answer = accueil.record_consent({**body, "citizen_id": citizen_id,
                                     "idempotency_key": request_key(principal, supplied_key)})
    audit.write(db, principal, "citizen_consent", f"citizen:{citizen_id}:{body['action']}")
    return answer


def erase_citizen(accueil, db, principal, citizen_id, supplied_key):
    """A person's record erased at their request (a manager's act): afterwards it reads as not found."""
    access.citizen_reader(principal)
    answer = accueil.erase_citizen({"citizen_id": citizen_id,
                                    "idempotency_key": request_key(principal, supplied_key)})
    audit.write(db, principal, "citizen_erase", f"citizen:{citizen_id}")
    return answer


# -- follow-ups and referrals: at the account's desks, as its agent --------------------------------------------------
def list_cases(accueil, principal, query):
    return accueil.list_cases(at_desk(principal, CasesQuery, query))


def open_case(accueil, principal, body, supplied_key):
    parse_request(DeskCaseRequest, body)
    if body.get("pimms_id") is not None:
        access.require_desk(principal, body["pimms_id"])
    return accueil.open_case({**body, "agent_id": principal.agent_id,
                              "idempotency_key": request_key(principal, supplied_key)})


def update_case(accueil, principal, case_id, body, supplied_key):
    parse_request(CaseChange, body)
    return accueil.update_case({**body, "case_id": case_id, "idempotency_key": request_key(principal, supplied_key)})


def list_referrals(accueil, principal, query):
    return accueil.list_referrals(at_desk(principal, ReferralsQuery, query))


def send_referral(accueil, principal, body, supplied_key):
    parse_request(DeskReferralRequest, body)
    return accueil.send_referral({**body, "agent_id": principal.agent_id,
                                  "idempotency_key": request_key(principal, supplied_key)})


def progress_referral(accueil, principal, referral_id, body, supplied_key):
    parse_request(ReferralChange, body)
    return accueil.progress_referral({**body, "referral_id": referral_id,
                                      "idempotency_key": request_key(principal, supplied_key)})


def import_answers(accueil, principal, body, supplied_key):
    """A partner's answers file at one of the account's desks: every good row applied, every bad one reported."""
    return accueil.import_referral_answers({**at_desk(principal, DeskAnswersImport, body),
                                            "idempotency_key": request_key(principal, supplied_key)})


# -- Point Conseil Budget: at the account's desks, as its agent -------------------------------------------------------
DOSSIER_RPC = {"diagnosis": "record_diagnosis", "steps": "plan_step", "interventions": "record_intervention",
               "orientations": "add_orientation", "close": "close_dossier", "overindebtedness": "overindebtedness_stage"}


def list_dossiers(accueil, principal, query):
    return accueil.list_dossiers(at_desk(principal, DossiersQuery, query))


def open_dossier(accueil, principal, body, supplied_key):
    parse_request(DeskDossierRequest, body)
    return accueil.open_dossier({**body, "agent_id": principal.agent_id,
                                 "idempotency_key": request_key(principal, supplied_key)})


def change_dossier(accueil, principal, dossier_id, part, body, supplied_key):
    """One change of a dossier (`part`: diagnosis, steps, interventions, orientations, close, overindebtedness)."""
    parse_request(DOSSIER_CHANGES[part], body)
    return getattr(accueil, DOSSIER_RPC[part])({**body, "dossier_id": dossier_id,
                                                "idempotency_key": request_key(principal, supplied_key)})
