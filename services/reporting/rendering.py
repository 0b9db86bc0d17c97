"""Rendering figures: one row of a period's table as the contract's nested figures (suppressed cells as
null), many rows as CSV in a fixed column order, a year's row as the network's annual report, and a year's
rows as the Point Conseil Budget's annual report (JSON or CSV)."""
import csv
import io

from services.reporting import cells as F
from services.reporting.reading import describe
from shared.contracts.reporting import PCB_REPORT, PCB_REPORT_HEAD


def render(table, key, threshold):
    values, hidden = table.rows[key], table.hidden[key]
    return {
        **describe(key),
        "period": table.period,
        "threshold": table.thresholds.get(key, threshold),
        "figures": F.nest({path: None if path in hidden else value for path, value in values.items()}),
        "suppressed": sorted(hidden),
        "incomplete": sorted(table.incomplete[key]),
    }


FIRST_EDITION = tuple(c.path for c in F.CELLS if c.added == 1)
LATER_EDITIONS = tuple(c.path for c in F.CELLS if c.added > 1)
# Columns are only ever appended: cells of later editions come after `incomplete`, the first edition's last.
CSV_HEADER = ("scope", "id", "association_id", "period", *FIRST_EDITION, "incomplete", *LATER_EDITIONS)


def to_csv(rows):
    """One line per row, columns in the fixed order of CSV_HEADER; a suppressed cell reads `<threshold`,
    a cell not measured yet is empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        flat, hidden = F.flatten(row["figures"]), set(row["suppressed"])

        def cells(paths):
            return [f"<{row['threshold']}" if path in hidden else _cell(flat[path]) for path in paths]

        writer.writerow([row["scope"], row["id"], row["association_id"] or "", row["period"],
                         *cells(FIRST_EDITION), ";".join(row["incomplete"]), *cells(LATER_EDITIONS)])
    return out.getvalue()


def _cell(value):
    return "" if value is None else str(value)


# The network's published figures (DESIGN.md), in their order: name -> cell.
ANNUAL_REPORT = (
    ("people_received", "people.received"),
    ("visits", "visits.total"),
    ("mediation_acts", "acts.total"),
    ("workshop_sessions", "workshops.sessions"),
    ("workshop_attendees", "workshops.attendees"),
    ("outbound_contacts", "outbound.attempts"),
    ("outbound_reached", "outbound.reached"),
    ("outbound_cases_resolved", "outbound.cases_resolved"),
    ("agents", "agents.employed"),
    ("share_of_women", "agents.share_of_women"),
    ("training_share", "training.share"),
    ("positive_exits_rate", "exits.positive_rate"),
    ("desks", "desks"),
    ("associations", "associations"),
)


def annual_report(row):
    flat, hidden, incomplete = F.flatten(row["figures"]), set(row["suppressed"]), set(row["incomplete"])
    return {
        "year": int(row["period"]), "scope": row["scope"], "id": row["id"], "threshold": row["threshold"],
        **{name: flat[cell] for name, cell in ANNUAL_REPORT},
        "suppressed": [name for name, cell in ANNUAL_REPORT if cell in hidden],
        "incomplete": [name for name, cell in ANNUAL_REPORT if cell in incomplete],
    }


# The Point Conseil Budget's annual report: one row per association (and the network's), its columns the
# contract's (PCB_REPORT), each a cell of the year's figures, suppressed as they are.
PCB_COLUMNS = tuple(name for name, _, _ in PCB_REPORT)
PCB_CSV_HEADER = (*PCB_REPORT_HEAD, *PCB_COLUMNS)


def pcb_row(row):
    """A year's row of figures as a row of the label's report: its columns by name, the hidden and the
    incomplete ones listed by name."""
    flat, hidden, incomplete = F.flatten(row["figures"]), set(row["suppressed"]), set(row["incomplete"])
    return {
        "scope": row["scope"], "id": row["id"], "association_id": row["association_id"], "year": int(row["period"]),
        "threshold": row["threshold"], **{name: flat[cell] for name, cell, _ in PCB_REPORT},
        "suppressed": [name for name, cell, _ in PCB_REPORT if cell in hidden],
        "incomplete": [name for name, cell, _ in PCB_REPORT if cell in incomplete],
    }


def pcb_csv(rows):
    """The label's report as CSV, columns in the fixed order of PCB_CSV_HEADER: a suppressed cell reads
    `<threshold`, a cell not measured (or a median or rate of nothing) is empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PCB_CSV_HEADER)
    for row in rows:
        hidden = set(row["suppressed"])
        writer.writerow([row["scope"], row["id"], row["association_id"] or "", row["year"],
                         ";".join(row["incomplete"]),
                         *(f"<{row['threshold']}" if name in hidden else _cell(row[name]) for name in PCB_COLUMNS)])
    return out.getvalue()
