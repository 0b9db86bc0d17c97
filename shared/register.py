"""The register of processing (registre des traitements, GDPR art. 30), declared beside the tables.

Each service's `register.py` classifies every column of its tables: a personal field with whose it is, what
it is for, its legal basis, how long it is kept and who may read it, or a column that holds nothing personal.
`docs/rgpd.md` is generated from these declarations (`make docs`), and tests/test_register.py fails when a
table gains a column nobody classified, so a personal field cannot arrive unnoticed.

    PERSONAL = {"citizens.last_name": IDENTITY}
    NOT_PERSONAL = {"visits": ("id", "pimms_id", "status", ...)}
"""
from dataclasses import dataclass

ASSOCIATION = "the association running the desk (responsable de traitement)"


@dataclass(frozen=True)
class Personal:
    """What one personal field is held for. `retention` names the setting that enforces it, when one does."""
    subject: str  # whose data: a citizen received, a partner's customer, an agent, a staff account
    holds: str
    purpose: str
    basis: str  # the GDPR art. 6 ground
    retention: str
    readers: str
    owner: str = ASSOCIATION


# the legal grounds the platform relies on, worded once
CONSENT = "consent of the person, given at the desk for named purposes (art. 6.1.a), withdrawable"
PUBLIC_TASK = "public-interest mission of social mediation (art. 6.1.e), under the franchise's norm XP X60-600"
SECURITY = "legal obligation to secure personal data and account for its access (art. 6.1.c, art. 32)"
EMPLOYMENT = "the agent's employment and training contract (art. 6.1.b) and the employer's legal duties (6.1.c)"
ON_BEHALF = ("the partner's contract with the association, which processes the file on its behalf "
             "(sous-traitance, art. 28)")

# the platform's own tables, present in every service's database (shared/tables.py)
PLATFORM_PERSONAL = {
    "idempotent_requests.fingerprint": Personal(
        "a citizen named in a request, as a one-way hash of the whole request",
        "a SHA-256 of a state-changing request (which may contain a name typed at the desk)",
        "answer a repeated request once instead of doing it twice", SECURITY,
        "IDEMPOTENCY_KEEP_HOURS (24 hours), then deleted by a timer", "nobody: compared, never shown"),
}
PLATFORM_PERSONAL["idempotent_requests.answer"] = Personal(
    "whoever the answer names: an agent whose hiring was recorded (formation answers with the name); a citizen "
    "only by record number and visitor_ref (accueil's answers carry no identity)",
    "the answer given to a state-changing request, JSON",
    "give a repeated request the first answer instead of doing the work twice", SECURITY,
    "IDEMPOTENCY_KEEP_HOURS (24 hours), then deleted by a timer", "nobody: returned only to the same request")
PLATFORM_PERSONAL["outbox.body"] = Personal(
    "citizens and agents, pseudonymous: the events' visitor_ref (a keyed hash only accueil can link to a record) "
    "and agent_id codes; never a name", "an event published by the service (envelope and payload, JSON)",
    "publish each change exactly once, even across a crash (transactional outbox)", PUBLIC_TASK,
    "kept after relay as the service's record of what it published; unlinkable once the citizen's record is "
    "erased", "operators replaying events")
PLATFORM_NOT_PERSONAL = {
    "outbox": ("id", "event_id", "event_type", "created_at", "sent_at"),
    "processed_events": ("consumer", "event_id", "applied_at"),
    "contract_terms": ("association_id", "revision", "terms", "received_at"),
    "idempotent_requests": ("key", "operation", "created_at"),
}


def undeclared(tables, personal: dict, not_personal: dict) -> list[str]:
    """`table.column` of every column of `tables` that neither declaration names."""
    missing = []
    for table in tables:
        plain = set(not_personal.get(table.name, ()))
        missing += [f"{table.name}.{c.name}" for c in table.columns
                    if f"{table.name}.{c.name}" not in personal and c.name not in plain]
    return missing


def stale(tables, personal: dict, not_personal: dict) -> list[str]:
    """Declarations naming a column that no table has (renamed or dropped): a register must not lie."""
    present = {f"{t.name}.{c.name}" for t in tables for c in t.columns}
    declared = set(personal) | {f"{t}.{c}" for t, cols in not_personal.items() for c in cols}
    return sorted(declared - present)


def both(personal: dict, not_personal: dict) -> list[str]:
    return sorted(set(personal) & {f"{t}.{c}" for t, cols in not_personal.items() for c in cols})
