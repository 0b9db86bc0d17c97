"""A loaded payload back to its wire form, as its schema's `dump` gives it, without marshmallow's per-field
machinery.

Reporting stores every event's payload as it travelled and folds that wire form, so it dumps every payload
it loaded: about a sixth of its CPU per event went into marshmallow's dump. For a schema whose fields are
all of the plain kinds below, dump is a plain conversion (strings, numbers and booleans as they are, UUIDs
as str, dates and times in ISO format, lists and nested schemas element by element, a field absent from
the data left out), so a converter is compiled once per schema from its declared fields and gives the same
result. A schema with anything else (another field kind, a data_key or attribute, a dump default, a
non-ISO format, dump hooks, a nested `only`) is dumped by marshmallow itself.
shared/tests/test_wire.py compares both on generated payloads of every registered event schema.
"""
import datetime as dt
import weakref

from marshmallow import fields
from marshmallow.utils import missing

_SAME = (fields.String, fields.Integer, fields.Float, fields.Boolean)
_ISO = (None, "iso", "iso8601")
# schema instance -> converter, or None for "use dump". Per instance, not per class: `only`, `exclude` and
# `load_only` given at instantiation change which fields a dump writes (payload schemas are cached instances).
_converters = weakref.WeakKeyDictionary()


def dump(schema, data):
    """`schema.dump(data)` for one object (not many)."""
    if schema not in _converters:
        _converters[schema] = _compile_schema(schema)
    convert = _converters[schema]
    return schema.dump(data) if convert is None else convert(data)


def _compile_schema(schema):
    if schema.many or any(schema._hooks.get(hook) for hook in ("pre_dump", "post_dump")):
        return None
    plan = []
    for name, field in schema.dump_fields.items():
        convert = _compile_field(field)
        # (marshmallow reads an absent key through getattr: a field named like a dict method is left to it)
        if (convert is None or "." in name or hasattr(dict, name) or field.attribute is not None
                or field.dump_default is not missing):
            return None
        plan.append((name, field.data_key or name, convert))

    def convert_object(data):
        out = {}
        for name, key, convert in plan:
            if name in data:
                value = data[name]
                out[key] = None if value is None else convert(value)
        return out

    return convert_object


def _same(value):
    return value


def _compile_field(field):
    kind = type(field)
    if kind in _SAME:
        return None if getattr(field, "as_string", False) else _same
    if kind is fields.UUID:
        return str
    if kind in (fields.DateTime, fields.AwareDateTime, fields.NaiveDateTime):
        return dt.datetime.isoformat if field.format in _ISO else None
    if kind is fields.Date:
        return dt.date.isoformat if field.format in _ISO else None
    if kind is fields.List:
        inner = _compile_field(field.inner)
        if inner is None:
            return None
        return lambda values: [None if v is None else inner(v) for v in values]
    if kind is fields.Nested:
        nested = field.schema
        if field.only is not None or field.exclude or nested.many or field.many:
            return None
        return _compile_schema(nested)
    if kind is fields.Dict:
        return dict if field.key_field is None and field.value_field is None else None
    return None
