"""What leaves accueil of a visit, a workshop or a citizen: the event payloads (no identity ever) and what
the desk reads. Plain functions over the stored records' attributes; no query, no session."""
import uuid

from shared.types import as_utc


def visit_closed_payload(visit) -> dict:
    return {
        "visit_id": uuid.UUID(visit.id),
        "agent_id": visit.agent_id,
        "visitors": [{"visitor_ref": p.visitor_ref, "first_visit": p.first_visit} for p in visit.participants],
        "motif": {"kind": visit.motif_kind, "partner": visit.partner, "domain": visit.domain},
        "acts": [act.kind for act in visit.acts],
        "registres": list(visit.registres),
        "outcome": visit.outcome,
        "waiting_min": visit.waiting_min,
        "duration_min": visit.duration_min,
        "opened_at": as_utc(visit.opened_at),
        "closed_at": as_utc(visit.closed_at),
    }


def visit_view(visit) -> dict:
    """What the desk reads of a visit. Identities stay out: a named participant shows as named, with the
    number of their record (read through `get_citizen`, which audits the read)."""
    return {
        "visit_id": visit.id, "pimms_id": visit.pimms_id, "agent_id": visit.agent_id, "status": visit.status,
        "motif": {"kind": visit.motif_kind, "partner": visit.partner, "domain": visit.domain},
        "participants": [
            {"visitor_ref": p.visitor_ref, "named": p.citizen_id is not None, "citizen_id": p.citizen_id,
             "first_visit": p.first_visit,
             "gender": p.gender, "age_band": p.age_band, "commune": p.commune}
            for p in visit.participants
        ],
        "acts": [{"kind": a.kind, "partner": a.partner} for a in visit.acts],
        "registres": visit.registres or [], "outcome": visit.outcome, "waiting_min": visit.waiting_min,
        "duration_min": visit.duration_min, "opened_at": as_utc(visit.opened_at).isoformat(),
        "closed_at": as_utc(visit.closed_at).isoformat() if visit.closed_at else None,
    }


def workshop_held_payload(workshop, visitor_refs) -> dict:
    """A workshop recorded as a head count (v2): nobody registered, no capacity, anonymous attendees."""
    return {
        "workshop_id": uuid.UUID(workshop.id), "agent_id": workshop.agent_id, "theme": workshop.theme,
        "partner": workshop.partner, "held_on": workshop.held_on, "attendees": workshop.attendees,
        "duration_min": workshop.duration_min, "registres": workshop.registres, "visitors": list(visitor_refs),
        "registrations": 0, "registrations_attended": 0, "capacity": None,
    }


def citizen_view(citizen, visits) -> dict:
    """A citizen's identity, consent and visits (those at the reader's desks), for staff allowed to read it."""
    return {
        "citizen_id": citizen.id, "first_name": citizen.first_name, "last_name": citizen.last_name,
        "phone": citizen.phone, "email": citizen.email, "created_at": as_utc(citizen.created_at).isoformat(),
        "consent": {"given_at": as_utc(citizen.consent_given_at).isoformat(), "channel": citizen.consent_channel,
                    "purposes": list(citizen.consent_purposes)},
        "visits": [{"visit_id": v.id, "pimms_id": v.pimms_id, "status": v.status,
                    "opened_at": as_utc(v.opened_at).isoformat(),
                    "motif": {"kind": v.motif_kind, "partner": v.partner, "domain": v.domain}} for v in visits],
    }


def citizen_match(citizen, desks) -> dict:
    """What a search by name shows of a person: their record's number, their name, the desks that received
    them; nothing else."""
    return {"citizen_id": citizen.id, "first_name": citizen.first_name, "last_name": citizen.last_name,
            "received_at": sorted(desks)}


def consent_view(consent) -> dict:
    return {"action": consent.action, "purposes": list(consent.purposes), "channel": consent.channel,
            "given_at": as_utc(consent.given_at).isoformat(), "recorded_by": consent.recorded_by,
            "recorded_at": as_utc(consent.recorded_at).isoformat()}


def citizen_export(citizen, consents, visits, trail, now, kept_until) -> dict:
    """All that accueil holds about a person (right of access, GDPR art. 15): identity, the consent in
    force and its history, every visit they took part in (with what the agent noted of them), who read or
    changed their record and when, and until when it is kept. `visits`: (visit, participant) pairs;
    `trail`: (when, action, account, role) tuples."""
    return {
        "citizen_id": citizen.id, "exported_at": as_utc(now).isoformat(),
        "identity": {"first_name": citizen.first_name, "last_name": citizen.last_name, "phone": citizen.phone,
                     "email": citizen.email, "recorded_at": as_utc(citizen.created_at).isoformat()},
        "consent": {"given_at": as_utc(citizen.consent_given_at).isoformat(), "channel": citizen.consent_channel,
                    "purposes": list(citizen.consent_purposes)},
        "consents": [consent_view(c) for c in consents],
        "visits": [{
            "visit_id": v.id, "pimms_id": v.pimms_id, "status": v.status,
            "opened_at": as_utc(v.opened_at).isoformat(),
            "closed_at": as_utc(v.closed_at).isoformat() if v.closed_at else None,
            "motif": {"kind": v.motif_kind, "partner": v.partner, "domain": v.domain},
            "acts": [{"kind": a.kind, "partner": a.partner} for a in v.acts],
            "outcome": v.outcome, "registres": v.registres or [], "waiting_min": v.waiting_min,
            "duration_min": v.duration_min, "agent_id": v.agent_id,
            "as_noted": {"gender": p.gender, "age_band": p.age_band, "commune": p.commune,
                         "first_visit": p.first_visit},
        } for v, p in visits],
        "trail": [{"at": as_utc(at).isoformat(), "action": action, "account": account, "role": role}
                  for at, action, account, role in trail],
        "kept_until": as_utc(kept_until).isoformat(),
    }
