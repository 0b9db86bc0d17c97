"""Head office's commands: register an association and its desks, sign or amend its franchise contract,
show it, and declare the national link between head office's broker and an association's.

Each goes through franchise's RPC (services/franchise), the one place these rules live: the command checks
only the shape of its options, the service checks the rest and its refusal is printed field by field.
Every change is sent with an idempotency key, so one that timed out can be sent again with the key
printed and is done once."""
import argparse
import datetime as dt
import json

from scripts.pimms import remote


def add_commands(commands):
    association = commands.add_parser("association", help="head office: the register of associations",
                                      description="Head office: the register of associations (franchise).")
    sub = association.add_subparsers(dest="action", required=True, metavar="ACTION")
    register = sub.add_parser("register", help="register an association",
                              description="Register an association with franchise; again with the same label "
                                          "changes nothing.")
    register.add_argument("association_id", metavar="ASSOCIATION_ID", help="its code, e.g. pimms-lyon")
    register.add_argument("--label", required=True, help="its name, e.g. 'PIMMS de Lyon Métropole'")
    _key(register)
    register.set_defaults(run=register_association)

    desk = commands.add_parser("desk", help="head office: the register of desks",
                               description="Head office: the register of desks (PIMMS sites) of an association.")
    sub = desk.add_subparsers(dest="action", required=True, metavar="ACTION")
    register = sub.add_parser("register", help="register a desk of an association",
                              description="Register a desk (a PIMMS site) of a registered association.")
    register.add_argument("pimms_id", metavar="PIMMS_ID", help="the desk's code, e.g. lyon-8")
    register.add_argument("--association", required=True, help="the association that runs it")
    register.add_argument("--label", required=True, help="its name, e.g. 'PIMMS Lyon 8e - Mermoz'")
    _key(register)
    register.set_defaults(run=register_desk)

    contract = commands.add_parser("contract", help="head office: franchise contracts",
                                   description="Head office: an association's franchise contract. Every change "
                                               "is published to the association's services as "
                                               "franchise.contract_changed.")
    sub = contract.add_subparsers(dest="action", required=True, metavar="ACTION")
    sign = sub.add_parser("sign", help="sign an association's contract", description=SIGN_HELP,
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    _terms(sign, required=True)
    sign.set_defaults(run=sign_contract)
    amend = sub.add_parser("amend", help="amend the contract in force (each term given replaces the current one)",
                           description="Amend an association's contract in force: each term given replaces "
                                       "the current one whole; terms not given stay.",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    _terms(amend, required=False)
    amend.set_defaults(run=amend_contract)
    show = sub.add_parser("show", help="print the contract in force (JSON)",
                          description="Print the association's contract in force, else its last one (JSON).")
    show.add_argument("association_id", metavar="ASSOCIATION_ID")
    show.add_argument("--history", action="store_true", help="every revision instead, oldest first")
    show.set_defaults(run=show_contract)

    link = commands.add_parser("link", help="head office: link an association's broker to head office's",
                               description=LINK_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    link.add_argument("--head-office", required=True, metavar="AMQP_URI",
                      help="head office's broker, user, password and vhost included")
    link.add_argument("--head-office-management", metavar="URL",
                      help="its management API (default: port 15672 of its host)")
    link.add_argument("--association", action="append", required=True, metavar="ID=AMQP_URI[,MANAGEMENT_URL]",
                      type=_association_broker, help="an association's broker (repeat for several)")
    link.add_argument("--wait", type=float, default=30, metavar="SECONDS",
                      help="wait this long for the shovels to run (default 30; 0: do not wait)")
    link.set_defaults(run=declare_link)


SIGN_HELP = """Sign an association's franchise contract: its desks, mandates, partner conventions and the
training floor. Refused while a contract is active or suspended (amend it instead).

  pimms contract sign --association pimms-lyon --desk lyon-8 --desk lyon-9 \\
      --mandate accueil --mandate ateliers --convention edf:accueil+ateliers:2025-01-01 \\
      --from 2025-01-01"""

LINK_HELP = """Declare the national link of one or more associations: RabbitMQ shovels on each association's
broker carry franchise.contract_changed down and the activity and monthly figures up
(deploy/topology/README.md). Running it again converges and changes nothing."""


def _key(parser):
    parser.add_argument("--idempotency-key", metavar="KEY",
                        help="send the change under this key (to retry one that timed out: it is done once)")


def _terms(parser, required):
    from shared.contracts.common import MANDATES

    parser.add_argument("--association", required=True, help="the association's code")
    parser.add_argument("--desk", action="append", dest="desks", required=required, metavar="PIMMS_ID",
                        help="a desk the contract covers (repeat for each)")
    parser.add_argument("--mandate", action="append", dest="mandates", required=required, choices=MANDATES,
                        metavar="MANDATE", help=f"an activity the desks may run (repeat): {', '.join(MANDATES)}")
    parser.add_argument("--convention", action="append", dest="conventions", type=convention,
                        metavar="PARTNER:SCOPE[+SCOPE]:FROM[:TO]",
                        help="a partner convention, e.g. edf:accueil+ateliers:2025-01-01:2027-12-31 (repeat)")
    if not required:
        parser.add_argument("--no-conventions", action="store_true", help="the contract keeps no convention")
    parser.add_argument("--training-floor", type=float, metavar="PERCENT",
                        help="minimum training share of each agent's hours (default 9 at signature)")
    parser.add_argument("--from", dest="valid_from", type=day, required=required, metavar="YYYY-MM-DD",
                        help="first day of the contract")
    parser.add_argument("--to", dest="valid_to", type=day, metavar="YYYY-MM-DD", help="last day (default: none)")
    parser.add_argument("--note", help="a note kept with the revision")
    _key(parser)


def day(text):
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def convention(text):
    """`edf:accueil+ateliers:2025-01-01[:2027-12-31]` -> franchise's convention request."""
    parts = text.split(":")
    if len(parts) not in (3, 4) or not all(parts[:3]):
        raise argparse.ArgumentTypeError(f"{text!r}: expected PARTNER:SCOPE[+SCOPE]:FROM[:TO]")
    found = {"partner": parts[0], "scope": parts[1].split("+"), "valid_from": day(parts[2])}
    if len(parts) == 4 and parts[3]:
        found["valid_to"] = day(parts[3])
    return found


def _association_broker(text):
    from deploy.topology.setup_shovels import parse_association

    return parse_association(text)


# -- the commands ---------------------------------------------------------------------------------------------
def register_association(args, out):
    with remote.cluster(args.amqp_uri, args.timeout) as call:
        answer = call("franchise", "register_association", {
            "association_id": args.association_id, "label": args.label,
            "idempotency_key": remote.idempotency_key(args.idempotency_key)})
    out.answer(answer, f"association {args.association_id} registered ({args.label})")


def register_desk(args, out):
    with remote.cluster(args.amqp_uri, args.timeout) as call:
        answer = call("franchise", "register_desk", {
            "pimms_id": args.pimms_id, "association_id": args.association, "label": args.label,
            "idempotency_key": remote.idempotency_key(args.idempotency_key)})
    out.answer(answer, f"desk {args.pimms_id} of {args.association} registered ({args.label})")


def terms_of(args):
    request = {"association_id": args.association,
               "idempotency_key": remote.idempotency_key(args.idempotency_key)}
    given = {"pimms_ids": args.desks, "mandates": args.mandates, "conventions": args.conventions,
             "training_floor_pct": args.training_floor, "valid_from": args.valid_from, "valid_to": args.valid_to,
             "note": args.note}
    request.update({field: value for field, value in given.items() if value is not None})
    if getattr(args, "no_conventions", False):
        request["conventions"] = []
    return request


def sign_contract(args, out):
    with remote.cluster(args.amqp_uri, args.timeout) as call:
        view = call("franchise", "sign_contract", terms_of(args))
    out.answer(view, _contract_line(view, "signed"))


def amend_contract(args, out):
    with remote.cluster(args.amqp_uri, args.timeout) as call:
        view = call("franchise", "amend_contract", terms_of(args))
    out.answer(view, _contract_line(view, "amended"))


def show_contract(args, out):
    with remote.cluster(args.amqp_uri, args.timeout) as call:
        method = "contract_history" if args.history else "get_contract"
        answer = call("franchise", method, args.association_id)
    print(json.dumps(answer, indent=1, ensure_ascii=False, default=str), file=out.stdout)


def _contract_line(view, done):
    terms = view.get("terms", {})
    return (f"contract of {view.get('association_id')} {done}: {view.get('status')}, revision "
            f"{view.get('revision')}, desks {', '.join(terms.get('pimms_ids', []))}, mandates "
            f"{', '.join(terms.get('mandates', []))}, {len(terms.get('conventions', []))} convention(s)")


def declare_link(args, out):
    import requests

    from deploy.topology import setup_shovels
    from scripts.pimms.failures import Failure, Unreachable

    head_office = setup_shovels.Broker(args.head_office, args.head_office_management)
    associations = dict(args.association)
    try:
        setup_shovels.setup(head_office, associations)
        if args.wait:
            setup_shovels.wait_running(associations, args.wait)
    except requests.HTTPError as exc:
        raise Failure(f"a broker's management API refused: {exc} (is the shovel plugin enabled, the user "
                      "an administrator?)") from None
    except (requests.ConnectionError, OSError) as exc:
        raise Unreachable(f"cannot reach a broker or its management API: {exc}") from None
    except TimeoutError as exc:
        raise Unreachable(str(exc)) from None
    for association_id in sorted(associations):
        out.say(f"{association_id}: {', '.join(setup_shovels.DOWNLINK)} down; "
                f"{', '.join(setup_shovels.UPLINK)} up")
