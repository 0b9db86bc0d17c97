"""Formation's contract: the events it publishes, the requests it accepts, and the ISO weeks they speak in.

Agents médiateurs are employees: their identity stays in this service's database, events carry an
`agent_id` code and, at hiring only, the gender category the network counts (share of women). Every string
field is a code from a closed list or a fixed pattern, never free text. Hours are decimal hours."""
import datetime as dt
import re

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.contracts.common import GENDERS, RequestSchema, one_of
from shared.envelope import CODE, PayloadSchema, event_schema

# -- ISO weeks: the unit in which work time and training are logged, and the periods they are summed over.
# A week is written `2026-W47` and stored as its Monday. A period is whole weeks: a week belongs to the
# period when its Thursday falls in it (the ISO 8601 rule that assigns weeks to years), so consecutive
# periods, months for instance, never count a week twice.
WEEK_CODE = re.compile(r"^(\d{4})-W(\d{2})$")
THURSDAY = dt.timedelta(days=3)
SUNDAY = dt.timedelta(days=6)


def parse_week(code):
    """`2026-W47` -> the Monday of that week; ValueError with the reason otherwise."""
    match = WEEK_CODE.match(code) if isinstance(code, str) else None
    if match is None:
        raise ValueError("must be an ISO week such as 2026-W47")
    year, week = int(match[1]), int(match[2])
    try:
        return dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{year} has no week {week}") from None


def week_code(monday):
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def monday_of(day):
    return day - dt.timedelta(days=day.weekday())


def week_start_bounds(start, end):
    """Bounds on a week's Monday for its Thursday to fall in [start, end], both inclusive."""
    return start - THURSDAY, end - THURSDAY


CONTRACT_TYPES = {
    "cdi": "CDI", "cdd": "CDD", "adulte_relais": "Adulte-relais", "pec": "Parcours emploi compétences (CUI-CAE)",
    "cdd_insertion": "CDD d'insertion", "apprentissage": "Contrat d'apprentissage",
    "professionnalisation": "Contrat de professionnalisation",
}
TRAINING_KINDS = {"training": "Formation", "professional_project": "Projet professionnel"}
TOPICS = {
    "mediation": "Techniques de médiation", "conflict": "Prévention et gestion des conflits",
    "digital": "Numérique et démarches en ligne", "partner_offers": "Offres et procédures des partenaires",
    "access_to_rights": "Accès aux droits", "budget": "Budget et surendettement",
    "reception": "Accueil et communication", "french_language": "Français, savoirs de base",
    "first_aid": "Sauveteur secouriste du travail", "certification": "Préparation d'un titre professionnel",
    "job_search": "Recherche d'emploi", "other": "Autre",
}
MILESTONES = {
    "positioning": "Positionnement", "training_plan": "Plan de formation validé",
    "professional_project_defined": "Projet professionnel défini", "training_started": "Entrée en formation",
    "training_completed": "Formation achevée", "immersion": "Période d'immersion en entreprise",
    "vae_started": "Démarche de VAE engagée", "certification_obtained": "Certification obtenue",
}
EXIT_OUTCOMES = {
    "cdi": "CDI", "cdd": "CDD", "interim": "Intérim", "own_business": "Création d'entreprise",
    "qualifying_course": "Formation qualifiante", "job_search": "Recherche d'emploi", "other": "Autre",
}
# outcomes whose contract length decides whether the exit is positive (see domain.is_positive_exit)
TIMED_OUTCOMES = ("cdd", "interim")

WEEK = validate.Regexp(WEEK_CODE.pattern, error="must be an ISO week such as 2026-W47")
# Code du travail, L3121-20: never more than 48 hours of work in a week
WEEK_HOURS = validate.Range(min=0, max=48, error="must be between 0 and 48 hours (the legal weekly maximum)")
SOME_HOURS = validate.Range(min=0, max=48, min_inclusive=False,
                            error="must be more than 0 and at most 48 hours (the legal weekly maximum)")
CONTRACT_MONTHS = validate.Range(min=1, max=600, error="must be between 1 and 600 months")




# -- events -------------------------------------------------------------------------------------------------
@event_schema("formation.agent_hired", 1)
class AgentHiredV1(PayloadSchema):
    """An agent médiateur was hired at the desk, on a contract of so many hours a week.
    Carries the gender category the network counts (share of women); the identity stays in formation."""

    agent_id = fields.String(required=True, validate=CODE)
    gender = fields.String(required=True, validate=one_of(GENDERS))
    contract_type = fields.String(required=True, validate=one_of(CONTRACT_TYPES))
    weekly_hours = fields.Float(required=True, validate=SOME_HOURS)
    hired_on = fields.Date(required=True)


@event_schema("formation.work_time_logged", 1)
class WorkTimeLoggedV1(PayloadSchema):
    """The hours an agent worked in an ISO week.
    `hours` is the week's total: a later revision of the same week replaces it, never adds to it."""

    agent_id = fields.String(required=True, validate=CODE)
    week = fields.String(required=True, validate=WEEK)
    hours = fields.Float(required=True, validate=WEEK_HOURS)
    revision = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


@event_schema("formation.training_logged", 1)
class TrainingLoggedV1(PayloadSchema):
    """A training session, or time on the professional project, within one week's work time.
    The week's sessions add up; together they never exceed the week's work time."""

    training_id = fields.UUID(required=True)
    agent_id = fields.String(required=True, validate=CODE)
    week = fields.String(required=True, validate=WEEK)
    hours = fields.Float(required=True, validate=SOME_HOURS)
    kind = fields.String(required=True, validate=one_of(TRAINING_KINDS))
    topic = fields.String(required=True, validate=one_of(TOPICS))
    provider = fields.String(required=True, validate=CODE)


@event_schema("formation.agent_exited", 1)
class AgentExitedV1(PayloadSchema):
    """An agent left: the outcome, and whether it is a sortie positive by the network's definition.
    Positive: CDI, CDD or interim of 6 months or more (`contract_months`), own business, qualifying course."""

    agent_id = fields.String(required=True, validate=CODE)
    exited_on = fields.Date(required=True)
    outcome = fields.String(required=True, validate=one_of(EXIT_OUTCOMES))
    contract_months = fields.Integer(required=True, allow_none=True, validate=CONTRACT_MONTHS)
    positive = fields.Boolean(required=True)  # sortie positive, by the network's definition


# -- request fields -----------------------------------------------------------------------------------------
class IsoWeek(fields.Field):
    """`2026-W47`, loaded as the Monday of that week."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_week(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class PeriodBound(fields.Field):
    """A date (`2026-11-01`) or an ISO week (`2026-W45`), which stands for its Monday as the start of a
    period and for its Sunday as the end."""

    def __init__(self, *, end, **kwargs):
        super().__init__(**kwargs)
        self.end = end

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and WEEK_CODE.match(value):
            try:
                monday = parse_week(value)
            except ValueError as exc:
                raise ValidationError(str(exc)) from None
            return monday + SUNDAY if self.end else monday
        try:
            return dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            raise ValidationError("must be a date such as 2026-11-01 or an ISO week such as 2026-W45") from None


# -- requests -----------------------------------------------------------------------------------------------


NAME = validate.Length(min=1, max=100)


class HireAgentRequest(RequestSchema):
    """`agent_id` may be given (the association's staff code, never built from a name) or left to the
    service, which makes one up."""

    agent_id = fields.String(load_default=None, validate=CODE)
    pimms_id = fields.String(required=True, validate=CODE)
    first_name = fields.String(required=True, validate=NAME)
    last_name = fields.String(required=True, validate=NAME)
    gender = fields.String(required=True, validate=one_of(GENDERS))
    contract_type = fields.String(required=True, validate=one_of(CONTRACT_TYPES))
    weekly_hours = fields.Float(required=True, validate=SOME_HOURS)
    hired_on = fields.Date(required=True)


class LogWorkTimeRequest(RequestSchema):
    agent_id = fields.String(required=True, validate=CODE)
    week = IsoWeek(required=True)
    hours = fields.Float(required=True, validate=WEEK_HOURS)


class LogTrainingRequest(RequestSchema):
    agent_id = fields.String(required=True, validate=CODE)
    week = IsoWeek(required=True)
    hours = fields.Float(required=True, validate=SOME_HOURS)
    kind = fields.String(required=True, validate=one_of(TRAINING_KINDS))
    topic = fields.String(required=True, validate=one_of(TOPICS))
    provider = fields.String(required=True, validate=CODE)


class AddMilestoneRequest(RequestSchema):
    agent_id = fields.String(required=True, validate=CODE)
    kind = fields.String(required=True, validate=one_of(MILESTONES))
    reached_on = fields.Date(required=True)


class RecordExitRequest(RequestSchema):
    agent_id = fields.String(required=True, validate=CODE)
    exited_on = fields.Date(required=True)
    outcome = fields.String(required=True, validate=one_of(EXIT_OUTCOMES))
    contract_months = fields.Integer(load_default=None, strict=True, validate=CONTRACT_MONTHS)

    @validates_schema
    def _length_of_a_timed_contract(self, data, **kwargs):
        outcome, months = data.get("outcome"), data.get("contract_months")
        if outcome in TIMED_OUTCOMES and months is None:
            raise ValidationError(f"is required for an exit to {outcome}: 6 months or more is a positive exit",
                                  "contract_months")
        if outcome and outcome not in TIMED_OUTCOMES and months is not None:
            raise ValidationError(f"only applies to an exit to {' or '.join(TIMED_OUTCOMES)}", "contract_months")


class ListAgentsRequest(RequestSchema):
    pimms_id = fields.String(required=True, validate=CODE)
    status = fields.String(load_default=None, validate=one_of(("employed", "exited")))


class PeriodRequest(RequestSchema):
    start = PeriodBound(end=False, required=True, data_key="from")
    end = PeriodBound(end=True, required=True, data_key="to")

    @validates_schema
    def _in_order(self, data, **kwargs):
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError("must not be before from", "to")


class TrainingShareRequest(PeriodRequest):
    scope = fields.String(required=True, validate=one_of(("agent", "desk")))
    id = fields.String(required=True, validate=CODE)


class AgentsUnderFloorRequest(PeriodRequest):
    pimms_id = fields.String(required=True, validate=CODE)
