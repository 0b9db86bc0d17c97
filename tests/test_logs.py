"""Logs as JSON lines for a collector when LOG_FORMAT=json (issue 19): each service's own logging
configuration selects the formatter, and a line carries the fields given with `extra=` (an event's id).
Every HTTP request and every event a service handles is one line with its own fields, and no line holds a
citizen's data, even when a client sends it in a body or a query string."""
import io
import json
import logging
import logging.config
import uuid

import pytest
import requests
from nameko.standalone.rpc import ClusterRpcProxy

from scripts.demo import gateway as demo
from services.accueil.service import AccueilService
from services.gateway.service import GatewayService
from shared.config import load_config
from shared.logs import JsonLines
from tests.helpers import free_port, publish_many, publish_raw, queue_depth, wait_for
from tests.tally.service import BatchTallyService, TallyService
from tests.test_delivery import valid_event
from tests.test_structure import ROOT, SERVICES

EVENT_FIELDS = {"ts", "level", "logger", "message", "kind", "event_type", "event_id", "outcome", "duration_ms"}
REQUEST_FIELDS = {"ts", "level", "logger", "message", "kind", "method", "path", "status", "duration_ms"}


def configured(service, monkeypatch, log_format):
    if log_format is None:
        monkeypatch.delenv("LOG_FORMAT", raising=False)
    else:
        monkeypatch.setenv("LOG_FORMAT", log_format)
    return load_config(ROOT / "services" / service / "config.yaml")["LOGGING"]


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_logs_json_lines_when_asked_and_plain_text_by_default(service, monkeypatch):
    assert configured(service, monkeypatch, None)["handlers"]["console"]["formatter"] == "plain"
    settings = configured(service, monkeypatch, "json")
    stream = io.StringIO()
    settings["handlers"]["console"]["stream"] = stream
    logging.config.dictConfig({**settings, "disable_existing_loggers": False})
    try:
        logging.getLogger(f"services.{service}").info("applied %s", "once", extra={"event_id": "e-1"})
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert (line["message"], line["level"], line["event_id"]) == ("applied once", "INFO", "e-1")
    assert line["logger"] == f"services.{service}" and line["ts"].endswith("+00:00")
    # the web server's own access line holds the query string: it is not logged (each request has its line)
    assert settings["loggers"]["nameko.web.server"] == {"level": "WARNING"}


def test_a_json_line_holds_its_exception_and_nothing_of_the_record_s_machinery():
    try:
        raise ValueError("broken")
    except ValueError:
        record = logging.getLogger("x").makeRecord("x", logging.ERROR, "f", 1, "failed", (), __import__("sys").exc_info())
    line = json.loads(JsonLines().format(record))
    assert set(line) == {"ts", "level", "logger", "message", "exception"} and "ValueError: broken" in line["exception"]


@pytest.fixture
def log_lines(monkeypatch):
    """Every line this process logs under the services' own logging configuration with LOG_FORMAT=json (the
    gateway's; the services' are alike), as JSON objects."""
    settings = configured("gateway", monkeypatch, "json")
    stream = settings["handlers"]["console"]["stream"] = io.StringIO()
    root = logging.getLogger()
    kept = root.level, list(root.handlers)
    logging.config.dictConfig({**settings, "disable_existing_loggers": False})
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    for name in settings["loggers"]:
        logging.getLogger(name).setLevel(logging.NOTSET)
    root.setLevel(kept[0])
    root.handlers[:] = kept[1]


def handled(lines, kind):
    return [line for line in lines() if line["logger"] == "pimms.handled" and line["kind"] == kind]


def outcomes(lines):
    return [(line["event_id"], line["outcome"], line.get("reason"), line.get("attempt")) for line in
            handled(lines, "event")]


def test_each_event_handled_is_one_line_with_its_type_id_outcome_and_duration(
        container_factory, service_config, rabbit_config, log_lines):
    container_factory(TallyService, service_config("tally")).start()  # EVENT_RETRY: 3 attempts
    uri, queue = rabbit_config["AMQP_URI"], "tally.accueil.workshop_held"
    good, poison = valid_event(), valid_event(agent_id="boom")  # tally's handler raises on agent "boom"
    claimed = str(uuid.uuid4())
    # when an event comes twice, a handler keeps failing on another, and two messages are not events at all
    # (each one waits for all its lines: the poison's retries go through a delay queue, so its queue is empty
    # between them, and the next message would otherwise overtake its last attempt)
    for body, lines in ((good, 1), (good, 1), (poison, 3), ({"event_id": claimed}, 1),
                        ({"event_id": "Zénobie Quarantotto"}, 1)):
        expected = len(outcomes(log_lines)) + lines
        publish_raw(uri, "accueil.workshop_held", body)
        wait_for(lambda: len(outcomes(log_lines)) >= expected and queue_depth(uri, queue) == 0, message="handled")
    wait_for(lambda: len(outcomes(log_lines)) == 7, message="7 lines")
    # then each delivery handled has its line, saying what became of it
    assert outcomes(log_lines) == [
        (good["event_id"], "applied", None, None), (good["event_id"], "duplicate", None, None),
        (poison["event_id"], "retried", "failed", 1), (poison["event_id"], "retried", "failed", 2),
        (poison["event_id"], "dead-lettered", "failed", None),
        (claimed, "dead-lettered", "invalid", None), (None, "dead-lettered", "invalid", None)]
    lines = handled(log_lines, "event")
    assert all(line["event_type"] == "accueil.workshop_held" and line["level"] == "INFO" for line in lines)
    assert all(set(line) == EVENT_FIELDS | ({"reason", "attempt"} & set(line)) for line in lines)
    assert all(isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0 for line in lines)
    assert lines[0]["message"].startswith(f"accueil.workshop_held {good['event_id']} applied ")
    # and what a message claimed as its id is logged only if it is an id
    assert not [line for line in log_lines() if "Zénobie" in json.dumps(line, ensure_ascii=False)]


def test_a_batch_consumer_logs_each_event_of_a_batch_with_its_own_outcome(
        container_factory, service_config, rabbit_config, log_lines):
    container_factory(BatchTallyService, service_config("batch_tally", EVENT_PREFETCH=100)).start()
    first, second = valid_event(), valid_event()
    publish_raw(rabbit_config["AMQP_URI"], "accueil.workshop_held", first)
    wait_for(lambda: len(outcomes(log_lines)) == 1, message="the first event's line")
    # a batch holding a duplicate and a new event (one batch when they arrive within its 50 ms)
    publish_many(rabbit_config["AMQP_URI"], "accueil.workshop_held", [first, second])
    wait_for(lambda: len(outcomes(log_lines)) == 3, message="3 lines")
    assert outcomes(log_lines) == [(first["event_id"], "applied", None, None),
                                   (first["event_id"], "duplicate", None, None),
                                   (second["event_id"], "applied", None, None)]


@pytest.fixture
def gateway(container_factory, service_config, web_config, web_config_port, rabbit_config):
    accueil_port = free_port()
    container_factory(AccueilService, service_config(
        "accueil", ASSOCIATION_ID="pimms-lyon", WEB_SERVER_ADDRESS=f"127.0.0.1:{accueil_port}")).start()
    container_factory(GatewayService, service_config(
        "gateway", ASSOCIATION_ID="pimms-lyon", TOKEN_SECRET="test-secret-of-the-log-tests",
        TOKEN_LIFETIME_MINUTES=60, RPC_TIMEOUT_SECONDS=5,
        SERVICE_URLS={"accueil": f"http://127.0.0.1:{accueil_port}"}, **web_config)).start()
    with ClusterRpcProxy(rabbit_config, timeout=10) as rpc:
        rpc.gateway.create_account(demo.ACCOUNTS[0])  # agent.lyon8, at desk lyon-8
    return f"http://127.0.0.1:{web_config_port}"


def test_each_request_is_one_line_with_its_route_status_and_duration_and_no_citizen_s_data(gateway, log_lines):
    agent = demo.ACCOUNTS[0]
    citizen = {"first_name": "Zénobie", "last_name": "Quarantotto", "phone": "+33 6 12 34 56 78"}
    # when an agent logs in, records a visit of a named citizen, and searches with her name in the query string
    login = requests.post(f"{gateway}/api/login", json={"login": agent["login"], "password": agent["password"]},
                          headers={"X-Request-Id": "req-0001"})
    assert login.status_code == 200, login.text
    bearer = {"Authorization": "Bearer " + login.json()["token"]}
    visit = requests.post(f"{gateway}/api/visits", headers=bearer, json={
        "motif": {"kind": "generaliste", "domain": "caf"}, "acts": [{"kind": "information"}],
        "participants": [{"citizen": {**citizen, "consent": {
            "given_at": "2026-11-23T09:00:00+00:00", "channel": "oral", "purposes": ["follow_up", "contact"]}}}]})
    assert visit.status_code == 201, visit.text
    visit_id = visit.json()["visit_id"]
    assert requests.get(f"{gateway}/api/visits/{visit_id}", headers=bearer).status_code == 200
    searched = requests.get(f"{gateway}/api/visits", headers=bearer,
                            params={"status": "Quarantotto", "q": citizen["phone"]})
    refused = requests.post(f"{gateway}/api/visits", json={"participants": [{"citizen": citizen}]},
                            headers={"X-Request-Id": "Zénobie Quarantotto"})  # no credential; no id either
    # then each request has its line: the route's template, never the URL asked for
    lines = wait_for(lambda: len(handled(log_lines, "request")) == 5 and handled(log_lines, "request"),
                     message="5 request lines")
    assert [(line["method"], line["path"], line["status"], line.get("request_id")) for line in lines] == [
        ("POST", "/api/login", 200, "req-0001"), ("POST", "/api/visits", 201, None),
        ("GET", "/api/visits/<string:visit_id>", 200, None), ("GET", "/api/visits", searched.status_code, None),
        ("POST", "/api/visits", refused.status_code, None)]
    assert refused.status_code == 401
    assert all(set(line) == REQUEST_FIELDS | ({"request_id"} & set(line)) for line in lines)
    assert all(isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0 for line in lines)
    assert lines[1]["message"].startswith("POST /api/visits 201 ")
    # and no line of any logger holds the citizen's data or the password
    everything = [json.dumps(line, ensure_ascii=False) for line in log_lines()]
    for secret in [*citizen.values(), "Zénobie", "Quarantotto", agent["password"], str(visit_id) + "?"]:
        assert not [line for line in everything if secret in line], secret
