"""Who may do what, role by role: the checks every request goes through before another service is called."""
import pytest

from services.gateway import access
from services.gateway.access import Principal
from services.gateway.errors import Forbidden

AGENT = Principal("agent.lyon8", "agent", "pimms-lyon", "lyon-8", "agent-lyon8", ("lyon-8",), "j1")
MANAGER = Principal("manager.lyon", "manager", "pimms-lyon", None, "manager-lyon", ("lyon-8", "lyon-9"), "j2")
HEAD_OFFICE = Principal("siege", "head_office", None, None, None, (), "j3")
OPERATOR = Principal("ops", "operator", None, None, None, (), "j4")


def allowed(check, *args):
    try:
        result = check(*args)
    except Forbidden:
        return "forbidden"
    return result if result is not None else "allowed"


@pytest.mark.parametrize("principal, desk, expected", [
    (AGENT, "lyon-8", "allowed"), (AGENT, "lyon-9", "forbidden"),
    (MANAGER, "lyon-9", "allowed"), (MANAGER, "paris-1", "forbidden"),
    (HEAD_OFFICE, "lyon-8", "forbidden"), (OPERATOR, "lyon-8", "forbidden"),
])
def test_visits_and_workshops_are_the_staff_s_within_their_desks(principal, desk, expected):
    assert allowed(access.require_desk, principal, desk) == expected


def test_the_desk_of_a_request_defaults_to_the_agent_s_own():
    assert access.default_desk(AGENT) == "lyon-8"
    assert access.default_desk(MANAGER, "lyon-9") == "lyon-9"
    assert allowed(access.default_desk, AGENT, "lyon-9") == "forbidden"


@pytest.mark.parametrize("principal, scope, id_, expected", [
    (AGENT, "desk", "lyon-8", True), (AGENT, "association", "pimms-lyon", True),
    (AGENT, "desk", "lyon-9", "forbidden"), (AGENT, "network", None, "forbidden"),
    (MANAGER, "desk", "lyon-9", True), (MANAGER, "association", "pimms-paris", "forbidden"),
    (HEAD_OFFICE, "network", None, False), (HEAD_OFFICE, "desk", "lyon-8", False),
    (HEAD_OFFICE, "association", "pimms-lyon", False),
    (OPERATOR, "network", None, "forbidden"),
])
def test_figures_are_exact_for_the_staff_of_their_scope_and_suppressed_for_head_office(principal, scope, id_,
                                                                                         expected):
    assert allowed(access.figures_access, principal, scope, id_) == expected


@pytest.mark.parametrize("principal", [HEAD_OFFICE, OPERATOR])
def test_head_office_and_operators_never_read_an_identity(principal):
    assert allowed(access.citizen_reader, principal) == "forbidden"


def test_what_the_services_are_told_of_an_account_is_its_login_role_association_desks_and_agent():
    assert access.citizen_reader(MANAGER) is MANAGER
    assert MANAGER.claims() == {"login": "manager.lyon", "role": "manager", "association_id": "pimms-lyon",
                                "desks": ["lyon-8", "lyon-9"], "agent_id": MANAGER.agent_id}


def test_each_role_lands_on_its_page():
    assert [access.home(p) for p in (AGENT, MANAGER, HEAD_OFFICE, OPERATOR)] == ["/desk", "/desk", "/figures", "/ops"]
