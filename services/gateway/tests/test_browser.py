"""End to end in a real headless Chromium (Debian's), against the running gateway, accueil and reporting: an
agent logs in and records a visit with the keyboard alone, then finds it counted on the figures page; head
office cannot open a citizen's record, neither as a page nor through the API."""
import os

import pytest

from services.gateway.tests import browser
from services.gateway.tests.conftest import PASSWORDS
from tests.helpers import wait_for


@pytest.fixture
def page():
    reason = browser.missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with browser.open_page() as remote:
        yield remote


def focused(page):
    return page.evaluate("document.activeElement.id || document.activeElement.name")


def log_in(page, stack, login, lands_on):
    page.goto(stack.url("/login"))
    page.fill("#login", login)
    page.fill("#password", PASSWORDS[login])
    page.press("#password", "Enter")
    page.wait_for_url(lands_on)


def tab_to(page, element_id, limit=40):
    """Press Tab until the element has the focus, as a person would."""
    for _ in range(limit):
        if focused(page) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} never got the focus in {limit} tabs")


def test_an_agent_records_a_visit_with_the_keyboard_alone_and_finds_it_in_the_figures(stack, page):
    # logging in: the login field has the focus (once the page has given it), Enter submits
    page.goto(stack.url("/"))
    page.wait_for_function("document.activeElement && document.activeElement.id === 'login'")
    page.keyboard.type("agent.lyon8")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORDS["agent.lyon8"])
    page.keyboard.press("Enter")
    page.wait_for_url("**/desk")

    # the figures before: Alt+C opens them
    page.keyboard.press("Alt+c")
    page.wait_for_url("**/figures")
    before = int(page.text_content("#fig-visits-partenaire-month"))

    # back to the desk (Alt+N): the motif has the focus, typed by its first letters
    page.keyboard.press("Alt+n")
    page.wait_for_url("**/desk")
    assert focused(page) == "motif"
    page.keyboard.type("SNCF")
    assert page.input_value("#motif") == "partenaire:sncf"
    tab_to(page, "acte-explanation")
    page.keyboard.press("Space")  # ticks the act, and its usual registre with it
    assert page.is_checked("#registre-understanding")
    tab_to(page, "duration")
    page.keyboard.type("20")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Visite enregistrée.")
    row = page.text_content("#visites tbody tr:first-child")
    assert "Partenaire : SNCF" in row and "Explication" in row and "20 min" in row and "close" in row

    # the figures after: reporting counts the closed visit from accueil's event
    page.keyboard.press("Alt+c")
    page.wait_for_url("**/figures")

    def counted():
        page.reload()
        return int(page.text_content("#fig-visits-partenaire-month")) == before + 1
    wait_for(counted, timeout=20, interval=0.3, message="the visit on the figures page")
    assert "Chiffres exacts" in page.text_content("main")
    assert "SNCF" in page.text_content("#chart-partners")  # the legend of the chart by partner


def test_head_office_cannot_open_a_citizen_s_record_as_a_page_or_through_the_api(stack, page):
    log_in(page, stack, "siege", "**/figures")
    assert "Réseau national" in page.text_content("h1")

    assert page.goto(stack.url(f"/citizens/{stack.citizen_id}")) == 403
    assert "Accès refusé" in page.text_content("h1")
    assert "Exemple" not in page.content()

    api = page.evaluate("""async ([login, password, citizen]) => {
        const session = await fetch('/api/login', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                                    body: JSON.stringify({login, password})});
        const {token} = await session.json();
        const read = await fetch('/api/citizens/' + citizen, {headers: {Authorization: 'Bearer ' + token}});
        return {status: read.status, body: await read.json()};
    }""", ["siege", PASSWORDS["siege"], stack.citizen_id])
    assert api["status"] == 403 and api["body"]["error"] == "Forbidden"


def test_an_agent_opens_a_person_s_export_from_their_record_and_it_prints(stack, page):
    log_in(page, stack, "agent.lyon8", "**/desk")

    page.goto(stack.url(f"/citizens/{stack.citizen_id}"))
    page.click("#export-link")
    page.wait_for_url(f"**/citizens/{stack.citizen_id}/export")
    assert page.text_content("#export-name").strip() == "Mireille Exemple"
    assert "agent.lyon8" in page.text_content("#export-trail")  # the read just made, then this export
    assert "export (droit d'accès)" in page.text_content("#export-trail")
    # the print button works under the page's Content-Security-Policy (no inline script)
    page.evaluate("window.print = () => { window.printed = true; }")
    page.click("button[data-print]")
    assert page.evaluate("window.printed === true")


def test_alt_r_then_enter_opens_the_first_follow_up_to_call_back(stack, page):
    import datetime as dt
    agent = stack.login("agent.lyon8")
    visit = agent.post(stack.url("/api/visits"), json={"motif": {"kind": "partenaire", "partner": "edf"}}).json()
    case = agent.post(stack.url("/api/cases"), json={"visit_id": visit["visit_id"], "next_action": "rappeler EDF",
                                                      "due_on": dt.date.today().isoformat()}).json()
    log_in(page, stack, "agent.lyon8", "**/desk")
    page.keyboard.press("Alt+r")
    assert focused(page) == "suivi-premier"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/cases/{case['case_id']}")
    assert page.text_content("#case-next").strip() == "rappeler EDF"


def test_the_waiting_room_with_the_keyboard_alone_an_arrival_then_suivant_then_the_public_screen(stack, page):
    log_in(page, stack, "agent.lyon8", "**/desk")
    page.keyboard.press("Alt+s")  # the desk's waiting room, « Suivant » focused
    page.wait_for_url("**/desk/waiting")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'suivant'")
    tab_to(page, "ticket-motif")
    page.keyboard.press("ArrowDown")  # the first motif of the list
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # « Remettre un ticket »
    page.wait_for_url("**/desk/waiting?*fait=ticket*")
    given = page.text_content(".flash")
    label = given.split()[1]
    assert label.startswith("A-") and label in page.text_content("#file")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'suivant'")
    page.keyboard.press("Enter")  # « Suivant »: the visit opens, the desk page shows it in progress
    page.wait_for_url("**/desk?*fait=ouverte")
    assert "Visite ouverte" in page.text_content(".flash")
    page.goto(stack.url("/salle-attente/lyon-8"))
    assert page.text_content("#dernier .number").strip() == label
    assert page.get_attribute("meta[http-equiv=refresh]", "content") == "10"
