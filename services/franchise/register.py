"""Franchise's entries in the register of processing (shared/register.py): head office's register of
associations, desks and contracts names organisations, not people. What it holds of people: agents médiateurs
by their code only (the hours compliance counts, and the codes under the training floor on a desk's card),
never a name, which stays in the association's formation service; and whatever head office writes in a
contract's note, free text that may name someone."""
from shared.register import PUBLIC_TASK, Personal

HEAD_OFFICE = "the network's head office (tête de réseau), which runs the franchise"
HEAD_OFFICE_STAFF = "head office's staff, through the scorecard and contract RPCs"
CONTRACT_HISTORY = "head office's legitimate interest in a complete history of its franchise contracts (art. 6.1.f)"

AGENT_CODE = Personal("an agent médiateur of an association, pseudonymous: franchise never holds a name",
                      "the agent's code, with their hours worked and trained per ISO week at a desk, or on the "
                      "desk's card among the agents under the training floor",
                      "check each desk against its contract's training floor (compliance, norm XP X60-600)",
                      PUBLIC_TASK, "kept: nothing deletes it yet (compliance reads only the last 365 days); "
                      "linkable to a person by the association only (its formation service holds the name until "
                      "AGENT_RETENTION_MONTHS after the agent's exit)", HEAD_OFFICE_STAFF, owner=HEAD_OFFICE)
NOTE = Personal("whoever head office names in a note on a contract (the association's representatives, its own "
                "staff)", "free text, up to 500 characters, written with a signature, an amendment or a change "
                "of status", "say why a contract changed, in its history", CONTRACT_HISTORY,
                "kept with the contract's history", HEAD_OFFICE_STAFF, owner=HEAD_OFFICE)

PERSONAL = {
    "agent_weeks.agent_id": AGENT_CODE, "desk_standings.card": AGENT_CODE,
    "contract_revisions.note": NOTE,
}
NOT_PERSONAL = {
    "associations": ("id", "label", "registered_at"),
    "desks": ("id", "association_id", "label", "registered_at"),
    "contracts": ("id", "association_id", "status", "revision", "mandates", "training_floor_pct", "valid_from",
                  "valid_to", "signed_at", "updated_at"),
    "contract_desks": ("contract_id", "pimms_id", "covered_since"),
    "conventions": ("id", "contract_id", "partner", "scope", "valid_from", "valid_to"),
    "contract_revisions": ("id", "association_id", "contract_id", "revision", "change", "terms", "changed_at"),
    "registre_uses": ("pimms_id", "registre", "last_used_on"),
    "agent_weeks": ("pimms_id", "week_start", "worked_hours", "work_revision", "training_hours"),
    "figures_received": ("association_id", "month", "first_sent_at"),
    "desk_standings": ("pimms_id", "status", "evaluated_at"),
}
