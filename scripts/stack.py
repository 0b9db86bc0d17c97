"""The local stack on one machine, and its supervisor: one process per service, forked from a parent that
loaded the code once, and forked again when one exits.

    python -m scripts.stack [--logs DIR] accueil reporting ...   (each reads services/<name>/config.yaml)

Each service is its own process with its own database, broker connections and web port, exactly as under
`nameko run` (and a kill -9 of one leaves the others running); forking them from one parent that imported
the libraries first lets them share those pages instead of loading the same 70 MB five times. In
Kubernetes each service runs alone in its pod with `nameko run`, and the kubelet restarts it; here this
parent does: a service that exits is started again after 1 s, and if it keeps exiting soon after its start
(within a minute: it cannot start, say its database is away) the pause doubles each time, up to 60 s; the
parent logs why (exit status or signal) and counts the restarts in DIR/restarts.json. SIGTERM or SIGINT stops every service cleanly, then the parent.
"""
import eventlet

eventlet.monkey_patch()  # before anything opens a socket, as `nameko run` does

import gc  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import logging.config  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CLASSES = {
    "franchise": "FranchiseService", "accueil": "AccueilService", "mediation_sortante": "MediationSortanteService",
    "formation": "FormationService", "reporting": "ReportingService", "gateway": "GatewayService",
}
FIRST_PAUSE, LONGEST_PAUSE = 1.0, 60.0  # seconds
STEADY = 60.0  # a service that ran this long before it exited was not failing to start: no growing pause
STOP_GRACE = 30.0  # seconds a service has to finish its workers after SIGTERM


def say(message):
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} stack: {message}", file=sys.stderr, flush=True)


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
    """In the forked child: route output to the service's log, then run it as `nameko run` would."""
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


def why(status):
    if os.WIFSIGNALED(status):
        return f"killed by signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with status {os.WEXITSTATUS(status)}"


class Supervisor:
    def __init__(self, names, log_dir=None):
        self.classes = {name: service_class(name) for name in names}
        self.log_dir = log_dir
        self.children = {}  # pid -> name
        self.started = {}  # name -> monotonic time of its last start
        self.pause = {name: FIRST_PAUSE for name in names}
        self.due = {}  # name -> monotonic time it is to be started again
        self.restarts = {name: 0 for name in names}
        self.stopping = False

    def fork(self, name):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                run_child(name, self.classes[name], self.log_dir)
            except BaseException:  # the child must never fall back into the parent's loop
                logging.exception("%s stopped", name)
                code = 1
            os._exit(code)
        self.children[pid] = name
        self.started[name] = time.monotonic()

    def exited(self, pid, status):
        name = self.children.pop(pid, None)
        if name is None or self.stopping:
            return
        ran = time.monotonic() - self.started[name]
        if ran >= STEADY:
            self.pause[name] = FIRST_PAUSE
        pause = self.pause[name]
        self.pause[name] = min(pause * 2, LONGEST_PAUSE)
        self.due[name] = time.monotonic() + pause
        self.restarts[name] += 1
        say(f"{name} {why(status)} after {ran:.0f}s; starting it again in {pause:.0f}s "
            f"(restart {self.restarts[name]})")
        self.record()

    def record(self):
        if self.log_dir:
            path = Path(self.log_dir) / "restarts.json"
            path.write_text(json.dumps({"restarts": self.restarts, "at": time.time()}))

    def stop(self, *_):
        if self.stopping:
            return
        self.stopping = True
        say("stopping every service")
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def run(self):
        # what every service imports only when it opens its SQLite database: here once, shared by all
        importlib.import_module("sqlalchemy.dialects.sqlite")
        gc.collect()
        gc.freeze()  # keep the imported objects' pages shared: the children's collector will not touch them
        for name in self.classes:
            self.fork(name)
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        deadline = None
        while self.children or (self.due and not self.stopping):
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                pid, status = 0, 0
            if pid:
                self.exited(pid, status)
                continue
            now = time.monotonic()
            if self.stopping:
                deadline = deadline or now + STOP_GRACE
                if now > deadline:
                    say("services still running after {:.0f}s: killing them".format(STOP_GRACE))
                    for child in list(self.children):
                        os.kill(child, signal.SIGKILL)
                    deadline = now + 3600
            else:
                for name, at in list(self.due.items()):
                    if now >= at:
                        del self.due[name]
                        say(f"starting {name} again")
                        self.fork(name)
            time.sleep(0.2)
        say("stopped")
        return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    log_dir = None
    if args[:1] == ["--logs"]:
        log_dir, args = args[1], args[2:]
    sys.exit(Supervisor(args, log_dir).run())
