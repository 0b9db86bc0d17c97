"""Reporting running for real against the local RabbitMQ: it counts what accueil, formation and médiation
sortante (real containers) publish, closes a month onto the bus, serves HTTP JSON and CSV, and at head
office replaces a period's revision instead of adding it."""
import csv
import datetime as dt
import io
import json
import uuid

import pytest
from nameko.standalone.rpc import ClusterRpcProxy, ServiceRpcProxy

from scripts.demo import formation as formation_demo
from scripts.demo import mediation_sortante as mediation_sortante_demo
from scripts.demo import reporting as demo
from services.accueil.service import AccueilService
from services.formation.service import FormationService
from services.mediation_sortante.service import MediationSortanteService
from services.reporting import cells as F
from services.reporting.projectors import measured_sections
from services.reporting.service import ReportingService
from shared import deadletters, envelope
from shared.errors import InvalidRequest, NotFound
from tests.helpers import drain, probe, publish_raw, wait_for

UTC = dt.timezone.utc


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
        # NotFound: the desk's first event not applied yet, so its figures do not exist so far
        figures = wait_for(counted, message="6 visits and a workshop counted", ignoring=NotFound)
        # six visitors and the workshop's nine anonymous attendees
        assert figures["acts"]["by_kind"]["explanation"] == 6 and figures["people"]["received"] == 15
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


def play_march_2025(rpc):
    """Formation: Amina (woman) and Bruno (man) hired on 3 March 2025; Amina's first week logged, then
    corrected; Bruno's week; Amina's training; Bruno leaves on the 21st for a qualifying course.
    Médiation sortante: an EDF campaign of 3 contacts (2 attempts at most), all resolved, closed."""
    formation, outbound = rpc.formation, rpc.mediation_sortante
    for agent_id, first_name, gender in (("amina", "Amina", "female"), ("bruno", "Bruno", "male")):
        formation.hire_agent({"agent_id": agent_id, "pimms_id": "lyon-8", "first_name": first_name,
                              "last_name": "Martin", "gender": gender, "contract_type": "adulte_relais",
                              "weekly_hours": 35, "hired_on": "2025-03-03"})
    for agent_id, hours in (("amina", 35), ("amina", 28), ("bruno", 20)):
        formation.log_work_time({"agent_id": agent_id, "week": "2025-W10", "hours": hours})
    formation.log_training({"agent_id": "amina", "week": "2025-W10", "hours": 3.5, "kind": "training",
                            "topic": "mediation", "provider": "union-pimms"})
    formation.record_exit({"agent_id": "bruno", "exited_on": "2025-03-21", "outcome": "qualifying_course"})

    campaign = outbound.open_campaign({"pimms_id": "lyon-8", "partner": "edf", "max_attempts": 2,
                                       "opened_at": "2025-03-03T09:00:00+00:00"})["campaign_id"]
    rows = [f"10000000{n:02d};Client Numéro{n};06 12 34 00 {n:02d};{n} rue Paul Bert, 69003 Lyon" for n in (1, 2, 3)]
    outbound.import_contacts({"campaign_id": campaign, "content": "\r\n".join(
        ["Ref client;Nom;Téléphone;Adresse", *rows]) + "\r\n"})
    first, second, third = outbound.list_contacts({"campaign_id": campaign})
    for contact, channel, reached, day in ((first, "phone", True, 4), (second, "phone", False, 4),
                                           (second, "door_to_door", False, 5), (third, "phone", True, 6)):
        outbound.record_attempt({"contact_id": contact["contact_id"], "channel": channel, "reached": reached,
                                 "agent_id": "amina", "at": f"2025-03-{day:02d}T10:00:00+00:00"})
    for contact, outcome, acts in ((first, "payment_plan", ["payment_plan_negotiation", "explanation"]),
                                   (third, "refused", [])):
        outbound.resolve_case({"contact_id": contact["contact_id"], "outcome": outcome, "acts": acts,
                               "agent_id": "amina", "resolved_at": "2025-03-07T10:00:00+00:00"})
    outbound.close_campaign({"campaign_id": campaign, "closed_at": "2025-03-28T18:00:00+00:00"})


def test_reporting_folds_what_formation_and_mediation_sortante_publish(container_factory, service_config,
                                                                       rabbit_config):
    # given reporting, formation and médiation sortante running, and March 2025 played through their RPC
    container_factory(ReportingService, reporting_config(service_config)).start()
    container_factory(FormationService, service_config("formation")).start()
    container_factory(MediationSortanteService, service_config("mediation_sortante")).start()
    with ClusterRpcProxy(rabbit_config) as rpc:
        play_march_2025(rpc)
        expected = {"formation.agent_hired": 2, "formation.work_time_logged": 3, "formation.training_logged": 1,
                    "formation.agent_exited": 1, "mediation_sortante.campaign_opened": 1,
                    "mediation_sortante.contact_attempted": 4, "mediation_sortante.case_resolved": 3,
                    "mediation_sortante.campaign_closed": 1}
        wait_for(lambda: rpc.reporting.status()["events_applied"] == expected, message="every event applied")
        march = rpc.reporting.figures("association", "pimms-test", "2025-03", exact=True)["figures"]
        # then the agents at the month's end, the corrected week, the exit and the campaign are counted
        assert march["agents"] == {"employed": 1, "women": 1, "share_of_women": 1.0}
        assert march["training"] == {"work_hours": 48, "training_hours": 4, "share": round(3.5 / 48, 3)}
        assert march["exits"] == {"total": 1, "positive": 1, "positive_rate": 1.0}
        outbound = march["outbound"]
        assert (outbound["attempts"], outbound["reached"], outbound["cases_resolved"], outbound["acts"]) == (4, 2, 3, 2)
        assert outbound["attempts_by_channel"] == {"door_to_door": 1, "letter": 0, "sms": 0, "telephone": 3}
        assert {o: n for o, n in outbound["cases_by_outcome"].items() if n} == {
            "payment_plan": 1, "refused": 1, "unreachable": 1}
        assert (outbound["campaigns_opened"], outbound["campaigns_closed"]) == (1, 1)
        assert rpc.reporting.figures("association", "pimms-test", "2025-12", exact=True)["figures"]["agents"][
            "employed"] == 1
        # and a rebuild from the store gives the same figures
        assert rpc.reporting.rebuild()["events"] == 16
        assert rpc.reporting.figures("association", "pimms-test", "2025-03", exact=True)["figures"] == march


def test_the_demo_of_make_run_closes_the_month_and_prints_the_new_indicators(container_factory, service_config,
                                                                             rabbit_config):
    lyon = {"ASSOCIATION_ID": demo.ASSOCIATION}
    container_factory(ReportingService, reporting_config(service_config, **lyon)).start()
    for service in (AccueilService, FormationService, MediationSortanteService):
        container_factory(service, service_config(service.name, **lyon)).start()
    day = dt.datetime.now(UTC).date() - dt.timedelta(days=1)
    with ClusterRpcProxy(rabbit_config) as rpc:
        mediation_sortante_demo.play(rpc, day)
        formation_demo.play(rpc, day)
        demo.play(rpc, day)
        lines = demo.figures(rpc)
        assert rpc.reporting.status()["periods"][0]["revision"] == 1  # the month closed, then printed
    rows = {line[:28].strip(): line[28:].split() for line in lines[2:]}
    assert lines[1].split() == ["lyon-8", "pimms-lyon", "year", str(day.year)]
    # 8 agents at the association at the month's end (a 9th left), 6 women; each desk's 4 are hidden
    assert rows["agents employed"] == ["<5", "8", "8"] and rows["share of women"] == ["<5", "75.0%", "75.0%"]
    assert {"outbound contacts", "cases resolved", "training share", "positive exits rate"} <= set(rows)


def test_rpc_serves_figures_csv_exports_and_typed_errors(container_factory, service_config, web_config,
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
    with ClusterRpcProxy(rabbit_config, timeout=10) as rpc:
        reporting = rpc.reporting

        def counted():
            try:
                row = reporting.figures("association", "pimms-test", "2026-10")
            except NotFound:
                return False
            return row["figures"]["visits"]["total"] == 7 and row

        body = wait_for(counted, message="7 visits counted")
        assert body["figures"]["visits"]["by_domain"]["caf"] == 7 and body["exact"] is False
        csv_export = reporting.export("association", "pimms-test", "2026-10", "csv")
        assert csv_export.splitlines()[0].startswith("scope,id,association_id,period,people.received,")
        assert len(csv_export.splitlines()) == 3  # the association and its desk
        assert reporting.export("association", "pimms-test", "2026-10")["rows"][0]["figures"]["acts"]["total"] == 7
        assert reporting.annual_report(2026, "desk", "lyon-8")["visits"] == 7

        with pytest.raises(InvalidRequest) as bad:
            reporting.figures("association", "pimms-test", "October")
        assert "period" in bad.value.errors
        with pytest.raises(InvalidRequest):
            reporting.export("association", "pimms-test", "2026-10", "pdf")
        with pytest.raises(NotFound):
            reporting.figures("desk", "nowhere", "2026-10")
        assert reporting.close_period("2026-10")["published"][0]["revision"] == 1
        assert reporting.rebuild()["events"] == 7
    for method, path in (("GET", "/figures"), ("GET", "/exports"), ("POST", "/rebuild"),
                         ("POST", "/periods/2026-10/close")):
        assert web_session.request(method, path).status_code == 404, path  # only the gateway serves people
    metrics = web_session.get("/metrics").text
    assert 'pimms_reporting_events_applied_total{event_type="accueil.visit_closed"} 7.0' in metrics
    assert 'pimms_reporting_periods_closed_total{period_kind="month",revision="first"} 1.0' in metrics
    assert "pimms_reporting_rebuild_duration_seconds_count 1.0" in metrics


def test_reporting_folds_the_follow_ups_and_referrals_accueil_publishes(container_factory, service_config,
                                                                        rabbit_config):


    uri = rabbit_config["AMQP_URI"]
    container_factory(ReportingService, reporting_config(service_config)).start()
    cases, referrals = [uuid.uuid4() for _ in range(6)], [uuid.uuid4() for _ in range(7)]
    opened_at = [dt.datetime(2026, 10, 1 + n, 9, tzinfo=UTC) for n in range(6)]
    motif = {"kind": "generaliste", "partner": None, "domain": "housing"}

    def accueil_event(event_type, payload, occurred_at):
        return envelope.build(event_type, payload, association_id="pimms-test", pimms_id="lyon-8",
                              occurred_at=occurred_at)

    for n in range(5):
        closed_at = opened_at[n] + dt.timedelta(days=n + 1)
        publish_raw(uri, "accueil.case_closed", accueil_event("accueil.case_closed", {
            "case_id": cases[n], "agent_id": "agent-1", "motif": motif, "outcome": "resolved", "days_open": n + 1,
            "visits": 2, "opened_at": opened_at[n], "closed_at": closed_at}, closed_at))
    for n in range(6):
        publish_raw(uri, "accueil.case_opened", accueil_event("accueil.case_opened", {
            "case_id": cases[n], "agent_id": "agent-1", "motif": motif, "named": False, "opened_at": opened_at[n],
            "due_on": (opened_at[n] + dt.timedelta(days=7)).date()}, opened_at[n]))
    for n, referral_id in enumerate(referrals):
        sent_at = dt.datetime(2026, 10, 1 + n, 11, tzinfo=UTC)
        publish_raw(uri, "accueil.referral_sent", accueil_event("accueil.referral_sent", {
            "referral_id": referral_id, "agent_id": "agent-1", "partner": "caf", "motif": motif, "named": True,
            "sent_at": sent_at}, sent_at))
        if n < 6:
            answered_at = sent_at + dt.timedelta(days=2 * n)
            publish_raw(uri, "accueil.referral_answered", accueil_event("accueil.referral_answered", {
                "referral_id": referral_id, "partner": "caf", "answer": "resolved", "reason": None,
                "redirected_to": None, "days_to_answer": 2 * n, "sent_at": sent_at, "answered_at": answered_at},
                answered_at))
    expected = {"accueil.case_opened": 6, "accueil.case_closed": 5, "accueil.referral_sent": 7,
                "accueil.referral_answered": 6}
    with ClusterRpcProxy(rabbit_config, timeout=10) as rpc:
        wait_for(lambda: rpc.reporting.status()["events_applied"] == expected, message="every event applied")
        october = rpc.reporting.figures("desk", "lyon-8", "2026-10", exact=True)["figures"]
        # then the follow-ups, their median days to close, and the referrals with their answer rate are counted
        assert {k: october["follow_ups"][k] for k in ("opened", "closed", "open_at_end", "median_days_to_close")} == {
            "opened": 6, "closed": 5, "open_at_end": 1, "median_days_to_close": 3.0}
        assert october["follow_ups"]["by_domain"]["housing"]["closed"] == 5
        caf = october["referrals"]["by_partner"]["caf"]
        assert caf == {"sent": 7, "answered": 6, "answer_rate": 0.857, "median_days_to_answer": 5.0}
        # and the export carries them suppressed (1 follow-up still open), the rebuild gives them back
        row = next(csv.DictReader(io.StringIO(rpc.reporting.export("desk", "lyon-8", "2026-10", "csv"))))
        assert (row["follow_ups.closed"], row["follow_ups.open_at_end"]) == ("5", "<5")
        assert row["referrals.by_partner.caf.median_days_to_answer"] == "5.0"
        assert rpc.reporting.rebuild()["events"] == 24
        assert rpc.reporting.figures("desk", "lyon-8", "2026-10", exact=True)["figures"] == october


def test_reporting_folds_the_point_conseil_budget_accueil_and_formation_publish(container_factory, service_config,
                                                                               rabbit_config):
    uri = rabbit_config["AMQP_URI"]
    container_factory(ReportingService, reporting_config(service_config)).start()
    dossiers = [uuid.uuid4() for _ in range(7)]
    opened_at = [dt.datetime(2026, 3, 1 + n, 9, tzinfo=UTC) for n in range(7)]

    def event(event_type, payload, occurred_at):
        return envelope.build(event_type, payload, association_id="pimms-test", pimms_id="lyon-8",
                              occurred_at=occurred_at)

    # given 7 households received in March, 6 of them accompanied (a diagnosis) and closed in May; one
    # over-indebtedness file built, filed and found admissible; a session on budget for 5 agents
    for n, dossier_id in enumerate(dossiers[:6]):
        closed_at = opened_at[n] + dt.timedelta(days=60 + n)
        publish_raw(uri, "accueil.budget_dossier_closed", event("accueil.budget_dossier_closed", {
            "dossier_id": dossier_id, "agent_id": "agent-1", "origin": "walk_in", "household": "couple",
            "outcome": "stabilised", "days_open": 60 + n, "diagnosed": True, "remaining_band": "under_200",
            "plan_steps": 2, "plan_steps_done": 1, "interventions": {"accepted": 1}, "orientations": [],
            "opened_at": opened_at[n], "closed_at": closed_at}, closed_at))
    for n, dossier_id in enumerate(dossiers):
        publish_raw(uri, "accueil.budget_dossier_opened", event("accueil.budget_dossier_opened", {
            "dossier_id": dossier_id, "agent_id": "agent-1", "origin": "walk_in", "household": "couple",
            "opened_at": opened_at[n]}, opened_at[n]))
    file_id = uuid.uuid4()
    for stage, on, admissible, days in (("built", dt.date(2026, 4, 1), None, None),
                                        ("filed", dt.date(2026, 4, 10), None, 0),
                                        ("admissibility", dt.date(2026, 5, 20), True, 40)):
        publish_raw(uri, "accueil.overindebtedness_stage", event("accueil.overindebtedness_stage", {
            "file_id": file_id, "dossier_id": dossiers[0], "origin": "walk_in", "stage": stage, "stage_on": on,
            "admissible": admissible, "orientation": None, "days_since_filed": days},
            dt.datetime.combine(on, dt.time(17), tzinfo=UTC)))
    for n in range(5):
        publish_raw(uri, "formation.training_logged", event("formation.training_logged", {
            "training_id": uuid.uuid4(), "agent_id": f"ag-{n}", "week": "2026-W20", "hours": 3.5,
            "kind": "training", "topic": "budget", "provider": "union-pimms"},
            dt.datetime(2026, 5, 20, tzinfo=UTC)))
    expected = {"accueil.budget_dossier_opened": 7, "accueil.budget_dossier_closed": 6,
                "accueil.overindebtedness_stage": 3, "formation.training_logged": 5}
    with ClusterRpcProxy(rabbit_config, timeout=10) as rpc:
        wait_for(lambda: rpc.reporting.status()["events_applied"] == expected, message="every event applied")
        report = rpc.reporting.pcb_report(2026, "association", "pimms-test")
        (row,) = report["rows"]
        # then the label's report counts them, suppressed (1 dossier still open, 1 file: hidden)
        assert (row["households_received"], row["households_accompanied"], row["diagnoses"]) == (7, 6, 6)
        assert (row["action_plan_steps"], row["action_plan_steps_done_rate"], row["creditor_interventions"]) == (
            12, 0.5, 6)
        assert (row["dossiers_median_days_open"], row["staff_trained_in_budget"]) == (62.5, 5)
        assert row["staff_budget_training_hours"] == 18  # 17.5 hours, rounded half up
        assert row["dossiers_open_at_year_end"] is None and row["overindebtedness_files_filed"] is None
        text = rpc.reporting.pcb_report(2026, "association", "pimms-test", "csv")
        assert next(csv.DictReader(io.StringIO(text)))["overindebtedness_admissible"] == "<5"
        # and a rebuild from the store gives the same report
        assert rpc.reporting.rebuild()["events"] == 21
        assert rpc.reporting.pcb_report(2026, "association", "pimms-test") == report


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
                            and f["figures"]["visits"]["total"] == 98 and f, message="98 = 43 + 55",
                            ignoring=NotFound)
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
