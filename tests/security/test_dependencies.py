"""Werkzeug 2.2.3 was inside the range of CVE-2023-46136 (multipart parsing, a denial of service fixed in
2.3.8) while the public `POST /login` reads a form; nameko 2.14 imports `pkg_resources`, which setuptools 82
removed, and nothing pinned setuptools. Now Werkzeug is at a 3.1 release (nameko's HTTP layer runs on it)
and setuptools is pinned below 82."""
import importlib.metadata
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def version(text):
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def test_werkzeug_is_at_a_release_without_the_multipart_advisories():
    installed = version(importlib.metadata.version("werkzeug"))
    assert installed >= (3, 1, 5), installed  # CVE-2023-46136 (fixed in 2.3.8), CVE-2024-49767 (in 3.0.6), later fixes


def test_setuptools_is_pinned_below_82_for_nameko_s_pkg_resources():
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M))
    assert version(pins["setuptools"]) < (82,)
    assert version(importlib.metadata.version("setuptools")) < (82,)
    import pkg_resources  # noqa: F401 (what nameko imports)


# -- the lock files (issue 19): what `make venv` and the image install, hashes checked ----------------------
def normalized(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path):
    """{name: version} of a requirements file's `name==version` lines (a lock's too, markers aside)."""
    found = re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", (ROOT / path).read_text(), re.M)
    return {normalized(name): version for name, version in found}


def locked(path):
    """{name: (version, hashes)} of a lock file: each entry is its pin line and the --hash lines under it."""
    entries = re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)[^\n]*\\\n((?:\s+--hash=sha256:[0-9a-f]{64}[ \\]*\n)*)",
                         (ROOT / path).read_text(), re.M)
    return {normalized(name): (version, re.findall(r"sha256:([0-9a-f]{64})", hashes))
            for name, version, hashes in entries}


@pytest.mark.parametrize("source, lock", [("requirements.txt", "requirements.lock"),
                                          ("requirements-dev.txt", "requirements-dev.lock")])
def test_each_lock_holds_every_pin_of_its_source_file_and_a_hash_for_every_package(source, lock):
    entries = locked(lock)
    assert set(entries) == set(pins(lock)), "an entry of the lock has no hash"
    assert all(hashes for _, hashes in entries.values())
    stale = {name: (version, entries.get(name, (None,))[0]) for name, version in pins(source).items()
             if entries.get(name, (None,))[0] != version}
    assert not stale, f"{lock} is behind {source} (pin, locked): run `make lock`"


def test_the_tests_run_on_the_versions_the_image_runs():
    runtime, dev = locked("requirements.lock"), locked("requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime


def test_the_venv_and_the_image_install_from_the_locks_with_their_hashes():
    assert "pip install --no-cache-dir --require-hashes -r requirements.lock" in (ROOT / "Dockerfile").read_text()
    assert "install --require-hashes -r requirements-dev.lock" in (ROOT / "Makefile").read_text()


# -- the audit of the locks (make audit, in .ci/run) -------------------------------------------------------
class FakePyPI:
    """requests.Session as the audit uses it, answering project pages from `pages` ({name: (latest, vulns)})."""

    pages = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def mount(self, prefix, adapter):
        pass

    def get(self, url, timeout):
        name = url.split("/")[-2]
        latest, vulns = self.pages[name]
        page = {"info": {"version": latest}, "vulnerabilities": vulns}
        return type("Answer", (), {"raise_for_status": lambda self: None, "json": lambda self: page})()


def audited(monkeypatch, dependencies, pages, strict=False, ignored=None):
    from scripts import audit_lock

    monkeypatch.setattr(audit_lock, "pip_audit", lambda: {"dependencies": dependencies, "fixes": []})
    monkeypatch.setattr(audit_lock.requests, "Session", FakePyPI)
    monkeypatch.setattr(FakePyPI, "pages", pages)
    monkeypatch.setattr(audit_lock, "IGNORED", ignored or {})
    return audit_lock.main(strict)


VULN = {"id": "GHSA-aaaa-bbbb-cccc", "aliases": ["CVE-2026-0001"], "fixed_in": ["3.1.10"], "withdrawn": None}


def test_the_audit_fails_on_a_vulnerability_pip_audit_reports_and_passes_when_there_is_none(monkeypatch, capsys):
    found = {"name": "werkzeug", "version": "3.1.9",
             "vulns": [{"id": "GHSA-aaaa-bbbb-cccc", "fix_versions": ["3.1.10"]}]}
    assert audited(monkeypatch, [found], {}) == 1
    assert "werkzeug 3.1.9: GHSA-aaaa-bbbb-cccc, fixed in 3.1.10" in capsys.readouterr().out
    assert audited(monkeypatch, [{**found, "vulns": []}], {}) == 0


def test_a_package_pip_audit_skipped_is_checked_on_its_project_page_when_pinned_at_the_latest_release(monkeypatch):
    skipped = {"name": "werkzeug", "skip_reason": "Dependency not found on PyPI: werkzeug (3.1.9)"}
    monkeypatch.setattr("scripts.audit_lock.locked_versions", lambda: {"werkzeug": "3.1.9"})
    assert audited(monkeypatch, [skipped], {"werkzeug": ("3.1.9", [VULN])}) == 1
    assert audited(monkeypatch, [skipped], {"werkzeug": ("3.1.9", [{**VULN, "withdrawn": "2026-01-01"}])}) == 0
    assert audited(monkeypatch, [skipped], {"werkzeug": ("3.1.9", [VULN])}, ignored={"CVE-2026-0001": "why"}) == 0
    # a pin behind the latest release cannot be checked there: named, and a failure only when strict
    assert audited(monkeypatch, [skipped], {"werkzeug": ("3.2.0", [])}) == 0
    assert audited(monkeypatch, [skipped], {"werkzeug": ("3.2.0", [])}, strict=True) == 1
