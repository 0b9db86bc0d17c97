"""The local stack's services are forked from one parent (scripts/stack.py): each must wait on an epoll
instance of its own, not the parent's, or every service wakes on every other's sockets."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import eventlet
eventlet.monkey_patch()
import os, socket
from eventlet import hubs
from scripts import stack

eventlet.sleep(0)  # the parent's hub exists, as the supervisor's first green sleep makes it
inherited = hubs.get_hub().poll.fileno()


def registered(epoll_fd):
    # the file descriptors this epoll instance watches, as the kernel lists them
    lines = open(f"/proc/self/fdinfo/{epoll_fd}").read().splitlines()
    return {int(line.split()[1]) for line in lines if line.startswith("tfd:")}


pid = os.fork()
if pid == 0:
    if USE_OWN_HUB:
        stack.own_hub()
    listener = eventlet.listen(("127.0.0.1", 0))
    eventlet.spawn(listener.accept)
    eventlet.sleep(0.05)  # the accept waits: the listening socket is registered with the hub's epoll
    own = hubs.get_hub().poll.fileno()
    in_inherited = listener.fileno() in registered(inherited)
    print(own != inherited, in_inherited, flush=True)
    os._exit(0)
os.waitpid(pid, 0)
"""


def run_child(use_own_hub):
    out = subprocess.run([sys.executable, "-c", f"USE_OWN_HUB = {use_own_hub}\n" + CHILD], capture_output=True,
                         text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_a_forked_service_waits_on_its_own_epoll_instance_not_the_parents():
    # given a parent whose eventlet hub exists, and a child forked from it that makes its own hub
    own_hub, watched_by_parents_epoll = run_child(True)
    # then the child's socket is watched by the child's epoll instance, not by the one it inherited
    assert (own_hub, watched_by_parents_epoll) == ("True", "False")


def test_without_its_own_hub_a_forked_child_registers_its_sockets_in_the_parents_epoll():
    # the fault own_hub() removes: what the stack did before
    own_hub, watched_by_parents_epoll = run_child(False)
    assert (own_hub, watched_by_parents_epoll) == ("False", "True")
