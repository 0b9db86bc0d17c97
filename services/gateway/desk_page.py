"""The desk page: record a visit in a few keystrokes (motif, acts, duration; anonymous unless a person is
named with consent), close the visits in progress, see today's visits, record a workshop. Native form
controls only, each with its label, in reading order, so the keyboard alone does everything. A form refused
comes back with its reasons in French and what it carried."""
from services.gateway import access, desk_work, forms, labels
from services.gateway.backends import concurrently
from services.gateway.html import FORM_KEY
from services.gateway.html import render as render_page
from services.gateway.web import redirect, request_key
from shared import localtime
from shared.contracts.accueil_budget import HOUSEHOLDS, ORIGINS, STAGE_LABELS
from shared.errors import Conflict, ContractViolation, InvalidRequest

FLASH = {
    "visite": "Visite enregistrée.",
    "ouverte": "Visite ouverte : elle attend sa clôture dans « Visites en cours ».",
    "close": "Visite close.",
    "atelier": "Atelier enregistré.",
    "suivi": "Suivi mis à jour.",
}
# The registres a desk usually records with each act: pre-checked by the page's script as the agent ticks
# acts, always shown and changeable (the norm's figures come from what the agent confirms).
ACT_REGISTRES = {
    "information": "inform", "explanation": "understanding", "advice": "understanding",
    "accompaniment": "presence", "letter": "understanding", "referral": "referral", "online_help": "inform",
    "conflict_mediation": "conflict",
}


def _by_label(codes, kind=None):
    """(value, label) pairs in alphabetical order of the labels; a motif's value names its kind of accueil."""
    return [(f"{kind}:{code}" if kind else code, label) for code, label in sorted(codes.items(), key=lambda kv: kv[1])]


# The controls' choices, (value, label) pairs in the order the agent reads them.
CHOICES = {
    "motifs": {"partenaire": _by_label(labels.PARTNERS, "partenaire"),
               "generaliste": _by_label(labels.DOMAIN_OPTIONS, "generaliste")},
    "acts": list(labels.ACTS.items()), "act_registres": ACT_REGISTRES, "registres": list(labels.REGISTRES.items()),
    "outcomes": list(labels.OUTCOMES.items()), "genders": list(labels.GENDER_LABELS.items()),
    "age_bands": list(labels.AGE_LABELS.items()), "consent_channels": list(labels.CONSENT_CHANNELS.items()),
    "themes": list(labels.THEMES.items()), "partners": _by_label(labels.PARTNERS),
}


def show(accueil, tokens, principal, args, zone):
    """GET /desk (`?pimms_id=` another of the account's desks; `?fait=` what was just done)."""
    pimms_id = access.default_desk(principal, args.get("pimms_id") or None)
    visits, calls, dossiers, waiting = concurrently(
        lambda: desk_work.today(accueil, pimms_id, zone), lambda: desk_work.calls(accueil, pimms_id, zone),
        lambda: desk_work.open_dossiers(accueil, pimms_id),
        lambda: accueil.list_tickets({"pimms_id": pimms_id, "status": "waiting"}))
    return render(principal, tokens, pimms_id, visits, zone, flash=args.get("fait"), calls=calls, dossiers=dossiers,
                  waiting=len(waiting))


def post_visit(accueil, tokens, principal, form, zone):
    """The new visit's form: recorded whole when it is over, or opened to be closed later."""
    pimms_id = access.default_desk(principal, form.get("pimms_id") or None)
    try:
        kind, body = forms.visit_request(form)
        record = desk_work.open_visit if kind == "open" else desk_work.record_visit
        record(accueil, principal, body, form.get(FORM_KEY))
    except (forms.FormErrors, InvalidRequest, ContractViolation, Conflict) as exc:
        return refused(accueil, tokens, principal, pimms_id, zone, form, exc)
    return redirect(f"/desk?pimms_id={pimms_id}&fait={'ouverte' if kind == 'open' else 'visite'}")


def post_close(accueil, tokens, principal, visit_id, form, zone):
    """A visit in progress closed from its own form (a visit of another desk is refused before anything)."""
    visit = desk_work.visit_in_scope(accueil, principal, visit_id)
    try:
        closing = forms.close_request(form)  # checked against accueil's schema already
        accueil.close_visit({**closing, "visit_id": visit_id,
                             "idempotency_key": request_key(principal, form.get(FORM_KEY))})
    except (forms.FormErrors, InvalidRequest, ContractViolation, Conflict) as exc:
        return refused(accueil, tokens, principal, visit["pimms_id"], zone, {}, exc)
    return redirect(f"/desk?pimms_id={visit['pimms_id']}&fait=close")


def post_workshop(accueil, tokens, principal, form, zone):
    pimms_id = access.default_desk(principal, form.get("pimms_id") or None)
    try:
        desk_work.record_workshop(accueil, principal, forms.workshop_request(form, pimms_id), form.get(FORM_KEY))
    except (forms.FormErrors, InvalidRequest, ContractViolation) as exc:
        return refused(accueil, tokens, principal, pimms_id, zone, form, exc, focus="atelier")
    return redirect(f"/desk?pimms_id={pimms_id}&fait=atelier")


def refused(accueil, tokens, principal, pimms_id, zone, form, exc, focus=None):
    """The page again (400) with why the form was refused, keeping what it carried."""
    if isinstance(exc, forms.FormErrors):
        lines = exc.lines
    elif isinstance(exc, InvalidRequest):
        lines = forms.french(exc.errors)
    elif isinstance(exc, ContractViolation):
        lines = [f"Contrat de franchise : {exc.detail}"]
    else:
        lines = [f"Impossible : {exc}"]
    values = {k: (form.getlist(k) if k in ("acts", "registres") else form.get(k)) for k in form} \
        if hasattr(form, "getlist") else {}
    return render(principal, tokens, pimms_id, desk_work.today(accueil, pimms_id, zone), zone, errors=lines,
                  form=values, status=400, focus=focus, calls=desk_work.calls(accueil, pimms_id, zone),
                  dossiers=desk_work.open_dossiers(accueil, pimms_id))


def render(principal, tokens, pimms_id, visits, zone, flash=None, errors=None, form=None, status=200, focus=None,
           calls=(), dossiers=(), waiting=None):
    """`visits`: the desk's visits of its day and those left open on an earlier day (still to close);
    `zone`: the association's, whose calendar says what "today" is; `form`: what a refused form carried,
    shown again (in the workshop's form when `focus` is "atelier", else in the visit's)."""
    form = form or {}
    today = localtime.today(zone)
    opened = [v for v in visits if v["status"] == "open"]
    of_today = [v for v in visits if today in (labels.local_day(v["opened_at"], zone),
                                               v["closed_at"] and labels.local_day(v["closed_at"], zone))]
    return render_page("desk.html", f"Accueil du PIMMS {pimms_id}", principal, tokens, status=status,
                       flash=FLASH.get(flash), errors=errors, **CHOICES, pimms_id=pimms_id,
                       desks=[(d, d) for d in principal.desks] if len(principal.desks) > 1 else [],
                       visit=_visit_typed(form), workshop=_workshop_typed(form if focus == "atelier" else {}, today),
                       in_progress=[_in_progress(v, zone, today) for v in opened],
                       of_today=[_of_today(v, zone) for v in of_today], day=today.strftime("%d/%m/%Y"),
                       calls=[_call(c, today) for c in calls], dossiers=[_dossier(d) for d in dossiers],
                       waiting=waiting)


def _visit_typed(form):
    """The new visit's fields: what a refused form carried, else each field's default."""
    typed = {name: form.get(name) or "" for name in ("duration_min", "waiting_min", "citizen_id", "first_name",
                                                     "last_name", "phone", "email", "suivi_action", "suivi_due")}
    return {**typed, "motif": form.get("motif"), "acts": form.get("acts", []), "registres": form.get("registres", []),
            "outcome": form.get("outcome") or "resolved", "gender": form.get("gender"),
            "age_band": form.get("age_band"), "consent": form.get("consent") == "oui",
            "consent_contact": form.get("consent_contact") == "oui", "consent_channel": form.get("consent_channel") or "oral"}


def _workshop_typed(form, today):
    typed = {name: form.get(name) or "" for name in ("attendees", "duration_min")}
    return {**typed, "theme": form.get("theme"), "partner": form.get("partner"),
            "held_on": form.get("held_on") or today.isoformat(), "registres": form.get("registres", ["collective"])}


def _in_progress(visit, zone, today):
    """A visit still open, with its close form: `short`, the start of its id, keeps the form's ids apart."""
    return {"id": visit["visit_id"], "short": visit["visit_id"][:8],
            "moment": labels.local_moment(visit["opened_at"], zone, today), "motif": labels.motif_label(visit["motif"]),
            "acts": ", ".join(labels.ACTS.get(a["kind"], a["kind"]) for a in visit["acts"])}


def _call(case, today):
    """A follow-up to call back: when it was due, who (record number or slip reference), what to do."""
    person = f"fiche n° {case['citizen_id']}" if case["citizen_id"] else f"réf. {case['reference'] or '—'}"
    return {"id": case["case_id"], "due": labels.local_date_label(case["due_on"]), "late": case["due_on"] <
            today.isoformat(), "person": person, "motif": labels.motif_label(case["motif"]),
            "next_action": case["next_action"] or "—", "status": labels.CASE_STATUSES.get(case["status"], "")}


def _dossier(dossier):
    """An open budget dossier in the desk's list: when, how it came, the household, the plan's progress."""
    done = sum(1 for s in dossier["steps"] if s["done_on"])
    file = dossier["overindebtedness"]
    return {"id": dossier["dossier_id"], "opened": labels.local_date_label(dossier["opened_at"]),
            "origin": ORIGINS.get(dossier["origin"], dossier["origin"]),
            "household": HOUSEHOLDS.get(dossier["household"], dossier["household"]),
            "steps": f"{done}/{len(dossier['steps'])} étapes faites",
            "stage": None if file is None else STAGE_LABELS[file["stage"]]}


def _of_today(visit, zone):
    return {"id": visit["visit_id"], "time": labels.local_time(visit["opened_at"], zone),
            "motif": labels.motif_label(visit["motif"]),
            "acts": ", ".join(labels.ACTS.get(a["kind"], a["kind"]) for a in visit["acts"]),
            "duration": "" if visit["duration_min"] is None else f"{visit['duration_min']} min",
            "outcome": labels.OUTCOMES.get(visit["outcome"], "") if visit["outcome"] else "",
            "status": labels.STATUS[visit["status"]],
            "citizens": [p["citizen_id"] for p in visit["participants"] if p.get("citizen_id")]}
