"""Formation's business metrics, declared once: agents hired and gone, and training hours (never an
agent's identity). Served by the service's GET /metrics with the platform's own."""
from shared.metrics import counter

AGENTS_HIRED = counter("pimms_agents_hired_total", "Agents médiateurs hired", ["contract_type"])
AGENTS_EXITED = counter("pimms_agents_exited_total", "Agents médiateurs who left, by outcome",
                        ["outcome", "positive"])
TRAINING_HOURS = counter("pimms_training_hours_total", "Hours of training logged", ["kind"])
