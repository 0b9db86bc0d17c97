"""The figures page: a desk's, an association's or the network's month and year, with charts (visits by
motif and by partner over the months, acts by kind, registres used against the norm's 5 of 8, follow-ups
closed by outcome over the months, referrals by partner with their answers, workshops by theme with their
attendance and fill rates), each chart followed by its
numbers in a table, and the year's Point Conseil Budget report in the label's columns."""
from dataclasses import dataclass

from werkzeug.wrappers import Response

from services.gateway import access, charts, figures_reading, labels
from services.gateway.errors import Forbidden
from services.gateway.figures_reading import cell, registres_used, shown
from services.gateway.html import render as render_page
from services.gateway.schemas import HEAD_OFFICE
from shared import localtime
from shared.contracts.accueil import THEMES
from shared.contracts.accueil_cases import CASE_OUTCOMES
from shared.contracts.reporting import PCB_REPORT
from shared.errors import InvalidRequest

# the waiting room (issue 20): walk-ins and appointments, their waits as the server measured them
WAITING_FIGURES = (
    ("waiting.tickets_served", "Tickets servis (sans rendez-vous)"),
    ("waiting.tickets_left", "Partis sans être reçus"),
    ("waiting.walk_in_waiting_median_min", "Attente médiane sans rendez-vous (min)"),
    ("waiting.walk_in_waiting_p90_min", "Attente sans rendez-vous, 9 sur 10 en moins de (min)"),
    ("waiting.appointments_booked", "Rendez-vous pris"), ("waiting.appointments_kept", "Rendez-vous honorés"),
    ("waiting.appointments_missed", "Rendez-vous manqués"), ("waiting.no_show_rate", "Part de rendez-vous manqués"),
    ("waiting.appointment_waiting_median_min", "Attente médiane sur rendez-vous (min)"),
    ("waiting.appointment_waiting_p90_min", "Attente sur rendez-vous, 9 sur 10 en moins de (min)"),
)
SCOPE_LABELS = {"desk": "PIMMS", "association": "Association", "network": "Réseau"}
KEY_FIGURES = (
    ("people.received", "Personnes reçues"), ("visits.total", "Visites"),
    ("visits.partenaire", "dont accueils partenaires"), ("visits.generaliste", "dont accueils généralistes"),
    ("acts.total", "Actes de médiation"), ("workshops.sessions", "Ateliers collectifs"),
    ("workshops.attendees", "Participants aux ateliers"), ("durations.visit_min_mean", "Durée moyenne (min)"),
    ("durations.waiting_min_mean", "Attente moyenne (min)"),
    ("follow_ups.opened", "Suivis ouverts"), ("follow_ups.closed", "Suivis clos"),
    ("follow_ups.open_at_end", "Suivis en cours en fin de période"),
    ("follow_ups.median_days_to_close", "Durée médiane des suivis clos (jours)"),
    ("referrals.sent", "Mises en relation envoyées"), ("referrals.answer_rate", "dont réponse du partenaire"),
    ("referrals.median_days_to_answer", "Délai médian de réponse des partenaires (jours)"),
    ("workshops.registrations", "Inscriptions aux ateliers"),
    ("workshops.attendance_rate", "dont venues à la séance"),
    ("workshops.fill_rate", "Taux de remplissage des ateliers (places offertes)"),
    *WAITING_FIGURES,
)
PERCENT = {"referrals.answer_rate", "waiting.no_show_rate", "workshops.attendance_rate", "workshops.fill_rate"}
OF_NOTHING = {"follow_ups.median_days_to_close", "referrals.median_days_to_answer", *PERCENT,
              *(path for path, _ in WAITING_FIGURES if "_min" in path)}  # "—" without a row


def scope_title(scope, id_):
    return "Réseau national" if scope == "network" else f"{SCOPE_LABELS[scope]} {id_}"


@dataclass(frozen=True)
class Figure:
    """A chart and its numbers (`header`, then `rows`: a name and its values), or the `empty` sentence said
    instead of a chart with nothing to draw."""
    title: str
    chart: charts.Chart | None = None
    header: list = ()
    rows: list = ()
    caption_id: str | None = None
    empty: str | None = None


def show(reporting, tokens, principal, args, zone):
    """GET /figures: the scope asked (`perimetre=desk:lyon-8`, or `scope` and `id` for head office; else the
    account's first), the month `mois` of the year `annee` (this month by default) and the year's twelve."""
    offered = access.figure_scopes(principal)
    choice = chosen_scope(args, offered, principal)
    today = localtime.today(zone)
    year = _bounded(args.get("annee"), today.year, 2000, 2999)
    month = _bounded(args.get("mois"), today.month if year == today.year else 12, 1, 12)
    exact = access.figures_access(principal, *choice)
    monthly = figures_reading.months(reporting, *choice, year, exact, today)
    year_row = figures_reading.row(reporting, *choice, f"{year:04d}", exact, missing_ok=True)
    month_row = monthly[month - 1]
    shown_exact = bool((year_row or month_row or {}).get("exact"))
    return render(principal, tokens, choice, offered, year, month, month_row, year_row, monthly, shown_exact)


def chosen_scope(args, offered, principal):
    """The (scope, id) asked in the query: head office names any; the others choose among `offered`."""
    if principal.role == HEAD_OFFICE:
        scope = args.get("scope") or "network"
        id_ = (args.get("id") or "").strip() or None
        if scope not in ("network", "association", "desk"):
            raise InvalidRequest({"scope": ["must be one of: association, desk, network"]})
        if scope != "network" and id_ is None:
            raise InvalidRequest({"id": [f"a {scope} scope needs its id"]})
        return (scope, None if scope == "network" else id_)
    if args.get("perimetre"):
        scope, _, id_ = args["perimetre"].partition(":")
        if (scope, id_) not in offered:
            raise Forbidden(f"{principal.login} reads the figures of their desks and association only")
        return (scope, id_)
    if not offered:
        raise Forbidden(f"the role {principal.role} reads no figures")
    return offered[0]


def _bounded(value, default, low, high):
    """A number of the query between `low` and `high`, else `default` (a page never fails on a bad month)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if low <= number <= high else default


def render(principal, tokens, choice, offered, year, month, month_row, year_row, monthly, exact):
    scope, id_ = choice
    threshold = (month_row or year_row or {}).get("threshold", 5)
    hidden = f"<{(year_row or month_row or {}).get('threshold', 5)}"
    return render_page("figures.html", f"Chiffres · {scope_title(scope, id_)}", principal, tokens,
                       chooser=_chooser(principal, offered, choice), months=list(enumerate(labels.MONTHS, 1)),
                       month=month, year=year, exact=exact, threshold=threshold,
                       period=labels.month_label(f"{year:04d}-{month:02d}"),
                       key_figures=_key_figures(month_row, year_row), figures=_figures(year, monthly, year_row, hidden),
                       pcb=_pcb_report(year_row))


def _chooser(principal, offered, choice):
    """Head office names any scope and code; the others choose among the scopes they may read."""
    if principal.role == "head_office":
        return {"head_office": True, "scopes": [("network", "Réseau"), ("association", "Association"),
                                                ("desk", "PIMMS")], "selected": choice[0], "id": choice[1] or ""}
    return {"head_office": False, "scopes": [(f"{s}:{i}", scope_title(s, i)) for s, i in offered],
            "selected": f"{choice[0]}:{choice[1]}", "id": None}


def _key_figures(month_row, year_row):
    def key(found, path):
        return "—" if found is None and path in OF_NOTHING else shown(found, path, path in PERCENT)

    return [{"label": label, "id": path.replace(".", "-"), "month": key(month_row, path),
             "year": key(year_row, path)} for path, label in KEY_FIGURES]


def _series(monthly, path):
    """A cell over the months: None where it is hidden, 0 for a month without figures."""
    return [None if r is not None and path in r["suppressed"] else (cell(r, path) or 0) for r in monthly]


def _shown_series(values, hidden):
    return [hidden if v is None else v for v in values]


def _figures(year, monthly, year_row, hidden):
    months = list(labels.MONTHS_SHORT)
    figures = []

    motifs = [("Accueils partenaires", _series(monthly, "visits.partenaire")),
              ("Accueils généralistes", _series(monthly, "visits.generaliste"))]
    title = f"Visites par motif et par mois, {year}"
    chart = charts.stacked_columns("chart-motifs", title, "Colonnes empilées : accueils partenaires et généralistes "
                                   "de chaque mois.", months, motifs)
    figures.append(Figure(title, chart, ["Motif"] + months, [[n] + _shown_series(v, hidden) for n, v in motifs]))

    partners = []
    for code, label in sorted(labels.PARTNERS.items(), key=lambda kv: kv[1]):
        values = _series(monthly, f"visits.by_partner.{code}")
        if any(v is None or v for v in values):
            partners.append((label, values))
    title = f"Accueils partenaires par partenaire et par mois, {year}"
    if partners:
        chart = charts.stacked_columns("chart-partners", title, "Colonnes empilées par partenaire, un mois par "
                                       "colonne.", months, partners)
        figures.append(Figure(title, chart, ["Partenaire"] + months,
                              [[n] + _shown_series(v, hidden) for n, v in partners]))
    else:
        figures.append(Figure(title, empty="Aucun accueil partenaire cette année."))

    acts = [(label, _year_cell(year_row, f"acts.by_kind.{code}")) for code, label in labels.ACTS.items()]
    title = f"Actes de médiation par nature, {year}"
    chart = charts.bars("chart-acts", title, "Barres horizontales : nombre d'actes de chaque nature sur l'année.",
                        acts, hidden_label=hidden)
    figures.append(Figure(title, chart, ["Acte", "Nombre"], [[n, _shown(v, hidden)] for n, v in acts]))

    used = registres_used(year_row)
    registres = [(label, _year_cell(year_row, f"registres.{code}")) for code, label in labels.REGISTRES.items()]
    required = labels.REGISTRES_REQUIRED
    verdict = "norme atteinte" if used >= required else "norme non atteinte"
    title = f"Registres d'intervention utilisés en {year} : {used} sur 8 ({verdict} : au moins {required})"
    chart = charts.bars("chart-registres", title, "Barres horizontales : visites et ateliers par registre ; en "
                        "couleur les registres utilisés.", registres, highlight=lambda _label, v: v is None or v > 0,
                        hidden_label=hidden,
                        threshold_line=f"Norme XP X60-600 : au moins {required} registres sur 8 ; utilisés : {used}")
    figures.append(Figure(title, chart, ["Registre", "Visites et ateliers"],
                          [[n, _shown(v, hidden)] for n, v in registres], caption_id="registres-used"))
    figures.append(_follow_ups(year, monthly, months, hidden))
    figures.append(_referrals(year, year_row, hidden))
    figures.append(_workshops(year, year_row, hidden))
    return figures


def _workshops(year, year_row, hidden):
    """The year's workshop sessions by theme: sessions (the chart), attendees, registrations, the share of
    registered people who came and the fill rate of the places offered (the table)."""
    themes = [(code, label) for code, label in THEMES.items()
              if _year_cell(year_row, f"workshops.by_theme.{code}.sessions") != 0]
    title = f"Ateliers collectifs par thème, {year}"
    if not themes:
        return Figure(title, empty="Aucun atelier tenu cette année.")
    sessions = [(label, _year_cell(year_row, f"workshops.by_theme.{code}.sessions")) for code, label in themes]
    chart = charts.bars("chart-workshops", title, "Barres horizontales : séances tenues sur l'année, par thème.",
                        sessions, hidden_label=hidden)
    rows = []
    for code, label in themes:
        path = f"workshops.by_theme.{code}."
        rows.append([label, shown(year_row, path + "sessions"), shown(year_row, path + "attendees"),
                     shown(year_row, path + "registrations"), shown(year_row, path + "attendance_rate", percent=True),
                     shown(year_row, path + "fill_rate", percent=True)])
    return Figure(title, chart, ["Thème", "Séances", "Participants", "Inscriptions", "Venues des inscrits",
                                 "Remplissage"], rows)


def _follow_ups(year, monthly, months, hidden):
    outcomes = [(label, _series(monthly, f"follow_ups.closed_by_outcome.{code}")) for code, label in
                CASE_OUTCOMES.items()]
    title = f"Suivis clos par issue et par mois, {year}"
    if not any(v is None or v for _, values in outcomes for v in values):
        return Figure(title, empty="Aucun suivi clos cette année.")
    chart = charts.stacked_columns("chart-follow-ups", title, "Colonnes empilées : suivis clos de chaque mois, "
                                   "par issue.", months, outcomes)
    return Figure(title, chart, ["Issue"] + months, [[n] + _shown_series(v, hidden) for n, v in outcomes])


def _referrals(year, year_row, hidden):
    """The year's referrals to each partner that had some: sent (the chart), answered, answer rate and median
    days to answer (the table). A referral counts in the month it was sent, its answer with it."""
    partners = [(code, label) for code, label in sorted(labels.PARTNERS.items(), key=lambda kv: kv[1])
                if _year_cell(year_row, f"referrals.by_partner.{code}.sent") != 0]
    title = f"Mises en relation par partenaire, {year}"
    if not partners:
        return Figure(title, empty="Aucune mise en relation cette année.")
    sent = [(label, _year_cell(year_row, f"referrals.by_partner.{code}.sent")) for code, label in partners]
    chart = charts.bars("chart-referrals", title, "Barres horizontales : mises en relation envoyées à chaque "
                        "partenaire sur l'année.", sent, hidden_label=hidden)
    rows = []
    for code, label in partners:
        path = f"referrals.by_partner.{code}."
        rows.append([label, shown(year_row, path + "sent"), shown(year_row, path + "answered"),
                     shown(year_row, path + "answer_rate", percent=True),
                     shown(year_row, path + "median_days_to_answer")])
    return Figure(title, chart, ["Partenaire", "Envoyées", "Réponses", "Taux de réponse",
                                 "Délai médian de réponse (jours)"], rows)


def _pcb_report(year_row):
    """The year's Point Conseil Budget report, in the label's columns (the contract's PCB_REPORT, as reporting's
    pcb_report exports them): each total, and each breakdown by code that is not zero (or hidden). None when
    the year has no budget figures (not received yet, or an association whose reporting does not fold them)."""
    if year_row is None:
        return None
    unknown = cell(year_row, "budget.received") is None and "budget.received" not in year_row["suppressed"]
    if unknown:
        return None
    rows = []
    for name, path, label in PCB_REPORT:
        breakdown = " : " in label
        if breakdown and cell(year_row, path) == 0 and path not in year_row["suppressed"]:
            continue
        rows.append({"id": name, "label": label, "breakdown": breakdown,
                     "value": shown(year_row, path, percent=name.endswith("_rate"))})
    return rows


def _year_cell(year_row, path):
    if year_row is not None and path in year_row["suppressed"]:
        return None
    return cell(year_row, path) or 0


def _shown(value, hidden):
    return hidden if value is None else value


def pcb_csv(reporting, principal, args, zone):
    """GET /figures/pcb.csv?year=: the Point Conseil Budget annual report as the label asks for it, stable
    columns; the association's for its staff, the network's (every association's row) for head office. Counts
    under the threshold are hidden in both, as in every figure that leaves the association."""
    year = _bounded(args.get("year"), localtime.today(zone).year, 2000, 2999)
    if principal.role == HEAD_OFFICE:
        scope, id_ = "network", None
    else:
        scope, id_ = "association", principal.association_id
        access.figures_access(principal, scope, id_)
    body = reporting.pcb_report(year, scope, id_, "csv")
    return Response(body, status=200, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="pcb-{id_ or "reseau"}-{year}.csv"'})
