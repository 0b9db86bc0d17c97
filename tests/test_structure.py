"""The shape the code keeps (../shared/STYLE.md): the platform library never imports a service, no service
imports another's code (they share contracts, in shared/contracts), and no demo ships inside a service."""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "service.py").exists())


def imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def code(folder):
    return [p for p in folder.rglob("*.py") if "tests" not in p.relative_to(ROOT).parts]


def test_the_platform_library_imports_no_service():
    offenders = {str(p.relative_to(ROOT)): m for p in code(ROOT / "shared") for m in imported_modules(p)
                 if m == "services" or m.startswith("services.")}
    assert offenders == {}


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service(service):
    offenders = {str(p.relative_to(ROOT)): m for p in code(ROOT / "services" / service)
                 for m in imported_modules(p)
                 if m.startswith("services.") and not m.startswith(f"services.{service}")}
    assert offenders == {}


def test_the_contracts_declare_every_event_the_services_publish():
    from shared import contracts, envelope

    contracts.load_all()
    publishers = {event_type.split(".")[0] for event_type, _ in envelope.EVENTS}
    assert publishers == set(contracts.PUBLISHERS)


# The rules and the pure transformations of each service: plain functions over plain data, testable with no
# broker and no database (the house example: franchise/compliance.py).
PURE = ["services/accueil/rules.py", "services/accueil/views.py", "services/accueil/case_rules.py",
        "services/accueil/waiting_rules.py", "services/accueil/waiting_views.py",
        "services/accueil/case_views.py", "services/accueil/answer_file.py", "services/accueil/workshop_rules.py",
        "services/accueil/workshop_views.py", "shared/partner_files.py",
        "shared/register.py", "services/formation/rules.py",
        "services/formation/share.py", "services/franchise/compliance.py", "services/franchise/contract_rules.py",
        "services/franchise/activity.py", "services/mediation_sortante/rules.py",
        "services/mediation_sortante/statement.py", "services/mediation_sortante/contact_file.py", "services/reporting/projectors.py",
        "services/reporting/folding.py", "services/reporting/cells.py", "services/reporting/suppression.py",
        "services/reporting/rendering.py", "shared/localtime.py", "services/gateway/account_rules.py",
        "shared/redelivery.py"]
IMPURE = ("sqlalchemy", "nameko", "kombu", "amqp", "shared.db", "shared.dependencies", "eventlet")


@pytest.mark.parametrize("module", PURE)
def test_a_rules_module_imports_no_database_and_no_broker(module):
    imported = set(imported_modules(ROOT / module))
    stores = {m for m in imported if m.endswith((".store", ".models"))}
    assert not [m for m in imported if m.startswith(IMPURE)] and not stores, imported


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_declares_its_business_metrics_once_in_its_metrics_module(service):
    """Declared in services/<name>/metrics.py and used as `self.metrics[DECLARED]`, never made where used."""
    declaring = re.compile(r"\bmetrics\.(counter|gauge|histogram)\(|from shared\.metrics import .*\b(counter|gauge|"
                           r"histogram)\b")
    offenders = [str(p.relative_to(ROOT)) for p in code(ROOT / "services" / service)
                 if p.name != "metrics.py" and declaring.search(p.read_text())]
    assert offenders == []
