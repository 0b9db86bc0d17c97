"""The pages' common parts: the templates (services/gateway/templates/, autoescaped: whatever a page shows is
escaped by the template, never by hand), the layout's data (navigation, the account, the logout form), and
the small pages: login, errors, a citizen's record, operations."""
import uuid
from pathlib import Path

import jinja2
from werkzeug.wrappers import Response

from services.gateway import labels
from services.gateway.access import PASSWORD_PAGE, ROLE_LABELS, STAFF
from services.gateway.account_rules import MANAGERS
from shared.contracts.accueil_budget import HOUSEHOLDS, ORIGINS
from shared.contracts.accueil_waiting import APPOINTMENT_STATUSES

FORM_KEY = "_request_key"  # the hidden field of a form's idempotency key (web.request_key)


def new_request_key():
    """A form's idempotency key, new on each page shown (templates/forms.html, csrf_field)."""
    return str(uuid.uuid4())


# Autoescaping on for every template, whatever its name, and a name a page forgot to pass fails the page
# instead of showing nothing.
PAGES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
                           undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
PAGES.globals.update(FORM_KEY=FORM_KEY, new_request_key=new_request_key)


def respond(body, status=200):
    return Response(body, status=status, content_type="text/html; charset=utf-8")


def render(template, title, principal=None, tokens=None, status=200, flash=None, errors=None, **data):
    """A page in the layout: `data` are the template's own names; the layout shows the title, the account
    logged in (with its navigation and logout form; its forms' anti-forgery value is `viewer.csrf`), a
    refused form's `errors` and a `flash` notice.

        render("error.html", "Introuvable", text="Cette fiche n'existe pas.", detail="", status=404)
    """
    viewer = None if principal is None else _viewer(principal, tokens)
    page = PAGES.get_template(template).render(title=title, viewer=viewer, flash=flash, errors=errors or [], **data)
    return respond(page, status)


def _viewer(principal, tokens):
    links = []
    if principal.role in STAFF:
        links.append({"href": "/desk", "label": "Accueil du PIMMS", "key": "n"})
        links.append({"href": "/workshops", "label": "Ateliers", "key": None})
    if principal.role != "operator":
        links.append({"href": "/figures", "label": "Chiffres", "key": "c"})
    if principal.role == "operator":
        links.append({"href": "/ops", "label": "Exploitation", "key": None})
    if principal.role in MANAGERS:
        links.append({"href": "/accounts", "label": "Comptes", "key": None})
    links.append({"href": PASSWORD_PAGE, "label": "Mon mot de passe", "key": None})
    # nothing else opens before a temporary password is changed (a page's own tests may hand in a bare account)
    if getattr(principal, "must_change_password", False):
        links = []
    return {"login": principal.login, "role": ROLE_LABELS[principal.role], "desks": principal.desks,
            "links": links, "shortcuts": principal.role in STAFF, "csrf": tokens.csrf(principal.jti)}


def login_page(csrf, next_url="", error=None, login="", status=200):
    """`csrf`: the form's anti-forgery value, bound to the login cookie the page sets (web.login_guard)."""
    return render("login.html", "Connexion", errors=[error] if error else None, status=status,
                  csrf=csrf, next_url=next_url, login=login)


def error_page(principal, tokens, status, title, text, detail):
    return render("error.html", title, principal if tokens else None, tokens, status=status, text=text,
                  detail=detail)


def citizen_page(principal, tokens, citizen):
    consent = citizen["consent"]
    visits = [{"day": v["opened_at"][:10], "time": labels.local_time(v["opened_at"]), "pimms_id": v["pimms_id"],
               "motif": labels.motif_label(v["motif"]), "status": labels.STATUS.get(v["status"], v["status"])}
              for v in citizen["visits"]]
    return render("citizen.html", f"Fiche usager n° {citizen['citizen_id']}", principal, tokens, citizen=citizen,
                  consent={"channel": labels.CONSENT_CHANNELS.get(consent["channel"], consent["channel"]),
                           "day": consent["given_at"][:10],
                           "purposes": [labels.CONSENT_PURPOSES.get(p, p) for p in consent["purposes"]]},
                  visits=visits, latest_visit=citizen["visits"][0]["visit_id"] if citizen["visits"] else None,
                  origins=list(ORIGINS.items()), households=list(HOUSEHOLDS.items()))


TRAIL_ACTIONS = {"read": "consultation", "search": "recherche par nom", "export": "export (droit d'accès)",
                 "consent": "consentement modifié", "erase": "effacement"}


def export_page(principal, tokens, export):
    """The printable form of an export: what the person is handed when they exercise their right of access."""
    purposes = lambda codes: ", ".join(labels.CONSENT_PURPOSES.get(p, p) for p in codes)  # noqa: E731
    consents = [{"day": c["given_at"][:10], "action": "donné" if c["action"] == "given" else "retiré",
                 "purposes": purposes(c["purposes"]),
                 "channel": labels.CONSENT_CHANNELS.get(c["channel"], c["channel"])} for c in export["consents"]]
    visits = [{"day": v["opened_at"][:10], "pimms_id": v["pimms_id"], "motif": labels.motif_label(v["motif"]),
               "acts": ", ".join(labels.ACTS.get(a["kind"], a["kind"]) for a in v["acts"]),
               "outcome": labels.OUTCOMES.get(v["outcome"], v["outcome"] or "—")} for v in export["visits"]]
    trail = [{"day": t["at"][:10], "time": labels.local_time(t["at"]), "account": t["account"], "role": t["role"],
              "action": TRAIL_ACTIONS.get(t["action"], t["action"])} for t in export["trail"]]
    appointments = [{"day": a["starts_at"][:10], "time": labels.local_time(a["starts_at"]), "pimms_id": a["pimms_id"],
                     "motif": labels.motif_label(a["motif"]), "status": APPOINTMENT_STATUSES.get(a["status"], "")}
                    for a in export.get("appointments", [])]
    return render("export.html", f"Données détenues sur la personne n° {export['citizen_id']}", principal, tokens,
                  export=export, identity=export["identity"], purposes=purposes(export["consent"]["purposes"]),
                  consents=consents, visits=visits, trail=trail, kept_until=export["kept_until"][:10],
                  exported_on=export["exported_at"][:10], appointments=appointments)


def ops_page(principal, tokens, health):
    services = [{"name": name, "status": state["status"],
                 "checks": ", ".join(f"{k} : {v}" for k, v in sorted((state.get("checks") or {}).items()))}
                for name, state in sorted(health["services"].items())]
    return render("ops.html", "Exploitation : état des services", principal, tokens, overall=health["status"],
                  services=services)
