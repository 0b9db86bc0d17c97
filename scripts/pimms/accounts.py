"""An association's first account: its manager, made through the gateway's `create_account` RPC (the
gateway owns the accounts and hashes the password; the command never touches its database).

It is the only account the command line makes: every other one (agents, more managers) is made by a
manager through the gateway, where it is audited under that manager's name. The password is read from
the terminal (asked twice) or, for scripts, from standard input with --password-stdin: never from an
option, which would leave it in the shell's history and the process list."""
import getpass
import os
import sys

from scripts.pimms import remote
from scripts.pimms.failures import Failure


def add_commands(commands):
    manager = commands.add_parser("manager", help="an association: its manager's account",
                                  description="An association's manager account (the first account of a stack).")
    sub = manager.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = sub.add_parser("create", help="create the association's manager account",
                            description="Create an association manager's account in the gateway. The password "
                                        "(12 characters or more) is asked twice on the terminal, or read "
                                        "from standard input with --password-stdin.")
    create.add_argument("login", metavar="LOGIN", help="the manager's login: a-z, 0-9, . _ - (2 to 64)")
    create.add_argument("--association", default=os.environ.get("ASSOCIATION_ID"),
                        help="the association this stack serves (default: $ASSOCIATION_ID)")
    create.add_argument("--agent-id", help="the code formation knows the manager by, if they record activity")
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of standard input")
    create.set_defaults(run=create_manager)


def read_password(from_stdin, stdin=None):
    stdin = stdin or sys.stdin
    if from_stdin:
        password = stdin.readline().rstrip("\r\n")
        if not password:
            raise Failure("no password on standard input")
        return password
    if not stdin.isatty():
        raise Failure("no terminal to ask the password on: give it on standard input with --password-stdin")
    password = getpass.getpass("password of the new manager: ")
    if getpass.getpass("the same password again: ") != password:
        raise Failure("the two passwords differ: nothing was created")
    return password


def create_manager(args, out):
    if not args.association:
        raise Failure("which association? give --association (or set ASSOCIATION_ID)")
    request = {"login": args.login, "role": "manager", "association_id": args.association,
               "password": read_password(args.password_stdin)}
    if args.agent_id:
        request["agent_id"] = args.agent_id
    with remote.cluster(args.amqp_uri, args.timeout) as call:
        account = call("gateway", "create_account", request)
    out.answer(account, f"manager {account['login']} of {account['association_id']} created; desks: "
                        f"{', '.join(account.get('desks') or []) or 'none yet (the contract names them)'}")
