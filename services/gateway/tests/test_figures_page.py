"""The figures page's follow-ups, referrals and Point Conseil Budget report, from reporting's rows as its RPC
answers them (no broker, no service): the follow-ups closed by outcome over the months and the referrals by
partner, each a chart and its table, the year's report in the label's columns; a hidden count shown as "<5", a
rate as a percentage, a median of nothing as a dash."""
import datetime as dt
from types import SimpleNamespace

from marshmallow import fields

from services.gateway import figures_page
from shared.contracts.reporting import PCB_REPORT, FiguresSchema

HIDDEN = "<5"


def row(period, cells=None, suppressed=()):
    """Reporting's row for a period: every cell zero (a median or rate null) but `cells` ({path: value}),
    and the `suppressed` ones null."""
    def zeros(schema):
        return {name: zeros(f.schema) if isinstance(f, fields.Nested) else (None if isinstance(f, fields.Float)
                                                                             else 0)
                for name, f in schema.fields.items()}

    figures = zeros(FiguresSchema())
    for path, value in {**(cells or {}), **{path: None for path in suppressed}}.items():
        node, (*parents, leaf) = figures, path.split(".")
        for name in parents:
            node = node[name]
        node[leaf] = value
    return {"scope": "desk", "id": "lyon-8", "association_id": "pimms-lyon", "period": period, "threshold": 5,
            "figures": figures, "suppressed": sorted(suppressed), "incomplete": [], "exact": False, "revision": None}


def months(by_month):
    """Twelve monthly rows of 2026, from {month number: row}; None for the others (months to come)."""
    return [by_month.get(m) for m in range(1, 13)]


def figure(figures, start):
    return next(f for f in figures if f.title.startswith(start))


def test_follow_ups_closed_are_charted_by_outcome_month_by_month_with_hidden_counts_marked():
    # given 6 follow-ups resolved and 2 abandoned in March (hidden), 5 unresolved in May
    monthly = months({3: row("2026-03", {"follow_ups.closed_by_outcome.resolved": 6},
                             suppressed=["follow_ups.closed_by_outcome.abandoned"]),
                      5: row("2026-05", {"follow_ups.closed_by_outcome.unresolved": 5})})
    shown = figure(figures_page._figures(2026, monthly, row("2026"), HIDDEN), "Suivis clos par issue")
    # then a stacked column chart of the months, and its table by outcome
    assert shown.chart.id == "chart-follow-ups" and shown.header[1:4] == ["janv.", "févr.", "mars"]
    table = {r[0]: r[1:] for r in shown.rows}
    assert set(table) == {"Résolu", "Non résolu", "Orienté vers un partenaire", "Sans nouvelles de la personne"}
    assert table["Résolu"][2] == 6 and table["Sans nouvelles de la personne"][2] == HIDDEN
    assert table["Non résolu"][4] == 5 and table["Résolu"][0] == 0
    marks = [s.text for s in shown.chart.shapes if s.kind == "text" and s.css == "tick" and s.anchor == "middle"]
    assert marks[2] == "mars*" and marks[4] == "mai"  # a month with a hidden value is starred


def test_referrals_are_charted_by_partner_with_answers_rate_and_median_days_in_the_table():
    # given the year: 12 referrals to the CAF, 7 answered in a median of 4.5 days; 3 to the CPAM (hidden)
    year = row("2026", {"referrals.by_partner.caf.sent": 12, "referrals.by_partner.caf.answered": 7,
                        "referrals.by_partner.caf.answer_rate": 0.583,
                        "referrals.by_partner.caf.median_days_to_answer": 4.5},
               suppressed=["referrals.by_partner.cpam.sent", "referrals.by_partner.cpam.answered",
                           "referrals.by_partner.cpam.answer_rate", "referrals.by_partner.cpam.median_days_to_answer"])
    shown = figure(figures_page._figures(2026, months({}), year, HIDDEN), "Mises en relation par partenaire")
    # then only partners with referrals (a hidden count is some), as bars of referrals sent
    assert shown.chart.id == "chart-referrals"
    assert shown.header == ["Partenaire", "Envoyées", "Réponses", "Taux de réponse", "Délai médian de réponse (jours)"]
    assert shown.rows == [["CAF", "12", "7", "58,3 %", "4,5"], ["CPAM", HIDDEN, HIDDEN, HIDDEN, HIDDEN]]
    bars = [s.text for s in shown.chart.shapes if s.kind == "text" and s.css == "value"]
    assert bars == ["12", HIDDEN + "*"]


def test_a_year_without_follow_ups_or_referrals_says_so_instead_of_drawing_nothing():
    figures = figures_page._figures(2026, months({1: row("2026-01")}), row("2026"), HIDDEN)
    assert figure(figures, "Suivis clos par issue").empty == "Aucun suivi clos cette année."
    assert figure(figures, "Mises en relation par partenaire").empty == "Aucune mise en relation cette année."
    # and a year head office has not received yet (no row) too
    assert figure(figures_page._figures(2026, months({}), None, HIDDEN), "Mises en relation").chart is None


def test_the_key_figures_give_follow_ups_and_the_answer_rate_as_a_percentage_and_a_median_of_nothing_as_a_dash():
    month = row("2026-03", {"follow_ups.opened": 9, "follow_ups.open_at_end": 14, "referrals.sent": 20,
                            "referrals.answered": 17, "referrals.answer_rate": 0.85,
                            "referrals.median_days_to_answer": 6.0}, suppressed=["follow_ups.closed"])
    key = {k["id"]: (k["month"], k["year"]) for k in figures_page._key_figures(month, None)}
    assert key["follow_ups-opened"] == ("9", "0") and key["follow_ups-closed"] == (HIDDEN, "0")
    assert key["follow_ups-open_at_end"][0] == "14"
    assert key["follow_ups-median_days_to_close"] == ("—", "—")  # nothing closed that is shown
    assert key["referrals-answer_rate"] == ("85,0 %", "—")
    assert key["referrals-median_days_to_answer"][0] == "6,0"


def test_the_page_draws_both_charts_and_their_tables_escaped():
    siege = SimpleNamespace(role="head_office", login="siege", desks=[], jti="j")
    tokens = SimpleNamespace(csrf=lambda jti: "token")
    year = row("2026", {"referrals.by_partner.caf.sent": 6, "referrals.by_partner.caf.answered": 6,
                        "referrals.by_partner.caf.answer_rate": 1.0})
    monthly = months({2: row("2026-02", {"follow_ups.closed_by_outcome.referred": 7})})
    page = figures_page.render(siege, tokens, ("network", None), [], 2026, 2, monthly[1], year, monthly, False)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="chart-follow-ups"' in html and 'id="chart-referrals"' in html
    assert "<td>100,0 %</td>" in html and "Orienté vers un partenaire" in html
    assert 'id="fig-follow_ups-open_at_end-month"' in html


def test_the_point_conseil_budget_report_gives_the_labels_columns_for_the_year_hidden_counts_marked():
    # given a year of 12 households received (9 walk-ins, 3 sent by a bank: hidden), 8 accompanied, 40 action
    # plan steps of which 30 done, an admissibility rate of 5 decisions, and 2 agents trained in budget (hidden)
    year = row("2026", {"budget.received": 12, "budget.received_by_origin.walk_in": None,
                        "budget.accompanied": 8, "budget.plan_steps": 40, "budget.plan_steps_done": 30,
                        "budget.plan_steps_done_rate": 0.75, "overindebtedness.admissibility_decided": 5,
                        "overindebtedness.admissible": 5, "overindebtedness.admissible_rate": 1.0},
               suppressed=["budget.received_by_origin.walk_in", "budget.received_by_origin.bank",
                           "budget.staff_trained", "budget.staff_training_hours"])
    report = {item["id"]: item for item in figures_page._pcb_report(year)}
    # then each total is there in the report's order, a breakdown only where it is not zero, hidden ones as "<5"
    assert [i for i in report if not report[i]["breakdown"]] == [name for name, _, label in PCB_REPORT
                                                                  if " : " not in label]
    assert report["households_received"]["value"] == "12" and report["households_accompanied"]["value"] == "8"
    assert report["households_received_bank"]["value"] == HIDDEN and report["households_received_bank"]["breakdown"]
    assert "households_received_partner" not in report  # none came from a partner
    assert report["action_plan_steps_done_rate"]["value"] == "75,0 %"
    assert report["overindebtedness_admissible_rate"]["value"] == "100,0 %"
    assert report["staff_trained_in_budget"]["value"] == HIDDEN
    assert report["dossiers_median_days_open"]["value"] == "—"  # none closed: no median
    assert report["households_received_bank"]["label"] == "Ménages reçus, venus par : Banque (Aide-Budget)"


def test_a_year_without_budget_figures_has_no_point_conseil_budget_report():
    # head office has not received the year, or an association's reporting does not fold dossiers yet
    assert figures_page._pcb_report(None) is None
    assert figures_page._pcb_report(row("2026", {"budget.received": None})) is None
    # but a year whose households received are hidden has its report
    assert figures_page._pcb_report(row("2026", suppressed=["budget.received"]))[0]["value"] == HIDDEN


def test_the_page_shows_the_point_conseil_budget_report_escaped():
    manager = SimpleNamespace(role="manager", login="lyon", desks=["lyon-8"], jti="j")
    tokens = SimpleNamespace(csrf=lambda jti: "token")
    year = row("2026", {"budget.received": 7, "budget.oriented_to.cresus": 6})
    page = figures_page.render(manager, tokens, ("association", "pimms-lyon"), [("association", "pimms-lyon")], 2026,
                               2, None, year, months({}), False)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Point Conseil Budget : rapport annuel 2026" in html
    assert '<td id="pcb-households_received">7</td>' in html
    assert "Ménages orientés vers : Crésus" in html and 'id="pcb-households_oriented_cresus">6<' in html
    assert "<th scope=\"row\">Ménages accompagnés (diagnostic ou plan d&#39;action)</th>" in html  # escaped
    empty = figures_page.render(manager, tokens, ("association", "pimms-lyon"), [("association", "pimms-lyon")],
                                2026, 2, None, None, months({}), False).get_data(as_text=True)
    assert "Pas de chiffres Point Conseil Budget pour 2026." in empty


def test_the_pcb_annual_report_downloads_as_csv_for_the_association_and_for_head_office(stack):
    from services.gateway.tests.test_pages import logged_in
    year = str(dt.date.today().year)
    for login, name in (("manager.lyon", "pcb-pimms-lyon-"), ("siege", "pcb-reseau-")):
        session, _ = logged_in(stack, login)
        answer = session.get(stack.url("/figures/pcb.csv"), params={"year": year})
        assert answer.status_code == 200, answer.text
        assert answer.headers["Content-Type"].startswith("text/csv")
        assert name + year in answer.headers["Content-Disposition"]
        assert answer.text.splitlines()[0].startswith("scope,id,association_id,year,incomplete")
    ops, _ = logged_in(stack, "ops")
    assert ops.get(stack.url("/figures/pcb.csv"), allow_redirects=False).status_code == 403
