"""Point Conseil Budget's rules as plain functions: no database, no broker (budget_rules.py)."""
import datetime as dt
from decimal import Decimal

import pytest

from services.accueil import budget_rules
from shared.errors import Conflict, InvalidRequest

TODAY = dt.date(2026, 11, 20)


def test_what_is_left_to_live_on_is_counted_in_cents_and_leaves_only_as_a_band():
    resources = [{"monthly": Decimal("1000.10")}, {"monthly": Decimal("0.20")}]
    charges = [{"monthly": Decimal("700.15")}]
    assert budget_rules.remaining_cents(resources, charges, [{"monthly": Decimal("300")}]) == 15
    assert [budget_rules.remaining_band(c) for c in (None, -1, 0, 19999, 20000, 79999, 80000)] == [
        None, "negative", "under_200", "under_200", "200_400", "400_800", "over_800"]


def test_a_dossier_is_for_one_named_person_who_consented():
    assert budget_rules.dossier_holder([(4, ["follow_up"])], None) == 4
    for named, citizen_id in (([], None), ([(4, ["contact"])], None), ([(4, ["follow_up"]), (5, [])], None),
                              ([(4, ["follow_up"])], 9)):
        with pytest.raises(InvalidRequest):
            budget_rules.dossier_holder(named, citizen_id)


def step(current, stage, on, admissible=None, last_on=None, status="open"):
    budget_rules.next_stage(current, {"stage": stage, "on": on}, admissible, last_on, status, TODAY)


def test_the_procedure_goes_one_stage_at_a_time_in_order():
    step(None, "built", TODAY)
    step("built", "filed", TODAY, last_on=TODAY)
    step("filed", "admissibility", TODAY)
    step("admissibility", "orientation", TODAY, admissible=True)
    step("admissibility", "closed", TODAY, admissible=False)
    step("built", "closed", TODAY)  # withdrawn before filing
    for args in ((None, "filed", TODAY), ("built", "admissibility", TODAY), ("admissibility", "orientation", TODAY,
                                                                              False),
                 ("filed", "admissibility", TODAY + dt.timedelta(days=1)),
                 ("filed", "admissibility", TODAY, None, TODAY + dt.timedelta(days=1))):
        with pytest.raises(InvalidRequest):
            step(*args)
    with pytest.raises(Conflict):
        step(None, "built", TODAY, status="closed")
    with pytest.raises(Conflict):
        step("closed", "built", TODAY)
