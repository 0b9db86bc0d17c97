"""The citizen's data from first visit to erasure, in accueil's database: the export of all that is held
about a person (right of access), a consent given or withdrawn, the erasure of a record on request or at the
end of its retention, and the end of the audit trails' retention. What is decided is in rules.py; what stays
after an erasure is what the figures need (the visits, each participant's statistical fields and
visitor_ref), so that no figure changes.

On SQLite the erased values must not stay readable in the file: `PRAGMA secure_delete` zeroes what is
overwritten or deleted (shared.db.secure_delete), and a checkpoint folds the write-ahead log, which still
holds the old pages, into the file (shared.db.checkpoint, run by the service after the commit). On
PostgreSQL an UPDATE leaves the old row version in its page until VACUUM (autovacuum, typically within
minutes on a busy table) marks it free; the bytes stay on disk until the page is reused, and in WAL segments
and backups until those expire: the README says what the operator does about it."""
from sqlalchemy import delete, exists, select, update

from services.accueil import rules
from services.accueil.budget_store import file_of
from services.accueil.budget_views import dossier_view
from services.accueil.case_views import case_view, referral_view
from services.accueil.models import (
    Appointment,
    BudgetDossier,
    BudgetStep,
    Citizen,
    CitizenRead,
    CitizenSearch,
    Consent,
    CreditorIntervention,
    FollowUp,
    Participant,
    Referral,
    Visit,
    WorkshopRegistration,
    WorkshopSession,
)
from services.accueil.store import audit_access, citizen_of
from services.accueil.views import citizen_export, consent_view
from services.accueil.waiting_views import appointment_view
from services.accueil.workshop_views import registration_export
from shared.db import secure_delete
from shared.types import as_utc

RETENTION_READER = {"login": "retention", "role": "system"}  # the daily job, in the trail of what it erased


def export_citizen(session, citizen_id, reader, now, citizen_months):
    """All that accueil holds about a person, for staff whose desks received them: their visits at every
    desk of the association (the right of access covers what the association holds, not one desk), audited
    as an export."""
    citizen = citizen_of(session, citizen_id, reader)
    audit_access(session, citizen.id, reader, "export", now)
    session.flush()
    consents = session.scalars(select(Consent).where(Consent.citizen_id == citizen.id).order_by(Consent.id))
    visits = session.execute(
        select(Visit, Participant).join(Participant, Participant.visit_id == Visit.id)
        .where(Participant.citizen_id == citizen.id).order_by(Visit.opened_at, Visit.id)).all()
    trail = [(r.read_at, r.action, r.reader_id, r.reader_role) for r in session.scalars(
        select(CitizenRead).where(CitizenRead.citizen_id == citizen.id).order_by(CitizenRead.id))]
    trail += [(s.searched_at, "search", s.reader_id, s.reader_role) for s in _searches_that_found(session, citizen)]
    trail.sort(key=lambda entry: as_utc(entry[0]))
    last_seen = max([as_utc(v.opened_at) for v, _ in visits] + [as_utc(citizen.created_at)])
    export = citizen_export(citizen, list(consents), visits, trail, now, rules.kept_until(last_seen, citizen_months))
    cases = session.scalars(select(FollowUp).where(FollowUp.citizen_id == citizen.id).order_by(FollowUp.opened_at))
    referrals = session.scalars(select(Referral).where(Referral.citizen_id == citizen.id).order_by(Referral.sent_at))
    dossiers = session.scalars(select(BudgetDossier).where(BudgetDossier.citizen_id == citizen.id)
                               .order_by(BudgetDossier.opened_at))
    workshops = session.execute(select(WorkshopRegistration, WorkshopSession).join(
        WorkshopSession, WorkshopRegistration.session_id == WorkshopSession.id).where(
        WorkshopRegistration.citizen_id == citizen.id).order_by(WorkshopSession.starts_at, WorkshopRegistration.id))
    appointments = session.scalars(select(Appointment).where(Appointment.citizen_id == citizen.id)
                                   .order_by(Appointment.starts_at))
    return {**export, "follow_ups": [case_view(c) for c in cases], "referrals": [referral_view(r) for r in referrals],
            "budget_dossiers": [dossier_view(d, file_of(session, d.id)) for d in dossiers],
            "appointments": [appointment_view(a) for a in appointments],
            "workshops": [registration_export(r, w) for r, w in workshops]}


def _searches_that_found(session, citizen):
    """Searches by name that returned this record (their `found` holds record numbers, as JSON)."""
    since = select(CitizenSearch).where(CitizenSearch.searched_at >= citizen.created_at).order_by(CitizenSearch.id)
    return [s for s in session.scalars(since) if citizen.id in s.found]


def record_consent(session, req, reader, now):
    """A consent given or withdrawn, for some purposes: added to the history, the consent in force updated.
    Without `contact`, the phone and e-mail are not kept; with no purpose left, nothing named can be kept at
    all, so the record is erased (the person is still received, anonymously)."""
    citizen = citizen_of(session, req["citizen_id"], reader)
    purposes = rules.consent_after(citizen.consent_purposes, req["action"], req["purposes"])
    given_at = rules.not_after_now(req["given_at"], now, "given_at")
    if not purposes:
        erase(session, citizen, reader, now)
        return {"citizen_id": citizen.id, "purposes": [], "erased": True}
    session.add(Consent(citizen_id=citizen.id, action=req["action"], purposes=req["purposes"],
                        channel=req["channel"], given_at=given_at, recorded_by=reader["login"], recorded_at=now))
    citizen.consent_purposes, citizen.consent_channel, citizen.consent_given_at = purposes, req["channel"], given_at
    if not rules.keeps_contact_details(purposes):
        citizen.phone = citizen.email = None
    audit_access(session, citizen.id, reader, "consent", now)
    session.flush()
    history = session.scalars(select(Consent).where(Consent.citizen_id == citizen.id).order_by(Consent.id))
    return {"citizen_id": citizen.id, "purposes": purposes, "erased": False,
            "consents": [consent_view(c) for c in history]}


def erase_citizen(session, citizen_id, reader, now):
    """A person's record erased at their request, by a manager of the association."""
    rules.may_erase(reader)
    citizen = citizen_of(session, citizen_id, reader)
    erase(session, citizen, reader, now)
    return {"citizen_id": citizen.id, "erased_at": as_utc(now).isoformat()}


def erase(session, citizen, reader, now):
    """Empty the identity and consents, unlink the visits (their statistical fields and visitor_ref stay),
    keep the row as a tombstone whose number is never reused; the erasure is audited, without the data."""
    secure_delete(session)
    session.execute(delete(Consent).where(Consent.citizen_id == citizen.id))
    session.execute(update(Participant).where(Participant.citizen_id == citizen.id).values(citizen_id=None)
                    .execution_options(synchronize_session=False))
    # their follow-ups and referrals stay for the figures, without the link or the agent's words about them
    session.execute(update(FollowUp).where(FollowUp.citizen_id == citizen.id)
                    .values(citizen_id=None, next_action=None).execution_options(synchronize_session=False))
    session.execute(update(Referral).where(Referral.citizen_id == citizen.id)
                    .values(citizen_id=None, asked=None).execution_options(synchronize_session=False))
    # their registrations and attendance at workshops stay as counted, unlinked (the visitor_ref stays)
    session.execute(update(WorkshopRegistration).where(WorkshopRegistration.citizen_id == citizen.id)
                    .values(citizen_id=None).execution_options(synchronize_session=False))
    dossiers = select(BudgetDossier.id).where(BudgetDossier.citizen_id == citizen.id).scalar_subquery()
    _empty_budgets(session, dossiers)
    session.execute(update(BudgetDossier).where(BudgetDossier.citizen_id == citizen.id).values(citizen_id=None)
                    .execution_options(synchronize_session=False))
    # their appointments stay for the figures (kept, missed), no longer theirs
    session.execute(update(Appointment).where(Appointment.citizen_id == citizen.id).values(citizen_id=None)
                    .execution_options(synchronize_session=False))
    citizen.first_name = citizen.last_name = citizen.phone = citizen.email = None
    citizen.consent_given_at = citizen.consent_channel = citizen.consent_purposes = None
    citizen.erased_at = now
    audit_access(session, citizen.id, reader, "erase", now)


def _empty_budgets(session, dossiers):
    """A household's figures, creditors and the agent's words about them, emptied from these dossiers (their
    codes, dates and counts stay). Returns how many dossiers."""
    for model, values in ((BudgetStep, {"label": None}), (CreditorIntervention, {"creditor": None, "asked": None})):
        session.execute(update(model).where(model.dossier_id.in_(dossiers)).values(**values)
                        .execution_options(synchronize_session=False))
    return session.execute(update(BudgetDossier).where(BudgetDossier.id.in_(dossiers)).values(
        diagnosis=None, remaining_cents=None, recommendations=None).execution_options(
        synchronize_session=False)).rowcount


def purge_expired(session, now, citizen_months, audit_months):
    """The daily retention: erase the records of people without a visit since the cut-off (and recorded
    before it), delete the trails of reads and searches older than theirs. Returns the counts."""
    cutoffs = rules.retention_cutoffs(now, citizen_months, audit_months)
    secure_delete(session)
    seen_since = exists().where(Participant.citizen_id == Citizen.id, Participant.visit_id == Visit.id,
                                Visit.opened_at >= cutoffs["identities"])
    # a person who comes to workshops is seen there too, registered or present
    at_workshops_since = exists().where(WorkshopRegistration.citizen_id == Citizen.id,
                                        WorkshopRegistration.session_id == WorkshopSession.id,
                                        WorkshopSession.starts_at >= cutoffs["identities"])
    due = list(session.scalars(select(Citizen).where(
        Citizen.erased_at.is_(None), Citizen.created_at < cutoffs["identities"], ~seen_since, ~at_workshops_since)
        .order_by(Citizen.id)))
    for citizen in due:
        erase(session, citizen, RETENTION_READER, now)
    session.flush()
    notes = session.execute(update(FollowUp).where(
        FollowUp.closed_at < cutoffs["identities"], FollowUp.next_action.is_not(None)).values(next_action=None)).rowcount
    notes += session.execute(update(Referral).where(
        Referral.answered_at < cutoffs["identities"], Referral.asked.is_not(None)).values(asked=None)).rowcount
    old = select(BudgetDossier.id).where(BudgetDossier.closed_at < cutoffs["identities"],
                                         BudgetDossier.diagnosis.is_not(None) | BudgetDossier.recommendations.is_not(None))
    notes += _empty_budgets(session, old.scalar_subquery())
    # an anonymous appointment's slip reference, once its day is past retention, recognises no one any more
    notes += session.execute(update(Appointment).where(
        Appointment.starts_at < cutoffs["identities"], Appointment.reference.is_not(None)).values(reference=None)
        .execution_options(synchronize_session=False)).rowcount
    # an anonymous registration's slip reference is of no use once its session is long past
    old_sessions = select(WorkshopSession.id).where(WorkshopSession.starts_at < cutoffs["identities"])
    notes += session.execute(update(WorkshopRegistration).where(
        WorkshopRegistration.session_id.in_(old_sessions.scalar_subquery()),
        WorkshopRegistration.reference.is_not(None)).values(reference=None)
        .execution_options(synchronize_session=False)).rowcount
    reads = session.execute(delete(CitizenRead).where(CitizenRead.read_at < cutoffs["trails"])).rowcount
    searches = session.execute(delete(CitizenSearch).where(CitizenSearch.searched_at < cutoffs["trails"])).rowcount
    return {"identities": len(due), "notes": notes, "reads": reads, "searches": searches}
