"""The backup archive: one tar.gz holding each service's database copy and `manifest.json`, which names
every member with its service, kind of database, schema revisions, the moment it was taken and its sha256.

Reading checks everything before anything is restored: the archive opens, the manifest is there and of a
known format, every member is a plain file the manifest lists with the right size and sha256, and there is
nothing else. A corrupt or tampered archive is refused whole."""
import hashlib
import json
import os
import tarfile
from pathlib import Path

from scripts.pimms.failures import Failure

FORMAT = 1
MANIFEST = "manifest.json"


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write(target, folder, manifest):
    """Pack the files of `folder` that manifest["members"] name (each entry gains its sha256 and size) and the
    manifest into `target`, written beside it first and renamed, so a half-written archive never bears the
    name. The archive holds personal data and keys: it is made readable by its owner only."""
    target = Path(target)
    for member in manifest["members"]:
        path = Path(folder) / member["file"]
        member["sha256"], member["bytes"] = sha256(path), path.stat().st_size
    manifest = {"format": FORMAT, **manifest}
    (Path(folder) / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    partial = target.with_name(target.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
        tar.add(Path(folder) / MANIFEST, arcname=MANIFEST)
        for member in manifest["members"]:
            tar.add(Path(folder) / member["file"], arcname=member["file"])
        for extra in manifest.get("extras", []):
            tar.add(Path(folder) / extra["file"], arcname=extra["file"])
    os.replace(partial, target)
    return manifest


def read(source, into):
    """Check the archive and extract it into `into`; returns its manifest. Raises Failure on any fault."""
    source = Path(source)
    if not source.is_file():
        raise Failure(f"no archive at {source}")
    try:
        with tarfile.open(source, mode="r:gz") as tar:
            members = tar.getmembers()
            names = [m.name for m in members]
            if MANIFEST not in names:
                raise Failure(f"{source} has no {MANIFEST}: not a pimms backup")
            manifest = _manifest(tar.extractfile(MANIFEST).read(), source)
            listed = {m["file"] for m in manifest["members"]} | {e["file"] for e in manifest.get("extras", [])}
            unexpected = sorted(set(names) - listed - {MANIFEST})
            missing = sorted(listed - set(names))
            if unexpected or missing or len(names) != len(set(names)):
                raise Failure(f"{source} does not hold what its manifest lists (unexpected: {unexpected}, "
                              f"missing: {missing})")
            for member in members:
                if not member.isfile() or "/" in member.name or member.name.startswith("."):
                    raise Failure(f"{source}: member {member.name!r} is not a plain file name")
            tar.extractall(into, filter="data")
    except (tarfile.TarError, EOFError, OSError, UnicodeDecodeError) as exc:
        raise Failure(f"{source} is not a readable archive (corrupt or truncated?): {exc}") from None
    for entry in [*manifest["members"], *manifest.get("extras", [])]:
        path = Path(into) / entry["file"]
        if path.stat().st_size != entry["bytes"] or sha256(path) != entry["sha256"]:
            raise Failure(f"{source}: {entry['file']} does not match its sha256 in the manifest: the archive "
                          "is corrupt; nothing was restored")
    return manifest


def _manifest(raw, source):
    try:
        manifest = json.loads(raw)
        if manifest.get("format") != FORMAT:
            raise Failure(f"{source} is a backup of format {manifest.get('format')!r}; this code reads {FORMAT}")
        for member in manifest["members"]:
            member["service"], member["kind"], member["file"], member["sha256"], member["bytes"]  # noqa: B018
            member["schema_revisions"]  # noqa: B018
        return manifest
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise Failure(f"{source} has an unreadable manifest: {exc}") from None
