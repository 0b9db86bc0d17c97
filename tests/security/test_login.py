"""The login: an open redirect after it (`suite=/\\evil.example/x` gave `Location: /\\evil.example/x`, which
browsers follow off-site); no anti-forgery field on its form; the pages' anti-forgery value compared with
`!=`; no throttling; a failure counter read then written (parallel wrong passwords got more than the
allowed tries). Each now holds."""
import hmac
import re

import eventlet
import pytest
import requests

from services.gateway import accounts, web
from services.gateway.tests.conftest import PASSWORDS

EVIL = ["/\\evil.example/x", "//evil.example/x", "/\\/evil.example", "https://evil.example/", "/\t/evil.example",
        "/%09/evil.example", "\\\\evil.example", "javascript:alert(1)", " /desk", "/\n/evil.example"]


@pytest.mark.parametrize("target", EVIL)
def test_only_a_path_of_this_site_is_a_redirect_target(target):
    assert web.local_path(target) in (None, "/%09/evil.example")  # %09 stays an encoded path of this site


@pytest.mark.parametrize("target", ["/desk", "/figures?annee=2026", "/citizens/12"])
def test_a_path_of_this_site_is_kept(target):
    assert web.local_path(target) == target


def login_form(session, stack, suite=""):
    page = session.get(stack.url("/login"), params={"suite": suite} if suite else None)
    return re.search(r'name="_csrf" value="([0-9a-f]+)"', page.text).group(1)


def test_logging_in_never_sends_the_browser_off_site(stack):
    for target in ["/\\evil.example/x", "//evil.example/x", "https://evil.example/"]:  # one stack for the three
        session = requests.Session()
        csrf = login_form(session, stack)
        answer = session.post(stack.url("/login"), allow_redirects=False, data={
            "login": "agent.lyon8", "password": PASSWORDS["agent.lyon8"], "suite": target, "_csrf": csrf})
        assert answer.status_code == 303 and answer.headers["Location"] == "/desk", target


def test_the_login_form_refuses_a_post_without_its_anti_forgery_field(stack):
    session = requests.Session()
    login_form(session, stack)  # the cookie, but not the field: what a page of another site can do
    answer = session.post(stack.url("/login"), allow_redirects=False,
                          data={"login": "agent.lyon8", "password": PASSWORDS["agent.lyon8"]})
    assert answer.status_code == 403 and "pimms_session" not in answer.headers.get("Set-Cookie", "")
    forged = requests.post(stack.url("/login"), allow_redirects=False, data={
        "login": "agent.lyon8", "password": PASSWORDS["agent.lyon8"], "_csrf": "0" * 32})
    assert forged.status_code == 403


def test_anti_forgery_values_are_compared_in_constant_time(monkeypatch):
    calls, real = [], hmac.compare_digest
    monkeypatch.setattr(accounts.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    tokens = accounts.Tokens("a-secret-of-sixteen-chars", __import__("datetime").timedelta(minutes=5))
    assert tokens.csrf_ok("j" * 32, tokens.csrf("j" * 32)) and not tokens.csrf_ok("j" * 32, "x" * 32)
    assert tokens.login_csrf_ok("nonce", tokens.login_csrf("nonce")) and not tokens.login_csrf_ok("nonce", "x")
    assert len(calls) == 4


def test_logins_are_throttled_per_login_and_answer_429_with_retry_after(stack):
    statuses = []
    for _ in range(12):
        answer = requests.post(stack.url("/api/login"), json={"login": "manager.lyon", "password": "wrong-password"})
        statuses.append(answer.status_code)
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
    assert int(answer.headers["Retry-After"]) > 0 and answer.json()["error"] == "TooManyRequests"


def test_logins_are_throttled_per_client_address(stack):
    statuses = [requests.post(stack.url("/api/login"), json={"login": f"nobody{n}", "password": "x" * 12}
                              ).status_code for n in range(32)]
    first = statuses.index(429)  # the stack's own setup logged in once from this address too
    assert 28 <= first <= 30 and set(statuses[:first]) == {401} and set(statuses[first:]) == {429}


def test_parallel_wrong_passwords_get_no_more_tries_than_allowed_on_postgresql(pg_url, monkeypatch):
    import datetime as dt

    from services.gateway.service import MIGRATIONS
    from shared.db import Storage, utcnow

    store = Storage(pg_url, MIGRATIONS, "pimms-lyon")
    try:
        with store.unit_of_work() as uow:
            accounts.create_account(uow.session, {"login": "agent.lyon8", "role": "agent", "association_id": "pimms-lyon",
                                                  "pimms_id": "lyon-8", "agent_id": None,
                                                  "password": "the-right-password"}, utcnow(), "pimms-lyon")
            stored = uow.session.get(accounts.Account, "agent.lyon8").password_hash
        guesses = []

        class Counting:  # argon2's hasher, counting the guesses checked against the account's real hash
            def __init__(self, real):
                self.real = real

            def verify(self, hashed, password):
                if hashed == stored:
                    guesses.append(password)
                return self.real.verify(hashed, password)

            def __getattr__(self, name):
                return getattr(self.real, name)

        monkeypatch.setattr(accounts, "HASHER", Counting(accounts.HASHER))
        pool = eventlet.GreenPool()
        outcomes = list(pool.imap(lambda n: accounts.authenticate(
            store.unit_of_work, "agent.lyon8", f"guess-{n}", utcnow(), 5, dt.timedelta(minutes=15)).outcome,
            range(20)))
        assert len(guesses) <= 5  # twenty guessers at once, five tries between them
        assert outcomes.count("locked") >= 15
    finally:
        store.dispose()
