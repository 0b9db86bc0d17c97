"""The workshop pages (issue 20), keyboard-first as the desk page is: « Ateliers » lists the desk's planned
sessions with their places left (a full one says so) and plans another; a session's page registers someone
(a person found by name, a record number, or anonymously with a slip), marks who came (a checkbox per
person, Space ticks, Enter saves; walk-ins by number) and closes it. A refused form comes back with its
reasons in French. Routes of GatewayService in a mixin, as the follow-ups' API is."""
import datetime as dt

from services.gateway import desk_work, forms, labels, workshop_work
from services.gateway.access import STAFF
from services.gateway.html import FORM_KEY, render
from services.gateway.web import page, redirect
from shared import localtime
from shared.contracts.accueil import THEMES
from shared.errors import Conflict, InvalidRequest

DONE = {"prevue": "Séance planifiée.", "inscrit": "Inscription enregistrée.", "desinscrit": "Inscription annulée.",
        "presences": "Présences enregistrées.", "close": "Séance close : elle compte dans les chiffres."}


class WorkshopPages:
    """Needs the service's backends, tokens and config (and what `page` needs)."""

    @page("GET", "/workshops", roles=STAFF)
    def workshops(self, request, principal):
        return sessions_page(self.backends.accueil, self.tokens, principal, self._workshop_zone())

    @page("POST", "/workshops", roles=STAFF)
    def workshop_plan(self, request, principal):
        form, zone = request.form, self._workshop_zone()

        def planned():
            workshop = workshop_work.plan(self.backends.accueil, principal, plan_request(form, zone),
                                          form.get(FORM_KEY))
            return redirect("/workshops/" + workshop["workshop_id"] + "?fait=prevue")

        return _or_refused(planned, lambda errors, status: sessions_page(
            self.backends.accueil, self.tokens, principal, zone, errors, status, form))

    @page("GET", "/workshops/<string:workshop_id>", roles=STAFF)
    def workshop(self, request, principal, workshop_id):
        return session_page(self.backends.accueil, self.db, self.tokens, principal, workshop_id,
                            self._workshop_zone(), search=request.args.get("nom", "").strip(),
                            flash=DONE.get(request.args.get("fait")))

    @page("POST", "/workshops/<string:workshop_id>/registrations", roles=STAFF)
    def workshop_register(self, request, principal, workshop_id):
        form = request.form
        citizen_id = _number(form.get("citizen_id"), "citizen_id")
        return self._workshop_change(principal, workshop_id, lambda: workshop_work.register(
            self.backends.accueil, principal, workshop_id, {} if citizen_id is None else {"citizen_id": citizen_id},
            form.get(FORM_KEY)), "inscrit")

    @page("POST", "/workshops/<string:workshop_id>/registrations/<int:registration_id>/cancel", roles=STAFF)
    def workshop_unregister(self, request, principal, workshop_id, registration_id):
        return self._workshop_change(principal, workshop_id, lambda: workshop_work.cancel_registration(
            self.backends.accueil, principal, workshop_id, registration_id, request.form.get(FORM_KEY)), "desinscrit")

    @page("POST", "/workshops/<string:workshop_id>/attendance", roles=STAFF)
    def workshop_attendance(self, request, principal, workshop_id):
        form = request.form
        return self._workshop_change(principal, workshop_id, lambda: workshop_work.mark(
            self.backends.accueil, principal, workshop_id, attendance_request(form), form.get(FORM_KEY)), "presences")

    @page("POST", "/workshops/<string:workshop_id>/close", roles=STAFF)
    def workshop_close(self, request, principal, workshop_id):
        return self._workshop_change(principal, workshop_id, lambda: workshop_work.close(
            self.backends.accueil, principal, workshop_id, {}, request.form.get(FORM_KEY)), "close")

    def _workshop_change(self, principal, workshop_id, change, done):
        zone = self._workshop_zone()
        return _or_refused(lambda: (change(), redirect(f"/workshops/{workshop_id}?fait={done}"))[1],
                           lambda errors, status: session_page(self.backends.accueil, self.db, self.tokens, principal,
                                                               workshop_id, zone, errors=errors, status=status))

    def _workshop_zone(self):
        return localtime.zone_of(self.config)


def _or_refused(act, show):
    try:
        return act()
    except forms.FormErrors as exc:
        return show(exc.lines, 400)
    except InvalidRequest as exc:
        return show(forms.french(exc.errors), 400)
    except Conflict as exc:
        return show([f"Impossible : {exc}"], 409)


def _number(text, field):
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidRequest({field: ["doit être un numéro"]})
    return int(text)


def plan_request(form, zone):
    """The planning form (day, time, length, capacity, place, theme) as a PlanWorkshopRequest's body."""
    lines = []
    try:
        day = dt.date.fromisoformat(form.get("day", ""))
        at = dt.time.fromisoformat(form.get("time", ""))
    except ValueError:
        lines.append("Date et heure : indiquez le jour et l'heure de la séance")
    numbers = {}
    for name, label in (("capacity", "Places"), ("duration_min", "Durée")):
        value = (form.get(name) or "").strip()
        if not value.isdigit():
            lines.append(f"{label} : indiquez un nombre")
        else:
            numbers[name] = int(value)
    if lines:
        raise forms.FormErrors(lines)
    body = {"theme": form.get("theme") or "", "starts_at": dt.datetime.combine(day, at, tzinfo=zone).isoformat(),
            **numbers}
    if (form.get("place") or "").strip():
        body["place"] = form["place"].strip()
    if form.get("pimms_id"):
        body["pimms_id"] = form["pimms_id"]
    return body


def attendance_request(form):
    """Ticked boxes are present, the others shown absent; walk-ins by number."""
    shown = [int(v) for v in form.getlist("shown") if v.isdigit()]
    present = [int(v) for v in form.getlist("present") if v.isdigit()]
    walk_ins = _number(form.get("walk_ins"), "walk_ins") or 0
    return {"present": present, "absent": [r for r in shown if r not in present], "walk_ins": walk_ins}


def sessions_page(accueil, tokens, principal, zone, errors=None, status=200, form=None):
    planned = workshop_work.list_workshops(accueil, principal, {"status": "planned"})
    today = localtime.today(zone)
    rows = [{**w, "when": f"{labels.local_date_label(w['day'])} {labels.local_time(w['starts_at'], zone)}",
             "theme_label": THEMES.get(w["theme"], w["theme"]),
             "started": labels.local_day(w["starts_at"], zone) <= today} for w in planned]
    return render("workshops.html", "Ateliers collectifs", principal, tokens, status=status, errors=errors,
                  sessions=rows, themes=list(THEMES.items()), form=form or {}, today=today.isoformat())


def session_page(accueil, db, tokens, principal, workshop_id, zone, errors=None, status=200, search="", flash=None):
    workshop = accueil.get_workshop(workshop_id)
    now = dt.datetime.now(dt.timezone.utc)
    started = dt.datetime.fromisoformat(workshop["starts_at"]) <= now + dt.timedelta(minutes=5)
    found = desk_work.find_citizens(accueil, db, principal, {"last_name": search}) if search else None
    people = [{**r, "who": f"fiche n° {r['citizen_id']}" if r["citizen_id"] else
               f"anonyme, réf. {r['reference']}" if r["reference"] else "anonyme (venu sans inscription)"}
              for r in workshop["registrations"]]
    when = f"{labels.local_date_label(workshop['day'])} à {labels.local_time(workshop['starts_at'], zone)}"
    return render("workshop.html", f"Atelier : {THEMES.get(workshop['theme'], workshop['theme'])}", principal,
                  tokens, status=status, errors=errors, flash=flash, workshop=workshop, people=people, when=when,
                  started=started, planned=workshop["status"] == "planned", search=search, found=found)
