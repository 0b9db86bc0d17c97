"""Reading figures from reporting for an account: exact for the association's staff when reporting allows it
(else suppressed, as for everyone else), a row per month for the charts, and the cells the pages show."""
import datetime as dt

from shared.errors import InvalidRequest, NotFound


def exact_or_suppressed(ask, exact):
    """`ask(exact)`: staff ask for exact figures and fall back to suppressed ones when reporting is
    configured to refuse them (ALLOW_EXACT_FIGURES false)."""
    try:
        return ask(exact)
    except InvalidRequest as exc:
        if exact and "exact" in exc.errors:
            return ask(False)
        raise


def row(reporting, scope, id_, period, exact, missing_ok=False):
    """One row of figures, exact if asked and allowed; None without figures when `missing_ok`."""
    try:
        return exact_or_suppressed(lambda exact_: reporting.figures(scope, id_, period, exact_), exact)
    except NotFound:
        if missing_ok:
            return None
        raise


def months(reporting, scope, id_, year, exact, today=None):
    """January to December of `year`; None for a month to come or without figures yet. One RPC for them
    all: twelve `figures` calls (even sent together) cost reporting twelve requests, and head office a
    desk's year 7x the framework's round trip (docs/benchmark.md)."""
    today = today or dt.datetime.now(dt.timezone.utc).date()
    past = [month for month in range(1, 13) if (year, month) <= (today.year, today.month)]
    if not past:
        return [None] * 12
    found = dict(zip(past, exact_or_suppressed(
        lambda exact_: reporting.figures_months(scope, id_, year, past, exact_), exact)))
    return [found.get(month) for month in range(1, 13)]


def year_by_month(reporting, scope, id_, year, exact):
    """GET /api/figures/months: the twelve months of `year`, exact if any of them is."""
    rows = months(reporting, scope, id_, year, exact)
    return {"scope": scope, "id": id_, "year": year, "exact": any(r is not None and r["exact"] for r in rows),
            "months": rows}


def cell(found, path):
    """A cell's value: a number, None when suppressed (or not measured), 0 when there is no row."""
    if found is None:
        return 0
    value = found["figures"]
    for name in path.split("."):
        value = value[name]
    return value


def shown(found, path, percent=False):
    """A cell as the page prints it: '<5' when hidden as a small count, '—' when not measured (or a median or
    rate of nothing), a rate as a percentage when `percent`.

    >>> shown({"suppressed": [], "threshold": 5, "figures": {"referrals": {"answer_rate": 0.857}}},
    ...       "referrals.answer_rate", percent=True)
    '85,7 %'
    """
    if found is not None and path in found["suppressed"]:
        return f"<{found['threshold']}"
    value = cell(found, path)
    if value is None:
        return "—"
    if percent:
        return f"{value * 100:.1f} %".replace(".", ",")
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(value)


def registres_used(found):
    """How many of the norm's 8 registres the period's visits and workshops used (a hidden count is a use:
    it hides a number between 1 and the threshold)."""
    if found is None:
        return 0
    return sum(1 for code, value in found["figures"]["registres"].items()
               if value or f"registres.{code}" in found["suppressed"])
