"""The gateway's `Backends` dependency for real: its proxies (the platform's RpcProxy, parts of the provider)
carry the account each request signs into its calls, and a call past RPC_TIMEOUT_SECONDS is Unavailable. A
stand-in accueil on the test's broker answers instead of the real one; `Backend`'s error mapping is checked
with no broker at all."""
import re
import time
from types import SimpleNamespace

import eventlet
import pytest
import requests
from nameko.exceptions import RemoteError, UnknownService
from nameko.testing.services import entrypoint_hook

from scripts.demo import gateway as demo
from services.gateway.backends import Backend, concurrently
from services.gateway.errors import BackendError, Unavailable
from services.gateway.service import GatewayService
from services.gateway.tests.conftest import PASSWORDS, SECRET
from shared.errors import NotFound
from shared.principal import Caller
from shared.rpc import rpc


class StandInAccueil:
    """Answers who the call acts for, as accueil reads it (verified with PRINCIPAL_KEY), or answers too late."""

    name = "accueil"
    caller = Caller()

    @rpc
    def get_visit(self, visit_id):
        principal = self.caller.principal
        return {"visit_id": visit_id, "pimms_id": "lyon-8", "read_by": principal and principal["login"]}

    @rpc
    def list_visits(self, query):
        eventlet.sleep(2)  # longer than the gateway waits
        return []


@pytest.fixture
def agent_session(container_factory, service_config, web_config, web_config_port):
    container_factory(StandInAccueil, service_config("accueil", ASSOCIATION_ID="pimms-lyon")).start()
    gateway = container_factory(GatewayService, service_config(
        "gateway", ASSOCIATION_ID="pimms-lyon", TOKEN_SECRET=SECRET, RPC_TIMEOUT_SECONDS=0.5, **web_config))
    gateway.start()
    with entrypoint_hook(gateway, "create_account") as create_account:
        create_account(demo.ACCOUNTS[0])
    base = f"http://127.0.0.1:{web_config_port}"
    token = requests.post(base + "/api/login", json={"login": "agent.lyon8", "password": PASSWORDS["agent.lyon8"]})
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + token.json()["token"]
    session.base = base
    return session


def test_each_call_through_the_backends_acts_as_the_account_of_the_request(agent_session):
    # when an agent reads a visit
    answer = agent_session.get(agent_session.base + "/api/visits/7d3c1f4e-1111-4a4a-9b9b-000000000000")
    # then accueil received the call signed for that agent, with the key they share
    assert answer.status_code == 200, answer.text
    assert answer.json()["read_by"] == "agent.lyon8"


def test_a_call_past_rpc_timeout_seconds_is_a_503_without_waiting_for_the_answer(agent_session):
    # when accueil takes 2 s to list visits and the gateway waits 0.5 s
    started = time.monotonic()
    answer = agent_session.get(agent_session.base + "/api/visits")
    # then the client is told Unavailable, naming the deadline, well before accueil would have answered
    assert answer.status_code == 503 and answer.json()["message"] == "accueil did not answer within 0.5s"
    assert time.monotonic() - started < 1.8


class Proxy:
    """An RPC proxy whose every call ends in `outcome` (an exception to raise, or a value)."""

    service_name = "accueil"

    def __init__(self, outcome):
        self.outcome = outcome

    def __getattr__(self, method):
        def result():
            if isinstance(self.outcome, Exception):
                raise self.outcome
            return self.outcome
        return SimpleNamespace(call_async=lambda *args: SimpleNamespace(result=result))


@pytest.mark.parametrize("raised, expected, says", [
    (UnknownService("accueil"), Unavailable, "accueil is not running"),
    (ConnectionResetError(), Unavailable, "the broker is away (ConnectionResetError)"),
    (RemoteError("KeyError", "'visit_id'"), BackendError, "accueil.get_visit failed: KeyError"),
])
def test_a_backend_s_failures_become_the_gateway_s_typed_errors(raised, expected, says):
    with pytest.raises(expected, match=re.escape(says) + "$"):
        Backend(Proxy(raised), 5).get_visit("v")


def test_a_typed_error_of_the_service_passes_through_and_an_answer_is_returned_as_is():
    with pytest.raises(NotFound, match="no visit v"):
        Backend(Proxy(NotFound("no visit v")), 5).get_visit("v")
    assert Backend(Proxy({"visit_id": "v"}), 5).get_visit("v") == {"visit_id": "v"}


def test_calls_made_together_answer_in_order_after_the_slowest_and_the_first_error_is_raised():
    # given three calls of different lengths, and one that fails
    def after(seconds, value):
        def call():
            eventlet.sleep(seconds)
            return value
        return call

    def refused():
        eventlet.sleep(0.05)
        raise NotFound("no visit")
    # when they run together
    started = time.monotonic()
    answers = concurrently(after(0.2, "visits"), after(0.1, "calls"), after(0.2, "dossiers"))
    took = time.monotonic() - started
    # then the answers come in the calls' order, after the slowest rather than the sum
    assert answers == ["visits", "calls", "dossiers"]
    assert took < 0.35
    with pytest.raises(NotFound):
        concurrently(after(0.1, "visits"), refused)
