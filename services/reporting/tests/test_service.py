"""Reporting running for real against the local RabbitMQ: it counts what accueil (a real container)
publishes, closes a month onto the bus, serves HTTP JSON and CSV, and at head office replaces a period's
revision instead of adding it."""
import datetime as dt
import json
import uuid

from kombu import Connection
from nameko.standalone.rpc import ServiceRpcProxy

from services.accueil.service import AccueilService
from services.reporting import figures as F
from services.reporting.projectors import measured_sections
from services.reporting.service import ReportingService
from shared import deadletters, envelope, topology
from tests.helpers import drain, publish_raw, wait_for

UTC = dt.timezone.utc


def probe(uri, *event_types):
    """A queue per event type, bound before anything is published, to read what went on the bus."""
    with Connection(uri) as conn:
        topology.declare_service(conn.channel(), "probe", list(event_types))


def reporting_config(service_config, **overrides):
    settings = {"ALLOW_EXACT_FIGURES": True, "SUPPRESSION_THRESHOLD": 5, "CLOSE_CHECK_INTERVAL": 3600,
                "CLOSE_AFTER_HOURS": 0, **overrides}
    return service_config("reporting", **settings)


def this_month():
    now = dt.datetime.now(UTC)
    return f"{now.year:04d}-{now.month:02d}"


def test_reporting_counts_the_visits_accueil_closes_and_publishes_the_closed_month(
        container_factory, service_config, rabbit_config):
    uri = rabbit_config["AMQP_URI"]
    probe(uri, "reporting.period_closed")
    # given reporting runs before accueil publishes anything
    container_factory(ReportingService, reporting_config(service_config)).start()
    container_factory(AccueilService, service_config("accueil")).start()
    today = dt.datetime.now(UTC).date()
    with ServiceRpcProxy("accueil", rabbit_config) as accueil:
        for i in range(6):
            visit = accueil.open_visit({"pimms_id": "lyon-8", "agent_id": "agent-1", "waiting_min": 4,
                                        "motif": {"kind": "partenaire", "partner": "edf"}})
            accueil.add_act({"visit_id": visit["visit_id"], "kind": "explanation"})
            accueil.close_visit({"visit_id": visit["visit_id"], "registres": ["understanding"],
                                 "outcome": "resolved", "duration_min": 20})
        accueil.record_workshop({"pimms_id": "lyon-8", "agent_id": "agent-2", "theme": "digital",
                                 "held_on": today.isoformat(), "attendees": 9, "duration_min": 90,
                                 "registres": ["collective"]})
    with ServiceRpcProxy("reporting", rabbit_config) as reporting:
        def counted():
            figures = reporting.figures("desk", "lyon-8", this_month(), exact=True)["figures"]
            return figures["visits"]["total"] == 6 and figures["workshops"]["sessions"] == 1 and figures
        figures = wait_for(counted, message="6 visits and a workshop counted")
        assert figures["acts"]["by_kind"]["explanation"] == 6 and figures["people"]["received"] == 6
        assert figures["durations"]["waiting_min_mean"] == 4.0 and figures["workshops"]["attendees"] == 9
        # when the month is closed
        result = reporting.close_period(this_month())
    assert [p["revision"] for p in result["published"]] == [1, 1]
    messages = wait_for(lambda: (m := drain(uri, "probe.reporting.period_closed")) and len(m) >= 4 and m,
                        message="4 period_closed events")
    events = [envelope.load(body) for body, _ in messages]  # every one obeys the schema
    assert sorted((e.payload["period"], e.pimms_id or "") for e in events) == sorted(
        [(this_month(), ""), (this_month(), "lyon-8"), (this_month()[:4], ""), (this_month()[:4], "lyon-8")])
    assert all(e.association_id == "pimms-test" for e in events)
    assert all("visitor" not in json.dumps(body) for body, _ in messages)


def test_http_serves_figures_csv_exports_and_json_errors(container_factory, service_config, web_config,
                                                         web_session, rabbit_config):
    container_factory(ReportingService, reporting_config(service_config, **web_config)).start()
    when = dt.datetime(2026, 10, 5, 10, tzinfo=UTC)
    for i in range(7):
        publish_raw(rabbit_config["AMQP_URI"], "accueil.visit_closed", envelope.build("accueil.visit_closed", {
            "visit_id": uuid.uuid4(), "agent_id": "agent-1",
            "visitors": [{"visitor_ref": f"{i:032x}", "first_visit": True}],
            "motif": {"kind": "generaliste", "partner": None, "domain": "caf"}, "acts": ["advice"],
            "registres": ["presence"], "outcome": "resolved", "waiting_min": None, "duration_min": 10,
            "opened_at": when, "closed_at": when}, association_id="pimms-test", pimms_id="lyon-8", occurred_at=when))
    query = {"scope": "association", "id": "pimms-test", "period": "2026-10"}
    body = wait_for(lambda: (r := web_session.get("/figures", params=query).json())
                    and r["figures"]["visits"]["total"] == 7 and r, message="7 visits over HTTP")
    assert body["figures"]["visits"]["by_domain"]["caf"] == 7 and body["exact"] is False

    csv_export = web_session.get("/exports", params={**query, "format": "csv"})
    assert csv_export.status_code == 200 and csv_export.headers["Content-Type"].startswith("text/csv")
    assert csv_export.text.splitlines()[0].startswith("scope,id,association_id,period,people.received,")
    assert len(csv_export.text.splitlines()) == 3  # the association and its desk
    assert web_session.get("/exports", params=query).json()["rows"][0]["figures"]["acts"]["total"] == 7
    assert web_session.get("/annual-report", params={"year": "2026", "scope": "desk", "id": "lyon-8"}
                           ).json()["visits"] == 7

    bad = web_session.get("/figures", params={**query, "period": "October"})
    assert bad.status_code == 400 and "period" in bad.json()["fields"]
    assert web_session.get("/exports", params={**query, "format": "pdf"}).status_code == 400
    assert web_session.get("/figures", params={**query, "colour": "blue"}).status_code == 400
    assert web_session.get("/figures", params={"scope": "desk", "id": "nowhere", "period": "2026-10"}
                           ).status_code == 404
    closed = web_session.post("/periods/2026-10/close")
    assert closed.status_code == 201 and closed.json()["published"][0]["revision"] == 1
    assert web_session.post("/rebuild").json()["events"] == 7
    metrics = web_session.get("/metrics").text
    assert 'pimms_reporting_events_applied_total{event_type="accueil.visit_closed"} 7.0' in metrics
    assert 'pimms_reporting_periods_closed_total{period_kind="month",revision="first"} 1.0' in metrics
    assert "pimms_reporting_rebuild_duration_seconds_count 1.0" in metrics


def period_closed(visits, revision, association_id="pimms-lyon", pimms_id=None, period="2026-10"):
    figures = F.nest(F.complete({"visits.total": visits, "visits.partenaire": visits, "visits.by_partner.edf": visits},
                                {"people.received": visits}, measured_sections(), {"desks": 1, "associations": 1}))
    return envelope.build("reporting.period_closed", {
        "period": period, "revision": revision, "threshold": 5, "figures": figures, "suppressed": []},
        association_id=association_id, pimms_id=pimms_id)


def test_head_office_replaces_a_revised_period_and_ignores_activity_events(
        container_factory, service_config, rabbit_config):
    uri = rabbit_config["AMQP_URI"]
    container_factory(ReportingService, reporting_config(service_config, HEAD_OFFICE=True)).start()
    for doc in (period_closed(40, 1), period_closed(55, 1, "pimms-paris"), period_closed(43, 2),
                period_closed(40, 1)):  # a late copy of lyon's first revision comes last
        publish_raw(uri, "reporting.period_closed", doc)
    with ServiceRpcProxy("reporting", rabbit_config) as reporting:
        national = wait_for(lambda: (f := reporting.figures("network", None, "2026-10"))
                            and reporting.status()["received_periods"] == 2
                            and f["figures"]["visits"]["total"] == 98 and f, message="98 = 43 + 55")
        assert national["figures"]["associations"] == 2
        assert reporting.figures("association", "pimms-lyon", "2026-10")["revision"] == 2
    # an association's activity never reaches head office's reporting: no queue of it there
    publish_raw(uri, "accueil.workshop_held", {"not": "consumed"})
    wait_for(lambda: deadletters.list_letters(uri, unrouted=True), message="the activity event left unrouted")


def test_an_associations_reporting_does_not_consume_period_closed(container_factory, service_config, rabbit_config):
    uri = rabbit_config["AMQP_URI"]
    container_factory(ReportingService, reporting_config(service_config)).start()
    publish_raw(uri, "reporting.period_closed", period_closed(40, 1))
    letters = wait_for(lambda: deadletters.list_letters(uri, unrouted=True), message="period_closed unrouted")
    assert json.loads(letters[0].body)["type"] == "reporting.period_closed"


def test_the_timer_closes_last_month_on_its_own(container_factory, service_config, rabbit_config):
    uri = rabbit_config["AMQP_URI"]
    probe(uri, "reporting.period_closed")
    container_factory(ReportingService, reporting_config(service_config, CLOSE_CHECK_INTERVAL=0.2)).start()
    first_of_month = dt.datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last_month = first_of_month - dt.timedelta(days=1)
    messages = wait_for(lambda: (m := drain(uri, "probe.reporting.period_closed")) and m,
                        message="last month closed by the timer")
    assert {envelope.load(body).payload["period"] for body, _ in messages} == {
        f"{last_month.year:04d}-{last_month.month:02d}", f"{last_month.year:04d}"}
