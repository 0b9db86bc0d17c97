"""Who manages which account and what state an account shows (account_rules.py, no database), and the
storage work on a real SQLite database without a broker (account_admin.py): another association's account
reads as none, the desks an agent may be given are the association's (the franchise contract's copy and its
agents'), a temporary password expires, a token of an ended generation is refused."""
import datetime as dt
import uuid

import pytest
from werkzeug.datastructures import MultiDict

from services.gateway import account_admin, account_pages, account_rules, accounts, sessions
from services.gateway.access import Principal
from services.gateway.errors import Forbidden, Unauthorized
from services.gateway.models import Account
from services.gateway.web import principal_for
from shared import contract_terms
from shared.db import utcnow
from shared.dependencies import WorkerDatabase
from shared.envelope import Event
from shared.errors import InvalidRequest, NotFound
from shared.metrics import PlatformMetrics

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.timezone.utc)
CONFIG = {"ASSOCIATION_ID": "pimms-lyon", "LOGIN_MAX_FAILURES": 5, "LOGIN_LOCK_MINUTES": 15}


# -- the rules ---------------------------------------------------------------------------------------------------
def test_a_manager_manages_the_association_s_agents_and_managers_and_nothing_above_or_elsewhere():
    assert account_rules.may_manage("manager", "pimms-lyon", "agent", "pimms-lyon")
    assert account_rules.may_manage("manager", "pimms-lyon", "manager", "pimms-lyon")
    assert not account_rules.may_manage("manager", "pimms-lyon", "agent", "pimms-grenoble")
    assert not account_rules.may_manage("manager", "pimms-lyon", "head_office", None)
    assert not account_rules.may_manage("manager", "pimms-lyon", "operator", None)
    assert account_rules.may_manage("head_office", None, "head_office", None)
    assert not account_rules.may_manage("head_office", None, "agent", "pimms-lyon")
    assert not account_rules.may_manage("head_office", None, "operator", None)
    assert not account_rules.may_manage("agent", "pimms-lyon", "agent", "pimms-lyon")
    assert not account_rules.may_manage("operator", None, "operator", None)


def test_an_account_shows_the_state_that_stops_it_first():
    later, earlier = NOW + dt.timedelta(minutes=5), NOW - dt.timedelta(minutes=5)
    assert account_rules.state(NOW, None, None, None) == "active"
    assert account_rules.state(NOW, None, earlier, None) == "active"  # a lock that is over
    assert account_rules.state(NOW, None, later, None) == "locked"
    assert account_rules.state(NOW, None, None, later) == "must_change_password"
    assert account_rules.state(NOW, None, None, earlier) == "password_expired"
    assert account_rules.state(NOW, earlier, later, later) == "disabled"


def test_a_new_account_is_checked_against_the_manager_s_role_and_desks():
    agent = {"role": "agent", "pimms_id": "lyon-8", "agent_id": None}
    assert account_rules.new_account_problems("manager", ("lyon-8", "lyon-9"), agent) == ({}, None)
    problems, _ = account_rules.new_account_problems("manager", ("lyon-9",), agent)
    assert "lyon-8 is not a desk of the association (its desks: lyon-9)" in problems["pimms_id"]
    problems, _ = account_rules.new_account_problems("manager", (), agent)
    assert "none yet" in problems["pimms_id"][0]
    _, forbidden = account_rules.new_account_problems("manager", ("lyon-8",), {"role": "head_office"})
    assert forbidden == "a manager creates accounts of role agent or manager only"
    _, forbidden = account_rules.new_account_problems("head_office", (), agent)
    assert forbidden
    problems, _ = account_rules.new_account_problems("head_office", (), {"role": "head_office", "agent_id": "a1"})
    assert problems == {"agent_id": ["head office's accounts record no activity"]}


def test_a_temporary_password_is_new_each_time_long_and_readable():
    made = {account_rules.temporary_password() for _ in range(50)}
    assert len(made) == 50
    for password in made:
        assert len(password) == 19 and set(password.replace("-", "")) <= set(account_rules.READABLE)


def test_a_new_password_differs_from_the_current_one_has_no_login_and_is_not_trivial():
    assert account_rules.new_password_problems("agent.x", "old-password-1", "tout-neuf-et-long") == []
    assert account_rules.new_password_problems("agent.x", "same-password-1", "same-password-1") == [
        "must differ from the current password"]
    assert account_rules.new_password_problems("agent.x", "o", "mon-AGENT.X-secret") == ["must not contain the login"]
    assert account_rules.new_password_problems("agent.x", "o", "aaaabbbbaaaabbbb") == [
        "too easy to guess: use at least 5 different characters"]


# -- on the database ---------------------------------------------------------------------------------------------
@pytest.fixture
def db(storage):
    with storage.unit_of_work() as uow:
        for login, role, association, desk in [("manager.lyon", "manager", "pimms-lyon", None),
                                               ("agent.lyon8", "agent", "pimms-lyon", "lyon-8"),
                                               ("agent.grenoble", "agent", "pimms-grenoble", "grenoble-1"),
                                               ("manager.grenoble", "manager", "pimms-grenoble", None),
                                               ("siege", "head_office", None, None)]:
            uow.session.add(Account(login=login, role=role, association_id=association, pimms_id=desk,
                                    agent_id=None if role == "head_office" else f"code-{login}", password_hash=accounts.hash_password("x" * 12),
                                    created_at=NOW, failed_logins=0))
    return WorkerDatabase(storage, None)


def principal(db, login):
    with db.unit_of_work() as uow:
        account = uow.session.get(Account, login)
        return Principal(account.login, account.role, account.association_id, account.pimms_id, account.agent_id,
                         accounts.desks_of(uow.session, account), "jti")


def test_another_association_s_account_reads_as_one_that_does_not_exist(db):
    manager = principal(db, "manager.lyon")
    assert [a["login"] for a in account_admin.listing(db, manager)] == ["agent.lyon8", "manager.lyon"]
    for act in (lambda login: account_admin.read(db, manager, login),
                lambda login: account_admin.disable(db, manager, login, "k-" + login),
                lambda login: account_admin.unlock(db, manager, login, "u-" + login),
                lambda login: account_admin.reset_password(db, CONFIG, manager, login, "r-" + login)):
        with pytest.raises(NotFound) as elsewhere:
            act("agent.grenoble")
        with pytest.raises(NotFound) as nowhere:
            act("agent.inconnu")
        assert str(elsewhere.value).replace("agent.grenoble", "X") == str(nowhere.value).replace("agent.inconnu", "X")
    with db.unit_of_work() as uow:
        untouched = uow.session.get(Account, "agent.grenoble")
        assert (untouched.disabled_at, untouched.temporary_until, untouched.session_generation) == (None, None, 0)


def test_an_agent_is_given_a_desk_of_the_franchise_contract_once_the_gateway_holds_it(db):
    manager = principal(db, "manager.lyon")
    with pytest.raises(InvalidRequest) as refused:
        account_admin.create(db, CONFIG, manager, {"login": "agent.neuf", "pimms_id": "lyon-9"}, "k1")
    assert "its desks: lyon-8" in refused.value.errors["pimms_id"][0]
    payload = {"revision": 1, "pimms_ids": ["lyon-8", "lyon-9"], "mandates": ["accueil"], "conventions": [],
               "training_floor_pct": 9.0, "status": "active", "valid_from": dt.date(2026, 1, 1), "valid_to": None}
    contract = Event(str(uuid.uuid4()), "franchise.contract_changed", 1, utcnow(), "pimms-lyon", None, payload)
    db.storage.apply_once("gateway.franchise.contract_changed", contract, contract_terms.apply_contract_changed)
    manager = principal(db, "manager.lyon")
    made = account_admin.create(db, CONFIG, manager, {"login": "agent.neuf", "pimms_id": "lyon-9"}, "k2")
    assert made["account"]["pimms_id"] == "lyon-9" and made["account"]["association_id"] == "pimms-lyon"
    with pytest.raises(Forbidden):
        account_admin.create(db, CONFIG, manager, {"login": "siege.faux", "role": "head_office"}, "k3")


def test_a_temporary_password_logs_in_no_more_once_it_has_expired(db):
    manager = principal(db, "manager.lyon")
    made = account_admin.reset_password(db, {**CONFIG, "TEMPORARY_PASSWORD_HOURS": 1}, manager, "agent.lyon8", "k")
    password = made["temporary_password"]
    tokens = accounts.Tokens("a-secret-of-sixteen-chars", dt.timedelta(minutes=30))
    _, _, view = sessions.log_in(db, tokens, PlatformMetrics(), CONFIG, "agent.lyon8", password)
    assert view["must_change_password"] is True
    with db.unit_of_work() as uow:
        uow.session.get(Account, "agent.lyon8").temporary_until = utcnow() - dt.timedelta(seconds=1)
    with pytest.raises(sessions.PasswordExpired):
        sessions.log_in(db, tokens, PlatformMetrics(), CONFIG, "agent.lyon8", password)
    assert account_admin.read(db, manager, "agent.lyon8")["state"] == "password_expired"


def test_a_token_of_an_earlier_session_generation_or_of_a_disabled_account_is_refused(db):
    tokens = accounts.Tokens("a-secret-of-sixteen-chars", dt.timedelta(minutes=30))
    token, _ = tokens.issue("agent.lyon8", 0)
    assert principal_for(db.storage, tokens, token)[0].login == "agent.lyon8"
    with db.unit_of_work() as uow:
        uow.session.get(Account, "agent.lyon8").session_generation = 1
    with pytest.raises(Unauthorized, match="ended"):
        principal_for(db.storage, tokens, token)
    fresh, _ = tokens.issue("agent.lyon8", 1)
    assert principal_for(db.storage, tokens, fresh)[0].login == "agent.lyon8"
    account_admin.disable(db, principal(db, "manager.lyon"), "agent.lyon8", "d")
    with pytest.raises(Unauthorized, match="disabled"):
        principal_for(db.storage, tokens, tokens.issue("agent.lyon8", 2)[0])


def test_head_office_s_page_offers_its_own_staff_only_and_a_refused_form_says_why_in_french(db):
    tokens = accounts.Tokens("a-secret-of-sixteen-chars", dt.timedelta(minutes=30))
    page = account_pages.show(db, tokens, principal(db, "siege")).get_data(as_text=True)
    assert "Comptes du siège" in page and 'data-login="siege"' in page and "agent.lyon8" not in page
    assert 'name="pimms_id"' not in page and 'name="agent_id"' not in page  # head office has no desk, no code
    assert 'data-action="disable"' not in page  # its own account: changed on its own page
    manager = principal(db, "manager.lyon")
    refused = account_pages.post_create(db, CONFIG, tokens, manager, MultiDict(
        {"login": "<b>agent</b>", "role": "agent", "pimms_id": "lyon-8"}))
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Identifiant : 2 à 64 caractères" in text
    assert "<b>agent</b>" not in text and "&lt;b&gt;agent&lt;/b&gt;" in text  # escaped, kept in its field
    taken = account_pages.post_create(db, CONFIG, tokens, manager, MultiDict(
        {"login": "agent.lyon8", "role": "agent", "pimms_id": "lyon-8"}))
    assert taken.status_code == 400 and "un compte porte déjà cet identifiant" in taken.get_data(as_text=True)
