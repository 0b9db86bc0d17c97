"""The event envelope and the registry of event schemas: the contract between services.

Every event on the bus is `{event_id, type, version, occurred_at, association_id, pimms_id, payload}`; the
payload's schema is looked up by `(type, version)`. The same schemas validate on publish and on consume.
"""
import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

# Identifiers of associations and desks are codes chosen by head office, never free text.
CODE = validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,63}$", error="must be a lower-case code (a-z, 0-9, _ or -)")
EVENT_TYPE = validate.Regexp(r"^[a-z_]+\.[a-z_]+$", error="must read <service>.<event>")

EVENTS: dict[tuple[str, int], type[Schema]] = {}  # (type, version) -> payload Schema class
# (type, version) -> a function from that version's wire payload to the next version's: see `upcast`
UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {}


def event_schema(event_type: str, version: int = 1) -> Callable[[type[Schema]], type[Schema]]:
    """Register a payload schema as the contract of one event type and version."""
    EVENT_TYPE(event_type)

    def register(cls):
        known = EVENTS.get((event_type, version))
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise RuntimeError(f"{event_type} v{version} is already defined by {known.__qualname__}")
        cls.event_type, cls.event_version = event_type, version
        EVENTS[(event_type, version)] = cls
        return cls

    return register


def upcaster(event_type: str, from_version: int) -> Callable[[Callable], Callable]:
    """Register how a payload of `from_version` becomes one of `from_version + 1`, beside the two schemas in
    the publisher's contract: a function over the wire payload (JSON types), returning the next version's."""
    def register(fn):
        UPCASTERS[(event_type, from_version)] = fn
        return fn

    return register


def upcast_wire(event_type: str, version: int, wire: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """A wire payload brought to the newest version its upcasters reach: `(version, payload)`."""
    while (event_type, version) in UPCASTERS:
        wire, version = UPCASTERS[(event_type, version)](wire), version + 1
    return version, wire


class PayloadSchema(Schema):
    """Base of every payload schema: unknown fields are an error, never silently carried along."""

    class Meta:
        unknown = RAISE


class EnvelopeSchema(Schema):
    class Meta:
        unknown = RAISE

    event_id = fields.UUID(required=True)
    type = fields.String(required=True, validate=EVENT_TYPE)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True)
    association_id = fields.String(required=True, validate=CODE)
    pimms_id = fields.String(required=True, allow_none=True, validate=CODE)
    payload = fields.Dict(required=True)


_ENVELOPE = EnvelopeSchema()


@dataclass(frozen=True)
class Event:
    event_id: str
    type: str
    version: int
    occurred_at: dt.datetime
    association_id: str
    pimms_id: str
    payload: dict[str, Any]  # loaded by the payload schema: dates are dates, enums are strings
    wire: dict[str, Any] | None = None  # the same payload as it travelled (JSON types), validated: what a store keeps

    @property
    def source(self) -> str:
        return self.type.split(".", 1)[0]


_instances = {}  # marshmallow schemas are stateless once built, and building one is costly


def payload_schema(event_type: str, version: int) -> Schema:
    key = (event_type, version)
    schema = _instances.get(key)
    if schema is None:
        if key not in EVENTS:
            _import_schemas(event_type.split(".", 1)[0])
        try:
            schema = _instances[key] = EVENTS[key]()
        except KeyError:
            raise ValidationError({"type": [f"unknown event {event_type} v{version}"]}) from None
    return schema


def _import_schemas(source):
    """An event's schema lives in its publisher's contract (`shared/contracts/<source>.py`), which every
    service imports and none owns; a consumer loads it on first sight."""
    import importlib

    if source.isidentifier():
        try:
            importlib.import_module(f"shared.contracts.{source}")
        except ModuleNotFoundError:
            pass


def build(event_type: str, payload: dict[str, Any], *, association_id: str, pimms_id: str | None, version: int = 1,
          occurred_at: dt.datetime | None = None, event_id: uuid.UUID | str | None = None) -> dict[str, Any]:
    """Make a validated envelope as a JSON-ready dict; raises ValidationError naming the bad field."""
    schema = payload_schema(event_type, version)
    # dump makes JSON types, load proves the result obeys every rule of the schema
    wire_payload = schema.dump(payload)
    errors = schema.validate(wire_payload)
    if errors:
        raise ValidationError({"payload": errors})
    _check_ids(association_id=association_id, pimms_id=pimms_id)
    if occurred_at is not None and occurred_at.tzinfo is None:
        raise ValidationError({"occurred_at": ["must carry a time zone"]})
    # the rest of the envelope is made here, so it is valid by construction
    doc = {
        "event_id": str(event_id or uuid.uuid4()),
        "type": event_type,
        "version": version,
        "occurred_at": (occurred_at or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).isoformat(),
        "association_id": association_id,
        "pimms_id": pimms_id,
        "payload": wire_payload,
    }
    return doc


def _check_ids(**ids):
    errors = {}
    for field, value in ids.items():
        if value is None and field == "pimms_id":  # association-level events have no desk
            continue
        if not isinstance(value, str):
            errors[field] = ["must be a code"]
            continue
        try:
            CODE(value)
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)


def load(doc: Any) -> Event:
    """Validate a received envelope and its payload; raises ValidationError with every reason."""
    if not isinstance(doc, dict):
        raise ValidationError({"_envelope": [f"expected a JSON object, got {type(doc).__name__}"]})
    env = _ENVELOPE.load(doc)
    try:
        payload = payload_schema(env["type"], env["version"]).load(env["payload"])
    except ValidationError as exc:
        raise ValidationError({"payload": exc.messages}) from None
    return Event(
        event_id=str(env["event_id"]),
        type=env["type"],
        version=env["version"],
        occurred_at=env["occurred_at"].astimezone(dt.timezone.utc),
        association_id=env["association_id"],
        pimms_id=env["pimms_id"],
        payload=payload,
        wire=env["payload"],
    )


def upcast(event: Event) -> Event:
    """The event as its newest version, so a consumer handles one version of each type: an older one still in
    a queue, a dead-letter queue or a store when its publisher moved on is upcast here, the one place, and the
    result is validated by the newer schema (a payload it refuses raises ValidationError, as `load` does)."""
    wire = event.wire if event.wire is not None else payload_schema(event.type, event.version).dump(event.payload)
    version, upcast_payload = upcast_wire(event.type, event.version, wire)
    if version == event.version:
        return event
    schema = payload_schema(event.type, version)
    try:
        payload = schema.load(upcast_payload)
    except ValidationError as exc:
        raise ValidationError({"payload": exc.messages}) from None
    return Event(event_id=event.event_id, type=event.type, version=version, occurred_at=event.occurred_at,
                 association_id=event.association_id, pimms_id=event.pimms_id, payload=payload,
                 wire=schema.dump(payload))
