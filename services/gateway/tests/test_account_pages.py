"""The accounts pages in a real headless Chromium (Debian's), against the running gateway, accueil and
reporting: a manager creates an agent from the keyboard and reads the temporary password once; the agent
logs in with it, is held on the password page until they change it, then works at the desk; a disabled
agent's open session is refused; a locked account is unlocked by its manager."""
import os

import pytest
import requests

from services.gateway.tests import browser
from services.gateway.tests.conftest import PASSWORDS
from services.gateway.tests.test_browser import focused, tab_to

NEW_PASSWORD = "mon-nouveau-mot-de-passe"


@pytest.fixture
def page():
    reason = browser.missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with browser.open_page() as remote:
        yield remote


def sign_in(page, stack, login, password, lands_on):
    page.goto(stack.url("/login"))
    page.fill("#login", login)
    page.fill("#password", password)
    page.press("#password", "Enter")
    page.wait_for_url(lands_on)


def press(page, selector):
    """A button reached and pressed with the keyboard."""
    page.focus(selector)
    page.keyboard.press("Enter")


def state_of(page, login):
    return page.text_content(f'tr[data-login="{login}"] td.state').strip()


def test_a_manager_creates_an_agent_who_changes_the_temporary_password_first_then_works(stack, page):
    sign_in(page, stack, "manager.lyon", PASSWORDS["manager.lyon"], "**/desk")
    page.click("header nav >> text=Comptes")
    page.wait_for_url("**/accounts")
    assert page.text_content("h1") == "Comptes de l'association pimms-lyon"
    page.wait_for_function("document.activeElement && document.activeElement.id === 'new-login'")
    page.keyboard.type("agent.neuve")
    tab_to(page, "new-desk")
    assert page.input_value("#new-desk") == "lyon-8" and page.input_value("#new-role") == "agent"
    tab_to(page, "create-account")
    page.keyboard.press("Enter")
    page.wait_for_selector("#temporary-password")
    temporary = page.text_content("#temporary-password").strip()
    assert page.text_content("#created-login") == "agent.neuve" and len(temporary) == 19
    assert focused(page) == "mot-de-passe-provisoire"  # read first, to be passed on
    assert state_of(page, "agent.neuve") == "mot de passe provisoire à changer"
    page.reload()  # the same form again: the account is not made twice, the password not shown twice
    assert page.query_selector("#temporary-password") is None
    assert page.evaluate("document.querySelectorAll('tr[data-login=\"agent.neuve\"]').length") == 1
    page.click("text=Se déconnecter")
    page.wait_for_url("**/login")

    # the agent: the temporary password opens the password page, and nothing else until it is changed
    sign_in(page, stack, "agent.neuve", temporary, "**/password")
    assert "provisoire" in page.text_content("#mot-de-passe-a-changer")
    page.goto(stack.url("/desk"))
    assert page.evaluate("location.pathname") == "/password"
    page.wait_for_function("document.activeElement && document.activeElement.id === 'current-password'")
    page.keyboard.type(temporary)
    page.keyboard.press("Tab")
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(NEW_PASSWORD + "x")  # a typing mistake: refused, saying why
    page.keyboard.press("Enter")
    page.wait_for_selector("#erreurs")
    assert "les deux saisies" in page.text_content("#erreurs")
    page.fill("#current-password", temporary)
    page.fill("#new-password", NEW_PASSWORD)
    page.fill("#confirm-password", NEW_PASSWORD)
    page.press("#confirm-password", "Enter")
    page.wait_for_url("**/desk")
    assert page.text_content("h1") == "Accueil du PIMMS lyon-8"
    assert requests.post(stack.url("/api/login"), json={"login": "agent.neuve", "password": NEW_PASSWORD}
                         ).status_code == 200


def test_a_disabled_agent_s_open_session_is_refused(stack, page):
    sign_in(page, stack, "agent.lyon8", PASSWORDS["agent.lyon8"], "**/desk")
    session = [{"name": c["name"], "value": c["value"], "url": stack.base}
               for c in page.context.cookies() if c["name"] == "pimms_session"]
    assert session
    page.context.clear_cookies()

    sign_in(page, stack, "manager.lyon", PASSWORDS["manager.lyon"], "**/desk")
    page.goto(stack.url("/accounts"))
    press(page, 'tr[data-login="agent.lyon8"] button[data-action="disable"]')
    page.wait_for_selector("text=Compte agent.lyon8 désactivé")
    assert state_of(page, "agent.lyon8") == "désactivé"

    page.context.clear_cookies()
    page.context.add_cookies(session)  # the agent's browser, still holding its session
    page.goto(stack.url("/desk"))
    assert page.evaluate("location.pathname") == "/login"
    assert requests.post(stack.url("/api/login"), json={"login": "agent.lyon8", "password": PASSWORDS[
        "agent.lyon8"]}).status_code == 401


def test_a_manager_unlocks_a_locked_account(stack, page):
    for _ in range(5):  # LOGIN_MAX_FAILURES: the fifth failure locks it
        requests.post(stack.url("/api/login"), json={"login": "agent.lyon8", "password": "pas-le-bon"})
    sign_in(page, stack, "manager.lyon", PASSWORDS["manager.lyon"], "**/desk")
    page.goto(stack.url("/accounts"))
    assert state_of(page, "agent.lyon8") == "verrouillé (échecs de connexion)"
    press(page, 'tr[data-login="agent.lyon8"] button[data-action="unlock"]')
    page.wait_for_selector("text=Compte agent.lyon8 déverrouillé")
    assert state_of(page, "agent.lyon8") == "actif"
    assert page.query_selector('tr[data-login="agent.lyon8"] button[data-action="unlock"]') is None
    assert requests.post(stack.url("/api/login"), json={"login": "agent.lyon8", "password": PASSWORDS[
        "agent.lyon8"]}).status_code == 200
    # an agent never reaches the accounts page
    page.click("text=Se déconnecter")
    sign_in(page, stack, "agent.lyon8", PASSWORDS["agent.lyon8"], "**/desk")
    assert page.goto(stack.url("/accounts")) == 403
