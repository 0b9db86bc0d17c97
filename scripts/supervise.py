"""The local stack's supervisor, once its services are started: the standard library alone, so that it holds
a few MB where the parent that forked them held the whole platform's code.

scripts/stack.py loads the code once and forks every service from it (they share those pages), then
replaces itself with this program (same process id, so the services stay its children and the caller's
handle on the stack is unchanged). Keeping the loaded parent alive cost the stack 38 MB of its 305 after a
demo day: every service writes reference counts into the objects it uses, which gives it its own copy of
their pages, and the parent kept the originals, which nobody shared any more (docs/benchmark.md, Memory).
The price: a service that exits is started again as a fresh process (`python -m scripts.stack --child`),
which loads the code itself, a few seconds, and shares no page with the others.

A service that exits is started again after 1 s, and if it keeps exiting soon after its start (within a
minute: it cannot start, say its database is away) the pause doubles each time, up to 60 s; the supervisor
logs why (exit status or signal) and counts the restarts in DIR/restarts.json. SIGTERM or SIGINT stops
every service cleanly, then the supervisor.

    python scripts/supervise.py STATE   (STATE: JSON written by scripts/stack.py, never by hand)
"""
import json
import os
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST_PAUSE, LONGEST_PAUSE = 1.0, 60.0  # seconds
STEADY = 60.0  # a service that ran this long before it exited was not failing to start: no growing pause
STOP_GRACE = 30.0  # seconds a service has to finish its workers after SIGTERM
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def say(message):
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} stack: {message}", file=sys.stderr, flush=True)


def why(status):
    if os.WIFSIGNALED(status):
        return f"killed by signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with status {os.WEXITSTATUS(status)}"


class Supervisor:
    def __init__(self, names, log_dir=None, children=None, started=None):
        self.names = list(names)
        self.log_dir = log_dir
        self.children = dict(children or {})  # pid -> name
        self.started = dict(started or {})  # name -> monotonic time of its last start (one clock per boot)
        self.pause = {name: FIRST_PAUSE for name in names}
        self.due = {}  # name -> monotonic time it is to be started again
        self.restarts = {name: 0 for name in names}
        self.stopping = False

    # -- across the exec of scripts/stack.py ------------------------------------------------------------------
    def state(self):
        return json.dumps({"names": self.names, "log_dir": self.log_dir, "started": self.started,
                           "children": {str(pid): name for pid, name in self.children.items()}})

    @classmethod
    def from_state(cls, text):
        state = json.loads(text)
        return cls(state["names"], state["log_dir"], {int(pid): name for pid, name in state["children"].items()},
                   state["started"])

    # -- a service's life ------------------------------------------------------------------------------------
    def start(self, name):
        """A fresh process of the service, loading the code itself (scripts/stack.py --child)."""
        argv = [sys.executable, "-W", "ignore", "-m", "scripts.stack", "--child", name]
        if self.log_dir:
            argv += ["--logs", self.log_dir]
        path = os.environ.get("PYTHONPATH")
        env = dict(os.environ, PYTHONPATH=str(ROOT) + (os.pathsep + path if path else ""))
        self.started_as(os.posix_spawn(sys.executable, argv, env), name)

    def started_as(self, pid, name):
        """`name` runs as process `pid` from now on (forked by scripts/stack.py, or started here)."""
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
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # scripts/stack.py held them across the exec
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
                        self.start(name)
            time.sleep(0.2)
        say("stopped")
        return 0


if __name__ == "__main__":
    sys.exit(Supervisor.from_state(sys.argv[1]).run())
