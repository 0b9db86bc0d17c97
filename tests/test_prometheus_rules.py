"""The alert rules as Prometheus reads them: `promtool check rules` accepts deploy/prometheus/alerts.yaml, and
`promtool test rules` runs its unit tests (alerts_test.yaml, months_test.yaml) with the real `for:` and
thresholds. Every alert has a test that sees it fire with its labels and annotations, and a runbook line
in docs/operations.md. promtool comes with Debian's `prometheus` (scripts/ensure-services.sh --prometheus)."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[1]
RULES = ROOT / "deploy" / "prometheus"
UNIT_TESTS = ("alerts_test.yaml", "months_test.yaml")


def promtool():
    path = shutil.which("promtool")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing: `bash scripts/ensure-services.sh --prometheus` installs Debian's "
                        "prometheus package")
        pytest.skip("promtool is not installed (Debian package prometheus)")
    return path


def alert_names():
    rules = yaml.safe_load((RULES / "alerts.yaml").read_text())
    return [rule["alert"] for group in rules["groups"] for rule in group["rules"]]


def test_promtool_accepts_the_alert_rules():
    checked = subprocess.run([promtool(), "check", "rules", "alerts.yaml"], cwd=RULES, capture_output=True,
                             text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(alert_names())} rules found" in checked.stdout


def test_every_alert_fires_when_it_should_and_not_before_in_promtools_unit_tests():
    tested = subprocess.run([promtool(), "test", "rules", *UNIT_TESTS], cwd=RULES, capture_output=True,
                            text=True, timeout=300)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert tested.stdout.count("SUCCESS") == len(UNIT_TESTS), tested.stdout


def test_every_alert_has_a_unit_test_that_sees_it_fire_and_one_that_sees_it_not_yet():
    fired, quiet = set(), set()
    for name in UNIT_TESTS:
        for test in yaml.safe_load((RULES / name).read_text())["tests"]:
            for check in test.get("alert_rule_test", []):
                expected = check.get("exp_alerts") or []
                (fired if expected else quiet).add(check["alertname"])
                for alert in expected:  # what the operator reads is tested, not only that it fires
                    assert alert.get("exp_annotations", {}).get("summary"), (check["alertname"], test["name"])
    assert set(alert_names()) <= fired, set(alert_names()) - fired
    assert set(alert_names()) <= quiet, set(alert_names()) - quiet


def test_every_alert_has_a_runbook_line_in_the_operations_guide():
    guide = (ROOT / "docs" / "operations.md").read_text()
    section = re.search(r"^## Alerts: what to do\n(.*?)(?=^## )", guide, re.S | re.M)
    assert section, "docs/operations.md has no section '## Alerts: what to do'"
    missing = [name for name in alert_names() if f"`{name}`" not in section.group(1)]
    assert not missing, missing


def test_the_scrape_configurations_the_operations_guide_gives_are_valid_prometheus_configurations(tmp_path):
    """Its file_sd example (with its targets file) and its Kubernetes pod discovery, through promtool."""
    guide = (ROOT / "docs" / "operations.md").read_text()
    watching = re.search(r"^## Watching\n(.*?)(?=^## )", guide, re.S | re.M).group(1)
    blocks = re.findall(r"```(yaml|json)\n(.*?)```", watching, re.S)
    configs = [text for kind, text in blocks if kind == "yaml"]
    [targets] = [text for kind, text in blocks if kind == "json"]
    assert len(configs) == 2
    (tmp_path / "targets").mkdir()
    (tmp_path / "targets" / "lyon.json").write_text(targets)
    for number, text in enumerate(configs):
        text = text.replace("/etc/prometheus/pimms/alerts.yaml", str(RULES / "alerts.yaml"))
        text = text.replace("/etc/prometheus/pimms/targets", str(tmp_path / "targets"))
        config = yaml.safe_load(text)
        for scrape in config["scrape_configs"]:
            # Debian builds Prometheus without Kubernetes discovery: promtool checks the rest (relabelling,
            # path, parameters) with a static target in its place, the discovery block is checked here
            for discovery in scrape.pop("kubernetes_sd_configs", []):
                assert discovery["role"] == "pod" and discovery["namespaces"]["names"], discovery
                scrape["static_configs"] = [{"targets": ["127.0.0.1:8080"]}]
        path = tmp_path / f"prometheus-{number}.yml"
        path.write_text(yaml.safe_dump(config))
        checked = subprocess.run([promtool(), "check", "config", str(path)], capture_output=True, text=True,
                                 timeout=60)
        assert checked.returncode == 0, text + checked.stdout + checked.stderr
        assert "SUCCESS" in checked.stdout + checked.stderr
    for group in yaml.safe_load(targets):  # what the rules read of each target
        assert {"job", "app_kubernetes_io_part_of"} <= set(group["labels"]), group
