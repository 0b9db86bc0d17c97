"""JSON over nameko's http entrypoint: each typed error becomes its HTTP status with a JSON body that names
the field and the rule, so the HTTP API says exactly what the RPC API says."""
import functools
import json

from werkzeug.wrappers import Response

from shared.errors import Conflict, ContractViolation, InvalidRequest, NotFound

STATUS = {InvalidRequest: 400, NotFound: 404, Conflict: 409, ContractViolation: 422}


def json_response(body, status=200):
    return Response(json.dumps(body, default=str, ensure_ascii=False), status=status,
                    content_type="application/json")


def error_body(exc):
    body = {"error": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, InvalidRequest):
        body["fields"] = exc.errors
    if isinstance(exc, ContractViolation):
        body["rule"] = exc.rule
    return body


def request_json(request):
    if not request.data:
        return {}
    try:
        return json.loads(request.get_data(as_text=True))
    except ValueError as exc:
        raise InvalidRequest({"_body": [f"not valid JSON: {exc}"]}) from None


def json_api(method):
    """Wrap a `(self, request, *args)` handler that returns a JSON-able value or raises a typed error."""

    @functools.wraps(method)
    def wrapper(self, request, *args, **kwargs):
        try:
            result = method(self, request, *args, **kwargs)
        except tuple(STATUS) as exc:
            return json_response(error_body(exc), STATUS[type(exc)])
        status = 201 if request.method == "POST" else 200
        return json_response(result, status)

    return wrapper
