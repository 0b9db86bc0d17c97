"""Werkzeug 2.2.3 was inside the range of CVE-2023-46136 (multipart parsing, a denial of service fixed in
2.3.8) while the public `POST /login` reads a form; nameko 2.14 imports `pkg_resources`, which setuptools 82
removed, and nothing pinned setuptools. Now Werkzeug is at a 3.1 release (nameko's HTTP layer runs on it)
and setuptools is pinned below 82."""
import importlib.metadata
import re
from pathlib import Path

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
