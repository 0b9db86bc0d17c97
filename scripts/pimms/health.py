"""The stack's health: each service's `GET /health` (its database answers a query, its broker a
connection; shared/health.py), one line per service. Exit status 0 only when every one asked is healthy."""
import json

from scripts.pimms import settings
from scripts.pimms.failures import Failure


def add_commands(commands):
    health = commands.add_parser("health", help="ask each service's GET /health",
                                 description="Ask each service's GET /health (on <SERVICE>_WEB_ADDRESS, else "
                                             "make run's port) and print one line per service. Exits 1 if "
                                             "any is unhealthy or does not answer.")
    health.add_argument("--service", action="append", dest="services", choices=settings.services(),
                        metavar="SERVICE", help=f"only this one (repeat): {', '.join(settings.services())}")
    health.add_argument("--wait", type=float, default=5.0, metavar="SECONDS",
                        help="how long to wait for each answer (default 5)")
    health.set_defaults(run=check)


def ask(service, wait):
    """(healthy, what to print) for one service."""
    import requests

    url = settings.health_url(service)
    try:
        response = requests.get(url, timeout=wait)
    except requests.RequestException as exc:
        return False, f"no answer at {url} ({type(exc).__name__})"
    try:
        body = response.json()
    except ValueError:
        return False, f"{url} answered {response.status_code}, not the health of a service"
    checks = ", ".join(f"{name} {state}" for name, state in sorted(body.get("checks", {}).items()))
    healthy = response.status_code == 200 and body.get("status") == "ok"
    return healthy, checks if healthy else f"{response.status_code} {body.get('status')}: {checks}"


def check(args, out):
    results = {service: ask(service, args.wait) for service in args.services or settings.services()}
    if out.json:
        print(json.dumps({s: {"healthy": ok, "detail": d} for s, (ok, d) in results.items()}), file=out.stdout)
    else:
        for service, (ok, detail) in results.items():
            print(f"{service:<20} {'ok' if ok else 'UNHEALTHY':<10} {detail}", file=out.stdout)
    sick = [service for service, (ok, _) in results.items() if not ok]
    if sick:
        raise Failure(f"unhealthy or not answering: {', '.join(sick)}")
