"""The desk page: record a visit in a few keystrokes (motif, acts, duration; anonymous unless a person is
named with consent), close the visits in progress, see today's visits, record a workshop. Native form
controls only, each with its label, in reading order, so the keyboard alone does everything."""
from services.gateway import labels
from services.gateway.html import csrf_field, e, layout
from shared import localtime

FLASH = {
    "visite": "Visite enregistrée.",
    "ouverte": "Visite ouverte : elle attend sa clôture dans « Visites en cours ».",
    "close": "Visite close.",
    "atelier": "Atelier enregistré.",
}
# The registres a desk usually records with each act: pre-checked by the page's script as the agent ticks
# acts, always shown and changeable (the norm's figures come from what the agent confirms).
ACT_REGISTRES = {
    "information": "inform", "explanation": "understanding", "advice": "understanding",
    "accompaniment": "presence", "letter": "understanding", "referral": "referral", "online_help": "inform",
    "conflict_mediation": "conflict",
}


def render(principal, tokens, pimms_id, visits, zone, flash=None, errors=None, form=None, status=200, focus=None):
    """`visits`: the desk's visits of its day and those left open on an earlier day (still to close);
    `zone`: the association's, whose calendar says what "today" is."""
    form = form or {}
    today = localtime.today(zone)
    opened = [v for v in visits if v["status"] == "open"]
    of_today = [v for v in visits if today in (labels.local_day(v["opened_at"], zone),
                                               v["closed_at"] and labels.local_day(v["closed_at"], zone))]
    body = (_desk_choice(principal, pimms_id) + _new_visit(principal, tokens, pimms_id, form)
            + _in_progress(principal, tokens, opened, zone, today) + _today(of_today, today, zone)
            + _workshop(principal, tokens, pimms_id, today, form if focus == "atelier" else {}))
    return layout(f"Accueil du PIMMS {pimms_id}", body, principal, tokens, status=status,
                  flash=FLASH.get(flash), errors=errors)


def _desk_choice(principal, pimms_id):
    if len(principal.desks) < 2:
        return ""
    options = "".join(f'<option value="{e(d)}"{" selected" if d == pimms_id else ""}>{e(d)}</option>'
                      for d in principal.desks)
    return (f'<form method="get" action="/desk" class="inline"><label for="desk">PIMMS</label>'
            f'<select id="desk" name="pimms_id">{options}</select> <button type="submit">Afficher</button></form>')


def _motif_select(selected):
    partners = "".join(_option(f"partenaire:{code}", label, selected)
                       for code, label in sorted(labels.PARTNERS.items(), key=lambda kv: kv[1]))
    domains = "".join(_option(f"generaliste:{code}", label, selected)
                      for code, label in sorted(labels.DOMAIN_OPTIONS.items(), key=lambda kv: kv[1]))
    return (f'<label for="motif">Motif</label><select id="motif" name="motif" required autofocus '
            f'aria-keyshortcuts="Alt+N"><option value="">— choisir —</option>'
            f'<optgroup label="Accueil partenaire">{partners}</optgroup>'
            f'<optgroup label="Accueil généraliste">{domains}</optgroup></select>')


def _option(value, label, selected):
    mark = " selected" if value == selected else ""
    return f'<option value="{e(value)}"{mark}>{e(label)}</option>'


def _checkboxes(name, choices, checked, prefix, extra=None):
    boxes = []
    for code, label in choices.items():
        mark = " checked" if code in checked else ""
        data = f' data-registre="{e(extra[code])}"' if extra else ""
        boxes.append(f'<label class="check"><input type="checkbox" name="{name}" value="{e(code)}" '
                     f'id="{prefix}-{e(code)}"{data}{mark}> {e(label)}</label>')
    return "".join(boxes)


def _select(name, id_, choices, selected, blank=None):
    first = f'<option value="">{e(blank)}</option>' if blank is not None else ""
    return (f'<select id="{id_}" name="{name}">{first}'
            + "".join(_option(code, label, selected) for code, label in choices.items()) + '</select>')


def _new_visit(principal, tokens, pimms_id, form):
    acts = form.get("acts", [])
    registres = form.get("registres", [])
    return (
        '<section aria-labelledby="nouvelle-visite"><h2 id="nouvelle-visite">Nouvelle visite</h2>'
        f'<form method="post" action="/desk/visits" class="visit" data-registres-from-acts>'
        f'{csrf_field(tokens, principal)}<input type="hidden" name="pimms_id" value="{e(pimms_id)}">'
        f'<p>{_motif_select(form.get("motif"))}</p>'
        f'<fieldset><legend>Actes de médiation</legend>'
        f'{_checkboxes("acts", labels.ACTS, acts, "acte", ACT_REGISTRES)}</fieldset>'
        f'<fieldset><legend>Registres d\'intervention</legend>'
        f'{_checkboxes("registres", labels.REGISTRES, registres, "registre")}</fieldset>'
        f'<p><label for="outcome">Issue</label>'
        f'{_select("outcome", "outcome", labels.OUTCOMES, form.get("outcome") or "resolved")}</p>'
        f'<p><label for="duration">Durée (minutes)</label><input id="duration" name="duration_min" type="number" '
        f'min="0" max="600" inputmode="numeric" value="{e(form.get("duration_min") or "")}"></p>'
        f'<p><label for="waiting">Attente (minutes, facultatif)</label><input id="waiting" name="waiting_min" '
        f'type="number" min="0" max="600" inputmode="numeric" value="{e(form.get("waiting_min") or "")}"></p>'
        f'{_person(form)}'
        '<p class="actions"><button type="submit" name="action" value="record">Enregistrer la visite terminée'
        '</button> <button type="submit" name="action" value="open">Ouvrir une visite en cours</button></p>'
        '</form></section>')


def _person(form):
    """Anonymous by default: the details open only to name someone, with their consent, or to give a
    gender and age band for the figures."""
    def text(name, label, kind="text", auto="off"):
        return (f'<p><label for="{name}">{label}</label><input id="{name}" name="{name}" type="{kind}" '
                f'autocomplete="{auto}" value="{e(form.get(name) or "")}"></p>')

    consent = " checked" if form.get("consent") == "oui" else ""
    return (
        '<details><summary>Personne reçue (anonyme par défaut)</summary>'
        f'<p><label for="gender">Genre</label>{_select("gender", "gender", labels.GENDER_LABELS, form.get("gender"), "non précisé")}'
        f' <label for="age_band">Âge</label>{_select("age_band", "age_band", labels.AGE_LABELS, form.get("age_band"), "non précisé")}</p>'
        f'{text("citizen_id", "N° de fiche usager (personne déjà connue)", "number")}'
        '<fieldset><legend>Ou nommer une nouvelle personne</legend>'
        f'{text("first_name", "Prénom")}{text("last_name", "Nom")}{text("phone", "Téléphone", "tel")}'
        f'{text("email", "Courriel", "email")}'
        f'<p><label class="check"><input type="checkbox" name="consent" value="oui" id="consent"{consent}> '
        'La personne consent à l\'enregistrement de son identité</label> '
        f'<label for="consent_channel">recueilli</label>'
        f'{_select("consent_channel", "consent_channel", labels.CONSENT_CHANNELS, form.get("consent_channel") or "oral")}'
        '</p></fieldset></details>')


def _in_progress(principal, tokens, opened, zone, today):
    if not opened:
        return ('<section aria-labelledby="en-cours"><h2 id="en-cours">Visites en cours</h2>'
                '<p>Aucune visite en cours.</p></section>')
    forms = []
    for visit in opened:
        vid = visit["visit_id"]
        short = vid[:8]
        forms.append(
            f'<form method="post" action="/desk/visits/{e(vid)}/close" class="close" data-registres-from-acts '
            f'aria-label="Clore la visite de {e(labels.local_moment(visit["opened_at"], zone, today))}">'
            f'{csrf_field(tokens, principal)}'
            f'<h3>{e(labels.local_moment(visit["opened_at"], zone, today))} · '
            f'{e(labels.motif_label(visit["motif"]))}</h3>'
            f'<p>Actes déjà notés : {e(", ".join(labels.ACTS.get(a["kind"], a["kind"]) for a in visit["acts"]) or "aucun")}</p>'
            f'<fieldset><legend>Ajouter des actes</legend>'
            f'{_checkboxes("acts", labels.ACTS, [], f"acte-{short}", ACT_REGISTRES)}</fieldset>'
            f'<fieldset><legend>Registres d\'intervention</legend>'
            f'{_checkboxes("registres", labels.REGISTRES, [], f"registre-{short}")}</fieldset>'
            f'<p><label for="outcome-{short}">Issue</label>'
            f'{_select("outcome", f"outcome-{short}", labels.OUTCOMES, "resolved")}'
            f' <label for="duration-{short}">Durée (minutes, sinon depuis l\'ouverture)</label>'
            f'<input id="duration-{short}" name="duration_min" type="number" min="0" max="600"></p>'
            f'<p><button type="submit">Clore la visite</button></p></form>')
    return ('<section aria-labelledby="en-cours"><h2 id="en-cours">Visites en cours</h2>' + "".join(forms)
            + '</section>')


def _today(visits, today, zone):
    rows = []
    for visit in visits:
        named = [p for p in visit["participants"] if p.get("citizen_id")]
        person = " ".join(f'<a href="/citizens/{p["citizen_id"]}">fiche n° {p["citizen_id"]}</a>' for p in named)
        acts = ", ".join(labels.ACTS.get(a["kind"], a["kind"]) for a in visit["acts"])
        duration = "" if visit["duration_min"] is None else f'{visit["duration_min"]} min'
        outcome = labels.OUTCOMES.get(visit["outcome"], "") if visit["outcome"] else ""
        rows.append(
            f'<tr data-visit="{e(visit["visit_id"])}"><td>{e(labels.local_time(visit["opened_at"], zone))}</td>'
            f'<td>{e(labels.motif_label(visit["motif"]))}</td><td>{e(acts)}</td><td>{e(duration)}</td>'
            f'<td>{e(outcome)}</td><td>{e(labels.STATUS[visit["status"]])}</td><td>{person or "anonyme"}</td></tr>')
    table = ('<table id="visites"><caption>' + f'{len(visits)} visite(s) le {today.strftime("%d/%m/%Y")}'
             '</caption><thead><tr><th scope="col">Heure</th><th scope="col">Motif</th><th scope="col">Actes</th>'
             '<th scope="col">Durée</th><th scope="col">Issue</th><th scope="col">Statut</th>'
             '<th scope="col">Personne</th></tr></thead><tbody>' + "".join(rows) + '</tbody></table>')
    return ('<section aria-labelledby="du-jour"><h2 id="du-jour" tabindex="-1" aria-keyshortcuts="Alt+J">'
            f'Visites du jour</h2>{table}</section>')


def _workshop(principal, tokens, pimms_id, today, form):
    partners = dict(sorted(labels.PARTNERS.items(), key=lambda kv: kv[1]))
    return (
        '<section aria-labelledby="atelier"><h2 id="atelier">Atelier collectif</h2>'
        f'<form method="post" action="/desk/workshops" class="workshop">{csrf_field(tokens, principal)}'
        f'<input type="hidden" name="pimms_id" value="{e(pimms_id)}">'
        f'<p><label for="theme">Thème</label>'
        f'{_select("theme", "theme", labels.THEMES, form.get("theme"), "— choisir —")}'
        f' <label for="workshop-partner">Partenaire (facultatif)</label>'
        f'{_select("partner", "workshop-partner", partners, form.get("partner"), "aucun")}</p>'
        f'<p><label for="held_on">Date</label><input id="held_on" name="held_on" type="date" '
        f'value="{e(form.get("held_on") or today.isoformat())}">'
        f' <label for="attendees">Participants</label><input id="attendees" name="attendees" type="number" min="1" '
        f'max="500" value="{e(form.get("attendees") or "")}">'
        f' <label for="workshop-duration">Durée (minutes)</label><input id="workshop-duration" name="duration_min" '
        f'type="number" min="1" max="1440" value="{e(form.get("duration_min") or "")}"></p>'
        f'<fieldset><legend>Registres d\'intervention</legend>'
        f'{_checkboxes("registres", labels.REGISTRES, form.get("registres", ["collective"]), "atelier-registre")}'
        '</fieldset><p><button type="submit">Enregistrer l\'atelier</button></p></form></section>')
