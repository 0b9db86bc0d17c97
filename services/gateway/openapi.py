"""The API's OpenAPI 3 description, generated with apispec from the routes declared in service.py (web.api)
and their marshmallow schemas: accueil's and reporting's requests as the gateway takes them, and its own."""
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from services.gateway.schemas import ErrorView

ERRORS = {400: "Bad request: each field with the rules it broke", 401: "No valid token",
          403: "The role or the desk does not allow it", 404: "Not found", 409: "The record's state forbids it",
          413: "The body is larger than the route takes", 422: "The franchise contract does not cover it",
          429: "Too many attempts: wait the Retry-After seconds", 502: "A service failed",
          503: "A service is unavailable"}
CONVERTERS = {"int": {"type": "integer", "minimum": 1}, "string": {"type": "string"}, "path": {"type": "string"}}
PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")
IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[!-~]{1,128}$"},
    "description": "Your name for this request (a UUID): sent again with the same key, the request gets the "
                   "first answer and nothing is done twice. Keys are kept 24 hours, per account; the same key "
                   "with another request is refused (400)."}


def openapi_path(url):
    """`/api/visits/<string:visit_id>` (werkzeug) as `/api/visits/{visit_id}` (OpenAPI)."""
    return PARAMETER.sub(lambda m: "{" + m.group(2) + "}", url)


def spec(routes):
    doc = APISpec(
        title="PIMMS gateway", version="1.0.0", openapi_version="3.0.3", plugins=[MarshmallowPlugin()],
        info={"description": "The desks' and head office's JSON API over the PIMMS services. Log in with "
                             "POST /api/login and send the token as `Authorization: Bearer <token>`. Roles: agent "
                             "(own desk), manager (the association's desks), head_office (figures only, "
                             "suppressed), operator (health and metrics)."})
    doc.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    doc.components.schema("Error", schema=ErrorView)
    paths = {}
    for route in routes:
        paths.setdefault(openapi_path(route.url), {})[route.method.lower()] = _operation(route)
    for path, operations in sorted(paths.items()):
        doc.path(path=path, operations=operations)
    return doc.to_dict()


def _operation(route):
    operation = {
        "summary": route.summary,
        "operationId": re.sub(r"[^a-zA-Z0-9]+", "_", f"{route.method}{openapi_path(route.url)}").strip("_"),
        "tags": [route.tag],
        "security": [{"bearer": []}] if route.roles else [],
        "parameters": [{"in": "path", "name": name, "required": True, "schema": CONVERTERS.get(kind or "string")}
                       for kind, name in PARAMETER.findall(route.url)],
        "responses": {str(route.status): _success(route)},
    }
    if route.roles:
        operation["description"] = "Roles: " + ", ".join(route.roles)
    if route.method == "POST" and route.roles:
        operation["parameters"].append(IDEMPOTENCY_KEY)
    if route.query is not None:
        operation["parameters"].append({"in": "query", "schema": route.query})
    if route.body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": route.body}}}
    for status in route.errors:
        operation["responses"][str(status)] = {
            "description": ERRORS[status], "content": {"application/json": {"schema": "Error"}}}
    return operation


def _success(route):
    if route.content_type != "application/json":
        return {"description": "OK", "content": {route.content_type: {"schema": {"type": "string"}}}}
    if route.response is None:
        return {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
    schema = {"type": "array", "items": route.response} if route.many else route.response
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}
