"""The desk's waiting room (« File d'attente »): register an arrival (a ticket with its motif), see who waits, in
order, with their wait, press « Suivant » to open the first one's visit; today's appointments with « Arrivé »,
« Absent », « Annuler », and a form to book one. Native controls, in reading order, « Suivant » first: the
keyboard alone does everything. And the public waiting room of a desk, for the screen in the hall: ticket
numbers and counters only, refreshed by the page itself (a meta refresh: no script, so the CSP stays whole)."""
import datetime as dt
import re

from services.gateway import access, forms, labels, waiting_work
from services.gateway.desk_page import CHOICES
from services.gateway.html import FORM_KEY, render
from services.gateway.web import redirect
from shared.contracts.accueil_waiting import APPOINTMENT_STATUSES, WaitingBoardRequest
from shared.errors import Conflict, ContractViolation, InvalidRequest, parse_request

BOARD_REFRESH_SECONDS = 10
TICKET_LABEL = re.compile(r"A-[0-9]{3,4}")
FLASH = {"depart": "Ticket retiré de la file : la personne est partie.", "rdv": "Rendez-vous enregistré.",
         "rdv-annule": "Rendez-vous annulé.", "absent": "Absence notée.", "fermee": "File d'attente fermée pour "
         "aujourd'hui : les tickets restants sont comptés « partis sans être reçus »."}


def _motif(form):
    code = form.get("motif") or ""
    kind, _, value = code.partition(":")
    if not code:
        raise forms.FormErrors(["Motif : choisissez-en un"])
    return {"kind": kind, "partner": value} if kind == "partenaire" else {"kind": kind, "domain": value}


def _key(form):
    return form.get(FORM_KEY)


def show(accueil, tokens, principal, args, zone, errors=None, status=200, form=None):
    """GET /desk/waiting (`?pimms_id=` another of the account's desks; `?fait=` what was just done)."""
    pimms_id = access.default_desk(principal, args.get("pimms_id") or None)
    now = dt.datetime.now(dt.timezone.utc)
    today = now.astimezone(zone).date()
    tickets = accueil.list_tickets({"pimms_id": pimms_id})
    waiting = [_ticket(t) for t in tickets if t["status"] == "waiting"]
    appointments = [_appointment(a, zone) for a in accueil.list_appointments({"pimms_id": pimms_id})]
    flash = FLASH.get(args.get("fait"))
    if args.get("fait") == "ticket" and TICKET_LABEL.fullmatch(args.get("numero") or ""):
        flash = f"Ticket {args['numero']} remis : la personne attend son tour."
    form = form or {}
    return render("waiting.html", f"File d'attente du PIMMS {pimms_id}", principal, tokens, status=status,
                  errors=errors, flash=flash, pimms_id=pimms_id, waiting=waiting, motifs=CHOICES["motifs"],
                  served=sum(1 for t in tickets if t["status"] == "served"),
                  left=sum(1 for t in tickets if t["status"] == "left"), appointments=appointments,
                  desks=[(d, d) for d in principal.desks] if len(principal.desks) > 1 else [],
                  day=today.strftime("%d/%m/%Y"), counter=args.get("guichet") or form.get("counter") or "1",
                  booking={"day": form.get("day") or today.isoformat(), "time": form.get("time") or "",
                           "duration_min": form.get("duration_min") or "30", "agent_id": form.get("agent_id") or "",
                           "citizen_id": form.get("citizen_id") or "", "motif": form.get("motif")},
                  board=f"/salle-attente/{pimms_id}")


def _ticket(ticket):
    return {"id": ticket["ticket_id"], "label": ticket["label"], "motif": labels.motif_label(ticket["motif"]),
            "arrived": labels.local_time(ticket["arrived_at"]), "waiting": ticket["waiting_min"]}


def _appointment(appointment, zone):
    person = (f"fiche n° {appointment['citizen_id']}" if appointment["citizen_id"]
              else f"réf. {appointment['reference'] or '—'}")
    return {"id": appointment["appointment_id"], "short": appointment["appointment_id"][:8],
            "time": labels.local_time(appointment["starts_at"], zone), "agent": appointment["agent_id"],
            "person": person, "motif": labels.motif_label(appointment["motif"]),
            "status": APPOINTMENT_STATUSES[appointment["status"]], "booked": appointment["status"] == "booked",
            "citizen_id": appointment["citizen_id"]}


def _refused(accueil, tokens, principal, pimms_id, zone, exc, form=None):
    """The page again with why: 400 for a form, 409 for a state, 422 for the franchise contract."""
    if isinstance(exc, forms.FormErrors):
        lines, status = exc.lines, 400
    elif isinstance(exc, InvalidRequest):
        lines, status = forms.french(exc.errors), 400
    elif isinstance(exc, ContractViolation):
        lines, status = [f"Contrat de franchise : {exc.detail}"], 422
    else:
        lines, status = [f"Impossible : {exc}"], 409
    return show(accueil, tokens, principal, {"pimms_id": pimms_id}, zone, errors=lines, status=status, form=form)


def _desk(principal, form):
    return access.default_desk(principal, form.get("pimms_id") or None)


def post_ticket(accueil, tokens, principal, form, zone):
    """An arrival registered: the person is told their number."""
    pimms_id = _desk(principal, form)
    try:
        ticket = waiting_work.take_ticket(accueil, principal, {"pimms_id": pimms_id, "motif": _motif(form)},
                                          _key(form))
    except (forms.FormErrors, InvalidRequest, ContractViolation) as exc:
        return _refused(accueil, tokens, principal, pimms_id, zone, exc)
    return redirect(f"/desk/waiting?pimms_id={pimms_id}&fait=ticket&numero={ticket['label']}")


def post_next(accueil, tokens, principal, form, zone):
    """« Suivant »: the visit of the first one waiting opens; the desk page shows it in « Visites en cours »."""
    pimms_id = _desk(principal, form)
    counter = (form.get("counter") or "1").strip()
    try:
        if not counter.isdigit():
            raise forms.FormErrors(["Guichet : un numéro de 1 à 99"])
        waiting_work.call_next(accueil, principal, {"pimms_id": pimms_id, "counter": int(counter)}, _key(form))
    except (forms.FormErrors, InvalidRequest, ContractViolation) as exc:
        return _refused(accueil, tokens, principal, pimms_id, zone, exc)
    except Conflict:
        return _refused(accueil, tokens, principal, pimms_id, zone, Conflict("personne n'attend pour l'instant"))
    return redirect(f"/desk?pimms_id={pimms_id}&fait=ouverte")


def post_left(accueil, tokens, principal, ticket_id, form, zone):
    pimms_id = _desk(principal, form)
    try:
        waiting_work.ticket_left(accueil, principal, ticket_id, {}, _key(form))
    except Conflict as exc:
        return _refused(accueil, tokens, principal, pimms_id, zone, exc)
    return redirect(f"/desk/waiting?pimms_id={pimms_id}&fait=depart")


def post_close_day(accueil, tokens, principal, form, zone):
    """The doors shut: whoever still waits today is counted as left without being seen."""
    pimms_id = _desk(principal, form)
    waiting_work.close_day(accueil, principal, {"pimms_id": pimms_id, "day": dt.datetime.now(zone).date().isoformat()},
                           _key(form))
    return redirect(f"/desk/waiting?pimms_id={pimms_id}&fait=fermee")


def post_appointment(accueil, tokens, principal, form, zone):
    """A slot booked: the day and time are the association's; the agent the account's unless another is named."""
    pimms_id = _desk(principal, form)
    try:
        starts_at = _local_instant(form.get("day"), form.get("time"), zone)
        body = {"pimms_id": pimms_id, "motif": _motif(form), "starts_at": starts_at,
                "duration_min": _integer(form, "duration_min", "Durée"), "agent_id": form.get("agent_id") or None,
                "citizen_id": _integer(form, "citizen_id", "N° de fiche")}
        waiting_work.book_appointment(accueil, principal, {k: v for k, v in body.items() if v is not None},
                                      _key(form))
    except (forms.FormErrors, InvalidRequest, ContractViolation, Conflict) as exc:
        return _refused(accueil, tokens, principal, pimms_id, zone, exc, form=form)
    return redirect(f"/desk/waiting?pimms_id={pimms_id}&fait=rdv")


def _local_instant(day, time, zone):
    try:
        moment = dt.datetime.combine(dt.date.fromisoformat(day or ""), dt.time.fromisoformat(time or ""))
    except ValueError:
        raise forms.FormErrors(["Date et heure du rendez-vous : à choisir (jj/mm/aaaa, hh:mm)"]) from None
    return moment.replace(tzinfo=zone).isoformat()


def _integer(form, name, label):
    value = (form.get(name) or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise forms.FormErrors([f"{label} : un nombre entier"])
    return int(value)


def post_appointment_change(accueil, tokens, principal, appointment_id, action, form, zone):
    """« Arrivé » opens the person's visit (then the desk page shows it); « Absent » and « Annuler » come back."""
    pimms_id = _desk(principal, form)
    try:
        if action == "arrivee":
            waiting_work.arrived(accueil, principal, appointment_id, {}, _key(form))
            return redirect(f"/desk?pimms_id={pimms_id}&fait=ouverte")
        call = {"absent": "appointment_missed", "annulation": "cancel_appointment"}[action]
        waiting_work.change_appointment(accueil, principal, appointment_id, call, {}, _key(form))
    except (InvalidRequest, ContractViolation, Conflict) as exc:
        return _refused(accueil, tokens, principal, pimms_id, zone, exc)
    return redirect(f"/desk/waiting?pimms_id={pimms_id}&fait={'absent' if action == 'absent' else 'rdv-annule'}")


# The kiosk's choices: the motifs people come for most, in words they read at the door
KIOSK_MOTIFS = (("generaliste:caf", "CAF (allocations)"), ("generaliste:cpam", "CPAM (santé)"),
                ("generaliste:employment", "Emploi"), ("generaliste:housing", "Logement"),
                ("generaliste:taxes", "Impôts"), ("generaliste:pension", "Retraite"),
                ("generaliste:digital", "Démarche en ligne"), ("partenaire:edf", "Facture EDF"),
                ("partenaire:sncf", "SNCF"), ("partenaire:la_poste", "La Poste"), ("generaliste:other", "Autre"))
KIOSK_SHOWN_SECONDS = 8  # how long the kiosk shows the number just given before it offers the motifs again


def kiosk(tokens, principal, args):
    """GET /desk/kiosk: the tablet at the door, logged in as the desk's account: a person chooses their motif
    and is given a number, shown a few seconds (`?numero=`)."""
    pimms_id = access.default_desk(principal, args.get("pimms_id") or None)
    number = args.get("numero") if TICKET_LABEL.fullmatch(args.get("numero") or "") else None
    return render("kiosk.html", "Bienvenue au PIMMS", principal, tokens, pimms_id=pimms_id, motifs=KIOSK_MOTIFS,
                  number=number, refresh=KIOSK_SHOWN_SECONDS, csrf=tokens.csrf(principal.jti),
                  back=f"/desk/kiosk?pimms_id={pimms_id}")


def post_kiosk(accueil, tokens, principal, form):
    pimms_id = _desk(principal, form)
    if form.get("motif") not in dict(KIOSK_MOTIFS):
        raise InvalidRequest({"motif": ["must be one of the kiosk's motifs"]})
    ticket = waiting_work.take_ticket(accueil, principal, {"pimms_id": pimms_id, "motif": _motif(form)}, _key(form))
    return redirect(f"/desk/kiosk?pimms_id={pimms_id}&numero={ticket['label']}")


def board(accueil, pimms_id):
    """The public screen of a desk's waiting room: no login, nothing about anyone."""
    req = parse_request(WaitingBoardRequest, {"pimms_id": pimms_id})
    shown = accueil.waiting_board(req)
    return render("waiting_room.html", f"Salle d'attente · {req['pimms_id']}", board=shown,
                  refresh=BOARD_REFRESH_SECONDS, latest=shown["called"][0] if shown["called"] else None,
                  earlier=shown["called"][1:])
