"""The operators' view on a real Prometheus: Debian's `prometheus`, on a free loopback port with its data in a
temporary folder, scrapes every service of a local stack (scripts/run_local.py, on this test's own vhost)
through file_sd every second and evaluates deploy/prometheus/alerts.yaml every second.

After some desk activity, every expression of every panel of the Grafana dashboard returns at least one
series, and every alert rule is loaded and evaluated without error (the undecodable event sent among the
activity raises PimmsDeadLettersGrowing, as it is, with no rendering: it has no `for:`). Then the stack's outbox relays are
stopped (the broker refuses them the events exchange, on this vhost only) while the desk records a visit:
PimmsOutboxStuck goes to firing for accueil, and back to inactive once the relay publishes again.

That one alert is rendered here with a short `for:` and threshold (5 s old for 3 s instead of 300 s for 5
minutes) so the test takes seconds; its real values are proven by promtool's unit tests
(deploy/prometheus/alerts_test.yaml, tests/test_prometheus_rules.py). PimmsServiceRestarting, with no `for:`,
is seen firing as it is, when a service is killed three times and its supervisor starts it again."""
import datetime as dt
import os
import signal
import time

import amqp
import pytest
import requests
import yaml
from nameko.standalone.rpc import ClusterRpcProxy

from scripts import local_prometheus, run_local
from scripts.demo import accueil as demo_day
from scripts.demo import franchise as franchise_demo
from services.reporting import periods
from shared import topology
from tests.helpers import wait_for

PORTS = 640  # the stack's HTTP ports are its usual ones plus this, beside a `make run` and other stack tests
MANAGEMENT = "http://127.0.0.1:15672/api"
BROKER = ("guest", "guest")
STUCK_AFTER_S, STUCK_FOR = 5, "3s"  # the rendered PimmsOutboxStuck (real: 300 s, for 5m)


def rendered_rules(folder):
    """alerts.yaml as is, but for PimmsOutboxStuck's threshold and `for:`; fails if that rule changed."""
    rules = yaml.safe_load(local_prometheus.ALERTS.read_text())
    [stuck] = [rule for group in rules["groups"] for rule in group["rules"] if rule["alert"] == "PimmsOutboxStuck"]
    assert stuck["expr"] == "pimms_outbox_oldest_unsent_age_seconds > 300" and stuck["for"] == "5m", stuck
    stuck["expr"] = f"pimms_outbox_oldest_unsent_age_seconds > {STUCK_AFTER_S}"
    stuck["for"] = STUCK_FOR
    path = folder / "alerts.yaml"
    path.write_text(yaml.safe_dump(rules, sort_keys=False))
    return path


def prometheus_binary():
    if not local_prometheus.installed():
        if os.environ.get("CI"):
            pytest.fail("prometheus is missing: `bash scripts/ensure-services.sh --prometheus` installs it")
        pytest.skip("prometheus is not installed (Debian package prometheus)")


def set_events_writable(vhost, writable):
    """Let the stack's user publish to the events exchange on this vhost, or not (everything else stays)."""
    write = ".*" if writable else f"^(?!{topology.EVENTS.replace('.', '[.]')}$).*"
    answer = requests.put(f"{MANAGEMENT}/permissions/{vhost}/guest", auth=BROKER, timeout=10,
                          json={"configure": ".*", "write": write, "read": ".*"})
    assert answer.status_code in (201, 204), answer.text


@pytest.fixture
def watched_stack(rabbit_config, tmp_path):
    prometheus_binary()
    stack = run_local.start_stack(tmp_path / "stack", rabbit_config["AMQP_URI"], port_offset=PORTS)
    prometheus = local_prometheus.LocalPrometheus(
        tmp_path / "prometheus", local_prometheus.targets(run_local.STACK, PORTS), rules=rendered_rules(tmp_path),
        interval="1s")
    try:
        with ClusterRpcProxy(rabbit_config, timeout=30) as rpc:
            run_local.wait_ready(rpc, stack, data=tmp_path / "stack")
            prometheus.start()
            yield rpc, prometheus, tmp_path / "stack"
    finally:
        set_events_writable(rabbit_config["vhost"], True)
        prometheus.stop()
        run_local.stop(stack)


def desk_activity(rpc, rabbit_config):
    """A contract, a few visits and workshops, a month closed, a refused request and a dead letter."""
    day = demo_day.demo_date()
    franchise_demo.play(rpc, day)
    run_local.wait_enforced(rpc)
    demo_day.play(rpc, visits=6)
    rpc.reporting.close_period(f"{day:%Y-%m}")
    with pytest.raises(Exception, match="must be a month"):  # an InvalidRequest, counted as an entrypoint error
        rpc.reporting.close_period("not a month")
    with amqp.Connection("127.0.0.1:5672", userid="guest", password="guest",
                         virtual_host=rabbit_config["vhost"]) as conn:
        conn.channel().basic_publish(amqp.Message(b"{not json", delivery_mode=2), exchange=topology.EVENTS,
                                     routing_key="accueil.visit_closed")


def a_visit(rpc):
    """A visit opened and closed at the desk: its closing commits `accueil.visit_closed` to the outbox."""
    now = dt.datetime.now(dt.timezone.utc)
    visit = rpc.accueil.open_visit({"pimms_id": demo_day.PIMMS, "agent_id": "agent-amina",
                                    "opened_at": (now - dt.timedelta(minutes=10)).isoformat(),
                                    "motif": {"kind": "generaliste", "domain": "caf"}})
    rpc.accueil.add_act({"visit_id": visit["visit_id"], "kind": "information"})
    rpc.accueil.close_visit({"visit_id": visit["visit_id"], "registres": ["inform"], "outcome": "resolved",
                             "duration_min": 10, "closed_at": now.isoformat()})


def firing(prometheus, name, job):
    return [alert for alert in prometheus.alerts(name)
            if alert["state"] == "firing" and alert["labels"].get("job") == job]


def test_prometheus_scrapes_the_stack_answers_every_panel_evaluates_every_rule_and_fires_outbox_stuck(
        watched_stack, rabbit_config):
    rpc, prometheus, _ = watched_stack
    desk_activity(rpc, rabbit_config)

    # every service is scraped
    wait_for(lambda: set(prometheus.targets_health().values()) == {"up"}
             and len(prometheus.targets_health()) == len(run_local.STACK),
             timeout=20, interval=0.5, message=f"every service up in Prometheus: {prometheus.targets_health()}")

    # every panel of the dashboard answers with at least one series
    def empty_panels():
        return [title for title, expr in local_prometheus.dashboard_expressions() if not prometheus.query(expr)]
    wait_for(lambda: not empty_panels(), timeout=30, interval=1,
             message="every dashboard panel to return a series (still empty: see empty_panels())")

    # the gauges the new alerts read are scraped, with the values the stack holds
    this_month = periods.month_number(f"{demo_day.demo_date():%Y-%m}")  # the demo closed it: sent once relayed
    wait_for(lambda: prometheus.query(f'pimms_reporting_last_month_sent{{job="reporting"}} == {this_month}'),
             timeout=10, interval=0.5, message="the month closed counted as sent")
    copies = prometheus.query("pimms_contract_copy_revision")
    assert {series["metric"]["job"] for series in copies} >= set(run_local.ENFORCING)
    assert prometheus.query("pimms_contract_copy_revision < on(association_id) group_left() "
                            "max by (association_id) (pimms_contract_revision)") == []
    assert len(prometheus.query('process_start_time_seconds{app_kubernetes_io_part_of="pimms"}')) == len(run_local.STACK)

    # every alert rule is loaded and evaluated without error
    expected = {rule["alert"] for group in yaml.safe_load(local_prometheus.ALERTS.read_text())["groups"]
                for rule in group["rules"]}

    def evaluated():
        rules = prometheus.rules_evaluated()
        return {r["name"] for r in rules} == expected and all(
            r["health"] == "ok" and not r.get("lastError") and not r["lastEvaluation"].startswith("0001")
            for r in rules) and rules
    rules = wait_for(evaluated, timeout=10, interval=0.5, message="every rule evaluated")
    # the delivery of a healthy stack raises nothing but the dead letter it was sent (the demo desk's
    # compliance may well be in breach: that is the franchise's judgement, not a fault)
    delivery = {rule["alert"] for group in yaml.safe_load(local_prometheus.ALERTS.read_text())["groups"]
                for rule in group["rules"] if group["name"] == "pimms-delivery"}
    assert not [r["name"] for r in rules if r["name"] in delivery - {"PimmsDeadLettersGrowing"}
                and r["state"] != "inactive"]
    dead = wait_for(lambda: [a for a in prometheus.alerts("PimmsDeadLettersGrowing") if a["state"] == "firing"],
                    timeout=10, interval=0.5, message="PimmsDeadLettersGrowing firing for the undecodable event")
    assert {(a["labels"]["event_type"], a["labels"]["reason"]) for a in dead} == {("accueil.visit_closed", "invalid")}

    # when the relays cannot publish while the desk works, accueil's outbox gets stuck and the alert fires
    set_events_writable(rabbit_config["vhost"], False)
    stopped = time.monotonic()
    a_visit(rpc)
    wait_for(lambda: firing(prometheus, "PimmsOutboxStuck", "accueil"), timeout=STUCK_AFTER_S + 3 + 15,
             interval=0.5, message="PimmsOutboxStuck firing for accueil")
    fired_after = time.monotonic() - stopped
    assert fired_after >= STUCK_AFTER_S + 3  # not before its threshold and its `for:`
    [alert] = firing(prometheus, "PimmsOutboxStuck", "accueil")
    assert alert["labels"]["severity"] == "critical"
    assert alert["annotations"]["summary"] == "accueil: committed events unpublished for over 5 minutes"
    assert prometheus.query("increase(pimms_outbox_relay_errors_total[1m]) > 0")  # the relay saw why

    # and once the relay publishes again (a new visit wakes it), the alert goes back to inactive
    set_events_writable(rabbit_config["vhost"], True)
    recovered = time.monotonic()
    a_visit(rpc)
    wait_for(lambda: not prometheus.alerts("PimmsOutboxStuck"), timeout=20, interval=0.5,
             message="PimmsOutboxStuck inactive again")
    print(f"PimmsOutboxStuck fired {fired_after:.1f}s after the relays stopped, "
          f"cleared {time.monotonic() - recovered:.1f}s after they could publish again")
    assert prometheus.query('pimms_outbox_oldest_unsent_age_seconds{job="accueil"} == 0')


def start_time(prometheus, job):
    series = prometheus.query(f'process_start_time_seconds{{job="{job}"}}')
    return float(series[0]["value"][1]) if series else None


def test_a_service_killed_three_times_raises_service_restarting_as_it_is(watched_stack):
    """PimmsServiceRestarting has no `for:`: its real rule fires on the third start seen within 30 minutes."""
    _, prometheus, data = watched_stack
    wait_for(lambda: start_time(prometheus, "formation"), timeout=10, interval=0.5, message="formation scraped")
    assert not prometheus.alerts("PimmsServiceRestarting")
    for restart in range(1, 4):
        before = start_time(prometheus, "formation")
        os.kill(run_local.pid_of(data, "formation"), signal.SIGKILL)  # the supervisor starts it again
        wait_for(lambda: start_time(prometheus, "formation") not in (None, before), timeout=30, interval=0.5,
                 message=f"formation's start number {restart + 1} scraped")
        if restart < 3:
            assert not prometheus.alerts("PimmsServiceRestarting")  # twice is not repeatedly
    [alert] = wait_for(lambda: prometheus.alerts("PimmsServiceRestarting"), timeout=5, interval=0.5,
                       message="PimmsServiceRestarting")
    assert alert["state"] == "firing" and alert["labels"]["job"] == "formation"
    assert alert["annotations"]["summary"] == "formation restarted 3 times in 30 minutes"
