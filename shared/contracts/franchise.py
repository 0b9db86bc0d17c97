"""Franchise's contract with the rest of the network: the events it publishes and the requests it accepts.

`contract_changed` carries the full current terms of an association's contract (never a diff), so a
consumer keeps a complete copy from the last event alone. `revision` grows with every change of any
contract of the association (a new contract after a termination continues the count): a copy ignores an
older revision that arrives late.

`compliance_evaluated` says a desk's standing against the norm XP X60-600 and its contract changed; it
carries figures and reason codes, never a person."""
from marshmallow import ValidationError, fields, validate, validates_schema

from shared.contracts.common import MANDATES, PARTNERS, REGISTRES, RequestSchema, one_of
from shared.envelope import CODE, PayloadSchema, event_schema

STATUSES = ("active", "suspended", "terminated")
COMPLIANCE_STATUSES = ("ok", "warning", "breach")
# Every reason a desk can be in warning or breach, with its severity (see compliance.py for the rules).
REASONS = {
    "registres_below_minimum": "breach",   # fewer than 5 registres used over 12 months
    "registres_ramping_up": "warning",     # same, in the desk's first 12 months under contract
    "registres_lapsing": "warning",        # 5 or more, but fewer than 5 still in the window in 3 months
    "training_below_floor": "breach",      # the desk's training share is under the contract's floor
    "agent_training_below_floor": "warning",  # the desk is above the floor, some agent is under it
    "training_not_reported": "warning",    # no work time received for the desk over 12 months
    "figures_missing": "breach",           # a month's figures never reached head office, past their due day
    "figures_late": "warning",             # a month's figures arrived after their due day
}
PERCENT = validate.Range(min=0, max=100, error="must be a percentage between 0 and 100")


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


class PeriodSchema(PayloadSchema):
    start = fields.Date(required=True)
    end = fields.Date(required=True)


@event_schema("franchise.compliance_evaluated", 1)
class ComplianceEvaluatedV1(PayloadSchema):
    """Published only when a desk's status changes (its first evaluation included: previous_status null)."""

    pimms_id = fields.String(required=True, validate=CODE)
    period = fields.Nested(PeriodSchema, required=True)  # the rolling 12 months evaluated, both days included
    status = fields.String(required=True, validate=one_of(COMPLIANCE_STATUSES))
    previous_status = fields.String(required=True, allow_none=True, validate=one_of(COMPLIANCE_STATUSES))
    reasons = fields.List(fields.String(validate=one_of(REASONS)), required=True)
    registres_used = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=len(REGISTRES)))
    registres = fields.List(fields.String(validate=one_of(REGISTRES)), required=True)
    training_share_pct = fields.Float(required=True, allow_none=True, validate=PERCENT)
    training_floor_pct = fields.Float(required=True, validate=PERCENT)
    agents_below_floor = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    figures_late = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=12))
    figures_missing = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=12))


# -- requests -----------------------------------------------------------------------------------------------


LABEL = validate.Length(min=1, max=200)
NOTE = validate.Length(max=500)


class RegisterAssociationRequest(RequestSchema):
    association_id = fields.String(required=True, validate=CODE)
    label = fields.String(required=True, validate=LABEL)


class RegisterDeskRequest(RequestSchema):
    pimms_id = fields.String(required=True, validate=CODE)
    association_id = fields.String(required=True, validate=CODE)
    label = fields.String(required=True, validate=LABEL)


class ConventionRequest(RequestSchema):
    partner = fields.String(required=True, validate=one_of(PARTNERS))
    scope = fields.List(fields.String(validate=one_of(MANDATES)), required=True, validate=validate.Length(min=1))
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(load_default=None, allow_none=True)

    @validates_schema
    def _dates_in_order(self, data, **kwargs):
        if data.get("valid_to") and data.get("valid_from") and data["valid_to"] < data["valid_from"]:
            raise ValidationError("must not be before valid_from", "valid_to")


class _Terms(RequestSchema):
    @validates_schema
    def _dates_in_order(self, data, **kwargs):
        if data.get("valid_to") and data.get("valid_from") and data["valid_to"] < data["valid_from"]:
            raise ValidationError("must not be before valid_from", "valid_to")


class SignContractRequest(_Terms):
    association_id = fields.String(required=True, validate=CODE)
    pimms_ids = fields.List(fields.String(validate=CODE), required=True, validate=validate.Length(min=1))
    mandates = fields.List(fields.String(validate=one_of(MANDATES)), required=True, validate=validate.Length(min=1))
    conventions = fields.List(fields.Nested(ConventionRequest), load_default=list)
    training_floor_pct = fields.Float(load_default=9.0, validate=PERCENT)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(load_default=None, allow_none=True)
    note = fields.String(load_default=None, validate=NOTE)


class AmendContractRequest(_Terms):
    """Each term given replaces the current one whole (send the full list of conventions); terms left
    out stay as they are. The amended terms are checked as a whole, like a new contract's."""

    association_id = fields.String(required=True, validate=CODE)
    pimms_ids = fields.List(fields.String(validate=CODE), validate=validate.Length(min=1))
    mandates = fields.List(fields.String(validate=one_of(MANDATES)), validate=validate.Length(min=1))
    conventions = fields.List(fields.Nested(ConventionRequest))
    training_floor_pct = fields.Float(validate=PERCENT)
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)
    note = fields.String(load_default=None, validate=NOTE)

    @validates_schema
    def _changes_something(self, data, **kwargs):
        if not set(data) & {"pimms_ids", "mandates", "conventions", "training_floor_pct", "valid_from", "valid_to"}:
            raise ValidationError("an amendment names at least one term to change", "_request")


class ContractStatusRequest(RequestSchema):
    """Suspend, reinstate or terminate an association's contract; the note stays in head office's history."""

    association_id = fields.String(required=True, validate=CODE)
    note = fields.String(load_default=None, validate=NOTE)
