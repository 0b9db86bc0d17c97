"""The partner statement: what a desk did in one campaign, and what the partner is billed for. Counts by
outcome, attempts by channel, acts, and for each of the partner's references its outcome: nothing more
about the person. Frozen at the campaign's close, so it outlives the purge of identities; its partner
references are removed some time after it was sent (`without_references`), its counts never change.

No database: `build` folds the facts the store reads (store.statement_facts) into the document, and
`render_csv` writes it for the partner's billing system."""
import csv
import datetime as dt
import io
from typing import NamedTuple

from shared.contracts.mediation_sortante import ACTS, CHANNELS, STATEMENT_OUTCOMES

# The CSV's columns, in this order, for good: partners load the file into their billing systems.
COLUMNS = ("campaign_id", "partner", "section", "key", "count", "outcome", "resolved_on")
TOTALS = ("contacts", "open_cases", "attempts", "reached", "acts")


class CaseLine(NamedTuple):
    """One case as the statement tells it: the partner's reference, never the person."""

    partner_ref: str | None
    outcome: str | None  # None while the case is open
    acts: list | None
    resolved_at: dt.datetime | None  # aware, in UTC
    attempts: int


def build(campaign, cases, by_channel, association_id):
    """The statement of `campaign` (rules.CampaignFacts) from its cases (CaseLine) and its attempts by
    channel (`{channel: (attempts, reached)}`, channels without any left out)."""
    outcomes = {outcome: 0 for outcome in STATEMENT_OUTCOMES}
    acts = {act: 0 for act in ACTS}
    for row in cases:
        if row.outcome is not None:
            outcomes[row.outcome] += 1
        for act in row.acts or ():
            acts[act] += 1
    attempts = {channel: by_channel.get(channel, (0, 0))[0] for channel in CHANNELS}
    reached = {channel: by_channel.get(channel, (0, 0))[1] for channel in CHANNELS}
    return {
        "campaign_id": campaign.id, "partner": campaign.partner, "association_id": association_id,
        "pimms_id": campaign.pimms_id, "label": campaign.label, "channels": list(campaign.channels),
        "max_attempts": campaign.max_attempts, "opened_at": _iso(campaign.opened_at),
        "closed_at": _iso(campaign.closed_at), "final": campaign.status == "closed",
        "totals": {
            "contacts": len(cases), "open_cases": sum(1 for row in cases if row.outcome is None),
            "attempts": sum(attempts.values()), "reached": sum(reached.values()), "acts": sum(acts.values()),
        },
        "outcomes": outcomes, "attempts": attempts, "reached": reached, "acts": acts,
        "cases": sorted(({
            "partner_reference": row.partner_ref, "outcome": row.outcome, "attempts": row.attempts,
            "resolved_on": row.resolved_at.date().isoformat() if row.resolved_at else None,
        } for row in cases), key=lambda c: c["partner_reference"] or ""),
    }


def render_csv(doc):
    """One row per figure (`section`, `key`, `count`), then one per case (`key` is the partner's reference,
    `count` its attempts). Separated by ';', which a French Excel opens as columns."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)

    def put(section, key, count, outcome=None, resolved_on=None):
        writer.writerow([doc["campaign_id"], doc["partner"], section, key, count, outcome or "", resolved_on or ""])

    for key in TOTALS:
        put("total", key, doc["totals"][key])
    for outcome in STATEMENT_OUTCOMES:
        # statements frozen before `expired` existed have no such key: none of their cases expired
        put("outcome", outcome, doc["outcomes"].get(outcome, 0))
    for channel in CHANNELS:
        put("attempts", channel, doc["attempts"][channel])
    for channel in CHANNELS:
        put("reached", channel, doc["reached"][channel])
    for act in ACTS:
        put("act", act, doc["acts"][act])
    for row in doc["cases"]:
        put("case", row["partner_reference"], row["attempts"], row["outcome"], row["resolved_on"])
    return out.getvalue()


def without_references(doc, at):
    """The statement as it stays once the partner has had it long enough: each case keeps its outcome,
    attempts and day, loses the partner's reference (which names one of the partner's customers); every count
    and total is the same. `partner_references_purged_at` tells a reader why the references are empty."""
    return {**doc, "partner_references_purged_at": at.isoformat(),
            "cases": [{**case, "partner_reference": None} for case in doc["cases"]]}


def _iso(moment):
    return None if moment is None else moment.isoformat()
