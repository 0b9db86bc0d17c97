"""Formation's business metrics, declared once: agents hired and gone, training hours, and former agents'
names erased (never an agent's identity). Served by the service's GET /metrics with the platform's own."""
from shared.metrics import counter

AGENTS_HIRED = counter("pimms_agents_hired_total", "Agents médiateurs hired", ["contract_type"])
AGENTS_EXITED = counter("pimms_agents_exited_total", "Agents médiateurs who left, by outcome",
                        ["outcome", "positive"])
TRAINING_HOURS = counter("pimms_training_hours_total", "Hours of training logged", ["kind"])
# the daily retention: a run that erased nothing still counts, so a stopped timer shows as a flat line
AGENT_RETENTION_RUNS = counter("pimms_agent_retention_runs_total", "Runs of the retention of former agents' names")
AGENT_IDENTITIES_ERASED = counter("pimms_agent_identities_erased_total",
                                  "Former agents whose name was erased after AGENT_RETENTION_MONTHS")
