"""Types every service shares for instants. `UtcDateTime` (a column): an instant stored in UTC whatever offset
it came with, and read back aware, in UTC, on SQLite as on PostgreSQL. `Instant` (a request field): loaded in
UTC, so an answer computed before anything is read back says the same.

SQLAlchemy's DateTime on SQLite writes the wall-clock digits and drops the offset, so
`2026-11-30T10:00:00+01:00` came back as 10:00 UTC, an hour off; on PostgreSQL `timestamptz` converts.
Normalising on the way in makes both store the same instant and makes comparisons in queries exact."""
import datetime as dt

from marshmallow import fields
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

UTC = dt.timezone.utc


def as_utc(moment):
    """A datetime read back without its zone was stored in UTC; dates and aware datetimes pass unchanged."""
    if isinstance(moment, dt.datetime) and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


class UtcDateTime(TypeDecorator):
    """An aware datetime in, an aware UTC datetime out. A naive one is taken as UTC (the platform's rule)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"an instant must be a datetime, not {type(value).__name__}: {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Instant(fields.AwareDateTime):
    """A request's instant: ISO 8601 with an offset, loaded as the same moment in UTC, so what a service
    computes and answers right away is what it will read back later."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).astimezone(UTC)
