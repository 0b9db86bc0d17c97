"""The catalogue of figure cells, read from `FiguresSchema`, and the arithmetic on flat figures.

Inside reporting a set of figures is flat: `{"visits.by_partner.edf": 12, ...}`, one value per cell path, in
the schema's order (the CSV column order). `nest` gives the nested shape of the contract, `flatten` reads it
back. Additive cells (counts, measures) are summed; distinct people are unions computed by the database;
derived cells (means, shares, rates) are always recomputed from their sums, never summed themselves;
medians are read from day counts (`median`), never summed either.
Stocks (agents employed) are additive over desks and associations, but over time they are read as the
sum of every month up to the period's end, not of the period's months (reading.py)."""
from dataclasses import dataclass

from marshmallow import fields

from shared.contracts.reporting import FiguresSchema

NO_DESK = ""  # the desk of what an association did outside any desk (an event without pimms_id)

ADDITIVE = ("count", "tally", "measure")
SUPPRESSIBLE = ("count", "distinct")  # head counts: the cells that could single a person out


@dataclass(frozen=True)
class Cell:
    path: str
    kind: str  # count | distinct | tally | measure | derived | median | structure
    base: str | None = None  # a measure's or a median's count, a derived cell's denominator: suppressed with it
    numerator: str | None = None
    digits: int | None = None  # a derived cell's rounding
    stock: bool = False  # a head count at the period's end: its months' flows cumulated from the start
    scale: int = 1  # folded in units `scale` times smaller than shown (minutes folded, hours shown)
    population: tuple = ()  # the head counts of the people a measure describes (agents' hours)
    added: int = 1  # the figures' edition that added the cell: CSV columns of later editions come last
    quantile: float = 0.5  # a median cell's quantile: 0.5 the median, 0.9 the 90th percentile

    @property
    def section(self):
        return self.path.split(".", 1)[0]


def _walk(schema, prefix="", added=None):
    for name, field in schema.fields.items():
        edition = field.metadata.get("added") or added
        if isinstance(field, fields.Nested):
            yield from _walk(field.schema, f"{prefix}{name}.", edition)
            continue
        meta = field.metadata
        numerator, denominator = meta.get("of") or (None, None)
        yield Cell(f"{prefix}{name}", meta["cell"], base=meta.get("base") or denominator, numerator=numerator,
                   digits=meta.get("digits"), stock=bool(meta.get("stock")), scale=meta.get("scale") or 1,
                   population=tuple(meta.get("population") or ()), added=edition or 1,
                   quantile=meta.get("quantile") or 0.5)


# In column order: the schema's order within an edition, editions one after the other (a stable sort).
CELLS = tuple(sorted(_walk(FiguresSchema()), key=lambda cell: cell.added))
BY_PATH = {cell.path: cell for cell in CELLS}
COLUMNS = tuple(cell.path for cell in CELLS)
SECTIONS = tuple(dict.fromkeys(cell.section for cell in CELLS if cell.kind != "structure"))
STOCK_CELLS = tuple(cell.path for cell in CELLS if cell.stock)
SCALED = tuple(cell for cell in CELLS if cell.scale != 1)
POPULATED = tuple(cell for cell in CELLS if cell.population)
MEDIANS = tuple(cell.path for cell in CELLS if cell.kind == "median")


def under(prefix, leaf=None):
    """The cells below a prefix (`visits.by_partner`), or their `leaf` (`workshops.by_theme`, `sessions`)."""
    paths = [c.path for c in CELLS if c.path.startswith(prefix + ".")]
    if leaf is not None:
        return [p for p in paths if p.endswith("." + leaf)]
    return paths


# Within one scope's figures, a total is the sum of its breakdown: what suppression must not let anyone
# subtract a hidden cell from.
EQUATIONS = (
    ("visits.total", ["visits.partenaire", "visits.generaliste"]),
    ("visits.partenaire", under("visits.by_partner")),
    ("visits.generaliste", under("visits.by_domain")),
    ("acts.total", under("acts.by_kind")),
    ("workshops.attendees", under("workshops.by_theme", "attendees")),
    ("workshops.registrations", under("workshops.by_theme", "registrations")),
    ("workshops.registrations_attended", under("workshops.by_theme", "registrations_attended")),
    ("workshops.planned_attendees", under("workshops.by_theme", "planned_attendees")),
    ("outbound.attempts", under("outbound.attempts_by_partner")),
    ("outbound.attempts", under("outbound.attempts_by_channel")),
    ("outbound.cases_resolved", under("outbound.cases_by_outcome")),
    ("outbound.cases_resolved", under("outbound.cases_by_partner")),
    ("follow_ups.opened", under("follow_ups.by_partner", "opened") + under("follow_ups.by_domain", "opened")),
    ("follow_ups.closed", under("follow_ups.by_partner", "closed") + under("follow_ups.by_domain", "closed")),
    ("follow_ups.closed", under("follow_ups.closed_by_outcome")),
    ("referrals.sent", under("referrals.by_partner", "sent")),
    ("referrals.answered", under("referrals.by_partner", "answered")),
    ("referrals.answered", under("referrals.by_answer")),
    ("budget.received", under("budget.received_by_origin")),
    ("budget.accompanied", under("budget.accompanied_by_origin")),
    ("budget.closed", under("budget.closed_by_outcome")),
    ("budget.interventions", under("budget.interventions_by_answer")),
    ("overindebtedness.admissibility_decided", ["overindebtedness.admissible", "overindebtedness.not_admissible"]),
    ("overindebtedness.oriented", under("overindebtedness.by_orientation")),
)
# A total and one part of it, where the rest (total minus part) is itself a head count that no cell
# publishes but anyone can compute: a small rest is hidden by hiding the part. Exits only: an agent's exit
# without a sortie positive is about that person's situation. Not agents who are not women: gender is no
# sensitive attribute, the share of women is a headline figure, and with about three men per association
# it would blank nearly every association's share (and the national one with it).
COMPLEMENTS = (
    ("exits.total", "exits.positive"),
)
# Across scopes, a parent's count is the sum of its children's (desks of an association, associations of
# the network). Distinct people are not: one person may visit two desks. Agents' hours are protected the
# same way: a hidden desk's hours must not be the association's minus the other desks'.
HIERARCHY_CELLS = tuple(c.path for c in CELLS if c.kind == "count" or c.population)


def complete(sums, distinct, measured, structure, days=None):
    """Every cell of one scope's figures: sums (in folded units) and distinct counts as given, medians from
    `days` (median cell -> {days: items}), None for a section no consumed event feeds yet (so the shape
    never changes), derived cells recomputed from the exact sums, then scaled cells shown in their unit."""
    values = {}
    days = days or {}
    for cell in CELLS:
        if cell.kind == "structure":
            values[cell.path] = structure.get(cell.path)
        elif cell.section not in measured:
            values[cell.path] = None
        elif cell.kind == "distinct":
            values[cell.path] = distinct.get(cell.path, 0)
        elif cell.kind == "median":
            counted = days.get(cell.path, {})
            values[cell.path] = (median(counted, cell.digits) if cell.quantile == 0.5
                                 else nearest_rank(counted, cell.quantile, cell.digits))
        elif cell.kind in ADDITIVE:
            values[cell.path] = sums.get(cell.path, 0)
    derive(values)
    for cell in SCALED:
        if values[cell.path] is not None:
            values[cell.path] = (values[cell.path] + cell.scale // 2) // cell.scale  # rounded half up
    return values


def derive(values):
    for cell in CELLS:
        if cell.kind == "derived":
            numerator, denominator = values.get(cell.numerator), values.get(cell.base)
            values[cell.path] = (round(numerator / denominator, cell.digits)
                                 if numerator is not None and denominator else None)
    return values


def median(counted, digits=1):
    """The median of items counted by value (`{days: items}`): the middle one, or the mean of the two middle
    ones; None without any item.

    >>> median({0: 1, 3: 2, 40: 1})
    3.0
    >>> median({2: 1, 9: 1}), median({})
    (5.5, None)
    """
    items = sum(counted.values())
    if not items:
        return None
    middle, found, seen = ((items - 1) // 2, items // 2), [], 0
    for value in sorted(counted):
        while len(found) < 2 and seen + counted[value] > middle[len(found)]:
            found.append(value)
        seen += counted[value]
        if len(found) == 2:
            break
    return round((found[0] + found[1]) / 2, digits)


def nearest_rank(counted, quantile, digits=1):
    """The `quantile` of items counted by value, by the nearest rank: the smallest value that at least that
    share of the items do not exceed (the 90th percentile of ten waits is the ninth shortest); None without
    any item.

    >>> nearest_rank({5: 8, 30: 1, 90: 1}, 0.9), nearest_rank({5: 9, 90: 1}, 0.95), nearest_rank({}, 0.9)
    (30.0, 90.0, None)
    """
    items = sum(counted.values())
    if not items:
        return None
    rank, seen = max(1, -(-round(quantile * items * 1000) // 1000)), 0  # ceil, without a float's 9.000000001
    for value in sorted(counted):
        seen += counted[value]
        if seen >= rank:
            return round(float(value), digits)
    raise AssertionError("unreachable")  # pragma: no cover


def merge_days(parts):
    """Day counts of several rows (desks, months) together: `{cell: {days: items}}` summed."""
    total = {}
    for part in parts:
        for path, counted in part.items():
            into = total.setdefault(path, {})
            for value, items in counted.items():
                into[value] = into.get(value, 0) + items
    return total


def add(parts, paths=None):
    """Sum flat figures cell by cell; None (unknown) contributes nothing, and all-None stays None."""
    total = {}
    for path in paths or COLUMNS:
        known = [part[path] for part in parts if part.get(path) is not None]
        total[path] = sum(known) if known else None
    return total


# nest and flatten run for every row read and every row received (a desk's year at head office: 24 rows,
# 420 cells each): both are generated once from the catalogue, as straight-line code (one dict display,
# one chain of lookups per cell) instead of walking the paths each time, which was most of that read.
def _shape():
    """The nested shape of the cells, sections in the order their first cell comes (as COLUMNS gives it)."""
    tree = {}
    for path in COLUMNS:
        node = tree
        *parents, leaf = path.split(".")
        for name in parents:
            node = node.setdefault(name, {})
        node[leaf] = path
    return tree


def _display(tree):
    return "{" + ", ".join(f"{name!r}: " + (_display(node) if isinstance(node, dict) else f"get({node!r})")
                           for name, node in tree.items()) + "}"


def _generated(source, name):
    namespace = {}
    exec(compile(source, f"<cells.{name}>", "exec"), namespace)  # noqa: S102 (code made from the catalogue)
    return namespace[name]


_nest = _generated(f"def _nest(get):\n    return {_display(_shape())}\n", "_nest")
_flatten_known = _generated("def _flatten_known(n):\n    return {" + ", ".join(
    f"{path!r}: n" + "".join(f"[{name!r}]" for name in path.split(".")) for path in COLUMNS) + "}\n",
    "_flatten_known")


def nest(values):
    """Flat cells to the nested shape of `FiguresSchema` (a cell not given is None)."""
    return _nest(values.get)


def flatten(nested, prefix="", into=None):
    """Nested figures back to flat cells. Figures of this code's catalogue take the generated path, which
    keeps the catalogue's cells (cells of a later edition than this code's are read by nobody here);
    figures of an earlier edition, without some cells, are walked: their missing cells stay missing."""
    if into is None and not prefix:
        try:
            return _flatten_known(nested)
        except (KeyError, TypeError):
            pass
    flat = {} if into is None else into
    for name, value in nested.items():
        if value.__class__ is dict:
            flatten(value, prefix + name + ".", flat)
        else:
            flat[prefix + name] = value
    return flat
