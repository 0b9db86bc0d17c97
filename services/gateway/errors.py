"""The gateway's own errors, beside the platform's (shared/errors.py): who is asking, whether they may, and
whether the service behind answered. Each becomes its HTTP status with a JSON body (web.py). `Unavailable`
(503) is the platform's: a service behind that did not answer in time, or said it cannot now."""
from shared.errors import Unavailable  # noqa: F401 (re-exported: the gateway's 503)


class Unauthorized(Exception):
    """No valid login: missing, forged, expired or revoked token, or wrong credentials (401)."""


class Forbidden(Exception):
    """Logged in, but the role or the desk does not allow this (403)."""


class BackendError(Exception):
    """A service behind the gateway failed with an error it does not type (502)."""
