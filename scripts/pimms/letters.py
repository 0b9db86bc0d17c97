"""Dead letters: list them and replay them after the fix, for one service or for the events that found no
consumer. The work is shared/deadletters.py's (its own `python -m shared.deadletters` says the same);
this only puts it under `pimms` with the stack's broker."""
import json

from scripts.pimms import settings
from scripts.pimms.failures import Unreachable


def add_commands(commands):
    letters = commands.add_parser("deadletters", help="list and replay dead letters",
                                  description="Messages a service could not handle wait in "
                                              "<service>.dead_letters with their reason; events published "
                                              "before any consumer existed wait in pimms.unrouted.")
    sub = letters.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = sub.add_parser("list", help="print each dead letter (JSON, one a line) without taking it",
                             description="Print every dead letter of a service (or the unrouted events), one "
                                         "JSON object a line; they stay where they are.")
    _which(listing)
    listing.set_defaults(run=list_letters)
    replay = sub.add_parser("replay", help="send dead letters back to the queue they failed on",
                            description="Send a service's dead letters back to the queue they failed on, "
                                        "attempts reset (or the unrouted events back to the events exchange). "
                                        "Each leaves the dead-letter queue once its copy is confirmed.")
    _which(replay)
    replay.add_argument("--event-id", help="only this event")
    replay.set_defaults(run=replay_letters)


def _which(parser):
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--service", choices=settings.services(), help="the service whose dead letters")
    group.add_argument("--unrouted", action="store_true", help="the events published before their consumer")


def list_letters(args, out):
    from shared import deadletters

    with _broker(args):
        letters = deadletters.list_letters(args.amqp_uri, args.service, args.unrouted)
    for letter in letters:
        print(json.dumps(letter.describe(), ensure_ascii=False), file=out.stdout)
    out.say(f"{len(letters)} message(s)", stderr=True)


def replay_letters(args, out):
    from shared import deadletters

    with _broker(args):
        count = deadletters.replay(args.amqp_uri, args.service, args.unrouted, args.event_id)
    out.say(f"replayed {count} message(s)")


class _broker:
    def __init__(self, args):
        self.uri = args.amqp_uri

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        from kombu.exceptions import OperationalError

        if exc_type is not None and issubclass(exc_type, (OSError, OperationalError)):
            raise Unreachable(f"cannot reach the stack's broker at {settings.without_password(self.uri)}: "
                              f"{exc}") from None
        return False
