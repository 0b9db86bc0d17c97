"""What leaves accueil of a follow-up or a referral: the event payloads (codes and durations, no person) and
what the desk reads. Plain functions over the stored records' attributes; no query, no session."""
import uuid

from shared.types import as_utc


def _motif(record) -> dict:
    return {"kind": record.motif_kind, "partner": record.partner, "domain": record.domain}


def _iso(moment):
    return as_utc(moment).isoformat() if moment is not None else None


def case_opened_payload(case) -> dict:
    return {"case_id": uuid.UUID(case.id), "agent_id": case.owner, "motif": _motif(case),
            "named": case.citizen_id is not None, "opened_at": as_utc(case.opened_at), "due_on": case.due_on}


def case_closed_payload(case, days_open: int) -> dict:
    return {"case_id": uuid.UUID(case.id), "agent_id": case.owner, "motif": _motif(case), "outcome": case.outcome,
            "days_open": days_open, "visits": len(case.visits), "opened_at": as_utc(case.opened_at),
            "closed_at": as_utc(case.closed_at)}


def case_view(case, referrals=()) -> dict:
    """A follow-up as its desk reads it: the person by record number or by the reference on their slip."""
    return {
        "case_id": case.id, "pimms_id": case.pimms_id, "owner": case.owner, "citizen_id": case.citizen_id,
        "reference": case.reference, "motif": _motif(case), "next_action": case.next_action,
        "due_on": case.due_on.isoformat(), "status": case.status, "outcome": case.outcome,
        "opened_at": _iso(case.opened_at), "closed_at": _iso(case.closed_at),
        "visits": [v.visit_id for v in case.visits],
        "referrals": [referral_view(r) for r in referrals],
    }


def referral_sent_payload(referral, visit) -> dict:
    return {"referral_id": uuid.UUID(referral.id), "agent_id": referral.agent_id, "partner": referral.partner,
            "motif": {"kind": visit.motif_kind, "partner": visit.partner, "domain": visit.domain},
            "named": referral.named, "sent_at": as_utc(referral.sent_at)}


def referral_answered_payload(referral, days: int) -> dict:
    return {"referral_id": uuid.UUID(referral.id), "partner": referral.partner, "answer": referral.answer,
            "reason": referral.reason, "redirected_to": referral.redirected_to, "days_to_answer": days,
            "sent_at": as_utc(referral.sent_at), "answered_at": as_utc(referral.answered_at)}


def referral_view(referral) -> dict:
    return {
        "referral_id": referral.id, "pimms_id": referral.pimms_id, "visit_id": referral.visit_id,
        "case_id": referral.case_id, "agent_id": referral.agent_id, "partner": referral.partner,
        "asked": referral.asked, "named": referral.named, "citizen_id": referral.citizen_id,
        "status": referral.status, "answer": referral.answer, "reason": referral.reason,
        "redirected_to": referral.redirected_to, "sent_at": _iso(referral.sent_at),
        "acknowledged_at": _iso(referral.acknowledged_at), "answered_at": _iso(referral.answered_at),
    }
