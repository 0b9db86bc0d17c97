"""Franchise's contract with the rest of the network: the events it publishes.

`contract_changed` carries the full current terms of an association's contract (never a diff), so a
consumer keeps a complete copy from the last event alone. `revision` grows with every change: a copy
ignores an older revision that arrives late."""
from marshmallow import ValidationError, fields, validate, validates_schema

from shared.envelope import CODE, PayloadSchema, event_schema
from shared.vocabulary import MANDATES, PARTNERS


def one_of(choices):
    return validate.OneOf(sorted(choices), error="must be one of: {choices}")


STATUSES = ("active", "suspended", "terminated")


class ConventionSchema(PayloadSchema):
    partner = fields.String(required=True, validate=one_of(PARTNERS))
    scope = fields.List(fields.String(validate=one_of(MANDATES)), required=True, validate=validate.Length(min=1))
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True, allow_none=True)

    @validates_schema
    def _dates_in_order(self, data, **kwargs):
        if data.get("valid_to") and data.get("valid_from") and data["valid_to"] < data["valid_from"]:
            raise ValidationError("must not be before valid_from", "valid_to")


@event_schema("franchise.contract_changed", 1)
class ContractChangedV1(PayloadSchema):
    contract_id = fields.UUID(required=True)
    revision = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    pimms_ids = fields.List(fields.String(validate=CODE), required=True)
    mandates = fields.List(fields.String(validate=one_of(MANDATES)), required=True)
    conventions = fields.List(fields.Nested(ConventionSchema), required=True)
    training_floor_pct = fields.Float(required=True, validate=validate.Range(min=0, max=100))
    status = fields.String(required=True, validate=one_of(STATUSES))
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True, allow_none=True)
