"""Small-count suppression: what leaves the association must not let anyone single a person out.

Rules, applied to one period's table of rows (the network, its associations, their desks):
1. Primary: a head-count cell (people, visits, acts, attendees...) with 0 < value < threshold is hidden
   (null, shown as "<threshold" in CSV). Zero is shown: it reveals nobody.
2. Complementary: a total stays published, so a hidden cell could be recovered as "total minus the others".
   For every additive equation (a total and its breakdown within one row, e.g. visits.total = partenaire +
   generaliste; and a parent and its children across rows, e.g. an association's acts = the sum over its
   desks) no equation may hold exactly one hidden cell: while one does, the smallest published non-zero
   member is hidden too (a sibling desk rather than the association's total, a breakdown rather than a
   total), or the total when no member is left. This repeats until no equation changes.
   Agents employed count as head counts here too (a desk's stock is part of its association's), and so
   do agents' hours: a hidden desk's hours must not be its association's minus the other desks'.
3. Dependents: a measure (minutes), a median (days) or a derived cell (mean, share, rate) is hidden with
   the count it depends on (a share of women with the women or the agents, a positive-exit rate with either
   count, the training share with either hours, a median with the items it is the median of: so a median
   is never shown over fewer items than the threshold).

Rule 1 has two more forms, for cells whose people are not counted by the cell itself:
- the rest of a total (`figures.COMPLEMENTS`): exits without a sortie positive are exits minus positive
  exits; when that rest is small, the positive exits are hidden (and the rate with them);
- agents' hours describe agents (employed at the period's end, plus those who left in it): when those
  are fewer than the threshold, or none while hours were logged (a week whose Thursday falls in the month
  after the agent left), the hours are hidden: a few agents' hours are their working time.

Limits, deliberately accepted: the rule protects each equation on its own, not every combination of
several equations (full linear-programming audits, as statistical offices run, are out of scope); and a
year is not treated as the sum of its months (its cells are published as they are). Visit minutes are
hidden with their count but are not themselves protected by complementary suppression: they count no one;
nor are medians, which are no sums (a hidden desk's median can be bounded, not given, by the others').
Agents' hours are rounded to whole hours per row, so a hidden one could be bounded to within an hour or
so from its siblings were it published; complementary suppression hides a sibling exactly as for counts.

Order matters for consistency between outputs: each association's rows (the association and its desks)
are protected on their own first, exactly as its `period_closed` publishes them; the network row is
protected afterwards and may only hide network cells. So an export never shows a cell that another output
hid to protect a third one."""
from services.reporting.cells import BY_PATH, CELLS, COMPLEMENTS, EQUATIONS, HIERARCHY_CELLS, POPULATED, SUPPRESSIBLE

NETWORK = ("network",)


def protect(table, threshold):
    """Hide cells in `table` (tables.Table) in place: each association's rows, then the network's.

    At head office the association and desk rows arrive already protected, and the national row is the
    sum of their published values only (`table.national_from_published`): a hidden association cell is
    not in it, so the network-equals-its-associations equation gives nothing away and is not enforced."""
    for association_id in sorted(table.associations):
        if table.national_from_published:
            break
        keys = [("association", association_id)] + table.desk_keys(association_id)
        _protect(table, keys, threshold, hideable=set(keys) - {("desk", association_id, "")},
                 hierarchy=[(("association", association_id), table.desk_keys(association_id))])
    if NETWORK in table.rows:
        children = [("association", a) for a in sorted(table.associations)]
        hierarchy = [] if table.national_from_published else [(NETWORK, children)]
        _protect(table, [NETWORK], threshold, hideable={NETWORK}, hierarchy=hierarchy)
    return table


def _protect(table, keys, threshold, hideable, hierarchy):
    rows, hidden = table.rows, table.hidden
    for key in keys:
        if key[0] == "desk" and key[2] == "":
            # events without a desk: never published, so whatever is not zero there is unknown outside
            hidden[key] |= {path for path, value in rows[key].items() if value}
        if key not in hideable:
            continue
        row = rows[key]
        for path, value in row.items():
            if BY_PATH[path].kind in SUPPRESSIBLE and value is not None and 0 < value < threshold:
                hidden[key].add(path)
        for total, part in COMPLEMENTS:
            if row.get(total) is not None and row.get(part) is not None and 0 < row[total] - row[part] < threshold:
                hidden[key].add(part)
        for cell in POPULATED:
            if row.get(cell.path) and sum(row.get(count) or 0 for count in cell.population) < threshold:
                hidden[key].add(cell.path)

    equations = [((key, total), [(key, m) for m in members]) for key in keys if key in hideable
                 for total, members in EQUATIONS]
    for parent, children in hierarchy:
        equations += [((parent, path), [(child, path) for child in children]) for path in HIERARCHY_CELLS]

    def unknown(cell):
        key, path = cell
        return path in hidden[key] or rows[key].get(path) is None

    changed = True
    while changed:
        changed = False
        alive = []  # an equation with two unknown cells keeps them (cells are only ever hidden): dropped for good
        for equation in equations:
            total, members = equation
            unknowns = sum(map(unknown, [total, *members]))
            if unknowns > 1:
                continue
            alive.append(equation)
            if unknowns == 0:
                continue
            candidate = _next_to_hide(rows, members, total, unknown, hideable)
            if candidate is not None:
                hidden[candidate[0]].add(candidate[1])
                changed = True
        equations = alive

    for _ in range(2):  # a derived cell may depend on a measure hidden in the first pass
        for key in keys:
            if key in hideable:
                for cell in CELLS:
                    if cell.base in hidden[key] or cell.numerator in hidden[key]:
                        hidden[key].add(cell.path)


def _next_to_hide(rows, members, total, unknown, hideable):
    """The smallest published non-zero member; else the total; else a published zero (hiding a zero
    still leaves the hidden cell undetermined)."""
    def published(cell):
        return cell[0] in hideable and not unknown(cell)

    non_zero = sorted((c for c in members if published(c) and rows[c[0]][c[1]]),
                      key=lambda c: (rows[c[0]][c[1]], c))
    if non_zero:
        return non_zero[0]
    if published(total) and rows[total[0]][total[1]]:
        return total
    zeros = [c for c in [*members, total] if published(c)]
    return zeros[0] if zeros else None
