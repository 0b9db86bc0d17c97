"""What leaves accueil of the waiting room: the event payloads (codes, instants and minutes, no person, no
ticket number, no reference) and what the desk and the public screen read. No query, no session."""
import uuid

from services.accueil import waiting_rules
from shared.types import as_utc


def _motif(record) -> dict:
    return {"kind": record.motif_kind, "partner": record.partner, "domain": record.domain}


def _iso(moment):
    return None if moment is None else as_utc(moment).isoformat()


def ticket_served_payload(ticket, waiting_min: int) -> dict:
    return {"ticket_id": uuid.UUID(ticket.id), "visit_id": uuid.UUID(ticket.visit_id), "agent_id": ticket.agent_id,
            "motif": _motif(ticket), "waiting_min": waiting_min, "arrived_at": as_utc(ticket.arrived_at),
            "served_at": as_utc(ticket.served_at)}


def ticket_left_payload(ticket, at_day_end: bool) -> dict:
    return {"ticket_id": uuid.UUID(ticket.id), "motif": _motif(ticket),
            "waited_min": waiting_rules.minutes_between(as_utc(ticket.arrived_at), as_utc(ticket.left_at)),
            "at_day_end": at_day_end, "arrived_at": as_utc(ticket.arrived_at), "left_at": as_utc(ticket.left_at)}


def ticket_view(ticket, now=None) -> dict:
    """A ticket as the desk reads it: its number, motif, when it arrived and how long it has waited (or
    waited, once served or gone)."""
    until = ticket.served_at or ticket.left_at or now
    return {"ticket_id": ticket.id, "pimms_id": ticket.pimms_id, "day": ticket.day.isoformat(),
            "number": ticket.number, "label": waiting_rules.ticket_label(ticket.number), "motif": _motif(ticket),
            "status": ticket.status, "arrived_at": _iso(ticket.arrived_at), "served_at": _iso(ticket.served_at),
            "left_at": _iso(ticket.left_at), "counter": ticket.counter, "agent_id": ticket.agent_id,
            "visit_id": ticket.visit_id,
            "waiting_min": None if until is None else waiting_rules.minutes_between(as_utc(ticket.arrived_at),
                                                                                   as_utc(until))}


def board_view(pimms_id, waiting, called, now) -> dict:
    """The public waiting room: the numbers called last and at which counter, the count waiting. Nothing else:
    no motif, no agent, no time of arrival."""
    return {"pimms_id": pimms_id, "waiting": waiting, "at": as_utc(now).isoformat(),
            "called": [{"label": waiting_rules.ticket_label(t.number), "counter": t.counter} for t in called]}


def appointment_booked_payload(appointment) -> dict:
    return {"appointment_id": uuid.UUID(appointment.id), "agent_id": appointment.agent_id,
            "motif": _motif(appointment), "named": appointment.citizen_id is not None,
            "starts_at": as_utc(appointment.starts_at), "duration_min": appointment.duration_min,
            "booked_at": as_utc(appointment.booked_at)}


def appointment_cancelled_payload(appointment) -> dict:
    return {"appointment_id": uuid.UUID(appointment.id), "starts_at": as_utc(appointment.starts_at),
            "cancelled_at": as_utc(appointment.cancelled_at)}


def appointment_kept_payload(appointment, agent_id: str, waiting_min: int) -> dict:
    return {"appointment_id": uuid.UUID(appointment.id), "visit_id": uuid.UUID(appointment.visit_id),
            "agent_id": agent_id, "motif": _motif(appointment), "waiting_min": waiting_min,
            "starts_at": as_utc(appointment.starts_at), "seen_at": as_utc(appointment.seen_at)}


def appointment_missed_payload(appointment) -> dict:
    return {"appointment_id": uuid.UUID(appointment.id), "agent_id": appointment.agent_id,
            "motif": _motif(appointment), "by": appointment.missed_by, "starts_at": as_utc(appointment.starts_at),
            "marked_at": as_utc(appointment.missed_at)}


def appointment_view(appointment) -> dict:
    """An appointment as its desk reads it: the person by record number or by the reference on their slip."""
    return {"appointment_id": appointment.id, "pimms_id": appointment.pimms_id, "agent_id": appointment.agent_id,
            "starts_at": _iso(appointment.starts_at), "duration_min": appointment.duration_min,
            "motif": _motif(appointment), "citizen_id": appointment.citizen_id, "reference": appointment.reference,
            "status": appointment.status, "booked_at": _iso(appointment.booked_at),
            "arrived_at": _iso(appointment.arrived_at), "seen_at": _iso(appointment.seen_at),
            "visit_id": appointment.visit_id, "cancelled_at": _iso(appointment.cancelled_at),
            "missed_at": _iso(appointment.missed_at), "missed_by": appointment.missed_by}
