"""What every contract shares: the network's words (the norm's registres, partners, mandates, gender
categories), and the two building blocks of request schemas. Codes are lower-case ASCII; labels in French
are the users' words."""
from marshmallow import RAISE, Schema, validate

from shared.types import Instant

# Norm XP X60-600: the 8 registres d'intervention; a structure must deploy at least 5.
REGISTRES = {
    "presence": "Présence active de proximité",
    "conflict": "Prévention et gestion des situations conflictuelles",
    "understanding": "Levée des incompréhensions entre personnes et institutions",
    "watch": "Veille sociale et technique du territoire",
    "referral": "Mise en relation avec un partenaire",
    "dialogue": "Dialogue entre habitants et institutions",
    "collective": "Projets collectifs supports de médiation",
    "inform": "Information, sensibilisation, formation",
}
REGISTRES_REQUIRED = 5

PARTNERS = {
    "edf": "EDF", "engie": "Engie", "enedis": "Enedis", "grdf": "GRDF", "sncf": "SNCF", "keolis": "Keolis",
    "la_poste": "La Poste", "veolia": "Veolia", "suez": "Suez", "caf": "CAF", "cpam": "CPAM",
    "france_travail": "France Travail", "etat": "État", "cresus": "Crésus",
}

# Activities a franchise mandate can cover.
MANDATES = ("accueil", "ateliers", "mediation_sortante", "point_conseil_budget", "formation")

# The gender categories the network counts (share of women among agents; of visitors, when given).
GENDERS = ("female", "male", "other")


def one_of(choices):
    """A closed list's validator, naming the list in its error."""
    return validate.OneOf(sorted(choices), error="must be one of: {choices}")


class RequestSchema(Schema):
    """Base of every RPC request schema: an unknown field is an error, never silently ignored."""

    class Meta:
        unknown = RAISE


class PurgeRequest(RequestSchema):
    """A retention run (every service holding personal data has one, daily): `now` is the instant it is
    computed at, by default now; an operator may ask what a past day would have erased, never a future one."""

    now = Instant(load_default=None)
