"""The pages' common parts: the layout (navigation, the keyboard shortcuts, the logout form), and the small
pages: login, errors, a citizen's record, operations. Everything shown is escaped here or by the caller."""
import uuid
from html import escape

from werkzeug.wrappers import Response

from services.gateway import labels
from services.gateway.access import ROLE_LABELS, STAFF

e = escape
FORM_KEY = "_request_key"  # the hidden field of a form's idempotency key (web.request_key)


def respond(body, status=200):
    return Response(body, status=status, content_type="text/html; charset=utf-8")


def csrf_field(tokens, principal):
    """Every form's hidden fields: the anti-forgery value, and the key that makes its submission count once
    (a double click or a resubmitted page repeats the key, and the gateway answers the first answer)."""
    return (f'<input type="hidden" name="_csrf" value="{e(tokens.csrf(principal.jti))}">'
            f'<input type="hidden" name="{FORM_KEY}" value="{uuid.uuid4()}">')


def layout(title, body, principal=None, tokens=None, status=200, flash=None, errors=None):
    nav = ""
    if principal is not None:
        links = []
        if principal.role in STAFF:
            links.append('<a href="/desk" data-shortcut="n" aria-keyshortcuts="Alt+N">Accueil du PIMMS</a>')
        if principal.role != "operator":
            links.append('<a href="/figures" data-shortcut="c" aria-keyshortcuts="Alt+C">Chiffres</a>')
        if principal.role == "operator":
            links.append('<a href="/ops">Exploitation</a>')
        where = f" · {e(', '.join(principal.desks))}" if principal.desks else ""
        nav = (f'<nav aria-label="Navigation principale">{" ".join(links)}</nav>'
               f'<p class="who">{e(principal.login)} · {e(ROLE_LABELS[principal.role])}{where}</p>'
               f'<form method="post" action="/logout" class="logout">{csrf_field(tokens, principal)}'
               f'<button type="submit">Se déconnecter</button></form>')
    notice = f'<p class="flash" role="status">{e(flash)}</p>' if flash else ""
    problems = ""
    if errors:
        items = "".join(f"<li>{e(message)}</li>" for message in errors)
        problems = (f'<div class="errors" role="alert" tabindex="-1" id="erreurs"><p>La demande n\'a pas été '
                    f'enregistrée :</p><ul>{items}</ul></div>')
    shortcuts = ""
    if principal is not None and principal.role in STAFF:
        shortcuts = ('<footer><p>Raccourcis clavier : <kbd>Alt</kbd>+<kbd>N</kbd> nouvelle visite · '
                     '<kbd>Alt</kbd>+<kbd>J</kbd> visites du jour · <kbd>Alt</kbd>+<kbd>A</kbd> atelier · '
                     '<kbd>Alt</kbd>+<kbd>C</kbd> chiffres · <kbd>Entrée</kbd> enregistre le formulaire.</p></footer>')
    return respond(
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{e(title)} · PIMMS</title><link rel="stylesheet" href="/static/app.css">'
        f'<script src="/static/app.js" defer></script></head><body>'
        f'<a class="skip" href="#contenu">Aller au contenu</a>'
        f'<header><p class="brand">PIMMS</p>{nav}</header>'
        f'<main id="contenu" tabindex="-1"><h1>{e(title)}</h1>{problems}{notice}{body}</main>{shortcuts}'
        f'</body></html>', status)


def login_page(csrf, next_url="", error=None, login="", status=200):
    """`csrf`: the form's anti-forgery value, bound to the login cookie the page sets (web.login_guard)."""
    body = (f'<form method="post" action="/login" class="login">'
            f'<input type="hidden" name="_csrf" value="{e(csrf)}">'
            f'<input type="hidden" name="suite" value="{e(next_url)}">'
            f'<p><label for="login">Identifiant</label>'
            f'<input id="login" name="login" value="{e(login)}" autocomplete="username" required autofocus></p>'
            f'<p><label for="password">Mot de passe</label>'
            f'<input id="password" name="password" type="password" autocomplete="current-password" required></p>'
            f'<p><button type="submit">Se connecter</button></p></form>')
    return layout("Connexion", body, errors=[error] if error else None, status=status)


def error_page(principal, tokens, status, title, text, detail):
    body = f'<p>{e(text)}</p>' + (f'<p class="detail">{e(detail)}</p>' if detail else "")
    body += '<p><a href="/">Retour à l\'accueil</a></p>'
    return layout(title, body, principal if tokens else None, tokens, status=status)


def citizen_page(principal, tokens, citizen):
    consent = citizen["consent"]
    purposes = ", ".join(labels.CONSENT_PURPOSES.get(p, p) for p in consent["purposes"])
    rows = "".join(
        f'<tr><td>{e(v["opened_at"][:10])} {e(labels.local_time(v["opened_at"]))}</td><td>{e(v["pimms_id"])}</td>'
        f'<td>{e(labels.motif_label(v["motif"]))}</td><td>{e(labels.STATUS.get(v["status"], v["status"]))}</td></tr>'
        for v in citizen["visits"])
    body = (
        '<p class="notice">Consultation enregistrée au journal d\'audit (qui, quand, quelle fiche).</p>'
        '<dl class="identity">'
        f'<dt>Nom</dt><dd id="citizen-name">{e(citizen["first_name"])} {e(citizen["last_name"])}</dd>'
        f'<dt>Téléphone</dt><dd>{e(citizen["phone"] or "—")}</dd>'
        f'<dt>Courriel</dt><dd>{e(citizen["email"] or "—")}</dd>'
        f'<dt>Consentement</dt><dd>{e(labels.CONSENT_CHANNELS.get(consent["channel"], consent["channel"]))}, '
        f'le {e(consent["given_at"][:10])} ({e(purposes)})</dd></dl>'
        '<h2>Visites dans votre périmètre</h2>'
        '<table><thead><tr><th scope="col">Date</th><th scope="col">PIMMS</th><th scope="col">Motif</th>'
        f'<th scope="col">Statut</th></tr></thead><tbody>{rows}</tbody></table>')
    return layout(f"Fiche usager n° {citizen['citizen_id']}", body, principal, tokens)


def ops_page(principal, tokens, health):
    rows = []
    for name, state in sorted(health["services"].items()):
        checks = ", ".join(f"{k} : {v}" for k, v in sorted((state.get("checks") or {}).items()))
        rows.append(f'<tr><th scope="row">{e(name)}</th><td class="status-{e(state["status"])}">'
                    f'{e(state["status"])}</td><td>{e(checks)}</td>'
                    f'<td><a href="/ops/metrics/{e(name)}">métriques</a></td></tr>')
    body = (f'<p>État général : <strong id="overall">{e(health["status"])}</strong></p>'
            '<table><thead><tr><th scope="col">Service</th><th scope="col">État</th><th scope="col">Vérifications'
            '</th><th scope="col">Prometheus</th></tr></thead><tbody>' + "".join(rows) + '</tbody></table>')
    return layout("Exploitation : état des services", body, principal, tokens)
