"""Workshop sessions in a real headless Chromium (Debian's), against the running gateway, accueil and
reporting (issue 20): a full session is seen full in the list; who came is marked with the keyboard alone
(Space ticks, Tab moves, Enter saves) and the session closed; a session is planned from its form."""
import datetime as dt

from services.gateway.tests.test_browser import focused, log_in, page, tab_to  # noqa: F401 (page: a fixture)


def test_an_agent_marks_who_came_with_the_keyboard_and_closes_the_session(stack, page):  # noqa: F811
    agent = stack.login("agent.lyon8")
    workshop = agent.post(stack.url("/api/workshops"), json={
        "theme": "digital", "starts_at": (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=15)).isoformat(),
        "duration_min": 90, "capacity": 2, "place": "Salle 3"}).json()
    url = stack.url(f"/api/workshops/{workshop['workshop_id']}/registrations")
    first = agent.post(url, json={"citizen_id": stack.citizen_id}).json()
    second = agent.post(url, json={}).json()
    log_in(page, stack, "agent.lyon8", "**/desk")
    page.goto(stack.url("/workshops"))
    assert "Complet" in page.text_content("table")  # a full session is seen full
    page.goto(stack.url(f"/workshops/{workshop['workshop_id']}"))
    tab_to(page, f"present-{first['registration_id']}")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert focused(page) == f"present-{second['registration_id']}"
    page.keyboard.press("Space")
    tab_to(page, "walk_ins")
    page.keyboard.press("Control+a")
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    page.wait_for_url("**fait=presences")
    assert page.text_content("#seance-presents").strip() == "3"
    tab_to(page, "clore-bouton")
    page.keyboard.press("Enter")
    page.wait_for_url("**fait=close")
    assert "tenue" in page.text_content("#seance-etat")
    assert agent.get(stack.url(f"/api/workshops/{workshop['workshop_id']}")).json()["attendees"] == 3


def test_an_agent_plans_a_session_from_its_form_and_finds_its_places(stack, page):  # noqa: F811
    log_in(page, stack, "agent.lyon8", "**/desk")
    page.goto(stack.url("/workshops"))
    page.select_option("#seance-theme", "budget")
    page.fill("#seance-day", (dt.date.today() + dt.timedelta(days=7)).isoformat())
    page.fill("#seance-time", "10:00")
    tab_to(page, "seance-capacity")
    page.keyboard.press("Control+a")
    page.keyboard.type("8")
    page.keyboard.press("Enter")
    page.wait_for_url("**fait=prevue")
    assert page.text_content("#seance-places").strip() == "8"
    assert "à partir du début" in page.text_content("#presences-attente")
