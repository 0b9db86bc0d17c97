"""What leaves accueil of a budget dossier: the event payloads (codes, counts, a band, never an amount or a
creditor) and what the desk reads (the whole dossier, for the staff of its desk). No query, no session."""
import uuid
from collections import Counter

from services.accueil import budget_rules
from shared.types import as_utc


def _iso(value):
    return None if value is None else (as_utc(value).isoformat() if hasattr(value, "tzinfo") and hasattr(
        value, "hour") else value.isoformat())


def dossier_opened_payload(dossier) -> dict:
    return {"dossier_id": uuid.UUID(dossier.id), "agent_id": dossier.agent_id, "origin": dossier.origin,
            "household": dossier.household, "opened_at": as_utc(dossier.opened_at)}


def dossier_closed_payload(dossier, days_open: int) -> dict:
    answers = Counter(i.answer or "no_answer" for i in dossier.interventions)
    return {
        "dossier_id": uuid.UUID(dossier.id), "agent_id": dossier.agent_id, "origin": dossier.origin,
        "household": dossier.household, "outcome": dossier.outcome, "days_open": days_open,
        "diagnosed": dossier.diagnosis is not None,
        "remaining_band": budget_rules.remaining_band(dossier.remaining_cents),
        "plan_steps": len(dossier.steps), "plan_steps_done": sum(1 for s in dossier.steps if s.done_on),
        "interventions": dict(sorted(answers.items())),
        "orientations": sorted({o.to for o in dossier.orientations}),
        "opened_at": as_utc(dossier.opened_at), "closed_at": as_utc(dossier.closed_at),
    }


def stage_payload(file, dossier, days_since_filed) -> dict:
    return {"file_id": uuid.UUID(file.id), "dossier_id": uuid.UUID(dossier.id), "origin": dossier.origin,
            "stage": file.stage, "stage_on": stage_day(file), "admissible": file.admissible,
            "orientation": file.orientation, "days_since_filed": days_since_filed}


def stage_day(file):
    return {"built": file.built_on, "filed": file.filed_on, "admissibility": file.admissibility_on,
            "orientation": file.orientation_on, "closed": file.closed_on}[file.stage]


def dossier_view(dossier, file=None) -> dict:
    """The whole dossier, for the staff of its desk: the household's figures included (they never leave)."""
    remaining = dossier.remaining_cents
    return {
        "dossier_id": dossier.id, "pimms_id": dossier.pimms_id, "citizen_id": dossier.citizen_id,
        "agent_id": dossier.agent_id, "origin": dossier.origin, "household": dossier.household,
        "status": dossier.status, "outcome": dossier.outcome, "opened_at": _iso(dossier.opened_at),
        "closed_at": _iso(dossier.closed_at), "diagnosis": dossier.diagnosis,
        "remaining": None if remaining is None else f"{remaining / 100:.2f}",
        "recommendations": dossier.recommendations, "diagnosed_at": _iso(dossier.diagnosed_at),
        "steps": [{"step_id": s.id, "label": s.label, "due_on": _iso(s.due_on), "done_on": _iso(s.done_on)}
                  for s in dossier.steps],
        "interventions": [{"creditor": i.creditor, "asked": i.asked, "asked_on": _iso(i.asked_on),
                           "answer": i.answer, "answered_on": _iso(i.answered_on)} for i in dossier.interventions],
        "orientations": [{"to": o.to, "on": _iso(o.on)} for o in dossier.orientations],
        "overindebtedness": None if file is None else {
            "file_id": file.id, "stage": file.stage, "built_on": _iso(file.built_on), "filed_on": _iso(file.filed_on),
            "admissibility_on": _iso(file.admissibility_on), "admissible": file.admissible,
            "orientation": file.orientation, "orientation_on": _iso(file.orientation_on),
            "closed_on": _iso(file.closed_on)},
    }
