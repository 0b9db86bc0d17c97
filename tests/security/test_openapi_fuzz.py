"""A property-based run of the gateway's API as its OpenAPI description says it is (schemathesis and
hypothesis): for every operation, generated requests (bounded: a few examples each, so that it stays in
`make test`) get no 5xx, and every answer is one the description lists, in status, content type and body
schema. The caller is the association's manager, so that staff routes do their work and the others refuse
(403) as documented.

(Schemathesis' own pytest plugin does not run on pytest 9: the operations are driven here with its
strategies and checks directly.)"""
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 8
LEFT_OUT = {"POST /api/logout"}  # it would end the session the run uses


def test_the_api_answers_every_generated_request_as_its_description_says(stack):
    schema = schemathesis.openapi.from_url(stack.url("/api/openapi.json"))
    manager = {"Authorization": stack.login("manager.lyon").headers["Authorization"]}
    tried, failures = [], {}
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if label in LEFT_OUT:
            continue
        tried.append(label)

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            response = case.call(base_url=stack.base, headers=manager, timeout=30)
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 (every operation is tried; all failures are reported)
            failures[label] = str(exc)[:2000]
    assert len(tried) >= 14, tried  # every operation of the description but logout
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
