"""Médiation sortante's store: every read and write of the campaigns, their cases and attempts, and the
retention job (campaigns left open closed, identities blanked, statements' partner references removed), over a
SQLAlchemy session; events go out through `uow.publish`, in the change's transaction.
Each change reads the facts its rule needs (rules.py), lets the rule decide, and applies the decision.

Every campaign mutation locks the campaign's row first (PostgreSQL; SQLite has one writer anyway), so a
close cannot slip between an attempt's checks and its commit."""
import uuid

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import selectinload

from services.mediation_sortante import contact_file, rules, statement
from services.mediation_sortante.models import Attempt, Campaign, Contact
from shared.contracts.mediation_sortante import ACTS, CHANNELS, EXPIRED, OUTCOMES
from shared.db import as_utc, secure_delete
from shared.errors import NotFound


# -- facts for the rules ------------------------------------------------------------------------------------
def campaign_facts(campaign):
    return rules.CampaignFacts(
        id=campaign.id, pimms_id=campaign.pimms_id, partner=campaign.partner, label=campaign.label,
        channels=tuple(campaign.channels), max_attempts=campaign.max_attempts, status=campaign.status,
        opened_at=as_utc(campaign.opened_at), closed_at=as_utc(campaign.closed_at))


def case_facts(contact):
    return rules.CaseFacts(id=contact.id, status=contact.status, outcome=contact.outcome,
                           attempts=tuple(rules.AttemptFact(as_utc(a.at), a.reached) for a in contact.attempts))


# -- campaigns ----------------------------------------------------------------------------------------------
def open_campaign(uow, req, now, contract):
    opened_at = rules.moment(req["opened_at"], now, "opened_at")
    contract.check("mediation_sortante", pimms_id=req["pimms_id"], on=opened_at.date(), partner=req["partner"])
    campaign = Campaign(
        id=str(uuid.uuid4()), pimms_id=req["pimms_id"], partner=req["partner"], label=req["label"],
        channels=rules.campaign_channels(req["channels"]),
        max_attempts=req["max_attempts"], status="open", opened_at=opened_at,
    )
    uow.session.add(campaign)
    uow.publish("mediation_sortante.campaign_opened", {
        "campaign_id": uuid.UUID(campaign.id), "partner": campaign.partner, "channels": campaign.channels,
        "max_attempts": campaign.max_attempts, "opened_at": opened_at,
    }, pimms_id=campaign.pimms_id, occurred_at=opened_at)
    return campaign


def get_campaign(session, campaign_id, for_update=False):
    campaign = session.get(Campaign, str(campaign_id), with_for_update=True if for_update else None)
    if campaign is None:
        raise NotFound(f"no campaign {campaign_id}")
    return campaign


def _open_campaign(session, campaign_id, doing):
    campaign = get_campaign(session, campaign_id, for_update=True)
    rules.still_open(campaign.id, campaign.status, doing)
    return campaign


def close_campaign(uow, req, now, association_id):
    session = uow.session
    closed_at = rules.moment(req["closed_at"], now, "closed_at")
    campaign = get_campaign(session, req["campaign_id"], for_update=True)
    open_cases = session.scalar(
        select(func.count()).where(Contact.campaign_id == campaign.id, Contact.status == "open"))
    last_outcome = as_utc(session.scalar(select(func.max(Contact.resolved_at))
                                         .where(Contact.campaign_id == campaign.id)))
    rules.may_close(campaign_facts(campaign), open_cases, last_outcome, closed_at)
    return _close(uow, campaign, closed_at, association_id)


def _close(uow, campaign, closed_at, association_id):
    """Freeze the statement and publish the close: a desk's, or the retention job's for a campaign left open
    (whose open cases it has just expired)."""
    campaign.status, campaign.closed_at = "closed", closed_at
    doc = build_statement(uow.session, campaign, association_id)
    campaign.statement = doc
    uow.publish("mediation_sortante.campaign_closed", {
        "campaign_id": uuid.UUID(campaign.id), "partner": campaign.partner,
        "opened_at": as_utc(campaign.opened_at), "closed_at": closed_at, "contacts": doc["totals"]["contacts"],
        "channels": [{"channel": channel, "attempts": doc["attempts"][channel], "reached": doc["reached"][channel]}
                     for channel in CHANNELS],
        "outcomes": [{"outcome": outcome, "cases": doc["outcomes"][outcome]} for outcome in OUTCOMES],
        "acts": [{"act": act, "count": doc["acts"][act]} for act in ACTS],
    }, pimms_id=campaign.pimms_id, occurred_at=closed_at)
    return campaign


# -- the partner statement ----------------------------------------------------------------------------------
def mark_statement_sent(session, req, now):
    """Record that the closed campaign's statement went to the partner: the start of its references' delay."""
    campaign = get_campaign(session, req["campaign_id"], for_update=True)
    sent_at = rules.moment(req["sent_at"], now, "sent_at")
    rules.may_mark_statement_sent(campaign_facts(campaign), as_utc(campaign.statement_sent_at), sent_at)
    campaign.statement_sent_at = sent_at
    return campaign


def statement_facts(session, campaign):
    """What the statement counts: each case with its number of attempts, and the attempts by channel."""
    rows = session.execute(
        select(Contact.id, Contact.partner_ref, Contact.outcome, Contact.acts, Contact.resolved_at)
        .where(Contact.campaign_id == campaign.id)
    ).all()
    per_case = dict(session.execute(
        select(Attempt.contact_id, func.count()).where(Attempt.campaign_id == campaign.id)
        .group_by(Attempt.contact_id)
    ).all())
    cases = [statement.CaseLine(row.partner_ref, row.outcome, row.acts, as_utc(row.resolved_at),
                                per_case.get(row.id, 0)) for row in rows]
    by_channel = {channel: (int(n), int(reached or 0)) for channel, n, reached in session.execute(
        select(Attempt.channel, func.count(), func.sum(case((Attempt.reached.is_(True), 1), else_=0)))
        .where(Attempt.campaign_id == campaign.id).group_by(Attempt.channel)
    ).all()}
    return cases, by_channel


def build_statement(session, campaign, association_id):
    cases, by_channel = statement_facts(session, campaign)
    return statement.build(campaign_facts(campaign), cases, by_channel, association_id)


def partner_statement(session, campaign_id, association_id):
    """The frozen statement of a closed campaign; for an open one, the statement as it stands (not final)."""
    campaign = get_campaign(session, campaign_id)
    if campaign.statement is not None:
        return campaign.statement
    return build_statement(session, campaign, association_id)


# -- the partner's file -------------------------------------------------------------------------------------
def import_contacts(uow, req, now):
    """Import the good rows, report every bad one with its line and reasons. A reference already in the
    campaign is reported as already imported: importing the same file twice adds nothing."""
    session = uow.session
    campaign = _open_campaign(session, req["campaign_id"], "be imported into")
    format_name = req["file_format"] or contact_file.file_format_for(campaign.partner)
    if req["content"] is not None:
        content, encoding, field = req["content"], "text", "content"
    else:
        (content, encoding), field = contact_file.decode(req["content_base64"], req["encoding"]), "content_base64"
    parsed = contact_file.parse(content, format_name, field)
    known = set(session.scalars(select(Contact.partner_ref).where(Contact.campaign_id == campaign.id)))
    new, already = rules.sort_out(parsed.rows, known)
    for row in new:
        session.add(Contact(
            id=str(uuid.uuid4()), campaign_id=campaign.id, partner_ref=row.partner_ref, name=row.name,
            phone=row.phone, address=row.address, line=row.line, imported_at=now, status="open"))
    return {
        "campaign_id": campaign.id, "partner": campaign.partner, "file_format": format_name, "encoding": encoding,
        "rows": parsed.count, "imported": len(new), "already_imported": len(already),
        "rejected": len(parsed.rejected), "already_imported_lines": already, "rejected_rows": parsed.rejected,
    }


# -- agents -------------------------------------------------------------------------------------------------
def assign_contacts(session, req):
    campaign = _open_campaign(session, req["campaign_id"], "be assigned in")
    wanted = {str(contact_id) for contact_id in req["contact_ids"]}
    contacts = session.scalars(
        select(Contact).where(Contact.campaign_id == campaign.id, Contact.id.in_(sorted(wanted)))).all()
    rules.may_assign(campaign.id, wanted, {contact.id: contact.status for contact in contacts})
    for contact in contacts:
        contact.agent_id = req["agent_id"]
    return {"campaign_id": campaign.id, "assigned": {req["agent_id"]: len(contacts)}}


def share_out(session, req):
    """Give the open cases nobody holds to the agents in turn, in the order of the partner's file."""
    campaign = _open_campaign(session, req["campaign_id"], "be assigned in")
    contacts = session.scalars(
        select(Contact).where(Contact.campaign_id == campaign.id, Contact.status == "open",
                              Contact.agent_id.is_(None))
        .order_by(Contact.imported_at, Contact.line)).all()
    holders, assigned = rules.deal(req["agent_ids"], len(contacts))
    for contact, agent_id in zip(contacts, holders):
        contact.agent_id = agent_id
    return {"campaign_id": campaign.id, "assigned": assigned}


# -- cases --------------------------------------------------------------------------------------------------
def _case(session, contact_id):
    """A case and its campaign, the campaign's row locked before the case is read."""
    campaign_id = session.scalar(select(Contact.campaign_id).where(Contact.id == str(contact_id)))
    if campaign_id is None:
        raise NotFound(f"no case {contact_id}")
    campaign = get_campaign(session, campaign_id, for_update=True)
    return session.get(Contact, str(contact_id)), campaign


def record_attempt(uow, req, now):
    contact, campaign = _case(uow.session, req["contact_id"])
    facts = case_facts(contact)
    number, at = rules.admit_attempt(campaign_facts(campaign), facts, req["channel"], req["at"], now)
    attempt = Attempt(id=str(uuid.uuid4()), contact_id=contact.id, campaign_id=campaign.id, number=number,
                      channel=req["channel"], reached=req["reached"], agent_id=req["agent_id"], at=at,
                      recorded_at=now)
    contact.attempts.append(attempt)
    contact.agent_id = rules.holder_after_attempt(contact.agent_id, req["agent_id"])
    uow.publish("mediation_sortante.contact_attempted", {
        "campaign_id": uuid.UUID(campaign.id), "contact_id": uuid.UUID(contact.id),
        "attempt_id": uuid.UUID(attempt.id), "partner": campaign.partner, "attempt_number": number,
        "channel": attempt.channel, "reached": attempt.reached, "agent_id": attempt.agent_id, "at": at,
    }, pimms_id=campaign.pimms_id, occurred_at=at)
    last = rules.unreachable_since(campaign.max_attempts, facts.attempts + (rules.AttemptFact(at, attempt.reached),))
    if last is not None:
        _resolve(uow, campaign, contact, "unreachable", [], req["agent_id"], last, automatic=True)
    return contact


def resolve_case(uow, req, now):
    """Record the one outcome of a case."""
    contact, campaign = _case(uow.session, req["contact_id"])
    acts, resolved_at = rules.admit_outcome(campaign.max_attempts, case_facts(contact), req["outcome"],
                                            req["acts"], req["resolved_at"], now)
    _resolve(uow, campaign, contact, req["outcome"], acts, req["agent_id"], resolved_at, automatic=False)
    return contact


def _resolve(uow, campaign, contact, outcome, acts, agent_id, resolved_at, automatic):
    contact.status, contact.outcome, contact.acts, contact.automatic = "resolved", outcome, acts, automatic
    contact.resolved_by, contact.resolved_at = agent_id, resolved_at
    uow.publish("mediation_sortante.case_resolved", {
        "campaign_id": uuid.UUID(campaign.id), "contact_id": uuid.UUID(contact.id), "partner": campaign.partner,
        "outcome": outcome, "acts": acts, "attempts": len(contact.attempts), "automatic": automatic,
        "agent_id": agent_id, "resolved_at": resolved_at,
    }, pimms_id=campaign.pimms_id, occurred_at=resolved_at)


# -- retention ----------------------------------------------------------------------------------------------
def apply_retention(uow, req, now, limits, association_id):
    """Every retention rule as of `req["now"]` (default `now`), in one transaction: close the campaigns left
    open past `limits.open_campaign_days`, then blank the identities of those closed `limits.contact_days` ago
    (an expired campaign among them when that delay is 0), then remove the partner references from the
    statements sent `limits.statement_reference_days` ago. Answers the counts of each."""
    session = uow.session
    as_of = rules.moment(req["now"], now, "now")
    secure_delete(session)
    expired = expire_campaigns(uow, as_of, limits.open_campaign_days, association_id)
    identities = _blank_identities(session, as_of, limits.contact_days)
    statements = purge_statement_references(session, as_of, limits.statement_reference_days)
    return {"as_of": as_of.isoformat(), "campaigns_expired": expired["campaigns"], "cases_expired": expired["cases"],
            "identities_campaigns": identities["campaigns"], "identities_contacts": identities["contacts"],
            "statements_references_purged": statements}


def expire_campaigns(uow, as_of, limit_days, association_id):
    """Close every campaign opened `limit_days` ago or more and still open, as a desk's close does (statement
    frozen, `campaign_closed` published), its open cases resolved `expired` first. They publish no
    `case_resolved`: no agent decided anything, a case never tried has no attempt to report, and reporting's
    figures count the work done (the statement and `campaign_closed`'s contacts still count them)."""
    session = uow.session
    due = session.scalars(
        select(Campaign).where(Campaign.status == "open",
                               Campaign.opened_at <= rules.purge_cutoff(as_of, limit_days))
        .order_by(Campaign.opened_at).with_for_update()).all()
    cases = 0
    for campaign in due:
        last_attempt = session.scalar(select(func.max(Attempt.at)).where(Attempt.campaign_id == campaign.id))
        last_outcome = session.scalar(select(func.max(Contact.resolved_at)).where(Contact.campaign_id == campaign.id))
        closed_at = rules.expiry_close(as_of, (as_utc(last_attempt), as_utc(last_outcome)))
        cases += session.execute(
            update(Contact).where(Contact.campaign_id == campaign.id, Contact.status == "open")
            .values(status="resolved", outcome=EXPIRED, acts=[], automatic=True, resolved_by=None,
                    resolved_at=closed_at)
            .execution_options(synchronize_session=False)
        ).rowcount
        _close(uow, campaign, closed_at, association_id)
    return {"campaigns": len(due), "cases": cases}


def purge_statement_references(session, as_of, keep_days):
    """Remove the partner references from the frozen statement of every campaign whose statement was sent
    `keep_days` ago or more; its counts and totals stay as they were (statement.without_references).
    Answers how many statements lost their references."""
    due = session.scalars(
        select(Campaign).where(Campaign.statement_sent_at <= rules.purge_cutoff(as_of, keep_days),
                               Campaign.statement_references_purged_at.is_(None))
        .order_by(Campaign.statement_sent_at).with_for_update()).all()
    for campaign in due:
        # a new dict, not an edit in place: the JSON column only saves a value it sees replaced
        campaign.statement = statement.without_references(campaign.statement, as_of)
        campaign.statement_references_purged_at = as_of
    return len(due)


def purge_identities(session, req, now, retention_days):
    """The identities' part of the retention job alone (apply_retention), as of `req["now"]`."""
    as_of = rules.moment(req["now"], now, "now")
    secure_delete(session)
    return _blank_identities(session, as_of, retention_days)


def _blank_identities(session, now, retention_days):
    """Blank the identities of the cases of every campaign closed `retention_days` ago or more: name, phone,
    address and the partner's reference. What stays: the cases as contact ids with their outcome, acts and
    attempts, the events, and the frozen statement (the billing document the partner received; its partner
    references go on their own delay, purge_statement_references)."""
    cutoff = rules.purge_cutoff(now, retention_days)
    due = session.scalars(
        select(Campaign).where(Campaign.status == "closed", Campaign.closed_at <= cutoff,
                               Campaign.purged_at.is_(None))
        .order_by(Campaign.closed_at).with_for_update()).all()
    contacts = 0
    for campaign in due:
        contacts += session.execute(
            update(Contact).where(Contact.campaign_id == campaign.id, Contact.purged_at.is_(None))
            .values(partner_ref=None, name=None, phone=None, address=None, purged_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        campaign.purged_at = now
    return {"campaigns": len(due), "contacts": contacts}


# -- reading ------------------------------------------------------------------------------------------------
def list_campaigns(session, req):
    query = select(Campaign).where(Campaign.pimms_id == req["pimms_id"])
    if req["status"]:
        query = query.where(Campaign.status == req["status"])
    return list(session.scalars(query.order_by(Campaign.opened_at.desc(), Campaign.id)))


def list_contacts(session, req):
    campaign = get_campaign(session, req["campaign_id"])
    query = select(Contact).where(Contact.campaign_id == campaign.id).options(selectinload(Contact.attempts))
    if req["agent_id"]:
        query = query.where(Contact.agent_id == req["agent_id"])
    if req["status"]:
        query = query.where(Contact.status == req["status"])
    query = query.order_by(Contact.imported_at, Contact.line).limit(req["limit"]).offset(req["offset"])
    return list(session.scalars(query))


def campaign_view(session, campaign):
    contacts, open_cases, unassigned = session.execute(
        select(func.count(), func.sum(case((Contact.status == "open", 1), else_=0)),
               func.sum(case((Contact.agent_id.is_(None), 1), else_=0)))
        .where(Contact.campaign_id == campaign.id)).one()
    attempts = session.scalar(select(func.count()).select_from(Attempt).where(Attempt.campaign_id == campaign.id))
    return {
        "campaign_id": campaign.id, "pimms_id": campaign.pimms_id, "partner": campaign.partner,
        "label": campaign.label, "channels": list(campaign.channels), "max_attempts": campaign.max_attempts,
        "status": campaign.status, "opened_at": as_utc(campaign.opened_at).isoformat(),
        "closed_at": _iso(campaign.closed_at), "identities_purged_at": _iso(campaign.purged_at),
        "statement_sent_at": _iso(campaign.statement_sent_at),
        "statement_references_purged_at": _iso(campaign.statement_references_purged_at),
        "contacts": contacts, "open_cases": int(open_cases or 0), "unassigned": int(unassigned or 0),
        "attempts": attempts,
    }


def contact_view(contact):
    """What the agent holding the case reads: who to reach and how, and what was tried."""
    return {
        "contact_id": contact.id, "campaign_id": contact.campaign_id, "partner_reference": contact.partner_ref,
        "name": contact.name, "phone": contact.phone, "address": contact.address, "line": contact.line,
        "agent_id": contact.agent_id, "status": contact.status, "outcome": contact.outcome,
        "acts": contact.acts or [], "automatic": bool(contact.automatic), "resolved_by": contact.resolved_by,
        "resolved_at": _iso(contact.resolved_at), "identity_purged": contact.purged_at is not None,
        "attempts": [{"attempt_id": a.id, "number": a.number, "channel": a.channel, "reached": a.reached,
                      "agent_id": a.agent_id, "at": as_utc(a.at).isoformat()} for a in contact.attempts],
    }


def desk_figures(session, pimms_id):
    """The desk's running totals over all its campaigns, for the demo and the desk page."""
    in_desk = Campaign.pimms_id == pimms_id
    campaigns = dict(session.execute(
        select(Campaign.status, func.count()).where(in_desk).group_by(Campaign.status)).all())
    contacts = session.scalar(select(func.count()).select_from(Contact).join(Campaign).where(in_desk))
    attempts, reached = session.execute(
        select(func.count(), func.sum(case((Attempt.reached.is_(True), 1), else_=0)))
        .select_from(Attempt).join(Campaign).where(in_desk)).one()
    found = dict(session.execute(
        select(Contact.outcome, func.count()).join(Campaign)
        .where(in_desk, Contact.outcome.is_not(None)).group_by(Contact.outcome)).all())
    # `outcomes` stays the outcomes agents record (one case_resolved each); expired cases are counted apart
    expired = found.pop(EXPIRED, 0)
    outcomes = {**dict.fromkeys(OUTCOMES, 0), **found}
    return {"campaigns_open": campaigns.get("open", 0), "campaigns_closed": campaigns.get("closed", 0),
            "contacts": contacts, "attempts": attempts, "reached": int(reached or 0), "outcomes": outcomes,
            "cases_expired": expired}


def _iso(moment):
    return None if moment is None else as_utc(moment).isoformat()
