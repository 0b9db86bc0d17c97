"""Small-count suppression on hand-made tables: small head counts are hidden, no hidden cell can be recovered
by subtracting from a published total, and the network's protection never changes what an association
published."""
import copy
import random

import pytest

from services.reporting import cells as F
from services.reporting.reading import NETWORK, Table
from services.reporting.rendering import render, to_csv
from services.reporting.suppression import protect

MEASURED = {"people", "visits", "acts", "durations", "workshops", "registres"}


def figures(**cells):
    """Complete figures from a few cells (`acts__by_kind__advice=3`); every other count is zero."""
    sums = {path.replace("__", "."): value for path, value in cells.items() if path != "people"}
    return F.complete(sums, {"people.received": cells.get("people", 0)}, MEASURED, {"desks": 1, "associations": 1})


def table(desks, association_id="pimms-lyon"):
    """One association and its desks; the association's figures are the sums of its desks'."""
    t = Table("2026-10")
    additive = [c.path for c in F.CELLS if c.kind in F.ADDITIVE]
    for desk, row in desks.items():
        t.desks[association_id].add(desk)
        t.rows[("desk", association_id, desk)] = row
    total = {k: v for k, v in F.add(list(desks.values()), additive).items() if v is not None}
    t.rows[("association", association_id)] = F.complete(
        total, {"people.received": sum(r["people.received"] for r in desks.values())}, MEASURED,
        {"desks": len(desks), "associations": 1})
    return t


def visits(partner_counts, **extra):
    """A desk whose partner visits are given per partner, each visit with one act of `advice`."""
    total = sum(partner_counts.values())
    cells = {f"visits__by_partner__{p}": n for p, n in partner_counts.items()}
    return figures(visits__total=total, visits__partenaire=total, acts__total=total, acts__by_kind__advice=total,
                   durations__visit_min_total=20 * total, people=total, **cells, **extra)


def hidden(t, key):
    return t.hidden[key]


def test_a_small_count_is_hidden_a_zero_and_a_count_at_the_threshold_are_shown():
    t = protect(table({"lyon-8": visits({"edf": 3, "sncf": 5, "engie": 40})}), threshold=5)
    desk = ("desk", "pimms-lyon", "lyon-8")
    assert "visits.by_partner.edf" in hidden(t, desk)
    assert "visits.by_partner.sncf" in hidden(t, desk)  # complementary: edf alone could be subtracted
    assert "visits.by_partner.engie" not in hidden(t, desk) and "visits.by_partner.caf" not in hidden(t, desk)
    assert t.rows[desk]["visits.by_partner.caf"] == 0
    shown = render(t, desk, 5)["figures"]
    assert shown["visits"]["by_partner"]["edf"] is None and shown["visits"]["total"] == 48


def test_a_hidden_cell_cannot_be_recovered_as_the_total_minus_the_others():
    # given acts: 2 advice and 28 letters, 30 in all
    t = protect(table({"lyon-8": figures(acts__total=30, acts__by_kind__advice=2, acts__by_kind__letter=28)}), 5)
    desk = hidden(t, ("desk", "pimms-lyon", "lyon-8"))
    # then the 28 letters are hidden too, and the total stays published
    assert {"acts.by_kind.advice", "acts.by_kind.letter"} <= desk and "acts.total" not in desk


def test_a_small_desk_hides_its_smallest_sibling_not_the_associations_total():
    t = protect(table({"lyon-8": visits({"edf": 40}), "lyon-9": visits({"edf": 3}),
                       "villeurbanne": visits({"edf": 60})}), 5)
    assert "visits.total" in hidden(t, ("desk", "pimms-lyon", "lyon-9"))
    assert "visits.total" in hidden(t, ("desk", "pimms-lyon", "lyon-8"))  # 40 < 60: the smaller sibling
    assert "visits.total" not in hidden(t, ("desk", "pimms-lyon", "villeurbanne"))
    assert "visits.total" not in hidden(t, ("association", "pimms-lyon"))


def test_the_association_total_is_hidden_when_its_only_desk_is_small():
    t = protect(table({"lyon-8": visits({"edf": 3})}), 5)
    assert "visits.total" in hidden(t, ("association", "pimms-lyon"))


def test_minutes_and_means_are_hidden_with_the_visits_they_describe():
    t = protect(table({"lyon-8": visits({"edf": 3})}), 5)
    desk = hidden(t, ("desk", "pimms-lyon", "lyon-8"))
    assert {"durations.visit_min_total", "durations.visit_min_mean"} <= desk


def test_the_threshold_is_configurable():
    association = ("association", "pimms-lyon")
    assert "visits.total" not in hidden(protect(table({"lyon-8": visits({"edf": 10})}), 5), association)
    assert "visits.total" in hidden(protect(table({"lyon-8": visits({"edf": 10})}), 11), association)


def random_table(rng):
    """An association of one to four desks, with random small and large counts in every breakdown."""
    desks = {}
    for n in range(rng.randint(1, 4)):
        partners = {p: rng.choice([0, 0, 1, 2, 4, 7, 30]) for p in ("edf", "sncf", "caf", "engie")}
        domains = {d: rng.choice([0, 1, 3, 12, 50]) for d in ("housing", "taxes", "caf")}
        kinds = {k: rng.choice([0, 2, 6, 25]) for k in ("advice", "letter", "referral")}
        cells = {f"visits__by_partner__{p}": v for p, v in partners.items()}
        cells |= {f"visits__by_domain__{d}": v for d, v in domains.items()}
        cells |= {f"acts__by_kind__{k}": v for k, v in kinds.items()}
        desks[f"desk-{n}"] = figures(
            visits__partenaire=sum(partners.values()), visits__generaliste=sum(domains.values()),
            visits__total=sum(partners.values()) + sum(domains.values()), acts__total=sum(kinds.values()),
            people=rng.choice([0, 3, 40]), **cells)
    return table(desks, association_id=rng.choice(["pimms-lyon", "pimms-paris"]))


def equations(t):
    for key, row in t.rows.items():
        for total, members in F.EQUATIONS:
            yield [(key, total)] + [(key, m) for m in members]
    for a in t.associations:
        for path in F.HIERARCHY_CELLS:
            yield [(("association", a), path)] + [(k, path) for k in t.desk_keys(a)]


@pytest.mark.parametrize("seed", range(40))
def test_after_protection_no_equation_leaves_exactly_one_hidden_cell_and_no_small_count_shows(seed):
    t = protect(random_table(random.Random(seed)), 5)
    for cells in equations(t):
        unknown = [c for c in cells if c[1] in t.hidden[c[0]] or t.rows[c[0]][c[1]] is None]
        assert len(unknown) != 1, cells
    for key, row in t.rows.items():
        for path, value in row.items():
            if F.BY_PATH[path].kind in F.SUPPRESSIBLE and value and value < 5:
                assert path in t.hidden[key], (key, path)


def test_the_networks_protection_never_changes_what_an_association_published():
    lyon = table({"lyon-8": visits({"edf": 3, "sncf": 50}), "lyon-9": visits({"engie": 30})})
    paris = table({"paris-1": visits({"edf": 2, "caf": 70})}, association_id="pimms-paris")
    alone = {a: protect(copy.deepcopy(t), 5) for a, t in (("pimms-lyon", lyon), ("pimms-paris", paris))}
    # the local network: both associations and a network row summing them
    both = Table("2026-10")
    for t in (lyon, paris):
        both.rows.update(t.rows)
        both.desks.update(t.desks)
    additive = [c.path for c in F.CELLS if c.kind in F.ADDITIVE]
    sums = F.add([both.rows[("association", a)] for a in both.desks], additive)
    both.rows[NETWORK] = F.complete({k: v for k, v in sums.items() if v is not None}, {"people.received": 0},
                                    MEASURED, {"desks": 3, "associations": 2})
    protect(both, 5)
    for a, t in alone.items():
        for key in t.rows:
            assert both.hidden[key] == t.hidden[key], key
    # and paris hid its 70 caf visits (to protect its 2 edf ones), lyon had none: the network's caf would
    # give paris's away, so the network hides it; its edf (3 + 2) is at the threshold, both parts hidden
    assert "visits.by_partner.caf" in both.hidden[("association", "pimms-paris")]
    assert "visits.by_partner.caf" in both.hidden[NETWORK]
    assert "visits.by_partner.edf" not in both.hidden[NETWORK]


def test_csv_marks_a_hidden_cell_with_the_threshold_and_leaves_a_cell_not_measured_empty():
    t = protect(table({"lyon-8": visits({"edf": 3, "sncf": 50})}), 5)
    lines = to_csv([render(t, ("desk", "pimms-lyon", "lyon-8"), 5)]).splitlines()
    header, row = lines[0].split(","), lines[1].split(",")
    cell = dict(zip(header, row))
    assert cell["visits.by_partner.edf"] == "<5" and cell["visits.by_partner.sncf"] == "<5"
    assert cell["visits.total"] == "53" and cell["visits.by_partner.caf"] == "0"
    assert cell["agents.employed"] == "" and cell["exits.positive_rate"] == ""


# -- agents, exits, hours, outbound -------------------------------------------------------------------------------
EVERY_SECTION = set(F.SECTIONS)


def staff(employed, women=0, exits=0, positive=0, hours=0.0, training=0.0, **cells):
    """A desk's agents: hours are given in hours and folded in minutes, as reporting folds them."""
    sums = {"agents.employed": employed, "agents.women": women, "exits.total": exits, "exits.positive": positive,
            "training.work_hours": round(hours * 60), "training.training_hours": round(training * 60)}
    sums.update({path.replace("__", "."): value for path, value in cells.items()})
    return F.complete(sums, {}, EVERY_SECTION, {"desks": 1, "associations": 1})


def staff_table(desks, association_id="pimms-lyon"):
    t = Table("2026-10")
    additive = [c.path for c in F.CELLS if c.kind in F.ADDITIVE]
    for desk, row in desks.items():
        t.desks[association_id].add(desk)
        t.rows[("desk", association_id, desk)] = row
    minutes = [{**row, "training.work_hours": row["training.work_hours"] * 60,
                "training.training_hours": row["training.training_hours"] * 60} for row in desks.values()]
    total = {k: v for k, v in F.add(minutes, additive).items() if v is not None}
    t.rows[("association", association_id)] = F.complete(total, {}, EVERY_SECTION,
                                                         {"desks": len(desks), "associations": 1})
    return t


AGENT_CELLS = {"agents.employed", "agents.women", "agents.share_of_women", "training.work_hours",
               "training.training_hours", "training.share"}


def test_a_few_agents_hide_their_head_count_share_of_women_hours_and_training_share():
    t = protect(staff_table({"lyon-8": staff(3, women=2, hours=300, training=30)}), 5)
    desk, association = hidden(t, ("desk", "pimms-lyon", "lyon-8")), hidden(t, ("association", "pimms-lyon"))
    assert AGENT_CELLS <= desk and AGENT_CELLS <= association
    shown = render(t, ("desk", "pimms-lyon", "lyon-8"), 5)["figures"]
    assert shown["training"] == {"work_hours": None, "training_hours": None, "share": None}


def test_hours_are_shown_when_the_agents_they_describe_are_enough_even_if_some_left():
    # 4 agents at the month's end and 2 who left in it: 6 agents' hours; the head counts themselves are small
    t = protect(staff_table({"lyon-8": staff(4, women=4, exits=2, positive=2, hours=600, training=60)}), 5)
    desk = hidden(t, ("desk", "pimms-lyon", "lyon-8"))
    assert {"agents.employed", "exits.total", "agents.share_of_women", "exits.positive_rate"} <= desk
    assert not {"training.work_hours", "training.training_hours", "training.share"} & desk
    assert t.rows[("desk", "pimms-lyon", "lyon-8")]["training.share"] == 0.1


def test_hours_logged_when_no_agent_is_counted_are_hidden():
    # a week whose Thursday falls in the month after its agent left: hours without anyone employed
    t = protect(staff_table({"lyon-8": staff(0, hours=20, training=2), "lyon-9": staff(12, women=9, hours=1500)}), 5)
    assert {"training.work_hours", "training.training_hours"} <= hidden(t, ("desk", "pimms-lyon", "lyon-8"))
    assert "agents.employed" not in hidden(t, ("desk", "pimms-lyon", "lyon-8"))  # a zero is shown


def test_a_desks_hidden_hours_cannot_be_recovered_from_its_associations():
    t = protect(staff_table({"lyon-8": staff(3, women=2, hours=300), "lyon-9": staff(20, women=14, hours=2800),
                             "lyon-7": staff(9, women=6, hours=1200)}), 5)
    assert "training.work_hours" in hidden(t, ("desk", "pimms-lyon", "lyon-8"))
    assert "training.work_hours" in hidden(t, ("desk", "pimms-lyon", "lyon-7"))  # the smaller sibling
    assert "training.work_hours" not in hidden(t, ("desk", "pimms-lyon", "lyon-9"))
    assert "training.work_hours" not in hidden(t, ("association", "pimms-lyon"))


def test_few_exits_without_a_sortie_positive_hide_the_positive_exits_and_their_rate():
    # lyon-8: 7 exits, 5 positive, so 2 without; lyon-9: 10 exits, 5 without; the association 17, 7 without
    t = protect(staff_table({"lyon-8": staff(30, women=20, exits=7, positive=5),
                             "lyon-9": staff(30, women=20, exits=10, positive=5)}), 5)
    lyon8, lyon9 = hidden(t, ("desk", "pimms-lyon", "lyon-8")), hidden(t, ("desk", "pimms-lyon", "lyon-9"))
    assert {"exits.positive", "exits.positive_rate"} <= lyon8 and "exits.total" not in lyon8
    assert "exits.positive" in lyon9  # else the association's 10 positive exits minus lyon-9's 5
    assert not {"exits.positive", "exits.total"} & hidden(t, ("association", "pimms-lyon"))
    assert "exits.positive" not in hidden(protect(staff_table({"lyon-8": staff(30, exits=6, positive=6)}), 5),
                                          ("desk", "pimms-lyon", "lyon-8"))  # none without: nothing to hide


def test_a_few_outbound_cases_of_one_outcome_are_hidden_with_a_sibling():
    row = staff(10, women=7, outbound__attempts=30, outbound__reached=14, outbound__attempts_by_partner__edf=30,
                outbound__attempts_by_channel__telephone=24, outbound__attempts_by_channel__door_to_door=6,
                outbound__cases_resolved=14, outbound__cases_by_partner__edf=14,
                outbound__cases_by_outcome__payment_plan=8, outbound__cases_by_outcome__contact_restored=4,
                outbound__cases_by_outcome__refused=2, outbound__acts=20)
    desk = hidden(protect(staff_table({"lyon-8": row}), 5), ("desk", "pimms-lyon", "lyon-8"))
    assert {"outbound.cases_by_outcome.refused", "outbound.cases_by_outcome.contact_restored"} <= desk
    assert "outbound.cases_by_outcome.payment_plan" not in desk  # two hidden members already protect each other
    assert not {"outbound.attempts", "outbound.cases_resolved", "outbound.attempts_by_channel.door_to_door"} & desk


def random_staff_table(rng):
    desks = {}
    for n in range(rng.randint(1, 4)):
        employed, exits = rng.choice([0, 1, 3, 6, 12, 30]), rng.choice([0, 0, 1, 2, 6])
        attempts = {c: rng.choice([0, 2, 9, 40]) for c in ("telephone", "door_to_door")}
        outcomes = {o: rng.choice([0, 1, 3, 8]) for o in ("payment_plan", "refused", "referred")}
        cells = {f"outbound__attempts_by_channel__{c}": v for c, v in attempts.items()}
        cells |= {f"outbound__cases_by_outcome__{o}": v for o, v in outcomes.items()}
        desks[f"desk-{n}"] = staff(
            employed, women=rng.randint(0, employed), exits=exits, positive=rng.randint(0, exits),
            hours=rng.choice([0, 20, 35]) * (employed + exits + rng.choice([0, 0, 1])), training=rng.choice([0, 3]),
            outbound__attempts=sum(attempts.values()), outbound__attempts_by_partner__edf=sum(attempts.values()),
            outbound__cases_resolved=sum(outcomes.values()), outbound__cases_by_partner__sncf=sum(outcomes.values()),
            **cells)
    return staff_table(desks)


@pytest.mark.parametrize("seed", range(30))
def test_no_small_count_of_agents_exits_or_cases_and_no_derived_cell_of_hidden_ones_shows(seed):
    t = protect(random_staff_table(random.Random(seed)), 5)
    for cells in equations(t):
        unknown = [c for c in cells if c[1] in t.hidden[c[0]] or t.rows[c[0]][c[1]] is None]
        assert len(unknown) != 1, cells
    for key, row in t.rows.items():
        shown = {path for path in row if path not in t.hidden[key]}
        for path in shown:
            cell = F.BY_PATH[path]
            if cell.kind in F.SUPPRESSIBLE:
                assert not 0 < row[path] < 5, (key, path)
            if cell.kind == "derived":
                assert {cell.numerator, cell.base} <= shown, (key, path)
            if cell.population and row[path]:
                assert sum(row[p] for p in cell.population) >= 5, (key, path)
        if {"exits.total", "exits.positive"} <= shown:
            assert not 0 < row["exits.total"] - row["exits.positive"] < 5, key


# -- follow-ups and referrals -------------------------------------------------------------------------------------
def referrals(per_partner, answers=None):
    """A desk's referrals: {partner: (sent, [days to answer of each one answered])}; the answers all
    `resolved` unless `answers` ({answer: n}) says otherwise."""
    sums, days = {}, {"referrals.median_days_to_answer": {}}
    for partner, (sent, answered) in per_partner.items():
        sums[f"referrals.by_partner.{partner}.sent"] = sent
        sums[f"referrals.by_partner.{partner}.answered"] = len(answered)
        mine = days[f"referrals.by_partner.{partner}.median_days_to_answer"] = {}
        for length in answered:
            for counted in (mine, days["referrals.median_days_to_answer"]):
                counted[length] = counted.get(length, 0) + 1
    sums["referrals.sent"] = sum(sent for sent, _ in per_partner.values())
    sums["referrals.answered"] = sum(len(answered) for _, answered in per_partner.values())
    for answer, n in (answers or {"resolved": sums["referrals.answered"]}).items():
        sums[f"referrals.by_answer.{answer}"] = n
    return F.complete(sums, {}, EVERY_SECTION, {"desks": 1, "associations": 1}, days)


def test_a_median_over_fewer_answers_than_the_threshold_is_hidden_with_its_count_and_rate():
    # given 12 referrals to the CAF, 9 answered; 6 to the CPAM, 3 answered
    row = referrals({"caf": (12, [1, 2, 2, 3, 5, 8, 13, 21, 34]), "cpam": (6, [4, 4, 40])})
    t = protect(staff_table({"lyon-8": row}), 5)
    desk = hidden(t, ("desk", "pimms-lyon", "lyon-8"))
    # then the CPAM's 3 answers are hidden, with their rate and median, and the CAF's with them (9 = 12 - 3)
    assert {"referrals.by_partner.cpam.answered", "referrals.by_partner.cpam.answer_rate",
            "referrals.by_partner.cpam.median_days_to_answer"} <= desk
    assert {"referrals.by_partner.caf.answered", "referrals.by_partner.caf.median_days_to_answer"} <= desk
    assert not {"referrals.by_partner.caf.sent", "referrals.by_partner.cpam.sent", "referrals.answered"} & desk
    # and the desk's 12 answers have their median and rate shown
    assert t.rows[("desk", "pimms-lyon", "lyon-8")]["referrals.median_days_to_answer"] == 4.5  # 4 and 5 in the middle
    assert t.rows[("desk", "pimms-lyon", "lyon-8")]["referrals.by_partner.cpam.median_days_to_answer"] == 4.0
    assert not {"referrals.median_days_to_answer", "referrals.answer_rate"} & desk


def test_a_median_over_as_many_items_as_the_threshold_is_shown():
    row = referrals({"caf": (5, [1, 2, 9, 10, 30])})
    t = protect(staff_table({"lyon-8": row}), 5)
    assert render(t, ("desk", "pimms-lyon", "lyon-8"), 5)["figures"]["referrals"]["by_partner"]["caf"] == {
        "sent": 5, "answered": 5, "answer_rate": 1.0, "median_days_to_answer": 9.0}


def test_a_few_follow_ups_of_one_outcome_are_hidden_with_a_sibling_and_their_medians_with_their_motif():
    days = {"follow_ups.median_days_to_close": {3: 8, 30: 4}, "follow_ups.by_domain.housing.median_days_to_close":
            {3: 8, 30: 1}, "follow_ups.by_partner.caf.median_days_to_close": {30: 3}}
    row = F.complete({"follow_ups.opened": 15, "follow_ups.by_domain.housing.opened": 15, "follow_ups.closed": 12,
                      "follow_ups.by_domain.housing.closed": 9, "follow_ups.by_partner.caf.closed": 3,
                      "follow_ups.closed_by_outcome.resolved": 10, "follow_ups.closed_by_outcome.abandoned": 2,
                      "follow_ups.open_at_end": 3}, {}, EVERY_SECTION, {"desks": 1, "associations": 1}, days)
    t = protect(staff_table({"lyon-8": row}), 5)
    desk = hidden(t, ("desk", "pimms-lyon", "lyon-8"))
    assert {"follow_ups.closed_by_outcome.abandoned", "follow_ups.closed_by_outcome.resolved"} <= desk
    assert {"follow_ups.by_partner.caf.closed", "follow_ups.by_partner.caf.median_days_to_close",
            "follow_ups.by_domain.housing.closed", "follow_ups.by_domain.housing.median_days_to_close"} <= desk
    assert "follow_ups.open_at_end" in desk  # 3 people still followed: a head count like any other
    assert not {"follow_ups.closed", "follow_ups.median_days_to_close", "follow_ups.opened"} & desk
    assert t.rows[("desk", "pimms-lyon", "lyon-8")]["follow_ups.median_days_to_close"] == 3.0


def random_referrals_table(rng):
    desks = {}
    for n in range(rng.randint(1, 4)):
        per_partner = {}
        for partner in ("caf", "cpam", "edf"):
            sent = rng.choice([0, 1, 3, 6, 20])
            per_partner[partner] = (sent, [rng.choice([0, 2, 7, 30]) for _ in range(rng.randint(0, sent))])
        answered = sum(len(days) for _, days in per_partner.values())
        refused = rng.randint(0, answered)
        desks[f"desk-{n}"] = referrals(per_partner, {"refused": refused, "resolved": answered - refused})
    return staff_table(desks)


@pytest.mark.parametrize("seed", range(30))
def test_no_small_count_of_referrals_and_no_median_or_rate_of_hidden_ones_shows(seed):
    t = protect(random_referrals_table(random.Random(seed)), 5)
    for cells in equations(t):
        unknown = [c for c in cells if c[1] in t.hidden[c[0]] or t.rows[c[0]][c[1]] is None]
        assert len(unknown) != 1, cells
    for key, row in t.rows.items():
        shown = {path for path in row if path not in t.hidden[key]}
        for path in shown:
            cell = F.BY_PATH[path]
            if cell.kind in F.SUPPRESSIBLE:
                assert not 0 < row[path] < 5, (key, path)
            if cell.kind in ("derived", "median") and row[path] is not None:
                assert cell.base in shown and row[cell.base] >= 5, (key, path)


# -- Point Conseil Budget ----------------------------------------------------------------------------------------
def budget_table(desks, association_id="pimms-lyon"):
    """An association whose desks' sums are given in folded units ({desk: ({cell: amount}, {median: {days:
    items}})}): desks' rows and the association's, completed as reporting completes them."""
    t = Table("2026")
    for desk, (sums, days) in desks.items():
        t.desks[association_id].add(desk)
        t.rows[("desk", association_id, desk)] = F.complete(sums, {}, EVERY_SECTION, {"desks": 1, "associations": 1},
                                                            days)
    total = F.add([sums for sums, _ in desks.values()], [c.path for c in F.CELLS if c.kind in F.ADDITIVE])
    t.rows[("association", association_id)] = F.complete(
        {k: v for k, v in total.items() if v is not None}, {}, EVERY_SECTION,
        {"desks": len(desks), "associations": 1}, F.merge_days(days for _, days in desks.values()))
    return t


def test_a_few_agents_trained_in_budget_hide_their_hours_and_a_plans_steps_hide_with_the_plans():
    # given a desk with 3 agents trained in budget for 30 hours, and 4 action plans of 12 steps, 9 done
    sums = {"budget.staff_trained": 3, "budget.staff_training_hours": 30 * 60, "budget.closed": 10,
            "budget.closed_by_outcome.stabilised": 10, "budget.with_plan": 4, "budget.plan_steps": 12,
            "budget.plan_steps_done": 9}
    t = protect(budget_table({"lyon-8": (sums, {"budget.median_days_open": {20: 10}})}), 5)
    desk = hidden(t, ("desk", "pimms-lyon", "lyon-8"))
    # then the agents and their hours are hidden, and the plans with their steps and the share of steps done
    assert {"budget.staff_trained", "budget.staff_training_hours", "budget.with_plan", "budget.plan_steps",
            "budget.plan_steps_done", "budget.plan_steps_done_rate"} <= desk
    # but the 10 dossiers closed show, with their median days open
    assert not {"budget.closed", "budget.median_days_open", "budget.closed_by_outcome.stabilised"} & desk
    assert t.rows[("desk", "pimms-lyon", "lyon-8")]["budget.median_days_open"] == 20.0


def random_budget_table(rng):
    desks = {}
    for n in range(rng.randint(1, 4)):
        received = {origin: rng.choice([0, 1, 3, 6, 20]) for origin in ("walk_in", "bank", "social_worker")}
        outcomes = {outcome: rng.choice([0, 2, 5, 9]) for outcome in ("stabilised", "abandoned", "oriented")}
        closed = sum(outcomes.values())
        decided = rng.choice([0, 2, 6, 12])
        admissible = rng.randint(0, decided)
        sums = {"budget.received": sum(received.values()), "budget.closed": closed,
                "budget.accompanied": rng.randint(0, closed), "budget.with_plan": rng.randint(0, closed),
                "overindebtedness.admissibility_decided": decided, "overindebtedness.admissible": admissible,
                "overindebtedness.not_admissible": decided - admissible, "budget.staff_trained": rng.randint(0, 6),
                **{f"budget.received_by_origin.{o}": v for o, v in received.items()},
                **{f"budget.closed_by_outcome.{o}": v for o, v in outcomes.items()}}
        sums["budget.accompanied_by_origin.walk_in"] = sums["budget.accompanied"]
        sums["budget.plan_steps"] = 3 * sums["budget.with_plan"]
        sums["budget.plan_steps_done"] = rng.randint(0, sums["budget.plan_steps"])
        sums["budget.staff_training_hours"] = 60 * rng.choice([0, 7, 21]) * sums["budget.staff_trained"]
        # a median has as many items as the count it is the median of
        days = {cell: {rng.choice([3, 30, 90]): items} for cell, items in (
            ("budget.median_days_open", closed), ("overindebtedness.median_days_to_admissibility", decided)) if items}
        desks[f"desk-{n}"] = (sums, days)
    return budget_table(desks)


@pytest.mark.parametrize("seed", range(30))
def test_no_small_count_of_households_files_or_agents_trained_and_no_median_or_rate_of_hidden_ones_shows(seed):
    t = protect(random_budget_table(random.Random(seed)), 5)
    for cells in equations(t):
        unknown = [c for c in cells if c[1] in t.hidden[c[0]] or t.rows[c[0]][c[1]] is None]
        assert len(unknown) != 1, cells
    for key, row in t.rows.items():
        shown = {path for path in row if path not in t.hidden[key]}
        for path in shown:
            cell = F.BY_PATH[path]
            if cell.kind in F.SUPPRESSIBLE:
                assert not 0 < row[path] < 5, (key, path)
            if cell.kind in ("derived", "median", "measure") and cell.base and row[path] is not None:
                assert cell.base in shown, (key, path)
            if cell.kind == "median" and row[path] is not None:
                assert row[cell.base] >= 5, (key, path)
            if cell.population and row[path]:
                assert sum(row[p] for p in cell.population) >= 5, (key, path)
