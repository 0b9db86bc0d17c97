"""The services over RPC, as the stack's own services call each other: nameko's standalone cluster proxy on
the stack's broker. Each typed error of a service (shared/errors.py) becomes a Failure naming the field and
the rule; a broker or service that does not answer becomes Unreachable."""
import socket
import uuid
from contextlib import contextmanager

from scripts.pimms.failures import Failure, Unreachable
from scripts.pimms.settings import without_password


@contextmanager
def cluster(amqp_uri, timeout):
    """A proxy to every service of the stack; `cluster.franchise.register_association(...)`."""
    from kombu.exceptions import OperationalError
    from nameko.standalone.rpc import ClusterRpcProxy

    try:
        with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=timeout) as proxy:
            yield Calls(proxy, timeout)
    except (OSError, socket.timeout, OperationalError) as exc:
        raise Unreachable(f"cannot reach the stack's broker at {without_password(amqp_uri)}: {exc}") from None


class Calls:
    def __init__(self, proxy, timeout):
        self.proxy, self.timeout = proxy, timeout

    def __call__(self, service, method, *args):
        from nameko.exceptions import RpcTimeout, UnknownService

        from shared.errors import Conflict, ContractViolation, Forbidden, InvalidRequest, NotFound, Unavailable

        try:
            return getattr(getattr(self.proxy, service), method)(*args)
        except InvalidRequest as exc:
            raise Failure(f"{service} refused the request:\n" + "\n".join(
                f"  {field}: {rule}" for field, rule in sorted(_flat(exc.errors)))) from None
        except (NotFound, Conflict, ContractViolation, Forbidden) as exc:
            raise Failure(f"{service} refused the request ({type(exc).__name__}): {exc}") from None
        except Unavailable as exc:
            raise Unreachable(f"{service} cannot do it now: {exc}") from None
        except UnknownService:
            raise Unreachable(f"no {service} service consumes on this broker: is the stack running?") from None
        except RpcTimeout:
            raise Unreachable(f"{service} did not answer within {self.timeout:g}s: it may be stopped or "
                              "busy (what it was asked may still be done: run the command again with the same "
                              "--idempotency-key to be sure it is done once)") from None


def _flat(errors, prefix=""):
    """InvalidRequest's {field: [rules] or {index: ...}} as (field.path, "rule; rule") pairs."""
    for field, rules in errors.items():
        name = f"{prefix}{field}"
        if isinstance(rules, dict):
            yield from _flat(rules, name + ".")
        else:
            yield name, "; ".join(str(rule) for rule in (rules if isinstance(rules, list) else [rules]))


def idempotency_key(given):
    """The key a change is sent with: the operator's (a retry of a command that timed out), else a new one."""
    return given or f"pimms-cli-{uuid.uuid4()}"
