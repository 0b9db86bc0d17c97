"""`pimms`: set up and run a PIMMS stack from the command line.

Head office registers associations and desks, signs and amends contracts and declares the national link;
an association creates its first manager, lists and replays dead letters, checks its stack's health, backs
its databases up and restores them. Each command talks to the stack the way its services do: over RPC on
the stack's broker (franchise, gateway), over HTTP for health, and to the databases directly only to back
them up and restore them (no service can copy its own database consistently while it runs, nor put one
back under itself). Run `pimms COMMAND --help` for each.

    pimms [--amqp-uri URI] [--timeout S] [--json] COMMAND ...      (or python -m scripts.pimms ...)
"""
import argparse
import json
import logging
import sys
import warnings

# eventlet (under nameko) warns of its own deprecation at import: nothing a user of this command can act on
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

from scripts.pimms import accounts, backups, head_office, health, letters, settings
from scripts.pimms.failures import Failure

EPILOG = """exit status: 0 done; 1 refused or failed (the reason is printed); 2 bad usage; 3 the stack,
a service or a database could not be reached (try again once it is up).

The stack is found as its services find it: AMQP_URI, <SERVICE>_DB_URL, <SERVICE>_WEB_ADDRESS and
PIMMS_DATA_DIR, with the defaults of `make run`."""


class Output:
    """Where a command writes: a line for people, or the service's answer as JSON with --json."""

    def __init__(self, as_json=False, stdout=None, stderr=None):
        self.json = as_json
        self.stdout, self.stderr = stdout or sys.stdout, stderr or sys.stderr

    def say(self, line, stderr=False):
        print(line, file=self.stderr if stderr else self.stdout)

    def answer(self, answer, line):
        if self.json:
            print(json.dumps(answer, ensure_ascii=False, default=str), file=self.stdout)
        else:
            self.say(line)


def parser():
    top = argparse.ArgumentParser(prog="pimms", description=__doc__.split("\n\n")[0] + "\n\n" +
                                  __doc__.split("\n\n")[1], epilog=EPILOG,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(top, defaults=True)
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (head_office, accounts, letters, health, backups):
        module.add_commands(commands)
    for leaf in _leaves(top):  # `pimms health --json` as well as `pimms --json health`
        _common(leaf, defaults=False)
    return top


def _common(parser, defaults):
    """The options every command takes; on a command they override the top's only when given."""
    given = {} if defaults else {"default": argparse.SUPPRESS}
    parser.add_argument("--amqp-uri", **({"default": settings.amqp_uri()} if defaults else given),
                        help="the stack's broker (default: $AMQP_URI, else the local RabbitMQ)")
    parser.add_argument("--timeout", type=float, **({"default": 30.0} if defaults else given),
                        help="seconds to wait for a service's answer (30)")
    parser.add_argument("--json", action="store_true", **given, help="print the services' answers as JSON")


def _leaves(parser):
    subcommands = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if parser.prog != "pimms" and not subcommands:
        yield parser
    for action in subcommands:
        for sub in action.choices.values():
            yield from _leaves(sub)


def main(argv=None, stdout=None, stderr=None):
    """Run one command; returns its exit status (argparse exits 2 itself on bad usage)."""
    args = parser().parse_args(argv)
    # the libraries' own warnings (a channel closing, a reconnection) are not the command's to show: its
    # outcome is said once, in plain words, below
    logging.basicConfig(level=logging.ERROR, format="pimms: %(name)s: %(message)s")
    out = Output(args.json, stdout, stderr)
    try:
        args.run(args, out)
    except Failure as failure:
        print(f"pimms {args.command}: {failure}", file=out.stderr)
        return failure.status
    except KeyboardInterrupt:
        print(f"pimms {args.command}: interrupted", file=out.stderr)
        return 130
    return 0
