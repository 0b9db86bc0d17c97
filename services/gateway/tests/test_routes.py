"""The gateway's routes alone: its container runs on the test's broker and database, and accueil and
reporting are fakes put in place of its `backends` with nameko's `replace_dependencies`. What the gateway
sends them, and what it answers for what they answer, is read off the fakes, with no other service started."""
import datetime as dt
import re
from types import SimpleNamespace

import pytest
import requests
from nameko.testing.services import entrypoint_hook, replace_dependencies

from scripts.demo import gateway as demo
from services.gateway.backends import Services
from services.gateway.errors import Unavailable
from services.gateway.service import GatewayService
from services.gateway.tests.conftest import PASSWORDS, SECRET
from services.gateway.tests.test_pages import csrf, logged_in
from shared.errors import InvalidRequest, NotFound

VISIT = {"motif": {"kind": "partenaire", "partner": "edf"}, "acts": [{"kind": "explanation"}]}
CLOSE = {"registres": ["understanding"], "outcome": "resolved", "duration_min": 15}
LYON_8_VISIT = "8f0c1d2e-0000-4000-8000-000000000008"
LYON_9_VISIT = "9f0c1d2e-0000-4000-8000-000000000009"


def visit(visit_id, pimms_id, status="open"):
    return {"visit_id": visit_id, "pimms_id": pimms_id, "agent_id": "agent-lyon8", "status": status,
            "opened_at": "2026-03-02T09:00:00+00:00", "closed_at": None, "motif": VISIT["motif"], "acts": [],
            "participants": [], "registres": [], "waiting_min": None, "duration_min": None, "outcome": None}


class FakeAccueil:
    """Accueil as the gateway sees it: every request kept in `calls`, visits answered from `visits`."""

    def __init__(self, *visits):
        self.calls = []
        self.visits = {v["visit_id"]: v for v in visits}

    def open_visit(self, request):
        self.calls.append(("open_visit", request))
        return visit("0d5e2c1a-0000-4000-8000-000000000001", request["pimms_id"])

    def get_visit(self, visit_id):
        self.calls.append(("get_visit", visit_id))
        if visit_id not in self.visits:
            raise NotFound(f"no visit {visit_id}")
        return self.visits[visit_id]

    def close_visit(self, request):
        self.calls.append(("close_visit", request))
        return {**self.visits[request["visit_id"]], "status": "closed"}

    def list_visits(self, query):
        self.calls.append(("list_visits", query))
        return [v for v in self.visits.values() if v["pimms_id"] == query["pimms_id"]]

    def list_cases(self, query):
        self.calls.append(("list_cases", query))
        return []

    def list_dossiers(self, query):
        self.calls.append(("list_dossiers", query))
        return []

    def list_tickets(self, query):
        self.calls.append(("list_tickets", query))
        return []

    def sent(self, method):
        return [request for name, request in self.calls if name == method]


class FakeReporting:
    """Reporting's figures: one row for every scope and period, or InvalidRequest for exact ones when
    `exact_allowed` is false, as reporting answers with ALLOW_EXACT_FIGURES off."""

    def __init__(self, exact_allowed=True):
        self.asked, self.exact_allowed = [], exact_allowed

    def figures(self, scope, id_, period, exact):
        self.asked.append((scope, id_, period, exact))
        return self._row(scope, id_, period, exact)

    def figures_months(self, scope, id_, year, months, exact):
        """Each month's row, but none for February."""
        self.asked.append((scope, id_, f"{year}: {months}", exact))
        rows = [self._row(scope, id_, f"{year}-{m:02d}", exact) for m in months]
        return [None if m == 2 else row for m, row in zip(months, rows)]

    def _row(self, scope, id_, period, exact):
        if exact and not self.exact_allowed:
            raise InvalidRequest({"exact": ["exact figures are not allowed here"]})
        return {"scope": scope, "id": id_, "period": period, "exact": exact, "threshold": 5, "suppressed": [],
                "figures": {"visits": {"total": 42}}}


class Down:
    """A service that does not answer within the deadline: what `Backend` makes of it."""

    def __init__(self, name):
        self.name = name

    def __getattr__(self, method):
        def call(*args):
            raise Unavailable(f"{self.name} did not answer within 5s")
        return call


@pytest.fixture
def gateway_alone(container_factory, service_config, web_config, web_config_port):
    """Start the gateway with `accueil` and `reporting` as given; the demo's accounts created through its RPC.
    Answers what the stack fixture answers: `url(path)` and `login(login)` (an API session)."""

    def start(accueil=None, reporting=None):
        container = container_factory(GatewayService, service_config(
            "gateway", ASSOCIATION_ID="pimms-lyon", TOKEN_SECRET=SECRET, TOKEN_LIFETIME_MINUTES=60,
            RPC_TIMEOUT_SECONDS=5, **web_config))
        fakes = Services(accueil=accueil or FakeAccueil(), reporting=reporting or FakeReporting())
        replace_dependencies(container, backends=fakes)
        container.start()
        with entrypoint_hook(container, "create_account") as create_account:
            for account in demo.ACCOUNTS:
                create_account(account)
        base = f"http://127.0.0.1:{web_config_port}"
        return SimpleNamespace(url=lambda path: base + path, login=lambda login: api_session(base, login))

    return start


def api_session(base, login):
    answer = requests.post(base + "/api/login", json={"login": login, "password": PASSWORDS[login]})
    assert answer.status_code == 200, answer.text
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + answer.json()["token"]
    return session


# -- visits -------------------------------------------------------------------------------------------------------
def test_opening_a_visit_sends_accueil_the_agent_s_desk_and_agent_and_the_client_s_key_within_the_account(
        gateway_alone):
    # given an agent of lyon-8, and accueil
    accueil = FakeAccueil()
    gateway = gateway_alone(accueil=accueil)
    agent = gateway.login("agent.lyon8")
    # when they open a visit naming no desk, with a key of their own, then one without a key
    opened = agent.post(gateway.url("/api/visits"), json=VISIT, headers={"Idempotency-Key": "k-1"})
    agent.post(gateway.url("/api/visits"), json=VISIT)
    # then accueil is asked for it at their desk, as their agent, under a key no other account can share
    assert opened.status_code == 201 and opened.json()["pimms_id"] == "lyon-8"
    first, second = accueil.sent("open_visit")
    assert first == {**VISIT, "pimms_id": "lyon-8", "agent_id": "agent-lyon8",
                     "idempotency_key": "gateway:agent.lyon8:client:k-1"}
    assert re.fullmatch(r"gateway:agent\.lyon8:auto:[0-9a-f-]{36}", second["idempotency_key"])


def test_an_agent_asking_for_a_visit_at_another_desk_is_refused_before_accueil_is_asked(gateway_alone):
    # given an agent of lyon-8
    accueil = FakeAccueil()
    gateway = gateway_alone(accueil=accueil)
    agent = gateway.login("agent.lyon8")
    # when they open a visit at lyon-9
    refused = agent.post(gateway.url("/api/visits"), json={**VISIT, "pimms_id": "lyon-9"})
    # then it is a 403 and accueil heard nothing
    assert refused.status_code == 403 and refused.json()["error"] == "Forbidden"
    assert accueil.calls == []


def test_a_visit_of_another_desk_is_403_to_read_while_an_unknown_one_is_404(gateway_alone):
    # given a visit at lyon-9, and an agent of lyon-8
    accueil = FakeAccueil(visit(LYON_9_VISIT, "lyon-9"))
    gateway = gateway_alone(accueil=accueil)
    agent = gateway.login("agent.lyon8")
    # when they read it, and read a visit that does not exist
    read = agent.get(gateway.url(f"/api/visits/{LYON_9_VISIT}"))
    unknown = agent.get(gateway.url("/api/visits/7d3c1f4e-1111-4a4a-9b9b-000000000000"))
    # then the other desk's visit is forbidden and the unknown one is not found
    assert read.status_code == 403
    assert unknown.status_code == 404 and unknown.json()["error"] == "NotFound"


def test_closing_a_visit_is_one_call_whose_refusal_by_accueil_is_the_answer(gateway_alone):
    # given an accueil that refuses the visit (the real one does for a visit outside the signed account's
    # desks: tests/test_api.py), and an agent of lyon-8
    accueil = FakeAccueil(visit(LYON_9_VISIT, "lyon-9"))

    def refuse(request):
        accueil.calls.append(("close_visit", request))
        raise NotFound(f"no visit {request['visit_id']}")
    accueil.close_visit = refuse
    gateway = gateway_alone(accueil=accueil)
    agent = gateway.login("agent.lyon8")
    # when they close it
    close = agent.post(gateway.url(f"/api/visits/{LYON_9_VISIT}/close"), json=CLOSE)
    # then accueil was asked once, with nothing read before, and its refusal is the answer
    assert close.status_code == 404 and close.json()["error"] == "NotFound"
    assert [name for name, _ in accueil.calls] == ["close_visit"]


def test_a_manager_closes_a_visit_of_a_desk_of_their_association_with_their_key(gateway_alone):
    # given a visit at lyon-8 and the association's manager (whose desks are those of its agents)
    accueil = FakeAccueil(visit(LYON_8_VISIT, "lyon-8"))
    gateway = gateway_alone(accueil=accueil)
    manager = gateway.login("manager.lyon")
    # when they close it
    closed = manager.post(gateway.url(f"/api/visits/{LYON_8_VISIT}/close"), json=CLOSE,
                          headers={"Idempotency-Key": "close-1"})
    # then accueil is asked to close that visit with the closing as sent, under the manager's key
    assert closed.status_code == 201 and closed.json()["status"] == "closed"
    assert accueil.sent("close_visit") == [{**CLOSE, "visit_id": LYON_8_VISIT,
                                            "idempotency_key": "gateway:manager.lyon:client:close-1"}]


# -- figures ------------------------------------------------------------------------------------------------------
def test_figures_are_reporting_s_row_asked_exact_for_staff_and_suppressed_for_head_office(gateway_alone):
    # given reporting, an agent of lyon-8 and head office
    reporting = FakeReporting()
    gateway = gateway_alone(reporting=reporting)
    agent, siege = gateway.login("agent.lyon8"), gateway.login("siege")
    # when each reads lyon-8's figures of a month
    params = {"scope": "desk", "id": "lyon-8", "period": "2026-03"}
    for_agent = agent.get(gateway.url("/api/figures"), params=params)
    for_siege = siege.get(gateway.url("/api/figures"), params=params)
    # then both get reporting's row, exact for the agent only
    assert for_agent.status_code == for_siege.status_code == 200
    assert for_agent.json()["figures"]["visits"]["total"] == 42
    assert reporting.asked == [("desk", "lyon-8", "2026-03", True), ("desk", "lyon-8", "2026-03", False)]
    assert (for_agent.json()["exact"], for_siege.json()["exact"]) == (True, False)


def test_staff_get_suppressed_figures_when_reporting_refuses_exact_ones(gateway_alone):
    # given reporting that refuses exact figures (ALLOW_EXACT_FIGURES off)
    reporting = FakeReporting(exact_allowed=False)
    gateway = gateway_alone(reporting=reporting)
    # when an agent reads their desk's figures
    row = gateway.login("agent.lyon8").get(gateway.url("/api/figures"), params={
        "scope": "desk", "id": "lyon-8", "period": "2026"})
    # then they get the suppressed row, asked for again
    assert row.status_code == 200 and row.json()["exact"] is False
    assert reporting.asked == [("desk", "lyon-8", "2026", True), ("desk", "lyon-8", "2026", False)]


def test_a_year_by_month_is_one_call_to_reporting_with_the_months_begun_and_none_for_the_others(gateway_alone):
    # given reporting that refuses exact figures, and has none for February (a desk opened in March, say)
    reporting = FakeReporting(exact_allowed=False)
    gateway = gateway_alone(reporting=reporting)
    # when an agent reads their desk's months of last year, and of next year
    last_year = dt.date.today().year - 1
    answer = gateway.login("agent.lyon8").get(gateway.url("/api/figures/months"), params={
        "scope": "desk", "id": "lyon-8", "year": last_year})
    to_come = gateway.login("agent.lyon8").get(gateway.url("/api/figures/months"), params={
        "scope": "desk", "id": "lyon-8", "year": last_year + 2})
    # then reporting is asked once for the twelve months (exact, then suppressed after its refusal)
    assert answer.status_code == 200 and answer.json()["exact"] is False
    twelve = list(range(1, 13))
    assert reporting.asked[-2:] == [("desk", "lyon-8", f"{last_year}: {twelve}", True),
                                    ("desk", "lyon-8", f"{last_year}: {twelve}", False)]
    rows = answer.json()["months"]
    assert [row is None for row in rows] == [m == 2 for m in twelve]
    assert rows[0]["period"] == f"{last_year}-01" and rows[0]["figures"]["visits"]["total"] == 42
    # and months to come are not asked for at all
    assert to_come.status_code == 200 and to_come.json()["months"] == [None] * 12
    assert len(reporting.asked) == 2


def test_an_agent_reading_the_network_s_figures_is_refused_before_reporting_is_asked(gateway_alone):
    reporting = FakeReporting()
    gateway = gateway_alone(reporting=reporting)
    refused = gateway.login("agent.lyon8").get(gateway.url("/api/figures"), params={
        "scope": "network", "period": "2026"})
    assert refused.status_code == 403 and reporting.asked == []


# -- a service behind that does not answer --------------------------------------------------------------------------
def test_accueil_not_answering_is_a_503_for_the_api_and_a_french_page_for_a_person(gateway_alone):
    # given accueil down
    gateway = gateway_alone(accueil=Down("accueil"))
    # when an agent opens a visit over the API, and opens the desk page
    api = gateway.login("agent.lyon8").post(gateway.url("/api/visits"), json=VISIT)
    session, _ = logged_in(gateway, "agent.lyon8")
    desk = session.get(gateway.url("/desk"))
    # then the API says Unavailable, naming the service, and the page says so in French
    assert api.status_code == 503 and api.json()["error"] == "Unavailable" and "accueil" in api.json()["message"]
    assert desk.status_code == 503 and "Service indisponible" in desk.text


def test_reporting_not_answering_is_a_503_and_the_figures_page_says_so(gateway_alone):
    gateway = gateway_alone(reporting=Down("reporting"))
    api = gateway.login("siege").get(gateway.url("/api/figures"), params={"scope": "network", "period": "2026"})
    session, _ = logged_in(gateway, "siege")
    page = session.get(gateway.url("/figures"))
    assert api.status_code == 503 and api.json()["error"] == "Unavailable"
    assert page.status_code == 503 and "Service indisponible" in page.text


# -- the desk page ------------------------------------------------------------------------------------------------
def test_the_desk_page_asks_accueil_for_the_desk_s_day_with_the_visits_still_open(gateway_alone):
    # given a visit in progress at lyon-8
    accueil = FakeAccueil(visit(LYON_8_VISIT, "lyon-8"))
    gateway = gateway_alone(accueil=accueil)
    session, _ = logged_in(gateway, "agent.lyon8")
    # when the agent opens the desk page
    page = session.get(gateway.url("/desk"))
    # then accueil was asked for lyon-8's day, visits left open included, and the visit waits to be closed
    assert page.status_code == 200
    (query,) = accueil.sent("list_visits")
    assert query["pimms_id"] == "lyon-8" and query["still_open"] is True and re.fullmatch(r"\d{4}-\d\d-\d\d",
                                                                                         query["day"])
    assert f'action="/desk/visits/{LYON_8_VISIT}/close"' in page.text


def test_a_refused_desk_form_sends_nothing_and_shows_the_page_again_with_the_reasons(gateway_alone):
    # given an agent on the desk page
    accueil = FakeAccueil()
    gateway = gateway_alone(accueil=accueil)
    session, _ = logged_in(gateway, "agent.lyon8")
    token = csrf(session.get(gateway.url("/desk")))
    # when they record a finished visit without its duration or registres
    refused = session.post(gateway.url("/desk/visits"), data={
        "_csrf": token, "motif": "partenaire:edf", "acts": "advice", "outcome": "resolved", "action": "record"})
    # then the page comes back (400) saying why, and accueil recorded nothing
    assert refused.status_code == 400 and "Registres : choisissez-en au moins un" in refused.text
    assert accueil.sent("record_visit") == accueil.sent("open_visit") == []
