"""Typed errors of the services' APIs. Registered with nameko so an RPC caller gets the same class back,
with the field and the rule that failed, instead of a generic RemoteError."""
from nameko.exceptions import deserialize_to_instance


@deserialize_to_instance
class InvalidRequest(Exception):
    """A request broke a rule of its schema: `errors` maps each field to the rules it broke."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors

    def __str__(self):
        return "; ".join(f"{field}: {_flatten(rules)}" for field, rules in sorted(self.errors.items()))


@deserialize_to_instance
class NotFound(Exception):
    """The record named by the request does not exist (or is not this desk's)."""


@deserialize_to_instance
class Conflict(Exception):
    """The request is well formed but the record's state forbids it (closing a closed visit...)."""


@deserialize_to_instance
class ContractViolation(Exception):
    """The franchise contract does not cover this activity; the message names the rule."""

    def __init__(self, rule, detail):
        super().__init__(rule, detail)
        self.rule, self.detail = rule, detail

    def __str__(self):
        return f"{self.rule}: {self.detail}"


@deserialize_to_instance
class Forbidden(Exception):
    """The caller is known, but may not do this, or the identity it claims is not vouched for (403)."""


@deserialize_to_instance
class Unavailable(Exception):
    """The service, or its database or broker, cannot answer now: the same request may be sent again."""


def _flatten(rules):
    if isinstance(rules, dict):
        return ", ".join(f"{k}: {_flatten(v)}" for k, v in sorted(rules.items(), key=lambda kv: str(kv[0])))
    if isinstance(rules, (list, tuple)):
        return " ".join(_flatten(r) for r in rules)
    return str(rules)


def invalid(field, rule):
    return InvalidRequest({field: [rule]})


_SCHEMAS = {}


def schema_of(schema_cls):
    """The one instance of a schema class. Making a marshmallow schema deep-copies every declared field
    (0.4 ms for a visit's request, five times per visit; docs/benchmark.md), and an instance loads any
    number of requests: the platform's schemas keep no state of a load on themselves."""
    schema = _SCHEMAS.get(schema_cls)
    if schema is None:
        schema = _SCHEMAS[schema_cls] = schema_cls()
    return schema


def parse_request(schema_cls, data):
    """Load a request with its schema; any broken rule becomes an InvalidRequest naming field and rule."""
    from marshmallow import ValidationError

    if not isinstance(data, dict):
        raise InvalidRequest({"_request": [f"expected an object, got {type(data).__name__}"]})
    try:
        return schema_of(schema_cls).load(data)
    except ValidationError as exc:
        raise InvalidRequest(exc.messages) from None
