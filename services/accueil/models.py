"""Accueil's tables. Identities (`citizens`) never leave this database: events carry visitor_ref only."""
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.types import UtcDateTime


class Base(DeclarativeBase):
    pass


class Citizen(Base):
    """A person named with their consent: the identity and the consent in force (its history in
    `citizen_consents`). Erased, the row stays with every personal column empty and `erased_at` set: its
    number is never given to anyone else, since visitor_ref is derived from it (SQLite would otherwise
    reuse the highest number freed), and the record reads as not found."""
    __tablename__ = "citizens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    consent_given_at = mapped_column(UtcDateTime())
    consent_channel: Mapped[str | None] = mapped_column(String(20))
    consent_purposes: Mapped[list | None] = mapped_column(JSON)
    created_at = mapped_column(UtcDateTime(), nullable=False)
    erased_at = mapped_column(UtcDateTime())


class Consent(Base):
    """One consent given or withdrawn: when the person gave it, how, for which purposes, recorded by whom.
    The proof each named record relies on; erased with the identity."""
    __tablename__ = "citizen_consents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    action: Mapped[str] = mapped_column(String(10))  # given | withdrawn
    purposes: Mapped[list] = mapped_column(JSON)
    channel: Mapped[str] = mapped_column(String(20))
    given_at = mapped_column(UtcDateTime(), nullable=False)
    recorded_by: Mapped[str | None] = mapped_column(String(64))  # None: recorded before the history existed
    recorded_at = mapped_column(UtcDateTime(), nullable=False)


class Visit(Base):
    __tablename__ = "visits"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pimms_id: Mapped[str] = mapped_column(String(64), index=True)
    agent_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))
    motif_kind: Mapped[str] = mapped_column(String(20))
    partner: Mapped[str | None] = mapped_column(String(40))
    domain: Mapped[str | None] = mapped_column(String(40))
    waiting_min: Mapped[int | None] = mapped_column(Integer)
    duration_min: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(20))
    registres: Mapped[list | None] = mapped_column(JSON)
    opened_at = mapped_column(UtcDateTime(), nullable=False, index=True)
    closed_at = mapped_column(UtcDateTime())
    acts: Mapped[list["Act"]] = relationship(order_by="Act.id", cascade="all, delete-orphan")
    participants: Mapped[list["Participant"]] = relationship(order_by="Participant.id", cascade="all, delete-orphan")


class Participant(Base):
    __tablename__ = "visit_participants"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    gender: Mapped[str | None] = mapped_column(String(10))
    age_band: Mapped[str | None] = mapped_column(String(10))
    commune: Mapped[str | None] = mapped_column(String(5))
    visitor_ref: Mapped[str] = mapped_column(String(32), index=True)
    first_visit: Mapped[bool] = mapped_column(Boolean)


class Act(Base):
    __tablename__ = "visit_acts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    partner: Mapped[str | None] = mapped_column(String(40))
    recorded_at = mapped_column(UtcDateTime(), nullable=False)


class Workshop(Base):
    __tablename__ = "workshops"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pimms_id: Mapped[str] = mapped_column(String(64), index=True)
    agent_id: Mapped[str] = mapped_column(String(64))
    theme: Mapped[str] = mapped_column(String(30))
    partner: Mapped[str | None] = mapped_column(String(40))
    held_on = mapped_column(Date, nullable=False)
    attendees: Mapped[int] = mapped_column(Integer)
    duration_min: Mapped[int] = mapped_column(Integer)
    registres: Mapped[list] = mapped_column(JSON)


class CitizenRead(Base):
    """Who read a citizen's record (read, export), changed their consent or erased it, and when: the audit
    trail of every access to an identity, free of the data read."""
    __tablename__ = "citizen_reads"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    reader_id: Mapped[str] = mapped_column(String(64))
    reader_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(10), default="read")  # read | export | consent | erase
    read_at = mapped_column(UtcDateTime(), nullable=False, index=True)


class CitizenSearch(Base):
    """Who searched the association's citizens by name, when, and which records it found (their numbers,
    never the names searched or found): the audit trail of `find_citizens`, and what lets that staff member
    name a found person at their desk for the next hour."""
    __tablename__ = "citizen_searches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reader_id: Mapped[str] = mapped_column(String(64), index=True)
    reader_role: Mapped[str] = mapped_column(String(20))
    found: Mapped[list] = mapped_column(JSON)  # the citizen ids returned
    searched_at = mapped_column(UtcDateTime(), nullable=False, index=True)


class FollowUp(Base):
    """A follow-up (suivi): the thread of one person's procedure across visits, with its next action, when it
    is due and who owns it. Named (citizen_id, with consent to follow_up) or anonymous (`reference`, the code
    on the slip the person keeps). `next_action` is the agent's words: it stays here, never in an event."""
    __tablename__ = "follow_ups"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pimms_id: Mapped[str] = mapped_column(String(64), index=True)
    owner: Mapped[str] = mapped_column(String(64))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    reference: Mapped[str | None] = mapped_column(String(12), unique=True)
    motif_kind: Mapped[str] = mapped_column(String(20))
    partner: Mapped[str | None] = mapped_column(String(40))
    domain: Mapped[str | None] = mapped_column(String(40))
    next_action: Mapped[str | None] = mapped_column(String(300))
    due_on = mapped_column(Date, nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    outcome: Mapped[str | None] = mapped_column(String(20))
    opened_at = mapped_column(UtcDateTime(), nullable=False)
    closed_at = mapped_column(UtcDateTime())
    visits: Mapped[list["FollowUpVisit"]] = relationship(order_by="FollowUpVisit.attached_at",
                                                         cascade="all, delete-orphan")


class FollowUpVisit(Base):
    """A visit that took a follow-up further."""
    __tablename__ = "follow_up_visits"
    case_id: Mapped[str] = mapped_column(ForeignKey("follow_ups.id"), primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), primary_key=True)
    attached_at = mapped_column(UtcDateTime(), nullable=False)


class Referral(Base):
    """A referral (mise en relation): a question handed from a visit to a partner under its convention, and
    the partner's answer. `citizen_id` only when the person's identity went with it (partner_transmission);
    `asked` is the agent's words, kept here."""
    __tablename__ = "referrals"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pimms_id: Mapped[str] = mapped_column(String(64), index=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), index=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("follow_ups.id"), index=True)
    agent_id: Mapped[str] = mapped_column(String(64))
    partner: Mapped[str] = mapped_column(String(40), index=True)
    asked: Mapped[str | None] = mapped_column(String(300))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    named: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20), index=True)
    answer: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(20))
    redirected_to: Mapped[str | None] = mapped_column(String(40))
    sent_at = mapped_column(UtcDateTime(), nullable=False, index=True)
    acknowledged_at = mapped_column(UtcDateTime())
    answered_at = mapped_column(UtcDateTime())


class BudgetDossier(Base):
    """A household's budget dossier (Point Conseil Budget), opened from a visit for a person named with
    their consent. The diagnosis (resources, charges, debts with their creditors, in cents) and the
    recommendations stay in this database; events carry codes, counts and a band of `remaining_cents`."""
    __tablename__ = "budget_dossiers"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pimms_id: Mapped[str] = mapped_column(String(64), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    agent_id: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(20))
    household: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), index=True)
    outcome: Mapped[str | None] = mapped_column(String(20))
    diagnosis: Mapped[dict | None] = mapped_column(JSON)
    remaining_cents: Mapped[int | None] = mapped_column(Integer)
    recommendations: Mapped[str | None] = mapped_column(String(2000))
    diagnosed_at = mapped_column(UtcDateTime())
    opened_at = mapped_column(UtcDateTime(), nullable=False)
    closed_at = mapped_column(UtcDateTime())
    steps: Mapped[list["BudgetStep"]] = relationship(order_by="BudgetStep.id", cascade="all, delete-orphan")
    interventions: Mapped[list["CreditorIntervention"]] = relationship(order_by="CreditorIntervention.id",
                                                                        cascade="all, delete-orphan")
    orientations: Mapped[list["BudgetOrientation"]] = relationship(order_by="BudgetOrientation.id",
                                                                    cascade="all, delete-orphan")


class BudgetStep(Base):
    """A step of the dossier's action plan: what, by when, done or not."""
    __tablename__ = "budget_steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("budget_dossiers.id"), index=True)
    label: Mapped[str | None] = mapped_column(String(300))
    due_on = mapped_column(Date, nullable=False)
    done_on = mapped_column(Date)


class CreditorIntervention(Base):
    """An intervention with a creditor for the household: who, what was asked, when, and the answer."""
    __tablename__ = "creditor_interventions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("budget_dossiers.id"), index=True)
    creditor: Mapped[str | None] = mapped_column(String(100))
    asked: Mapped[str | None] = mapped_column(String(300))
    asked_on = mapped_column(Date, nullable=False)
    answer: Mapped[str | None] = mapped_column(String(20))
    answered_on = mapped_column(Date)


class BudgetOrientation(Base):
    __tablename__ = "budget_orientations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("budget_dossiers.id"), index=True)
    to: Mapped[str] = mapped_column(String(20))
    on = mapped_column(Date, nullable=False)


class OverindebtednessFile(Base):
    """The household's over-indebtedness file with the Banque de France commission: the day of each stage
    reached, the admissibility decision and the commission's path."""
    __tablename__ = "overindebtedness_files"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("budget_dossiers.id"), unique=True)
    stage: Mapped[str] = mapped_column(String(20))
    built_on = mapped_column(Date, nullable=False)
    filed_on = mapped_column(Date)
    admissibility_on = mapped_column(Date)
    admissible: Mapped[bool | None] = mapped_column(Boolean)
    orientation: Mapped[str | None] = mapped_column(String(30))
    orientation_on = mapped_column(Date)
    closed_on = mapped_column(Date)


class Ticket(Base):
    """A ticket of the waiting room (issue 20): anonymous, numbered within its desk's day (A-001), with the
    motif given on arrival; served by "Suivant" (its visit opened, at a counter) or left unseen."""
    __tablename__ = "tickets"
    __table_args__ = (UniqueConstraint("pimms_id", "day", "number", name="uq_tickets_desk_day_number"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pimms_id: Mapped[str] = mapped_column(String(64), index=True)
    day = mapped_column(Date, nullable=False)
    number: Mapped[int] = mapped_column(Integer)
    motif_kind: Mapped[str] = mapped_column(String(20))
    partner: Mapped[str | None] = mapped_column(String(40))
    domain: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), index=True)
    arrived_at = mapped_column(UtcDateTime(), nullable=False, index=True)
    served_at = mapped_column(UtcDateTime())
    left_at = mapped_column(UtcDateTime())
    counter: Mapped[int | None] = mapped_column(Integer)
    agent_id: Mapped[str | None] = mapped_column(String(64))
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visits.id"), unique=True)


class TicketDay(Base):
    """The last ticket number given at a desk on a day: one row, bumped atomically, so two arrivals at the
    same moment never get the same number."""
    __tablename__ = "ticket_days"
    pimms_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day = mapped_column(Date, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class Appointment(Base):
    """An appointment (rendez-vous): an agent's slot at a desk, for a person's record (citizen_id, with their
    consent to be followed) or an anonymous reference on their slip. `slot_key` (agent and start) is set while
    the slot is held, so two bookings of one slot at the same moment cannot both succeed."""
    __tablename__ = "appointments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pimms_id: Mapped[str] = mapped_column(String(64), index=True)
    agent_id: Mapped[str] = mapped_column(String(64), index=True)
    starts_at = mapped_column(UtcDateTime(), nullable=False, index=True)
    duration_min: Mapped[int] = mapped_column(Integer)
    motif_kind: Mapped[str] = mapped_column(String(20))
    partner: Mapped[str | None] = mapped_column(String(40))
    domain: Mapped[str | None] = mapped_column(String(40))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    reference: Mapped[str | None] = mapped_column(String(12), unique=True)
    slot_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(10), index=True)
    booked_at = mapped_column(UtcDateTime(), nullable=False)
    arrived_at = mapped_column(UtcDateTime())
    seen_at = mapped_column(UtcDateTime())
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visits.id"), unique=True)
    cancelled_at = mapped_column(UtcDateTime())
    missed_at = mapped_column(UtcDateTime())
    missed_by: Mapped[str | None] = mapped_column(String(12))
class WorkshopSession(Base):
    """A workshop session planned at a desk (theme, start, place, capacity, facilitator), its registrations
    and who came; held, it is also a row of `workshops` under the same id, as a head count recorded is."""
    __tablename__ = "workshop_sessions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pimms_id: Mapped[str] = mapped_column(String(64), index=True)
    agent_id: Mapped[str] = mapped_column(String(64))
    theme: Mapped[str] = mapped_column(String(30))
    partner: Mapped[str | None] = mapped_column(String(40))
    starts_at = mapped_column(UtcDateTime(), nullable=False, index=True)
    duration_min: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    place: Mapped[str | None] = mapped_column(String(120))
    registres: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), index=True)
    planned_at = mapped_column(UtcDateTime(), nullable=False)
    closed_at = mapped_column(UtcDateTime())
    people: Mapped[list["WorkshopRegistration"]] = relationship(order_by="WorkshopRegistration.id",
                                                                cascade="all, delete-orphan")


class WorkshopRegistration(Base):
    """A person in a session: registered beforehand (`registered_at`) or come without registering (walk-in,
    `registered_at` null); named (citizen_id, with consent to follow_up) or anonymous (`reference`, the slip's
    code, for a registration). `visitor_ref` is given when they are marked present: the desk's own for a
    named person, a fresh one for an anonymous one."""
    __tablename__ = "workshop_registrations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("workshop_sessions.id"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    reference: Mapped[str | None] = mapped_column(String(12), unique=True)
    status: Mapped[str] = mapped_column(String(12))
    registered_at = mapped_column(UtcDateTime())
    cancelled_at = mapped_column(UtcDateTime())
    attended_at = mapped_column(UtcDateTime())
    visitor_ref: Mapped[str | None] = mapped_column(String(32))
