"""The accounts pages: a manager's (an association's, or head office's for its own staff) list of accounts
with their state, the new account's form and each account's actions (disable, enable, unlock, a new
temporary password); and each person's own password page, where a temporary password is changed before
anything else. A temporary password is shown on the answer to the form that made it, never in an address,
never again. Forms refused come back with their reasons in French."""
import datetime as dt
from urllib.parse import quote

from services.gateway import access, account_admin, account_rules
from services.gateway.access import ANY_ROLE, ROLE_LABELS
from services.gateway.account_rules import MANAGERS
from services.gateway.errors import Forbidden
from services.gateway.html import FORM_KEY, render
from services.gateway.web import page, redirect, request_key, session_cookie
from shared import localtime
from shared.errors import InvalidRequest, NotFound

STATE_LABELS = {"active": "actif", "locked": "verrouillé (échecs de connexion)", "disabled": "désactivé",
                "must_change_password": "mot de passe provisoire à changer",
                "password_expired": "mot de passe provisoire expiré"}
DONE = {"disable": "désactivé : il ne se connecte plus et ses sessions sont fermées",
        "enable": "réactivé", "unlock": "déverrouillé"}
FIELDS = {"login": "Identifiant", "role": "Rôle", "pimms_id": "PIMMS", "agent_id": "Code agent",
          "current_password": "Mot de passe actuel", "new_password": "Nouveau mot de passe",
          "confirm_password": "Confirmation", "_body": "Formulaire"}
RULES = {
    "must be 2 to 64 characters: a-z, 0-9, . _ -": "2 à 64 caractères : lettres minuscules sans accent, "
                                                   "chiffres, . _ -",
    "must be 12 to 200 characters": "12 à 200 caractères",
    "Missing data for required field.": "à renseigner",
    "must differ from the current password": "doit différer du mot de passe actuel",
    "must not contain the login": "ne doit pas contenir l'identifiant",
    f"too easy to guess: use at least {account_rules.MIN_DISTINCT} different characters":
        f"trop facile à deviner : au moins {account_rules.MIN_DISTINCT} caractères différents",
    "an agent works at one desk of the association: choose it": "choisissez le PIMMS de l'agent",
}


def french(errors):
    """`{"pimms_id": ["lyon-99 is not a desk..."]}` as 'PIMMS : ...' lines."""
    lines = []
    for name, rules in errors.items():
        for rule in rules if isinstance(rules, list) else [rules]:
            text = RULES.get(rule, rule)
            if rule.startswith("does not match"):
                text = "ne correspond pas (après plusieurs échecs, le compte est verrouillé quelques minutes)"
            elif rule.startswith("an account ") and rule.endswith("choose another login"):
                text = "un compte porte déjà cet identifiant : choisissez-en un autre"
            elif " is not a desk of the association" in rule:
                text = "ce PIMMS n'est pas un des PIMMS de l'association"
            elif rule.startswith("must be one of"):
                text = "valeur inconnue"
            lines.append(f"{FIELDS.get(name, name)} : {text}")
    return lines


class AccountPages:
    """Needs the service's db, config and tokens."""

    @page("GET", "/accounts", roles=MANAGERS)
    def accounts_page(self, request, principal):
        return show(self.db, self.tokens, principal, done=request.args.get("fait"), login=request.args.get("compte"))

    @page("POST", "/accounts", roles=MANAGERS)
    def accounts_create(self, request, principal):
        return post_create(self.db, self.config, self.tokens, principal, request.form)

    @page("POST", "/accounts/<string:login>/<string:action>", roles=MANAGERS)
    def accounts_act(self, request, principal, login, action):
        return post_action(self.db, self.config, self.tokens, principal, login, action, request.form)

    @page("GET", access.PASSWORD_PAGE, roles=ANY_ROLE)
    def password_page(self, request, principal):
        return password_form(self.tokens, principal, changed=request.args.get("fait") == "change")

    @page("POST", access.PASSWORD_PAGE, roles=ANY_ROLE)
    def password_change(self, request, principal):
        return post_password(self.db, self.tokens, self.config, principal, request.form)


def show(db, tokens, principal, done=None, login=None, created=None, errors=None, form=None, status=200):
    """The accounts page: `created` a temporary password just made ({"login", "password", "until"}),
    `done` an action just done on the account `login` (named only if it is one of the list)."""
    accounts = account_admin.listing(db, principal)
    flash = None
    if done in DONE and any(a["login"] == login for a in accounts):
        flash = f"Compte {login} {DONE[done]}."
    roles = account_rules.MANAGED[principal.role]
    title = "Comptes du siège" if principal.role == "head_office" else \
        f"Comptes de l'association {principal.association_id}"
    return render("accounts.html", title, principal, tokens, status=status, flash=flash, errors=errors,
                  accounts=[_row(a, principal) for a in accounts], created=created,
                  roles=[(r, ROLE_LABELS[r]) for r in roles], desks=[(d, d) for d in principal.desks],
                  form={"login": "", "role": roles[0], "pimms_id": None, "agent_id": "", **(form or {})})


def _row(account, principal):
    return {**account, "role_label": ROLE_LABELS[account["role"]], "state_label": STATE_LABELS[account["state"]],
            "own": account["login"] == principal.login, "where": account["pimms_id"] or (
                "tous les PIMMS" if account["role"] == "manager" else "—"),
            "locked": account["state"] == "locked"}


def _shown_once(answer, config):
    """The temporary password to show, with until when it logs in (in the association's time zone); None
    when the form was sent again: it was shown the first time, and is not kept to be shown twice."""
    if answer["temporary_password"] is None:
        return None
    until = dt.datetime.fromisoformat(answer["account"]["temporary_until"]).astimezone(localtime.zone_of(config))
    return {"login": answer["account"]["login"], "password": answer["temporary_password"],
            "until": until.strftime("%d/%m/%Y à %H:%M")}


def post_create(db, config, tokens, principal, form):
    body = {"login": (form.get("login") or "").strip(), "role": form.get("role") or account_rules.MANAGED[
        principal.role][0]}
    for name in ("pimms_id", "agent_id"):
        if (form.get(name) or "").strip():
            body[name] = form[name].strip()
    try:
        answer = account_admin.create(db, config, principal, body, request_key(principal, form.get(FORM_KEY)))
    except InvalidRequest as exc:
        return show(db, tokens, principal, errors=french(exc.errors), form=body, status=400)
    except Forbidden:
        return show(db, tokens, principal, errors=["Rôle : vous ne pouvez pas créer un compte de ce rôle"],
                    form=body, status=403)
    return show(db, tokens, principal, created=_shown_once(answer, config), status=201)


ACTIONS = {"disable": account_admin.disable, "enable": account_admin.enable, "unlock": account_admin.unlock}


def post_action(db, config, tokens, principal, login, action, form):
    """An account's button: a new temporary password is shown on the page answered; the others come back to
    the list saying what was done. An account out of reach is a 404, as one that does not exist."""
    key = request_key(principal, form.get(FORM_KEY))
    try:
        if action == "password-reset":
            answer = account_admin.reset_password(db, config, principal, login, key)
            return show(db, tokens, principal, created=_shown_once(answer, config))
        if action not in ACTIONS:
            raise NotFound(f"no action {action}")
        ACTIONS[action](db, principal, login, key)
    except InvalidRequest as exc:
        return show(db, tokens, principal, errors=french(exc.errors), status=400)
    return redirect(f"/accounts?fait={action}&compte={quote(login)}")


def password_form(tokens, principal, changed=False, errors=None, status=200):
    return render("password.html", "Mon mot de passe", principal, tokens, status=status, errors=errors,
                  flash="Mot de passe changé." if changed else None, forced=principal.must_change_password)


def post_password(db, tokens, config, principal, form):
    """The own password's form: a new session cookie (every other session ended), then the role's first page
    (after a temporary password) or this page saying it is done."""
    if form.get("new_password", "") != form.get("confirm_password", ""):
        return password_form(tokens, principal, errors=["Confirmation : les deux saisies du nouveau mot de passe "
                                                        "diffèrent"], status=400)
    body = {"current_password": form.get("current_password", ""), "new_password": form.get("new_password", "")}
    try:
        token, claims, view = account_admin.change_own(db, tokens, config, principal, body)
    except InvalidRequest as exc:
        return password_form(tokens, principal, errors=french(exc.errors), status=400)
    target = access.HOMES[principal.role] if principal.must_change_password else \
        f"{access.PASSWORD_PAGE}?fait=change"
    return session_cookie(redirect(target), token, claims, config.get("COOKIE_SECURE"))

