"""What every contract shares: the network's words (the norm's registres, partners, mandates, gender
categories), the two building blocks of request schemas, and how a partner's file travels in a request.
Codes are lower-case ASCII; labels in French are the users' words."""
import base64
import binascii

from marshmallow import RAISE, Schema, ValidationError, fields, validate

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


# -- partners' files (contact files, referral answers), read by shared/partner_files.py -----------------------
MAX_FILE_CHARS = 5_000_000
ENCODINGS = ("auto", "utf-8", "cp1252", "latin-1", "utf-16")


class Base64(fields.Field):
    """Raw bytes of a file, as base64 text (RPC is JSON: bytes cannot travel as they are)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("must be base64 text")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("must be base64 text") from None
