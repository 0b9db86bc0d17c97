"""The locked packages against PyPI's vulnerability records (`make audit`, run by .ci/run): fails when a
package pinned in requirements.lock or requirements-dev.lock has a known vulnerability not ignored below.

pip-audit reads the locks (hashed, so without running pip) and asks PyPI about each pinned release. Where
PyPI gives it no record of a release (this workplace's PyPI access answers a project's page but not a
release's, and pip-audit then skips every package), each skipped package is checked on its project's page,
which lists the vulnerabilities of the latest release: exact for a pin at the latest release; a pin behind
it is named as unchecked (AUDIT_STRICT=1 makes that fail too).

    .venv/bin/python -m scripts.audit_lock [--strict]
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

ROOT = Path(__file__).resolve().parents[1]
LOCKS = ("requirements.lock", "requirements-dev.lock")
PROJECT_PAGE = "https://pypi.org/pypi/{name}/json"

# A vulnerability that cannot be fixed by an upgrade and does not reach us, with why (and until when):
#   "GHSA-xxxx-xxxx-xxxx": "only in the Windows installer; the services run on Linux",
IGNORED: dict[str, str] = {}


def pip_audit():
    """pip-audit's report: {"dependencies": [{"name", "version", "vulns": [...]} or {"name", "skip_reason"}]}."""
    command = [str(Path(sys.executable).with_name("pip-audit")), "--disable-pip", "--require-hashes",
               "--progress-spinner", "off", "--format", "json"]
    for lock in LOCKS:
        command += ["-r", str(ROOT / lock)]
    for vuln_id in IGNORED:
        command += ["--ignore-vuln", vuln_id]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode not in (0, 1):  # 1: vulnerabilities found, reported in the JSON
        sys.exit(f"pip-audit failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout)


def locked_versions():
    versions = {}
    for lock in LOCKS:
        for line in (ROOT / lock).read_text().splitlines():
            if "==" in line and not line.startswith((" ", "#")):
                name, version = line.split("==", 1)
                versions[name.strip().lower()] = version.split()[0].rstrip(";\\")
    return versions


def open_vulnerabilities(records):
    return [v for v in records if not v.get("withdrawn")
            and not ({v["id"], *v.get("aliases", [])} & set(IGNORED))]


def from_project_page(name, version, session):
    """(vulnerabilities, None) for a pin at its project's latest release, else (None, latest release)."""
    answer = session.get(PROJECT_PAGE.format(name=name), timeout=30)
    answer.raise_for_status()
    page = answer.json()
    if page["info"]["version"] != version:
        return None, page["info"]["version"]
    return open_vulnerabilities(page.get("vulnerabilities") or []), None


def main(strict=False):
    report, versions = pip_audit(), locked_versions()
    vulnerable, audited, behind = [], 0, []
    with requests.Session() as session:
        session.mount("https://", HTTPAdapter(max_retries=3))  # a network failure fails the audit: it checked nothing
        for dependency in report["dependencies"]:
            name = dependency["name"].lower()
            version = dependency.get("version") or versions.get(name)
            if "skip_reason" not in dependency:
                audited += 1
                vulns = [(v["id"], v.get("fix_versions", [])) for v in dependency.get("vulns", [])]
            else:
                found, latest = from_project_page(name, version, session)
                if found is None:
                    behind.append(f"{name} {version} (latest {latest})")
                    continue
                audited += 1
                vulns = [(v["id"], v.get("fixed_in") or []) for v in found]
            vulnerable += [f"{name} {version}: {vuln_id}, fixed in {', '.join(fixed) or 'no release yet'}"
                           for vuln_id, fixed in vulns]
    print(f"audit of {', '.join(LOCKS)}: {len(report['dependencies'])} packages, {audited} checked, "
          f"{len(vulnerable)} vulnerable, {len(behind)} unchecked")
    for line in vulnerable:
        print("  VULNERABLE", line)
    for line in behind:
        print("  unchecked (no record of this release here; its project's page describes the latest):", line)
    for vuln_id, why in IGNORED.items():
        print(f"  ignored {vuln_id}: {why}")
    if vulnerable:
        print("Upgrade the pin in requirements*.txt and run `make lock` (or `make lock LOCK_ARGS=--upgrade-package "
              "NAME` for a transitive one); if no fixed release exists, add the id to IGNORED in "
              "scripts/audit_lock.py with why.")
    return 1 if vulnerable or (strict and behind) else 0


if __name__ == "__main__":
    sys.exit(main(strict="--strict" in sys.argv or os.environ.get("AUDIT_STRICT") == "1"))
