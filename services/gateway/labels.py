"""French labels of the codes the pages show: the users' words, taken from the services' own vocabularies."""
import datetime as dt
from zoneinfo import ZoneInfo

from shared.contracts.accueil import ACTS, AGE_BANDS, DOMAINS, GENDERS, OUTCOMES, THEMES
from shared.contracts.common import PARTNERS, REGISTRES, REGISTRES_REQUIRED

__all__ = ["ACTS", "AGE_BANDS", "DOMAINS", "GENDERS", "OUTCOMES", "THEMES", "PARTNERS", "REGISTRES",
           "REGISTRES_REQUIRED", "MONTHS", "motif_label", "local_time", "local_moment", "local_day", "month_label",
           "DOMAIN_OPTIONS"]

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
MONTHS_SHORT = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
STATUS = {"open": "en cours", "closed": "close"}
GENDER_LABELS = {"female": "Femme", "male": "Homme", "other": "Autre"}
AGE_LABELS = {"under_18": "moins de 18 ans", "18_25": "18-25 ans", "26_40": "26-40 ans", "41_60": "41-60 ans",
              "61_75": "61-75 ans", "over_75": "plus de 75 ans"}
CONSENT_CHANNELS = {"oral": "oral", "written": "écrit", "digital": "numérique"}
CASE_STATUSES = {"open": "à faire", "waiting_person": "attend la personne", "waiting_partner": "attend le partenaire",
                 "closed": "clos"}
CONSENT_PURPOSES = {"follow_up": "suivi", "contact": "recontact", "partner_transmission": "transmission au partenaire"}
# A domain that shares its name with a partner (CAF, CPAM) says which kind of accueil it is.
DOMAIN_OPTIONS = {code: f"{label} (généraliste)" if label in PARTNERS.values() else label
                  for code, label in DOMAINS.items()}
PARIS = ZoneInfo("Europe/Paris")


def motif_label(motif):
    if motif["kind"] == "partenaire":
        return f"Partenaire : {PARTNERS.get(motif['partner'], motif['partner'])}"
    return f"Généraliste : {DOMAINS.get(motif['domain'], motif['domain'])}"


def local_date_label(iso_day):
    """`2026-12-03` as the desk reads it: 03/12/2026."""
    year, month, day = iso_day[:10].split("-")
    return f"{day}/{month}/{year}"


def local_time(iso, zone=PARIS):
    """A stored UTC moment as the desk reads it, in the association's time zone."""
    return dt.datetime.fromisoformat(iso).astimezone(zone).strftime("%H:%M")


def local_moment(iso, zone, today):
    """The time alone on the desk's day, the date and time on an earlier one."""
    local = dt.datetime.fromisoformat(iso).astimezone(zone)
    return local.strftime("%H:%M") if local.date() == today else local.strftime("le %d/%m à %H:%M")


def local_day(iso, zone):
    return dt.datetime.fromisoformat(iso).astimezone(zone).date()


def month_label(period):
    year, month = period.split("-")
    return f"{MONTHS[int(month) - 1]} {year}"
