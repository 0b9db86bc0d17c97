"""Requests that change state, done once whatever the number of times they arrive.

A desk retries what timed out, a person double-clicks, and an RPC request whose reply was lost in a broker
outage is delivered again: each of these is the same request again. The caller names a request with a key
(the gateway derives it from the `Idempotency-Key` header or the form's hidden key, per account), and the
service records that key, a fingerprint of the request and its answer in the same transaction as the
change itself. A repeat finds the key and gets the first answer, changing nothing; a repeat that arrives
while the first is still running waits for it (on PostgreSQL, on the key's row; SQLite runs one
transaction at a time anyway). The same key on a different request is refused: it is a client's bug.

Only answers that changed something are recorded: a refused request (a typed error) rolled everything
back, so running it again changes nothing twice and may well be accepted now. Keys are kept
`IDEMPOTENCY_KEEP_HOURS` (24 by default: longer than any client retries), then forgotten by a timer.

    return self.db.once("open_visit", request, OpenVisitRequest, lambda uow, req: store.open_visit(uow, req))
"""
import datetime as dt
import hashlib
import json
import logging
from typing import Any, Callable

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from shared.errors import InvalidRequest, parse_request
from shared.tables import idempotent_requests

log = logging.getLogger(__name__)

KEY_FIELD = "idempotency_key"
MAX_KEY = 200
KEEP_HOURS = 24
ATTEMPTS = 3  # a key claimed concurrently makes the later transaction fail once; it then reads the answer
# Built once: three of every state-changing request's statements (SQLAlchemy then skips building them and
# computing their cache keys at each request; docs/benchmark.md)
_RECORDED = select(idempotent_requests.c.operation, idempotent_requests.c.fingerprint,
                   idempotent_requests.c.answer).where(idempotent_requests.c.key == bindparam("the_key"))
_CLAIM = insert(idempotent_requests)
_ANSWER = update(idempotent_requests).where(idempotent_requests.c.key == bindparam("the_key")) \
    .values(answer=bindparam("the_answer"))


def split(request: Any) -> tuple[str | None, Any]:
    """The request's idempotency key (None without one) and the request without it."""
    if not isinstance(request, dict) or KEY_FIELD not in request:
        return None, request
    rest = {k: v for k, v in request.items() if k != KEY_FIELD}
    key = request[KEY_FIELD]
    if key is None:
        return None, rest
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY or not key.isprintable():
        raise InvalidRequest({KEY_FIELD: [f"must be a printable string of 1 to {MAX_KEY} characters"]})
    return key, rest


def fingerprint(operation: str, request: Any) -> str:
    canonical = json.dumps([operation, request], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def once(storage, operation: str, request: Any, schema, work: Callable, now: Callable[[], dt.datetime]):
    """Load the request (without its key) with `schema`, then run `work(uow, loaded)` in one unit of work,
    at most once per idempotency key.

    Returns (answer, replayed): the answer of `work` (JSON-able), or the recorded answer of an earlier run
    with the same key and True."""
    key, rest = split(request)
    loaded = parse_request(schema, rest) if schema is not None else rest
    if key is None:
        with storage.unit_of_work() as uow:
            return work(uow, loaded), False
    print_ = fingerprint(operation, rest)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with storage.unit_of_work() as uow:
                recorded = _recorded(uow.session, key, operation, print_)
                if recorded is not None:
                    return recorded, True
                # claim the key before the work: a concurrent twin blocks here until this one commits
                uow.session.execute(_CLAIM, {"key": key, "operation": operation, "fingerprint": print_,
                                             "created_at": now()})
                uow.session.flush()
                answer = work(uow, loaded)
                uow.session.execute(_ANSWER, {"the_key": key, "the_answer": json.dumps(answer, default=str)})
                return answer, False
        except IntegrityError:
            if attempt == ATTEMPTS:
                raise
            log.info("%s: key %s claimed concurrently; reading its answer", operation, key[:16])
    raise AssertionError("unreachable")  # pragma: no cover


def _recorded(session, key, operation, print_):
    row = session.execute(_RECORDED, {"the_key": key}).first()
    if row is None:
        return None
    if row.operation != operation or row.fingerprint != print_:
        raise InvalidRequest({KEY_FIELD: [f"was already used for another request ({row.operation}); "
                                          "use a new key for a new request"]})
    return json.loads(row.answer)


def forget(storage, now: dt.datetime, keep_hours: float = KEEP_HOURS) -> int:
    """Delete the keys older than `keep_hours`; returns how many."""
    with storage.unit_of_work() as uow:
        result = uow.session.execute(delete(idempotent_requests).where(
            idempotent_requests.c.created_at < now - dt.timedelta(hours=keep_hours)))
        return result.rowcount or 0
