"""The OpenAPI description: a structurally valid OpenAPI 3 document, generated from the schemas, that lists
every API route of the service (a route added without its description fails here)."""
import re

import pytest
from nameko.web.handlers import HttpRequestHandler

from services.gateway import openapi
from services.gateway.service import GatewayService
from services.gateway.web import API_ROUTES

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
CATCH_ALL = "/api/<path:rest>"  # answers unknown paths with a JSON 404: not a route of the API


@pytest.fixture(scope="module")
def document():
    return openapi.spec(API_ROUTES)


def http_routes():
    routes = set()
    for name in dir(GatewayService):
        for entrypoint in getattr(getattr(GatewayService, name), "nameko_entrypoints", ()):
            if isinstance(entrypoint, HttpRequestHandler) and entrypoint.url.startswith("/api/"):
                for method in entrypoint.method.split(","):
                    routes.add((method.lower(), entrypoint.url))
    return routes - {(m, CATCH_ALL) for m in ("get", "post", "put", "patch", "delete")}


def resolve(document, ref):
    assert ref.startswith("#/"), ref
    node = document
    for part in ref[2:].split("/"):
        assert part in node, f"unresolved $ref {ref}"
        node = node[part]
    return node


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def test_it_is_a_structurally_valid_openapi_3_document(document):
    assert re.fullmatch(r"3\.0\.\d", document["openapi"])
    assert document["info"]["title"] and document["info"]["version"]
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    operation_ids = []
    for path, item in document["paths"].items():
        assert path.startswith("/api/") and "<" not in path
        for method, operation in item.items():
            assert method in METHODS, (path, method)
            operation_ids.append(operation["operationId"])
            assert operation["responses"], (path, method)
            for status, response in operation["responses"].items():
                assert re.fullmatch(r"[1-5][0-9][0-9]", status) and response["description"]
                for media in response.get("content", {}).values():
                    assert "schema" in media
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), (path, method)
            for parameter in operation.get("parameters", []):
                assert parameter["in"] in ("path", "query", "header", "cookie") and "schema" in parameter
                assert parameter["in"] != "path" or parameter["required"] is True
            if "requestBody" in operation:
                assert operation["requestBody"]["content"]["application/json"]["schema"]
    assert len(operation_ids) == len(set(operation_ids))
    for ref in refs(document):
        resolve(document, ref)


def test_it_lists_every_api_route_of_the_service(document):
    listed = {(method, path) for path, item in document["paths"].items() for method in item}
    served = {(method, openapi.openapi_path(url)) for method, url in http_routes()}
    assert served and served == listed


def test_request_bodies_and_queries_come_from_the_services_schemas(document):
    schemas = document["components"]["schemas"]
    open_visit = resolve(document, document["paths"]["/api/visits"]["post"]["requestBody"]["content"]
                         ["application/json"]["schema"]["$ref"])
    assert {"motif", "participants", "acts", "pimms_id"} <= set(open_visit["properties"])
    assert "agent_id" not in open_visit["properties"]  # the account's, never the caller's
    assert schemas["Motif"]["properties"]["kind"]["enum"] == ["generaliste", "partenaire"]
    figures = {p["name"] for p in document["paths"]["/api/figures"]["get"]["parameters"]}
    assert figures == {"scope", "id", "period"}
    assert "Figures" in schemas and "Error" in schemas


def test_it_is_served_without_login(stack):
    import requests

    answer = requests.get(stack.url("/api/openapi.json"))
    assert answer.status_code == 200 and answer.json()["paths"].keys() == openapi.spec(API_ROUTES)["paths"].keys()
