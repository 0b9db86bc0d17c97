"""Formation's entries in the register of processing (shared/register.py): the association's own agents
médiateurs, as their employer. Their name is what identifies them, kept until AGENT_RETENTION_MONTHS after the
exit; what the figures count of them (gender, contract, hours, the exit's outcome) stays, tied to a code only.
The rows of work weeks, trainings and milestones describe the work done and are personal through their
agent_id, declared as such, as accueil declares a visit's agent."""
from shared.register import EMPLOYMENT, Personal

AGENT = "an agent médiateur (an employee of the association on an integration contract)"
READERS = "the association's managers, through the gateway"
ERASED = ("AGENT_RETENTION_MONTHS (60) after the agent's exit, then erased by the daily job (purge_identities); "
          "kept while the agent is employed")
KEPT_FOR_FIGURES = ("kept after the name is erased, tied to the agent's code only, so that past years' figures "
                    "stay the same")

IDENTITY = Personal(AGENT, "first and last name, as given at hiring",
                    "know who is who in the team: each agent's work time, training and qualification path, exit",
                    EMPLOYMENT, ERASED, READERS)
PROFILE = Personal(AGENT, "gender category and kind of contract (adulte-relais, PEC, CDD d'insertion...)",
                   "the network's figures on its agents (share of women, contracts) and the franchise's training "
                   "floor", EMPLOYMENT, KEPT_FOR_FIGURES,
                   READERS + "; reporting and head office as counts (both travel in formation.agent_hired)")
EMPLOYMENT_PATH = Personal(AGENT, "weekly hours, hiring and exit days, what the agent left for (CDI, training, "
                           "job search...) and whether it is a sortie positive",
                           "follow the integration contract to its end and count sorties positives, the network's "
                           "outcome figure", EMPLOYMENT, KEPT_FOR_FIGURES,
                           READERS + "; reporting and head office as counts (formation.agent_exited)")
AGENT_CODE = Personal(AGENT + ", pseudonymous", "the agent's code: the association's staff code or one made up at "
                      "hiring, never built from a name",
                      "tie the agent's weeks, trainings and milestones together and to the events, without a name",
                      EMPLOYMENT, "kept with the rows it ties; once the name is erased, linkable to a person only "
                      "through the association's own staff records",
                      READERS + "; reporting and franchise receive it in formation's events")

PERSONAL = {
    "agents.first_name": IDENTITY, "agents.last_name": IDENTITY,
    "agents.gender": PROFILE, "agents.contract_type": PROFILE,
    "agents.weekly_minutes": EMPLOYMENT_PATH, "agents.hired_on": EMPLOYMENT_PATH,
    "agents.exited_on": EMPLOYMENT_PATH, "agents.exit_outcome": EMPLOYMENT_PATH,
    "agents.exit_contract_months": EMPLOYMENT_PATH, "agents.exit_positive": EMPLOYMENT_PATH,
    "agents.id": AGENT_CODE, "work_weeks.agent_id": AGENT_CODE, "trainings.agent_id": AGENT_CODE,
    "milestones.agent_id": AGENT_CODE,
}
NOT_PERSONAL = {
    "agents": ("pimms_id", "created_at", "identity_erased_at"),
    "work_weeks": ("week_start", "minutes", "revision", "logged_at"),
    "trainings": ("id", "week_start", "minutes", "kind", "topic", "provider", "logged_at"),
    "milestones": ("id", "kind", "reached_on", "recorded_at"),
}
