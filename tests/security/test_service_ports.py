"""Only the gateway is a way in for people. Attack: from a machine of the network (or the monitoring
namespace), read `GET /visits` on accueil's port, the partner's customers on médiation sortante's
(`GET /campaigns/<id>/contacts`), employees on formation's (`GET /agents`), exact figures on reporting's, or
suspend a contract on franchise's: each served it without a credential. Now a service's HTTP port serves
`/health` and `/metrics` and nothing else, in code and on a running service."""
import importlib
from pathlib import Path

import pytest
import yaml
from nameko.web.handlers import HttpRequestHandler

from services.accueil.service import AccueilService
from services.formation.service import FormationService
from services.franchise.service import FranchiseService
from services.mediation_sortante.service import MediationSortanteService
from services.reporting.service import ReportingService

ROOT = Path(__file__).resolve().parents[2]
ONLY = {("GET", "/health"), ("GET", "/metrics")}
SERVICES = {"accueil": AccueilService, "formation": FormationService, "franchise": FranchiseService,
            "mediation_sortante": MediationSortanteService, "reporting": ReportingService}
ONCE_SERVED = {  # what each port answered before, to anyone
    "accueil": [("GET", "/visits?pimms_id=lyon-8"), ("POST", "/visits"), ("GET", "/visits/x")],
    "mediation_sortante": [("GET", "/campaigns/x/contacts"), ("GET", "/campaigns?pimms_id=lyon-8")],
    "formation": [("GET", "/agents?pimms_id=lyon-8"), ("POST", "/agents")],
    "reporting": [("GET", "/figures?scope=network&period=2026&exact=true"), ("POST", "/rebuild"),
                  ("POST", "/periods/2026-10/close")],
    "franchise": [("POST", "/contracts/pimms-lyon/suspend"), ("GET", "/contracts/pimms-lyon")],
}


def routes(service_cls):
    return {(ext.method, ext.url) for name in dir(service_cls)
            for ext in getattr(getattr(service_cls, name), "nameko_entrypoints", ())
            if isinstance(ext, HttpRequestHandler)}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_a_service_declares_health_and_metrics_as_its_only_http_routes(name):
    assert routes(SERVICES[name]) == ONLY


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_a_running_service_answers_nothing_but_health_and_metrics(name, container_factory, service_config,
                                                                 web_config, web_session):
    container_factory(SERVICES[name], service_config(name, **web_config)).start()
    for method, path in ONCE_SERVED[name]:
        assert web_session.request(method, path, json={}).status_code == 404, path
    assert web_session.get("/health").status_code == 200
    assert web_session.get("/metrics").status_code == 200


def test_monitoring_reaches_the_services_port_from_prometheus_only():
    policies = list(yaml.safe_load_all((ROOT / "deploy/k8s/base/network-policies.yaml").read_text()))
    [policy] = [p for p in policies if p["metadata"]["name"] == "monitoring-to-services"]
    [rule] = policy["spec"]["ingress"]
    [source] = rule["from"]
    assert source["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "monitoring"}
    assert source["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "prometheus"}
    assert rule["ports"] == [{"port": 8080, "protocol": "TCP"}]


def test_every_service_module_is_covered():
    names = {p.parent.name for p in (ROOT / "services").glob("*/service.py")} - {"gateway"}
    assert names == set(SERVICES)
    for name in names:
        importlib.import_module(f"services.{name}.service")
