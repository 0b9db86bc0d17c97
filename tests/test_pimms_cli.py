"""The `pimms` command (scripts/pimms): help for every command, a plain refusal for every bad input, and a
real round trip over RPC: head office registers an association and its desks and signs its contract, the
association creates its first manager, who then logs in at the gateway; health and dead letters on the same
broker. The services run on this test's own RabbitMQ vhost."""
import io
import json
import subprocess
import sys

import pytest
import requests

from scripts.pimms import main, parser
from services.franchise.service import FranchiseService
from services.gateway.service import GatewayService
from tests.helpers import publish_raw, wait_for

PASSWORD = "a-long-enough-password"


def run(*argv, stdin=None, monkeypatch=None):
    """(exit status, stdout, stderr) of `pimms argv`."""
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    try:
        status = main(list(argv), stdout=out, stderr=err)
    except SystemExit as exit_:  # argparse: --help, bad usage
        status = exit_.code
    return status, out.getvalue(), err.getvalue()


def commands(top=None, path=()):
    """Every command path of the parser: ("association",), ("association", "register"), ..."""
    import argparse

    top = top or parser()
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name)
                yield from commands(sub, (*path, name))


# -- help ---------------------------------------------------------------------------------------------------
def test_every_command_has_its_help(capsys):
    found = list(commands())
    assert {("association", "register"), ("desk", "register"), ("contract", "sign"), ("contract", "amend"),
            ("contract", "show"), ("link",), ("manager", "create"), ("deadletters", "list"),
            ("deadletters", "replay"), ("health",), ("backup",), ("restore",)} <= set(found)
    for path in found:
        status, _, _ = run(*path, "--help")
        shown = capsys.readouterr().out
        assert status == 0, path
        assert shown.startswith(f"usage: pimms {' '.join(path)}"), path
        assert len(shown.splitlines()) > 3, path  # more than a usage line: what it does


def test_runs_as_a_module_and_says_how_it_exits():
    done = subprocess.run([sys.executable, "-m", "scripts.pimms", "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    assert "exit status: 0 done; 1 refused" in done.stdout and done.stderr == ""


# -- bad input, refused before anything is sent ---------------------------------------------------------------
@pytest.mark.parametrize("argv, says", [
    (["contract", "sign", "--association", "a", "--desk", "d", "--mandate", "accueil", "--from", "2025-13-01"],
     "'2025-13-01' is not a date YYYY-MM-DD"),
    (["contract", "sign", "--association", "a", "--desk", "d", "--mandate", "accueil", "--from", "2025-01-01",
      "--convention", "edf-accueil"], "expected PARTNER:SCOPE[+SCOPE]:FROM[:TO]"),
    (["contract", "sign", "--association", "a", "--desk", "d", "--mandate", "cooking", "--from", "2025-01-01"],
     "invalid choice: 'cooking'"),
    (["contract", "sign", "--association", "a", "--mandate", "accueil", "--from", "2025-01-01"],
     "the following arguments are required: --desk"),
    (["desk", "register", "lyon-8", "--label", "Lyon 8e"], "the following arguments are required: --association"),
    (["deadletters", "list"], "one of the arguments --service --unrouted is required"),
    (["deadletters", "list", "--service", "nobody"], "invalid choice: 'nobody'"),
    (["link", "--head-office", "amqp://hq", "--association", "pimms-lyon"], "expected ID=AMQP_URI"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_bad_usage_exits_2_and_says_what_is_wrong(argv, says, capsys):
    status, _, _ = run(*argv)
    assert status == 2
    assert says in capsys.readouterr().err


def test_a_manager_without_a_password_on_stdin_is_refused_before_any_call(monkeypatch):
    status, _, err = run("--amqp-uri", "pyamqp://guest:guest@127.0.0.1:1//", "manager", "create", "first.manager",
                         "--association", "pimms-test", "--password-stdin", stdin="", monkeypatch=monkeypatch)
    assert (status, err) == (1, "pimms manager: no password on standard input\n")


@pytest.mark.parametrize("where", ["before the command", "after it"])
def test_an_unreachable_broker_exits_3_naming_it_without_its_password(where):
    options = ["--amqp-uri", "pyamqp://guest:secret@127.0.0.1:1//", "--timeout", "3"]
    command = ["association", "register", "pimms-x", "--label", "X"]
    status, _, err = run(*(options + command if where == "before the command" else command + options))
    assert status == 3
    assert err.startswith("pimms association: cannot reach the stack's broker at pyamqp://guest:***@127.0.0.1:1//")
    assert "secret" not in err and len(err.splitlines()) == 1


def test_a_backup_of_nothing_and_a_restore_of_no_archive_are_refused(tmp_path):
    assert run("backup", str(tmp_path / "b.tar.gz"), "--data-dir", str(tmp_path / "empty"))[:1] == (1,)
    status, _, err = run("restore", str(tmp_path / "missing.tar.gz"), "--data-dir", str(tmp_path))
    assert status == 1 and "no archive at" in err


# -- a real round trip ----------------------------------------------------------------------------------------
@pytest.fixture
def head_office_and_gateway(container_factory, service_config, web_config, web_config_port, monkeypatch):
    from tests.helpers import free_port

    franchise_port = free_port()
    container_factory(FranchiseService, service_config(
        "franchise", WEB_SERVER_ADDRESS=f"127.0.0.1:{franchise_port}")).start()
    container_factory(GatewayService, service_config(
        "gateway", TOKEN_SECRET="a-token-secret-of-this-test", RPC_TIMEOUT_SECONDS=5, **web_config)).start()
    monkeypatch.setenv("FRANCHISE_WEB_ADDRESS", f"127.0.0.1:{franchise_port}")
    monkeypatch.setenv("GATEWAY_WEB_ADDRESS", f"127.0.0.1:{web_config_port}")
    return f"http://127.0.0.1:{web_config_port}"


def test_head_office_and_the_association_set_up_a_stack_from_the_command_line(
        head_office_and_gateway, rabbit_config, monkeypatch):
    gateway = head_office_and_gateway
    uri = ("--amqp-uri", rabbit_config["AMQP_URI"])

    # head office registers the association and its desks, and signs its contract
    assert run(*uri, "association", "register", "pimms-test", "--label", "PIMMS de Test")[0] == 0
    for desk in ("lyon-8", "lyon-9"):
        assert run(*uri, "desk", "register", desk, "--association", "pimms-test", "--label", f"Desk {desk}")[0] == 0
    status, out, err = run(*uri, "contract", "sign", "--association", "pimms-test", "--desk", "lyon-8", "--desk",
                           "lyon-9", "--mandate", "accueil", "--mandate", "ateliers", "--convention",
                           "edf:accueil:2025-01-01", "--from", "2025-01-01")
    assert (status, err) == (0, "")
    assert out.startswith("contract of pimms-test signed: active, revision 1, desks lyon-8, lyon-9")

    status, out, _ = run(*uri, "contract", "amend", "--association", "pimms-test", "--training-floor", "12")
    assert status == 0 and "revision 2" in out
    status, out, _ = run(*uri, "contract", "show", "pimms-test")
    shown = json.loads(out)
    assert (status, shown["status"], shown["terms"]["training_floor_pct"]) == (0, "active", 12.0)
    assert shown["terms"]["conventions"][0]["partner"] == "edf"

    # the association creates its first manager, who logs in at the gateway with the desks of the contract
    def manager_with_desks():
        status, out, err = run(*uri, "--json", "manager", "create", "first.manager", "--association", "pimms-test",
                               "--password-stdin", stdin=PASSWORD + "\n", monkeypatch=monkeypatch)
        assert (status, err) == (0, ""), err
        return json.loads(out)

    assert manager_with_desks()["role"] == "manager"
    login = requests.post(f"{gateway}/api/login", json={"login": "first.manager", "password": PASSWORD}, timeout=10)
    assert login.status_code == 200 and login.json()["account"]["role"] == "manager"
    wait_for(lambda: requests.get(f"{gateway}/api/me", timeout=10, headers={
        "Authorization": f"Bearer {login.json()['token']}"}).json().get("desks") == ["lyon-8", "lyon-9"],
        message="the manager's desks from the contract")

    # and the health of the two services running
    status, out, _ = run("health", "--service", "franchise", "--service", "gateway")
    assert status == 0
    assert [line.split(None, 2) for line in out.splitlines()] == [
        ["franchise", "ok", "broker ok, database ok"], ["gateway", "ok", "broker ok, database ok"]]


def test_a_refusal_of_a_service_exits_1_naming_the_field_and_the_rule(head_office_and_gateway, rabbit_config,
                                                                      monkeypatch):
    uri = ("--amqp-uri", rabbit_config["AMQP_URI"])
    status, _, err = run(*uri, "desk", "register", "lyon-8", "--association", "nobody", "--label", "Lyon 8e")
    assert status == 1
    assert err.startswith("pimms desk: franchise refused the request:\n  association_id: ")
    assert run(*uri, "association", "register", "pimms-test", "--label", "PIMMS de Test")[0] == 0
    status, _, err = run(*uri, "contract", "sign", "--association", "pimms-test", "--desk", "lyon-8",
                         "--mandate", "accueil", "--from", "2025-01-01")
    assert status == 1 and "pimms_ids" in err  # a desk never registered

    run(*uri, "manager", "create", "first.manager", "--association", "pimms-test", "--password-stdin",
        stdin=PASSWORD + "\n", monkeypatch=monkeypatch)
    status, _, err = run(*uri, "manager", "create", "first.manager", "--association", "pimms-test",
                         "--password-stdin", stdin=PASSWORD + "\n", monkeypatch=monkeypatch)
    assert status == 1 and "(Conflict): an account first.manager already exists" in err
    status, _, err = run(*uri, "manager", "create", "other.manager", "--association", "pimms-test",
                         "--password-stdin", stdin="short\n", monkeypatch=monkeypatch)
    assert status == 1 and "password: must be 12 to 200 characters" in err


def test_a_service_that_does_not_answer_its_health_exits_1(head_office_and_gateway, monkeypatch):
    from tests.helpers import free_port

    monkeypatch.setenv("ACCUEIL_WEB_ADDRESS", f"127.0.0.1:{free_port()}")
    status, out, err = run("health", "--service", "franchise", "--service", "accueil", "--wait", "2")
    assert status == 1
    assert [line.split()[:2] for line in out.splitlines()] == [["franchise", "ok"], ["accueil", "UNHEALTHY"]]
    assert err == "pimms health: unhealthy or not answering: accueil\n"


def test_dead_letters_are_listed_and_replayed(head_office_and_gateway, rabbit_config):
    uri = ("--amqp-uri", rabbit_config["AMQP_URI"])
    # an event franchise cannot load goes to its dead letters with the reason
    publish_raw(rabbit_config["AMQP_URI"], "reporting.period_closed", {"event_id": "not-an-event"})

    def listed():
        status, out, _ = run(*uri, "deadletters", "list", "--service", "franchise")
        return [json.loads(line) for line in out.splitlines()] if status == 0 else []

    letters = wait_for(listed, message="the dead letter")
    assert letters[0]["reason"] and letters[0]["queue"] == "franchise.reporting.period_closed"
    assert listed() == letters  # listing takes nothing
    status, out, _ = run(*uri, "deadletters", "replay", "--service", "franchise")
    assert (status, out) == (0, "replayed 1 message(s)\n")


@pytest.fixture
def association_broker(vhost_pipeline, rabbit_config, pytestconfig):
    """A second vhost standing for an association's broker (deleted after, with its shovels), an association
    code of this test alone, and its link user at head office deleted after."""
    import secrets

    api = pytestconfig.getoption("RABBIT_API_URI")
    association_id = "pimms-cli-" + secrets.token_hex(3)
    with vhost_pipeline.get() as vhost:
        yield association_id, rabbit_config["AMQP_URI"].rsplit("/", 1)[0] + "/" + vhost, api
    requests.delete(f"{api.rstrip('/')}/api/users/association.{association_id}", timeout=10)


def test_head_office_links_an_association_and_a_contract_signed_comes_down(
        head_office_and_gateway, association_broker, rabbit_config):
    from tests.helpers import drain, probe

    association_id, association_uri, api = association_broker
    uri = ("--amqp-uri", rabbit_config["AMQP_URI"])
    status, out, err = run(*uri, "link", "--head-office", rabbit_config["AMQP_URI"], "--head-office-management", api,
                           "--association", f"{association_id}={association_uri},{api}", "--wait", "20")
    assert (status, err) == (0, ""), err
    assert out.startswith(f"{association_id}: franchise.contract_changed down; accueil.visit_closed")
    probe(association_uri, "franchise.contract_changed")

    run(*uri, "association", "register", association_id, "--label", "PIMMS relié")
    run(*uri, "desk", "register", "lyon-8", "--association", association_id, "--label", "Lyon 8e")
    assert run(*uri, "contract", "sign", "--association", association_id, "--desk", "lyon-8", "--mandate",
               "accueil", "--from", "2025-01-01")[0] == 0
    arrived = wait_for(lambda: drain(association_uri, "probe.franchise.contract_changed"),
                       message="the contract on the association's broker")
    assert [body["association_id"] for body, _ in arrived] == [association_id]
