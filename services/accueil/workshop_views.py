"""What leaves accueil of a workshop session: its `workshop_held` payload (visitor references and counts, no
person) and what the desk reads (the people by record number or slip reference, never a name). Plain
functions over the stored records' attributes; no query, no session."""
import uuid

from services.accueil.workshop_rules import places_left
from shared import localtime
from shared.types import as_utc


def _iso(moment):
    return as_utc(moment).isoformat() if moment is not None else None


def registered(session) -> list:
    return [p for p in session.people if p.status == "registered"]


def present(session) -> list:
    return [p for p in session.people if p.attended_at is not None and p.status != "cancelled"]


def workshop_held_payload(session, held_on, duration_min, registres) -> dict:
    came = present(session)
    return {
        "workshop_id": uuid.UUID(session.id), "agent_id": session.agent_id, "theme": session.theme,
        "partner": session.partner, "held_on": held_on, "attendees": len(came), "duration_min": duration_min,
        "registres": list(registres), "visitors": [p.visitor_ref for p in came],
        "registrations": len(registered(session)),
        "registrations_attended": sum(1 for p in came if p.status == "registered"),
        "capacity": session.capacity,
    }


def registration_view(person) -> dict:
    return {
        "registration_id": person.id, "workshop_id": person.session_id, "named": person.citizen_id is not None,
        "citizen_id": person.citizen_id, "reference": person.reference, "status": person.status,
        "walk_in": person.status == "walk_in", "registered_at": _iso(person.registered_at),
        "cancelled_at": _iso(person.cancelled_at), "present": person.attended_at is not None,
        "attended_at": _iso(person.attended_at),
    }


def workshop_view(session, zone, with_people=True) -> dict:
    """A session as its desk reads it: places left, who is registered, who came."""
    count = len(registered(session))
    view = {
        "workshop_id": session.id, "pimms_id": session.pimms_id, "agent_id": session.agent_id,
        "theme": session.theme, "partner": session.partner, "starts_at": _iso(session.starts_at),
        "day": localtime.local_date(as_utc(session.starts_at), zone).isoformat(),
        "duration_min": session.duration_min, "capacity": session.capacity, "place": session.place,
        "registres": list(session.registres), "status": session.status, "registered": count,
        "places_left": places_left(session.capacity, count), "full": count >= session.capacity,
        "attendees": len(present(session)), "closed_at": _iso(session.closed_at),
    }
    if with_people:
        view["registrations"] = [registration_view(p) for p in session.people if p.status != "cancelled"]
    return view


def registration_export(person, session) -> dict:
    """A person's registration as their export shows it: the session and what was recorded of them in it."""
    return {**registration_view(person), "pimms_id": session.pimms_id, "theme": session.theme,
            "starts_at": _iso(session.starts_at), "place": session.place, "session_status": session.status}
