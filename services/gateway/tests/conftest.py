"""Fixtures of the gateway's tests: its database without a broker (unit tests), and the running stack the
pages and the API sit on (gateway, accueil, reporting as real containers on this test's vhost), with the
demo's accounts created through the gateway's real RPC."""
import datetime as dt
from dataclasses import dataclass

import pytest
import requests
from nameko.standalone.rpc import ClusterRpcProxy

from scripts.demo import gateway as demo
from services.accueil.service import AccueilService
from services.gateway.service import MIGRATIONS, GatewayService
from services.reporting.service import ReportingService
from shared.db import Storage
from shared.errors import NotFound
from tests.helpers import free_port, wait_for

PASSWORDS = {a["login"]: a["password"] for a in demo.ACCOUNTS}
SECRET = "test-secret-of-the-gateway-tests"


@pytest.fixture
def storage(tmp_path):
    store = Storage(f"sqlite:///{tmp_path}/gateway.db", MIGRATIONS, "pimms-lyon")
    yield store
    store.dispose()


@dataclass
class Stack:
    base: str
    rpc_config: dict
    citizen_id: int

    def url(self, path):
        return self.base + path

    def login(self, login):
        """An API session of a demo account: requests with its bearer token."""
        answer = requests.post(self.url("/api/login"), json={"login": login, "password": PASSWORDS[login]})
        assert answer.status_code == 200, answer.text
        session = requests.Session()
        session.headers["Authorization"] = "Bearer " + answer.json()["token"]
        session.token = answer.json()["token"]
        return session

    def rpc(self):
        return ClusterRpcProxy(self.rpc_config, timeout=10)


@pytest.fixture
def stack(container_factory, service_config, web_config, web_config_port, rabbit_config):
    accueil_port = free_port()
    container_factory(ReportingService, service_config(
        "reporting", ALLOW_EXACT_FIGURES=True, CLOSE_CHECK_INTERVAL=3600, ASSOCIATION_ID="pimms-lyon")).start()
    container_factory(AccueilService, service_config(
        "accueil", ASSOCIATION_ID="pimms-lyon", WEB_SERVER_ADDRESS=f"127.0.0.1:{accueil_port}")).start()
    container_factory(GatewayService, service_config(
        "gateway", ASSOCIATION_ID="pimms-lyon", TOKEN_SECRET=SECRET, TOKEN_LIFETIME_MINUTES=60,
        RPC_TIMEOUT_SECONDS=5, SERVICE_URLS={"accueil": f"http://127.0.0.1:{accueil_port}"},
        **web_config)).start()
    yesterday = dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=1)
    with ClusterRpcProxy(rabbit_config, timeout=10) as rpc:
        played = demo.play(rpc, yesterday, f"http://127.0.0.1:{web_config_port}")  # accounts, a named visit

        def demo_visit_counted():  # tests read figures: the visit's event must have reached reporting
            try:
                desk = rpc.reporting.figures("desk", "lyon-8", str(yesterday.year), True)
            except NotFound:
                return False
            return desk["figures"]["visits"]["total"] >= 1

        wait_for(demo_visit_counted, message="reporting to count the demo's visit")
    return Stack(f"http://127.0.0.1:{web_config_port}", rabbit_config, played["citizen_id"])
