"""Debian's headless Chromium, driven by Playwright in a child process.

The tests run under eventlet's monkey patching (nameko test), and Playwright's sync API blocks eventlet's hub,
which is also what serves the pages under test: the browser would wait for a page that can never be served.
So a plain Python child runs Playwright (this file, run as a script) and the test sends it one JSON line per
page call: `page.goto(url)`, `page.keyboard.press("Tab")`, `page.text_content("#id")`...

Never `playwright install`: the browser is Debian's `chromium` package at /usr/bin/chromium."""
import json
import os
import subprocess
import sys
from contextlib import contextmanager

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def missing():
    """Why the browser tests cannot run here, or None."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"Debian's chromium is not installed ({CHROMIUM}): apt-get install -y chromium"
    import importlib.util

    if importlib.util.find_spec("playwright") is None:
        return "the Python package playwright is not installed in the venv"
    return None


class BrowserError(AssertionError):
    pass


class Remote:
    """A page method (or `keyboard.press`...) in the child: attribute access names it, calling runs it."""

    def __init__(self, process, path=""):
        self._process, self._path = process, path

    def __getattr__(self, name):
        return Remote(self._process, f"{self._path}.{name}" if self._path else name)

    def __call__(self, *args, **kwargs):
        self._process.stdin.write(json.dumps({"call": self._path, "args": args, "kwargs": kwargs}) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()  # green under eventlet: the pages keep being served meanwhile
        if not line:
            raise BrowserError(f"the browser process stopped during {self._path}")
        reply = json.loads(line)
        if "error" in reply:
            raise BrowserError(f"{self._path}{args}: {reply['error']}")
        return reply["result"]


@contextmanager
def open_page():
    process = subprocess.Popen([sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True, env={**os.environ, "PYTHONPATH": ""})
    try:
        yield Remote(process)
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _serve():
    """The child: one browser page, one call per line of standard input, one JSON answer per line."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(locale="fr-FR")
        page.set_default_timeout(10_000)
        for line in sys.stdin:
            request = json.loads(line)
            try:
                target = page
                for part in request["call"].split("."):
                    target = getattr(target, part)
                result = target(*request["args"], **request["kwargs"])
                try:
                    json.dumps(result)
                except TypeError:  # a Response gives its status; an element handle, that it was found
                    result = getattr(result, "status", True)
                answer = {"result": result}
            except Exception as exc:  # the test reads it as a failed assertion
                answer = {"error": f"{type(exc).__name__}: {exc}"}
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
        browser.close()


if __name__ == "__main__":
    _serve()
