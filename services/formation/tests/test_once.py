"""Formation's changes done once per idempotency key: a training session or a hiring sent again after a
lost answer is recorded and published once."""
from services.formation.models import Agent, Training
from services.formation.tests.test_rules import hire, work
from tests.kit import count, published

TRAINING = {"week": "2025-W37", "hours": 3.5, "kind": "training", "topic": "mediation", "provider": "union-pimms"}


def test_a_training_sent_again_with_its_key_is_one_training(formation, storage):
    agent = hire(formation)
    work(formation, agent)
    request = {**TRAINING, "agent_id": agent["agent_id"], "idempotency_key": "desk:training-1"}
    first = formation.log_training(request)
    assert formation.log_training(request) == first
    assert count(storage, Training) == 1
    assert len(published(storage, "formation.training_logged")) == 1


def test_a_hiring_sent_again_with_its_key_is_one_agent_even_with_a_generated_id(formation, storage):
    first = hire(formation, idempotency_key="manager:hire-1")
    again = hire(formation, idempotency_key="manager:hire-1")
    assert again["agent_id"] == first["agent_id"] and count(storage, Agent) == 1
