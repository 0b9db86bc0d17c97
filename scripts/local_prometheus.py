"""A Prometheus on loopback scraping a local stack: the one `make run` starts beside the stack when Debian's
`prometheus` is installed, and the one tests/test_prometheus_stack.py queries.

It finds its targets through file_sd (`targets.json`, written here), as docs/operations.md shows for an
existing Prometheus: each service's HTTP port (its /metrics), `job` the service's name, and the label
`app_kubernetes_io_part_of=pimms` that Kubernetes pods carry, so deploy/prometheus/alerts.yaml reads the
same here as in a cluster. Its data and log stay in its own folder.

    prometheus = LocalPrometheus(folder, targets(run_local.STACK)).start()
    prometheus.query("sum(pimms_visits_closed_total)")
    prometheus.stop()"""
import json
import shutil
import socket
import subprocess
import time
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yaml"
DASHBOARD = ROOT / "deploy" / "grafana" / "pimms-platform.json"
PART_OF = {"app_kubernetes_io_part_of": "pimms"}


def installed():
    return shutil.which("prometheus") is not None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_free(port):
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def targets(stack, port_offset=0, host="127.0.0.1"):
    """file_sd's target groups for the services of `stack` ([(name, module:class, HTTP port)])."""
    return [{"targets": [f"{host}:{port + port_offset}"], "labels": {"job": name, **PART_OF}}
            for name, _, port in stack]


def configuration(folder, rules, interval):
    return {
        "global": {"scrape_interval": interval, "evaluation_interval": interval, "scrape_timeout": interval},
        "rule_files": [str(rules)],
        "scrape_configs": [{
            "job_name": "pimms",  # each target's own `job` label (the service) replaces this one
            "file_sd_configs": [{"files": [str(folder / "targets.json")], "refresh_interval": "5s"}],
        }],
    }


class LocalPrometheus:
    def __init__(self, folder, target_groups, rules=ALERTS, interval="15s", port=None):
        self.folder = Path(folder)
        self.target_groups = target_groups
        self.rules = rules
        self.interval = interval
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self, timeout=30):
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "targets.json").write_text(json.dumps(self.target_groups, indent=1))
        config = self.folder / "prometheus.yml"
        config.write_text(yaml.safe_dump(configuration(self.folder, self.rules, self.interval), sort_keys=False))
        self.process = subprocess.Popen(
            [shutil.which("prometheus"), f"--config.file={config}", f"--storage.tsdb.path={self.folder / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=open(self.folder / "prometheus.log", "ab"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not self._ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Prometheus did not start on {self.url}: see {self.folder / 'prometheus.log'}")
            time.sleep(0.2)
        return self

    def _ready(self):
        try:
            return requests.get(f"{self.url}/-/ready", timeout=1).ok
        except requests.RequestException:
            return False

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    # -- its HTTP API -----------------------------------------------------------------------------------------
    def api(self, path, **params):
        answer = requests.get(f"{self.url}/api/v1/{path}", params=params, timeout=10).json()
        if answer.get("status") != "success":
            raise RuntimeError(f"Prometheus {path} {params}: {answer}")
        return answer["data"]

    def query(self, expr):
        """The instant vector (list of {metric, value}) of a PromQL expression, now."""
        return self.api("query", query=expr)["result"]

    def rules_evaluated(self):
        return [rule for group in self.api("rules")["groups"] for rule in group["rules"]]

    def alerts(self, name=None):
        return [alert for alert in self.api("alerts")["alerts"] if name in (None, alert["labels"]["alertname"])]

    def targets_health(self):
        return {target["labels"]["job"]: target["health"] for target in self.api("targets")["activeTargets"]}


def dashboard_expressions(path=DASHBOARD):
    """[(panel title, PromQL)] of every panel of the Grafana dashboard."""
    dashboard = json.loads(Path(path).read_text())
    return [(panel["title"], target["expr"]) for panel in dashboard["panels"] for target in panel["targets"]]
