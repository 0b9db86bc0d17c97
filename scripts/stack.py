"""The local stack on one machine: one process per service, forked from a parent that loaded the code once.

    python -m scripts.stack accueil reporting ...    (each service reads services/<name>/config.yaml)

Each service is its own process with its own database, broker connections and web port, exactly as under
`nameko run` (and a kill -9 of one leaves the others running); forking them from one parent that imported
the libraries first lets them share those pages instead of loading the same 70 MB five times. In
Kubernetes each service runs alone in its pod with `nameko run`; this launcher is for `make run`.
SIGTERM or SIGINT stops every service cleanly; if one exits, the others are stopped and the parent exits 1.
"""
import eventlet

eventlet.monkey_patch()  # before anything opens a socket, as `nameko run` does

import gc  # noqa: E402
import importlib  # noqa: E402
import logging.config  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CLASSES = {
    "franchise": "FranchiseService", "accueil": "AccueilService", "mediation_sortante": "MediationSortanteService",
    "formation": "FormationService", "reporting": "ReportingService", "gateway": "GatewayService",
}


def service_class(name):
    return getattr(importlib.import_module(f"services.{name}.service"), CLASSES[name])


def run_child(name, cls, log_dir):
    """In the forked child: route output to the service's log, then run it as `nameko run` would."""
    from nameko.cli.run import run

    from shared.config import load_config

    if log_dir:
        (Path(log_dir) / f"{name}.pid").write_text(str(os.getpid()))
        log = os.open(Path(log_dir) / f"{name}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
    config = load_config(ROOT / "services" / name / "config.yaml")
    if "LOGGING" in config:
        logging.config.dictConfig(config["LOGGING"])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop, with SIGTERM
    run([cls], config)


def main(names, log_dir=None):
    classes = {name: service_class(name) for name in names}
    gc.collect()
    gc.freeze()  # keep the imported objects' pages shared: the children's collector will not touch them
    children = {}
    for name, cls in classes.items():
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                run_child(name, cls, log_dir)
            except BaseException:  # the child must never fall back into the parent's loop
                logging.exception("%s stopped", name)
                code = 1
            os._exit(code)
        children[pid] = name

    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    status = 0
    while children:
        try:
            pid, _ = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        name = children.pop(pid, None)
        if name and not stopping:
            print(f"stack: {name} exited; stopping the others", file=sys.stderr, flush=True)
            status = 1
            stop()
    return status


if __name__ == "__main__":
    args = sys.argv[1:]
    log_dir = None
    if args[:1] == ["--logs"]:
        log_dir, args = args[1], args[2:]
    sys.exit(main(args, log_dir))
