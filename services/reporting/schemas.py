"""Reporting's contract: the figures (the one place their cells are named), the `reporting.period_closed`
event that carries them to head office, and the requests the service accepts.

Every figure is a number (or null), never a visitor_ref. Each numeric field says in its metadata how it is
aggregated and protected (see `services/reporting/figures.py`):
- `count`: people, visits, acts... additive over desks, associations and months; a small one is suppressed;
- `distinct`: distinct people, a union of visitor sets, so not additive; a small one is suppressed;
- `tally`: additive counts of things that are not people (workshop sessions); never suppressed;
- `measure`: additive quantities that are not head counts (minutes); suppressed with their `base` count;
- `derived`: a ratio `of` two cells, recomputed from them after every sum; suppressed with its denominator;
- `structure`: desks and associations counted, never suppressed (they are not people).
CSV columns follow the declaration order below: new cells are only ever appended, so exports stay stable.
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.accueil.schemas import ACTS, DOMAINS, THEMES
from shared.envelope import CODE, PayloadSchema, event_schema
from shared.vocabulary import PARTNERS, REGISTRES

# Outcomes of médiation sortante, from the starting catalog; the mediation_sortante schema is not final.
OUTBOUND_OUTCOMES = ("contact_restored", "payment_plan", "referred", "unreachable", "refused")

PERIOD = validate.Regexp(r"^[0-9]{4}(-(0[1-9]|1[0-2]))?$", error="must be a year YYYY or a month YYYY-MM")
MONTH = validate.Regexp(r"^[0-9]{4}-(0[1-9]|1[0-2])$", error="must be a month YYYY-MM")
CELL = validate.Regexp(r"^[a-z_]+(\.[a-z_]+)*$", error="must be a figures cell path")
COUNT_RANGE = validate.Range(min=0, max=10**9)


def count(doc):
    return fields.Integer(required=True, allow_none=True, strict=True, validate=COUNT_RANGE,
                          metadata={"cell": "count", "doc": doc})


def distinct(doc):
    return fields.Integer(required=True, allow_none=True, strict=True, validate=COUNT_RANGE,
                          metadata={"cell": "distinct", "doc": doc})


def tally(doc):
    return fields.Integer(required=True, allow_none=True, strict=True, validate=COUNT_RANGE,
                          metadata={"cell": "tally", "doc": doc})


def measure(doc, base=None):
    return fields.Integer(required=True, allow_none=True, strict=True, validate=validate.Range(min=0, max=10**12),
                          metadata={"cell": "measure", "base": base, "doc": doc})


def derived(doc, numerator, denominator, maximum, digits):
    return fields.Float(required=True, allow_none=True, validate=validate.Range(min=0, max=maximum),
                        metadata={"cell": "derived", "of": (numerator, denominator), "digits": digits, "doc": doc})


def structure(doc):
    return fields.Integer(required=True, allow_none=True, strict=True, validate=COUNT_RANGE,
                          metadata={"cell": "structure", "doc": doc})


def per_code(name, codes, make):
    """A nested schema with one field per code of a closed list, in a fixed (sorted) order."""
    return fields.Nested(Schema.from_dict({code: make(code) for code in sorted(codes)}, name=name), required=True)


# -- the figures --------------------------------------------------------------------------------------------
class PeopleFigures(Schema):
    received = distinct("distinct people received (visitor references); a person counts once per scope "
                        "and period, and once per association in national sums")
    new = count("visitors on their first visit to the association")


class VisitFigures(Schema):
    total = count("visits closed")
    partenaire = count("accueils partenaires")
    generaliste = count("accueils généralistes")
    by_partner = per_code("VisitsByPartner", PARTNERS, lambda code: count(f"accueils partenaires for {code}"))
    by_domain = per_code("VisitsByDomain", DOMAINS, lambda code: count(f"accueils généralistes about {code}"))


class ActFigures(Schema):
    total = count("actes de médiation in closed visits")
    by_kind = per_code("ActsByKind", ACTS, lambda code: count(f"acts of kind {code}"))


class DurationFigures(Schema):
    visit_min_total = measure("minutes spent in closed visits", base="visits.total")
    visit_min_mean = derived("mean visit duration, minutes", "durations.visit_min_total", "visits.total", 600, 1)
    waiting_measured = count("visits whose waiting time was recorded")
    waiting_min_total = measure("minutes waited before those visits", base="durations.waiting_measured")
    waiting_min_mean = derived("mean waiting time, minutes", "durations.waiting_min_total",
                               "durations.waiting_measured", 600, 1)


class ThemeFigures(Schema):
    sessions = tally("workshop sessions on this theme")
    attendees = count("attendees of those sessions")


class WorkshopFigures(Schema):
    sessions = tally("ateliers collectifs held")
    attendees = count("attendees of the workshops")
    by_theme = per_code("WorkshopsByTheme", THEMES, lambda code: fields.Nested(ThemeFigures, required=True))


class OutboundFigures(Schema):
    attempts = count("contact attempts of médiation sortante")
    reached = count("attempts that reached the person")
    cases_resolved = count("cases closed with an outcome")
    attempts_by_partner = per_code("OutboundAttemptsByPartner", PARTNERS,
                                   lambda code: count(f"contact attempts for {code}"))
    cases_by_outcome = per_code("OutboundCasesByOutcome", OUTBOUND_OUTCOMES,
                                lambda code: count(f"cases resolved as {code}"))


class AgentFigures(Schema):
    employed = count("agents médiateurs employed")
    women = count("of whom women")
    share_of_women = derived("share of women among agents, 0 to 1", "agents.women", "agents.employed", 1, 3)


class TrainingFigures(Schema):
    work_hours = measure("hours worked by agents")
    training_hours = measure("hours of training and professional project")
    share = derived("training share of working time, 0 to 1", "training.training_hours", "training.work_hours", 1, 3)


class ExitFigures(Schema):
    total = count("agents who left")
    positive = count("sorties positives (job or qualifying training)")
    positive_rate = derived("positive exits rate, 0 to 1", "exits.positive", "exits.total", 1, 3)


class FiguresSchema(Schema):
    """The figures of one scope (desk, association or network) over one period (month or year)."""

    people = fields.Nested(PeopleFigures, required=True)
    visits = fields.Nested(VisitFigures, required=True)
    acts = fields.Nested(ActFigures, required=True)
    durations = fields.Nested(DurationFigures, required=True)
    workshops = fields.Nested(WorkshopFigures, required=True)
    registres = per_code("ActivitiesByRegistre", REGISTRES,
                         lambda code: count(f"visits and workshops that used the registre {code}"))
    outbound = fields.Nested(OutboundFigures, required=True)
    agents = fields.Nested(AgentFigures, required=True)
    training = fields.Nested(TrainingFigures, required=True)
    exits = fields.Nested(ExitFigures, required=True)
    desks = structure("desks with activity in the period")
    associations = structure("associations with activity in the period")


# -- events -------------------------------------------------------------------------------------------------
@event_schema("reporting.period_closed", 1)
class PeriodClosedV1(PayloadSchema):
    """An association's figures for a closed period, as they leave the association: suppressed.

    One event per desk (envelope pimms_id = the desk) and one for the association's total (pimms_id null),
    all of the same revision. A month's close also publishes the year to date (period YYYY). A later
    revision of the same (association, desk, period) replaces the earlier one at head office."""

    period = fields.String(required=True, validate=PERIOD)
    revision = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**6))
    threshold = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100))
    figures = fields.Nested(FiguresSchema, required=True)
    suppressed = fields.List(fields.String(validate=CELL), required=True)


# -- requests -----------------------------------------------------------------------------------------------
SCOPES = ("desk", "association", "network")
FORMATS = ("csv", "json")


class RequestSchema(Schema):
    class Meta:
        unknown = "raise"


class ScopeRequest(RequestSchema):
    """A scope and its id: a desk's pimms_id, an association_id, or nothing for the network."""

    scope = fields.String(required=True, validate=validate.OneOf(SCOPES, error="must be one of: {choices}"))
    id = fields.String(load_default=None, allow_none=True, validate=CODE)

    @validates_schema
    def _id_names_the_scope(self, data, **kwargs):
        if data.get("scope") in ("desk", "association") and not data.get("id"):
            raise ValidationError(f"a {data['scope']} scope needs its id", "id")
        if data.get("scope") == "network" and data.get("id") not in (None, "", "national"):
            raise ValidationError("the network scope has no id (or 'national')", "id")


class FiguresRequest(ScopeRequest):
    period = fields.String(required=True, validate=PERIOD)
    exact = fields.Boolean(load_default=False)


class ExportRequest(ScopeRequest):
    period = fields.String(required=True, validate=PERIOD)
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS, error="must be one of: {choices}"))


class AnnualReportRequest(ScopeRequest):
    scope = fields.String(load_default="network", validate=validate.OneOf(SCOPES, error="must be one of: {choices}"))
    year = fields.Integer(required=True, strict=False, validate=validate.Range(min=2000, max=2999))


class ClosePeriodRequest(RequestSchema):
    period = fields.String(required=True, validate=MONTH)
