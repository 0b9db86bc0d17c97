"""The gateway's own errors, beside the platform's (shared/errors.py): who is asking, whether they may, and
whether the service behind answered. Each becomes its HTTP status with a JSON body (web.py). `Unavailable`
(503) is the platform's: a service behind that did not answer in time, or said it cannot now."""
from shared.errors import Forbidden, Unavailable  # noqa: F401 (re-exported: the gateway's 403 and 503)


class Unauthorized(Exception):
    """No valid login: missing, forged, expired or revoked token, or wrong credentials (401)."""


class PasswordChangeRequired(Forbidden):
    """A temporary password not changed yet: nothing else until it is (403, or the password page)."""


class BackendError(Exception):
    """A service behind the gateway failed with an error it does not type (502)."""


class TooManyRequests(Exception):
    """Too many attempts from this address or at this login: wait `retry_after` seconds (429)."""

    def __init__(self, retry_after):
        self.retry_after = max(1, int(retry_after + 0.999))
        super().__init__(f"too many login attempts: try again in {self.retry_after} s")
