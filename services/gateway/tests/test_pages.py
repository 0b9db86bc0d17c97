"""The pages over plain HTTP (the browser tests drive them in Chromium): the session cookie, the forms'
anti-forgery field, French errors that store nothing, and refusals by role."""
import re

import requests

from services.gateway.tests.conftest import PASSWORDS


def login_csrf(session, stack):
    """The login form's anti-forgery value (and, in the session, the cookie it is bound to)."""
    return csrf(session.get(stack.url("/login")))


def logged_in(stack, login):
    session = requests.Session()
    answer = session.post(stack.url("/login"), allow_redirects=False,
                          data={"login": login, "password": PASSWORDS[login], "_csrf": login_csrf(session, stack)})
    assert answer.status_code == 303, answer.text
    return session, answer


def csrf(page):
    return re.search(r'name="_csrf" value="([0-9a-f]+)"', page.text).group(1)


def test_logging_in_sets_a_strict_http_only_cookie_and_lands_on_the_role_s_page(stack):
    _, answer = logged_in(stack, "agent.lyon8")
    cookie = answer.headers["Set-Cookie"]
    assert "pimms_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert answer.headers["Location"] == "/desk"
    assert logged_in(stack, "siege")[1].headers["Location"] == "/figures"
    assert logged_in(stack, "ops")[1].headers["Location"] == "/ops"


def test_a_page_without_a_session_sends_to_the_login_page_and_back(stack):
    answer = requests.get(stack.url("/desk"), allow_redirects=False)
    assert answer.status_code == 303 and answer.headers["Location"] == "/login?suite=/desk"
    session = requests.Session()
    wrong = session.post(stack.url("/login"), data={"login": "agent.lyon8", "password": "nope",
                                                    "_csrf": login_csrf(session, stack)})
    assert wrong.status_code == 401 and "Identifiant ou mot de passe incorrect" in wrong.text


def test_the_desk_page_is_french_and_keyboard_ready_with_safe_headers(stack):
    session, _ = logged_in(stack, "agent.lyon8")
    page = session.get(stack.url("/desk"))
    assert page.status_code == 200 and '<html lang="fr">' in page.text
    assert '<label for="motif">Motif</label><select id="motif" name="motif" required autofocus' in page.text
    assert "Enregistrer la visite terminée" in page.text and "Alt</kbd>+<kbd>N" in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"


def test_a_form_without_its_anti_forgery_field_is_refused(stack):
    session, _ = logged_in(stack, "agent.lyon8")
    form = {"motif": "partenaire:edf", "acts": "advice", "registres": "understanding", "outcome": "resolved",
            "duration_min": "10", "action": "record"}
    assert session.post(stack.url("/desk/visits"), data=form).status_code == 403
    assert "0 visite(s)" in session.get(stack.url("/desk")).text


def test_a_visit_recorded_from_the_page_shows_in_today_s_list_and_a_wrong_one_stores_nothing(stack):
    session, _ = logged_in(stack, "agent.lyon8")
    token = csrf(session.get(stack.url("/desk")))
    wrong = session.post(stack.url("/desk/visits"), data={"_csrf": token, "motif": "partenaire:edf",
                                                           "acts": "advice", "outcome": "resolved", "action": "record"})
    assert wrong.status_code == 400
    assert "Durée : indiquez la durée d&#39;une visite terminée" in wrong.text
    assert "Registres : choisissez-en au moins un" in wrong.text
    assert 'value="partenaire:edf" selected' in wrong.text  # what was typed is kept
    assert "0 visite(s)" in wrong.text
    done = session.post(stack.url("/desk/visits"), data={
        "_csrf": token, "motif": "generaliste:housing", "acts": ["advice", "letter"], "registres": "understanding",
        "outcome": "follow_up", "duration_min": "25", "action": "record"})
    assert done.status_code == 200 and "Visite enregistrée." in done.text
    assert "1 visite(s)" in done.text and "Généraliste : Logement" in done.text and "25 min" in done.text


def test_a_visit_opened_from_the_page_is_closed_from_its_own_form(stack):
    session, _ = logged_in(stack, "agent.lyon8")
    token = csrf(session.get(stack.url("/desk")))
    opened = session.post(stack.url("/desk/visits"), data={"_csrf": token, "motif": "partenaire:sncf",
                                                            "action": "open"})
    assert "Visite ouverte" in opened.text and "en cours" in opened.text
    action = re.search(r'action="(/desk/visits/[0-9a-f-]+/close)"', opened.text).group(1)
    closed = session.post(stack.url(action), data={"_csrf": token, "acts": "online_help", "registres": "inform",
                                                   "outcome": "resolved", "duration_min": "5"})
    assert "Visite close." in closed.text and "Aucune visite en cours." in closed.text


def test_a_workshop_is_recorded_from_the_page(stack):
    session, _ = logged_in(stack, "agent.lyon8")
    page = session.get(stack.url("/desk"))
    held_on = re.search(r'name="held_on" type="date" value="([0-9-]+)"', page.text).group(1)
    done = session.post(stack.url("/desk/workshops"), data={
        "_csrf": csrf(page), "theme": "digital", "held_on": held_on, "attendees": "7", "duration_min": "90",
        "registres": "collective"})
    assert "Atelier enregistré." in done.text


def test_head_office_gets_a_french_refusal_on_a_citizen_s_record_and_the_desk(stack):
    session, _ = logged_in(stack, "siege")
    for path in (f"/citizens/{stack.citizen_id}", "/desk"):
        page = session.get(stack.url(path))
        assert page.status_code == 403 and "Accès refusé" in page.text
        assert "jamais l&#39;identité d&#39;une personne" in page.text
    assert "Exemple" not in session.get(stack.url(f"/citizens/{stack.citizen_id}")).text


def test_an_agent_opens_the_record_of_a_citizen_their_desk_received(stack):
    session, _ = logged_in(stack, "agent.lyon8")
    record = session.get(stack.url(f"/citizens/{stack.citizen_id}"))
    assert record.status_code == 200 and "Mireille Exemple" in record.text
    assert "journal d'audit" in record.text


def test_logging_out_ends_the_session(stack):
    session, _ = logged_in(stack, "agent.lyon8")
    page = session.get(stack.url("/desk"))
    stolen = session.cookies.get("pimms_session")
    session.post(stack.url("/logout"), data={"_csrf": csrf(page)})
    again = requests.get(stack.url("/desk"), cookies={"pimms_session": stolen}, allow_redirects=False)
    assert again.status_code == 303 and again.headers["Location"].startswith("/login")


def test_an_unknown_page_is_a_french_404(stack):
    page = requests.get(stack.url("/nulle-part"))
    assert page.status_code == 404 and "Introuvable" in page.text


def form_key(page):
    return re.search(r'name="_request_key" value="([0-9a-f-]+)"', page.text).group(1)


def test_a_desk_form_sent_twice_records_one_visit(stack):
    session, _ = logged_in(stack, "agent.lyon8")
    page = session.get(stack.url("/desk"))
    form = {"_csrf": csrf(page), "_request_key": form_key(page), "motif": "partenaire:engie", "acts": "advice",
            "registres": "understanding", "outcome": "resolved", "duration_min": "10", "action": "record"}
    first = session.post(stack.url("/desk/visits"), data=form)
    again = session.post(stack.url("/desk/visits"), data=form)  # a double click, or the page sent again
    assert first.status_code == again.status_code == 200
    assert "1 visite(s)" in again.text
    # each page shown carries a new key: the next form is the next visit
    page = session.get(stack.url("/desk"))
    assert form_key(page) != form["_request_key"]
    session.post(stack.url("/desk/visits"), data={**form, "_csrf": csrf(page), "_request_key": form_key(page)})
    assert "2 visite(s)" in session.get(stack.url("/desk")).text
