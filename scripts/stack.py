"""The local stack on one machine: one process per service, forked from a parent that loaded the code once,
which then becomes their supervisor (scripts/supervise.py: it restarts a service that exits).

    python -m scripts.stack [--logs DIR] accueil reporting ...   (each reads services/<name>/config.yaml)
    python -m scripts.stack --child NAME [--logs DIR]            (one service alone: the supervisor's restart)

Each service is its own process with its own database, broker connections and web port, exactly as under
`nameko run` (and a kill -9 of one leaves the others running); forking them from one parent that imported
the libraries first lets them share those pages instead of loading the same 70 MB five times. In
Kubernetes each service runs alone in its pod with `nameko run`, and the kubelet restarts it; here the
supervisor does (scripts/supervise.py: the pauses, the log of why, DIR/restarts.json, SIGTERM or SIGINT).
"""
import eventlet

eventlet.monkey_patch()  # before anything opens a socket, as `nameko run` does

import gc  # noqa: E402
import importlib  # noqa: E402
import logging.config  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from scripts.supervise import STOP_SIGNALS, Supervisor, say  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CLASSES = {
    "franchise": "FranchiseService", "accueil": "AccueilService", "mediation_sortante": "MediationSortanteService",
    "formation": "FormationService", "reporting": "ReportingService", "gateway": "GatewayService",
}


def service_class(name):
    return getattr(importlib.import_module(f"services.{name}.service"), CLASSES[name])


def own_hub():
    """A forked child's own eventlet hub. The parent's hub (made by its first green sleep) holds an epoll
    instance, and a fork shares it: every service waited on the same one, so each woke on every other's
    sockets (a file descriptor number means another socket in each process) and spun through recv() calls
    that found nothing. Under the desk's load every idle service burnt 14% of a core, and the busy ones
    competed with them for the machine's two (docs/benchmark.md). Eventlet's epoll hub does not notice a
    fork (its kqueue hub does); dropping the inherited hub makes the child's first wait create its own."""
    from eventlet import hubs

    hubs.use_hub()


def run_child(name, cls, log_dir):
    """In the service's process (forked, or started again alone): route output to its log, then run it as
    `nameko run` would."""
    from nameko.cli.run import run

    from shared.config import load_config

    own_hub()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # nameko's runner installs its own
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop, with SIGTERM
    if log_dir:
        (Path(log_dir) / f"{name}.pid").write_text(str(os.getpid()))
        log = os.open(Path(log_dir) / f"{name}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
    config = load_config(ROOT / "services" / name / "config.yaml")
    if "LOGGING" in config:
        logging.config.dictConfig(config["LOGGING"])
    profile_dir = os.environ.get("PIMMS_PROFILE_DIR")  # where the time goes (docs/benchmark.md)
    if os.environ.get("PIMMS_GREEN_STACKS"):  # kill -USR1: where each greenthread waits, into its log
        signal.signal(signal.SIGUSR1, _dump_green_stacks)
    if not profile_dir:
        return run([cls], config)
    import cProfile

    profile = cProfile.Profile(time.thread_time)  # CPU time: a greenthread switched out, or the process
    # preempted inside a send() that woke its peer, costs nothing here
    profile.enable()
    try:
        run([cls], config)
    finally:
        profile.disable()
        profile.dump_stats(Path(profile_dir) / f"{name}.prof")


def _dump_green_stacks(*_):
    import traceback

    import greenlet

    for green in [o for o in gc.get_objects() if isinstance(o, greenlet.greenlet)]:
        if green.gr_frame is not None:
            print("GREEN " + " | ".join(f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno}:{f.name}"
                                        for f in traceback.extract_stack(green.gr_frame)[-12:]), flush=True)


class Stack:
    """Loads every service's code once, forks each service from it, then hands over to scripts/supervise.py."""

    def __init__(self, names, log_dir=None):
        self.classes = {name: service_class(name) for name in names}
        self.log_dir = log_dir
        self.supervisor = Supervisor(names, log_dir)

    def fork(self, name):
        pid = os.fork()
        if pid == 0:  # the child must never fall back into the parent's code
            os._exit(serve(name, self.classes[name], self.log_dir))
        self.supervisor.started_as(pid, name)

    def run(self):
        # what every service imports only when it opens its SQLite database: here once, shared by all
        importlib.import_module("sqlalchemy.dialects.sqlite")
        gc.collect()
        gc.freeze()  # keep the imported objects' pages shared: the children's collector will not touch them
        for name in self.classes:
            self.fork(name)
        # this process becomes the supervisor, which holds none of the code (scripts/supervise.py says why);
        # a stop asked meanwhile waits, blocked, for the supervisor's handlers
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        say("every service started; supervising")
        os.execv(sys.executable, [sys.executable, "-W", "ignore", str(ROOT / "scripts" / "supervise.py"),
                                  self.supervisor.state()])


def serve(name, cls, log_dir):
    """Run the service to its end: the process's exit status."""
    try:
        run_child(name, cls, log_dir)
    except BaseException:
        logging.exception("%s stopped", name)
        return 1
    return 0


def main(args):
    log_dir = None
    if args[:1] == ["--child"]:  # a service started again by the supervisor: alone, loading its own code
        name, args = args[1], args[2:]
        if args[:1] == ["--logs"]:
            log_dir = args[1]
        return serve(name, service_class(name), log_dir)
    if args[:1] == ["--logs"]:
        log_dir, args = args[1], args[2:]
    return Stack(args, log_dir).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
