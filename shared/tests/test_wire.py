"""shared.wire.dump gives what marshmallow's dump gives, for every registered event schema, on generated
payloads (loaded by the schema first, as a consumer's are)."""
import datetime as dt
import uuid

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError, fields, validate

from shared import contracts, envelope, wire

contracts.load_all()  # every event schema registered

ZONES = [dt.timezone.utc, dt.timezone(dt.timedelta(hours=2)), dt.timezone(dt.timedelta(hours=-10, minutes=-30))]


def _of(field, kind):
    return next((v for v in field.validators if isinstance(v, kind)), None)


def raw(field):
    """A strategy of wire values for a field, mostly valid (the schema's own rules reject the rest)."""
    strategy = _raw(field)
    return st.none() | strategy if field.allow_none else strategy


def _raw(field):
    one_of, regexp, length, span = (_of(field, k) for k in (validate.OneOf, validate.Regexp, validate.Length,
                                                            validate.Range))
    if one_of is not None:
        return st.sampled_from(list(one_of.choices))
    if isinstance(field, fields.UUID):
        return st.uuids().map(str)
    if isinstance(field, fields.DateTime):
        return st.builds(lambda d, z: d.replace(tzinfo=z).isoformat(),
                         st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2030, 1, 1)), st.sampled_from(ZONES))
    if isinstance(field, fields.Date):
        return st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)).map(dt.date.isoformat)
    if isinstance(field, fields.Boolean):
        return st.booleans()
    if isinstance(field, fields.Integer):
        low = span.min if span is not None and span.min is not None else -1000
        high = span.max if span is not None and span.max is not None else 100_000
        return st.integers(low, high)
    if isinstance(field, fields.Float):
        low = span.min if span is not None and span.min is not None else -1e6
        high = span.max if span is not None and span.max is not None else 1e6
        return st.floats(low, high, allow_nan=False)
    if isinstance(field, fields.String):
        if regexp is not None:
            return st.from_regex(regexp.regex, fullmatch=True)
        return st.text(min_size=length.min or 0 if length else 0, max_size=(length.max if length else None) or 30)
    if isinstance(field, fields.List):
        return st.lists(raw(field.inner), min_size=length.min or 0 if length else 0,
                        max_size=min((length.max if length else None) or 4, 4))
    if isinstance(field, fields.Nested):
        return document(field.schema)
    if isinstance(field, fields.Dict):
        return st.dictionaries(st.text(max_size=8), st.integers(), max_size=3)
    raise AssertionError(f"no strategy for {type(field).__name__}: add one")


def document(schema):
    required = {name: raw(f) for name, f in schema.load_fields.items() if f.required}
    optional = {name: raw(f) for name, f in schema.load_fields.items() if not f.required}
    return st.fixed_dictionaries(required, optional=optional)


SCHEMAS = sorted(envelope.EVENTS.items())


@pytest.mark.parametrize("key, schema_class", SCHEMAS, ids=[f"{t}-v{v}" for (t, v), _ in SCHEMAS])
def test_every_event_schema_has_the_fast_converter(key, schema_class):
    assert wire._compile_schema(schema_class()) is not None, f"{key} falls back to marshmallow's dump"


@pytest.mark.parametrize("key, schema_class", SCHEMAS, ids=[f"{t}-v{v}" for (t, v), _ in SCHEMAS])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(data=st.data())
def test_the_same_wire_form_as_marshmallow(key, schema_class, data):
    schema = schema_class()
    try:
        loaded = schema.load(data.draw(document(schema)))
    except ValidationError:
        assume(False)  # the schema's own rules across fields (a partner or a domain, say)
    assert wire.dump(schema, loaded) == schema.dump(loaded)


def test_a_schema_with_another_field_kind_is_dumped_by_marshmallow():
    from marshmallow import Schema

    class Odd(Schema):
        when = fields.DateTime(format="%d/%m/%Y")
        count = fields.Integer(as_string=True)

    assert wire._compile_schema(Odd()) is None
    assert wire.dump(Odd(), {"when": dt.datetime(2026, 12, 1), "count": 3}) == {"when": "01/12/2026", "count": "3"}


def test_two_instances_of_a_schema_keep_their_own_fields():
    from marshmallow import Schema

    class Pair(Schema):
        a = fields.Integer()
        b = fields.UUID()

    data = {"a": 1, "b": uuid.UUID(int=5)}
    whole, only_a = Pair(), Pair(only=("a",))
    assert wire.dump(whole, data) == whole.dump(data) == {"a": 1, "b": str(data["b"])}
    assert wire.dump(only_a, data) == only_a.dump(data) == {"a": 1}
