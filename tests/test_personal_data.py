"""Personal data of citizens stays in accueil's database: no event schema has a field that could carry it,
and no event published during a day with named citizens contains any of their data."""
import json
from pathlib import Path

from kombu import Connection, Queue
from marshmallow import fields, validate
from nameko.standalone.rpc import ServiceRpcProxy

from services.accueil.service import AccueilService
from shared import contracts, envelope, topology
from tests.helpers import acting_as, drain, wait_for

ROOT = Path(__file__).parents[1]
PERSONAL_WORDS = {"name", "firstname", "lastname", "phone", "email", "mail", "address", "birth", "comment",
                  "comments", "note", "notes", "text", "gender", "age", "commune", "citizen", "identity"}
# Agents are employees counted in the network's statistics (share of women), not citizens.
ALLOWED = {("formation.agent_hired", "gender")}
contracts.load_all()  # every event schema registered


def walk(schema, path=""):
    for name, field in schema.fields.items():
        yield f"{path}{name}", field
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            yield from walk(inner.schema, f"{path}{name}.")


def test_there_are_event_schemas_to_inspect():
    assert ("accueil.visit_closed", 1) in envelope.EVENTS and len(envelope.EVENTS) >= 2


def test_no_event_schema_has_a_personal_or_free_text_field():
    for (event_type, version), schema_cls in envelope.EVENTS.items():
        for path, field in walk(schema_cls()):
            words = set(path.rsplit(".", 1)[-1].split("_"))
            if (event_type, path) not in ALLOWED:
                assert not words & PERSONAL_WORDS, f"{event_type}: {path} looks personal"
            field = field.inner if isinstance(field, fields.List) else field
            if type(field) is fields.String:
                bounded = [v for v in field.validators if isinstance(v, (validate.OneOf, validate.Regexp))]
                assert bounded, f"{event_type} v{version}: {path} is free text"


def test_no_published_event_carries_a_citizens_data(container_factory, service_config, rabbit_config):
    uri = rabbit_config["AMQP_URI"]
    with Connection(uri) as conn:
        channel = conn.channel()
        topology.declare_publishing(channel)
        Queue("everything", exchange=topology.events_exchange, routing_key="#", durable=True)(channel).declare()
    container_factory(AccueilService, service_config("accueil")).start()
    identity = {"first_name": "Zénobie", "last_name": "Quarantotto", "phone": "+33 6 12 34 56 78",
                "email": "zenobie.q@example.org"}
    consent = {"given_at": "2026-11-23T09:00:00+00:00", "channel": "written", "purposes": ["follow_up", "contact"]}
    with ServiceRpcProxy("accueil", rabbit_config, context_data=acting_as()) as rpc:
        visit = rpc.open_visit({"pimms_id": "lyon-8", "agent_id": "agent-1",
                                "motif": {"kind": "generaliste", "domain": "caf"},
                                "participants": [{"gender": "female", "age_band": "41_60", "commune": "69388",
                                                  "citizen": {**identity, "consent": consent}},
                                                 {"gender": "male", "age_band": "over_75", "commune": "69123"}]})
        rpc.add_act({"visit_id": visit["visit_id"], "kind": "letter"})
        rpc.close_visit({"visit_id": visit["visit_id"], "registres": ["understanding"], "outcome": "resolved"})
        rpc.record_workshop({"pimms_id": "lyon-8", "agent_id": "agent-1", "theme": "budget", "attendees": 9,
                             "held_on": "2026-11-20", "duration_min": 90, "registres": ["collective"]})
    published = wait_for(lambda: (m := drain(uri, "everything")) and len(m) == 2 and m, message="2 events")
    for body, _ in published:
        text = json.dumps(body, ensure_ascii=False)
        for value in [*identity.values(), "Zénobie", "69388", "69123", "female", "41_60", "over_75"]:
            assert value not in text, f"{body['type']} carries {value!r}"
