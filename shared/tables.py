"""The platform's own tables, present in every service's database beside the service's tables."""
from sqlalchemy import JSON, BigInteger, Column, Integer, MetaData, String, Table, Text

from shared.types import UtcDateTime

metadata = MetaData()

# An event waits here, committed with the state change that caused it, until the relay has a confirm.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("event_type", String(80), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=True, index=True),
)

# A consumer's applied event ids, written in the same transaction as what applying them changed.
processed_events = Table(
    "processed_events",
    metadata,
    Column("consumer", String(200), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("applied_at", UtcDateTime(), nullable=False),
)

# The last contract terms received from franchise (`franchise.contract_changed`), kept so that a service
# enforces its association's contract while franchise or head office is unreachable.
contract_terms = Table(
    "contract_terms",
    metadata,
    Column("association_id", String(64), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("terms", JSON, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
)

# Requests already done, by their caller's idempotency key, with their answer (shared/idempotency.py):
# written in the transaction of the change, so a repeat finds either nothing done or the whole answer.
idempotent_requests = Table(
    "idempotent_requests",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("operation", String(80), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("answer", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False, index=True),
)
