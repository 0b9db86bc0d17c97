"""The Kubernetes deployment: every overlay builds with kustomize (`kubectl kustomize`), validates against the
Kubernetes schemas, holds exactly the services of its mandate, and every service has real probes and limits.
No default or guest credentials anywhere; alerts and dashboard only use metrics the code exports."""
import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).parents[1]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
MANDATES = yaml.safe_load((K8S / "mandates.yaml").read_text())
K8S_VERSION = "1.30.0"
STORES = {"rabbitmq", "postgres"}
STORE_SERVICES = STORES | {"rabbitmq-nodes"}  # the broker's nodes' own names (its cluster's headless Service)


def kubectl():
    path = shutil.which("kubectl")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("kubectl is missing (Debian package kubernetes-client, or kubectl)")
        pytest.skip("kubectl is not installed")
    return path


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Each overlay built as an operator would: a copy of deploy/k8s with freshly made credentials."""
    work = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(K8S, work, ignore=shutil.ignore_patterns("credentials.env", "postgres-owner.env"))
    out = {}
    for overlay in MANDATES["overlays"]:
        subprocess.run(["bash", str(work / "make-credentials.sh"), overlay], check=True, capture_output=True)
        built = subprocess.run([kubectl(), "kustomize", str(work / "overlays" / overlay)], check=True,
                               capture_output=True, text=True)
        out[overlay] = [doc for doc in yaml.safe_load_all(built.stdout) if doc]
    return out


def expected_services(overlay):
    spec = MANDATES["overlays"][overlay]
    wanted = set(MANDATES["always"][spec["kind"]])
    for mandate in spec["mandates"]:
        wanted |= set(MANDATES["services_by_mandate"][mandate])
    return {name.replace("_", "-") for name in wanted}


def kinds(docs, kind):
    return [doc for doc in docs if doc["kind"] == kind]


def test_every_overlay_is_declared_and_present():
    on_disk = {p.name for p in (K8S / "overlays").iterdir() if p.is_dir()}
    assert on_disk == set(MANDATES["overlays"]) == {"association-full", "association-accueil", "head-office"}


@pytest.mark.parametrize("overlay", sorted(MANDATES["overlays"]))
def test_each_overlay_validates_against_the_kubernetes_schemas(rendered, overlay):
    for doc in rendered[overlay]:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


@pytest.mark.parametrize("overlay", sorted(MANDATES["overlays"]))
def test_each_overlay_holds_exactly_the_services_of_its_mandate(rendered, overlay):
    deployments = {d["metadata"]["name"] for d in kinds(rendered[overlay], "Deployment")}
    services = {s["metadata"]["name"] for s in kinds(rendered[overlay], "Service")} - STORE_SERVICES
    assert deployments == services == expected_services(overlay)
    assert {s["metadata"]["name"] for s in kinds(rendered[overlay], "StatefulSet")} == STORES


@pytest.mark.parametrize("overlay", sorted(MANDATES["overlays"]))
def test_every_container_has_probes_requests_and_limits(rendered, overlay):
    for workload in kinds(rendered[overlay], "Deployment") + kinds(rendered[overlay], "StatefulSet"):
        for container in workload["spec"]["template"]["spec"]["containers"]:
            name = f"{overlay}/{workload['metadata']['name']}"
            assert container.get("readinessProbe") and container.get("livenessProbe"), name
            assert set(container["resources"]["limits"]) >= {"cpu", "memory"}, name
            assert set(container["resources"]["requests"]) >= {"cpu", "memory"}, name


@pytest.mark.parametrize("overlay", sorted(MANDATES["overlays"]))
def test_service_probes_hit_the_health_check_of_database_and_broker(rendered, overlay):
    for deployment in kinds(rendered[overlay], "Deployment"):
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["readinessProbe"]["httpGet"]["path"] == "/health"
        assert container["livenessProbe"]["httpGet"]["path"] == "/health"
        module = container["args"][-1].split(":")[0]
        assert (ROOT / (module.replace(".", "/") + ".py")).exists(), f"{module} is not in the repo"


def test_each_services_code_serves_the_health_check_its_probes_use():
    import importlib

    from nameko.web.handlers import HttpRequestHandler

    for service_dir in (K8S / "services").iterdir():
        module = importlib.import_module(f"services.{service_dir.name}.service")
        [service_cls] = [c for c in vars(module).values()
                         if isinstance(c, type) and c.__module__ == module.__name__ and hasattr(c, "name")]
        routes = {(ext.method, ext.url) for name in dir(service_cls)
                  for ext in getattr(getattr(service_cls, name), "nameko_entrypoints", ())
                  if isinstance(ext, HttpRequestHandler)}
        assert ("GET", "/health") in routes, f"{service_dir.name} has no /health endpoint"


def test_head_office_reporting_runs_in_head_office_mode(rendered):
    reporting = next(d for d in kinds(rendered["head-office"], "Deployment") if d["metadata"]["name"] == "reporting")
    env = {e["name"]: e.get("value") for e in reporting["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["HEAD_OFFICE"] == "true"


@pytest.mark.parametrize("overlay", sorted(MANDATES["overlays"]))
def test_network_policies_deny_by_default(rendered, overlay):
    policies = {p["metadata"]["name"]: p for p in kinds(rendered[overlay], "NetworkPolicy")}
    deny = policies["default-deny-ingress"]["spec"]
    assert deny["podSelector"] == {} and deny["policyTypes"] == ["Ingress"] and "ingress" not in deny


def test_no_default_or_guest_credentials_anywhere_in_deploy(rendered):
    committed = [p for p in DEPLOY.rglob("*") if p.is_file() and p.name not in ("credentials.env", "postgres-owner.env")]
    weak = re.compile(r"guest|changeme|change_me|password123|\badmin:admin\b|secret123", re.I)
    for path in committed:
        assert not weak.search(path.read_text()), f"{path} holds a default credential"
    for overlay, docs in rendered.items():
        text = json.dumps(docs)
        assert "guest" not in text.lower(), overlay
        for secret in kinds(docs, "Secret"):
            for key, value in secret["data"].items():
                if key.endswith(("password", "-key")):
                    assert len(base64.b64decode(value)) >= 32, f"{overlay}: {key} is too short to be random"
    ignored = (ROOT / ".gitignore").read_text()
    assert "credentials.env" in ignored


def exported_metric_names():
    names = set()
    for source in list((ROOT / "shared").rglob("*.py")) + list((ROOT / "services").rglob("*.py")):
        names |= set(re.findall(r'"(pimms_[a-z0-9_]+)"', source.read_text()))
    return names


def used_metric_names(text):
    names = set()
    for name in re.findall(r"\b(pimms_[a-z0-9_]+)", text):
        names.add(re.sub(r"_(bucket|sum|count)$", "", name))
    return names


def test_alert_rules_and_dashboard_use_only_metrics_the_services_export():
    exported = exported_metric_names()
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yaml").read_text())
    alerts = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    assert {"PimmsOutboxStuck", "PimmsDeadLettersGrowing", "PimmsConsumerDown", "PimmsDeskInBreach"} <= alerts
    for group in rules["groups"]:
        for rule in group["rules"]:
            assert used_metric_names(rule["expr"]) <= exported, rule["alert"]
    dashboard = json.loads((DEPLOY / "grafana" / "pimms-platform.json").read_text())
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            assert used_metric_names(target["expr"]) <= exported, panel["title"]


# -- the broker as a three-node cluster, PostgreSQL's high-availability option -------------------------------
def named(docs, kind, name):
    [doc] = [d for d in kinds(docs, kind) if d["metadata"]["name"] == name]
    return doc


def secret_value(docs, key):
    return base64.b64decode(named(docs, "Secret", next(
        s["metadata"]["name"] for s in kinds(docs, "Secret") if key in s.get("data", {})))["data"][key]).decode()


@pytest.mark.parametrize("overlay", sorted(MANDATES["overlays"]))
def test_the_broker_is_a_three_node_cluster_that_a_disruption_takes_one_node_of_at_a_time(rendered, overlay):
    docs = rendered[overlay]
    broker = named(docs, "StatefulSet", "rabbitmq")
    pod = broker["spec"]["template"]
    assert broker["spec"]["replicas"] == 3
    headless = named(docs, "Service", broker["spec"]["serviceName"])
    assert headless["spec"]["clusterIP"] == "None" and headless["spec"]["publishNotReadyAddresses"] is True
    budget = named(docs, "PodDisruptionBudget", "rabbitmq")["spec"]
    assert budget["maxUnavailable"] == 1
    assert budget["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    # the nodes find each other through the headless Service, and name themselves after it
    config = named(docs, "ConfigMap", pod["spec"]["volumes"][0]["configMap"]["name"])["data"]
    settings = dict(line.split(" = ", 1) for line in config["cluster.conf"].splitlines()
                    if line.strip() and not line.startswith("#"))
    assert settings["cluster_formation.peer_discovery_backend"] == "rabbit_peer_discovery_k8s"
    assert settings["cluster_formation.k8s.service_name"] == headless["metadata"]["name"]
    assert settings["cluster_partition_handling"] == "pause_minority"
    assert "rabbitmq_peer_discovery_k8s" in config["enabled_plugins"]
    env = {e["name"]: e.get("value") for e in pod["spec"]["containers"][0]["env"]}
    assert env["RABBITMQ_NODENAME"].endswith(settings["cluster_formation.k8s.hostname_suffix"])
    # the plugin may read the endpoints, with the account the pods run as
    role = named(docs, "Role", "rabbitmq-peer-discovery")
    assert any("endpoints" in rule["resources"] and "get" in rule["verbs"] for rule in role["rules"])
    binding = named(docs, "RoleBinding", "rabbitmq-peer-discovery")
    assert binding["subjects"][0]["name"] == pod["spec"]["serviceAccountName"]
    # the same Erlang cookie on every node, a random one per stack
    assert len(secret_value(docs, "erlang-cookie")) >= 32


@pytest.mark.parametrize("overlay", sorted(MANDATES["overlays"]))
def test_every_service_declares_quorum_queues_and_fails_over_along_every_node(rendered, overlay):
    docs = rendered[overlay]
    replicas = named(docs, "StatefulSet", "rabbitmq")["spec"]["replicas"]
    headless = named(docs, "StatefulSet", "rabbitmq")["spec"]["serviceName"]
    nodes = [uri.rsplit("@", 1)[1] for uri in secret_value(docs, "amqp-uri").split(";")]
    assert nodes == [f"rabbitmq-{n}.{headless}:5672//" for n in range(replicas)]
    for deployment in kinds(docs, "Deployment"):
        env = {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert env["PIMMS_QUEUE_TYPE"]["value"] == "quorum", deployment["metadata"]["name"]
        assert env["AMQP_URI"]["valueFrom"]["secretKeyRef"]["key"] == "amqp-uri"


@pytest.mark.parametrize("overlay", sorted(MANDATES["overlays"]))
def test_only_the_brokers_nodes_reach_each_others_cluster_ports(rendered, overlay):
    policy = named(rendered[overlay], "NetworkPolicy", "rabbitmq-cluster-links")["spec"]
    [rule] = policy["ingress"]
    assert rule["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "rabbitmq"}}}]
    assert {p["port"] for p in rule["ports"]} == {4369, 25672, 35672}
    clients = named(rendered[overlay], "NetworkPolicy", "services-to-rabbitmq")["spec"]["ingress"]
    assert not {4369, 25672} & {p["port"] for rule in clients for p in rule["ports"]}


def test_postgres_high_availability_renders_a_cloudnativepg_cluster_behind_the_same_service(rendered, tmp_path):
    work = tmp_path / "k8s"
    shutil.copytree(K8S, work, ignore=shutil.ignore_patterns("credentials.env", "postgres-owner.env"))
    subprocess.run(["bash", str(work / "make-credentials.sh"), "association-full"], check=True, capture_output=True)
    (work / "overlays" / "ha").mkdir()
    (work / "overlays" / "ha" / "kustomization.yaml").write_text(
        "resources: [../association-full]\ncomponents: [../../components/postgres-ha]\n")
    built = subprocess.run([kubectl(), "kustomize", str(work / "overlays" / "ha")], check=True,
                           capture_output=True, text=True)
    docs = [doc for doc in yaml.safe_load_all(built.stdout) if doc]
    for doc in docs:
        if doc["apiVersion"] != "postgresql.cnpg.io/v1":  # the operator's resource has no schema here
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
    assert {s["metadata"]["name"] for s in kinds(docs, "StatefulSet")} == {"rabbitmq"}
    cluster = named(docs, "Cluster", "postgres")["spec"]
    assert cluster["instances"] == 3 and cluster["minSyncReplicas"] >= 1 and cluster["enablePDB"]
    # every database the single instance would create, owned by the user of the services' URLs
    wanted = set(named(docs, "ConfigMap", next(c["metadata"]["name"] for c in kinds(docs, "ConfigMap")
                                               if "databases" in c.get("data", {})))["data"]["databases"].split())
    created = {cluster["bootstrap"]["initdb"]["database"]} | {
        sql.split()[2] for sql in cluster["bootstrap"]["initdb"]["postInitSQL"]}
    assert wanted <= created
    owner = named(docs, "Secret", next(s["metadata"]["name"] for s in kinds(docs, "Secret")
                                       if s["metadata"]["name"].startswith("postgres-owner")))
    assert owner["type"] == "kubernetes.io/basic-auth"
    assert base64.b64decode(owner["data"]["username"]).decode() == cluster["bootstrap"]["initdb"]["owner"]
    url = secret_value(docs, "accueil-db-url")
    assert url.startswith(f"postgresql://{cluster['bootstrap']['initdb']['owner']}:"
                          f"{base64.b64decode(owner['data']['password']).decode()}@postgres:5432/")
    service = named(docs, "Service", "postgres")["spec"]["selector"]
    assert service == {"cnpg.io/cluster": "postgres", "cnpg.io/instanceRole": "primary"}
    labels = named(docs, "NetworkPolicy", "services-to-postgres")["spec"]["podSelector"]["matchLabels"]
    assert labels.items() <= named(docs, "Cluster", "postgres")["spec"]["inheritedMetadata"]["labels"].items()
