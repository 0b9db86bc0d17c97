"""Malformed input answered 500 instead of 4xx: a JSON body that is a list or `null` (`{**request_json(...)}`
raised TypeError), `[` nested 60,000 deep (RecursionError), an id or offset of 10**20 (OverflowError,
502); and no body cap on the pages' forms, nor on a chunked body anywhere. Each now gets its 4xx."""
import re

import requests

from services.gateway.web import MAX_BODY

TOO_BIG = b'{"motif": {"kind": "generaliste", "domain": "caf"}, "x": "' + b"a" * MAX_BODY + b'"}'


def chunks(data, size=4096):
    for start in range(0, len(data), size):
        yield data[start:start + size]


# Each case of a kind against one stack (a stack is 1.4 s to start): a failure names its case.
NOT_OBJECTS = ["[]", "null", "3", '"a visit"', "[{}]"]


def test_a_json_body_that_is_not_an_object_is_a_400(stack):
    agent = stack.login("agent.lyon8")
    for body in NOT_OBJECTS:
        for path in ("/api/visits", "/api/workshops", "/api/login"):
            answer = agent.post(stack.url(path), data=body, headers={"Content-Type": "application/json"})
            assert answer.status_code == 400 and "_body" in answer.json()["fields"], (path, body)


def test_json_nested_sixty_thousand_deep_is_a_400(stack):
    agent = stack.login("agent.lyon8")
    answer = agent.post(stack.url("/api/visits"), data="[" * 60000, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400


OUT_OF_RANGE = ["/api/citizens/100000000000000000000", "/api/visits?offset=100000000000000000000",
                "/api/visits?limit=100000000000000000000"]


def test_numbers_out_of_range_are_a_400(stack):
    agent = stack.login("agent.lyon8")
    for path in OUT_OF_RANGE:
        answer = agent.get(stack.url(path))
        assert answer.status_code == 400, (path, answer.text)


def test_a_body_over_the_cap_is_a_413_whether_its_length_is_given_or_it_comes_in_chunks(stack):
    agent = stack.login("agent.lyon8")
    sized = agent.post(stack.url("/api/visits"), data=TOO_BIG, headers={"Content-Type": "application/json"})
    chunked = agent.post(stack.url("/api/visits"), data=chunks(TOO_BIG), headers={"Content-Type": "application/json"})
    assert sized.status_code == chunked.status_code == 413


def test_a_small_chunked_body_is_read_as_the_body_it_is(stack):
    agent = stack.login("agent.lyon8")
    body = b'{"motif": {"kind": "generaliste", "domain": "caf"}}'
    answer = agent.post(stack.url("/api/visits"), data=chunks(body, 7), headers={"Content-Type": "application/json"})
    assert answer.status_code == 201, answer.text


def test_a_page_form_over_the_cap_is_a_413_in_chunks_too(stack):
    session = requests.Session()
    page = session.get(stack.url("/login"))
    csrf = re.search(r'name="_csrf" value="([0-9a-f]+)"', page.text).group(1)
    form = f"login=agent.lyon8&_csrf={csrf}&password=".encode() + b"x" * (MAX_BODY + 10)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert session.post(stack.url("/login"), data=form, headers=headers).status_code == 413
    assert session.post(stack.url("/login"), data=chunks(form), headers=headers).status_code == 413
