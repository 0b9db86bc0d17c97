"""Telling an outage (the database or the broker unreachable) from a fault of the request or the event: an
outage is waited out or answered "try again", a fault is refused or dead-lettered."""
import amqp.exceptions
import kombu.exceptions
from sqlalchemy import exc as sa

_DRIVER_WORDS = ("database is locked", "could not connect", "connection", "server closed", "terminating",
                 "shutting down", "starting up", "the database system is")


def is_outage(exc: BaseException) -> bool:
    """Is this the database or the broker being unreachable, rather than something wrong with the work?"""
    if isinstance(exc, (sa.DisconnectionError, sa.TimeoutError, ConnectionError, TimeoutError,
                        amqp.exceptions.ConnectionError, kombu.exceptions.OperationalError)):
        return True
    if isinstance(exc, sa.DBAPIError):
        text = str(exc.orig).lower()
        return exc.connection_invalidated or isinstance(exc, sa.InterfaceError) or any(
            word in text for word in _DRIVER_WORDS)
    return False
