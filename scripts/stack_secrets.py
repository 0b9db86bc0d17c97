"""The local stack's secrets, made once on its first start and kept beside its data (mode 0600): the key of
the visitor references (accueil), the key that signs login tokens (gateway), and the key with which the
gateway signs, and accueil verifies, the account each call acts for. Nothing public, nothing
shared between two associations; losing the file means new visitor references and every session closed.

In Kubernetes the same values come from the association's Secret (deploy/k8s)."""
import json
import os
import secrets
from pathlib import Path

NAMES = ("VISITOR_REF_KEY", "GATEWAY_TOKEN_SECRET", "PIMMS_PRINCIPAL_KEY")


def path(data: Path) -> Path:
    return Path(data) / "secrets.json"


def load_or_create(data: Path) -> dict:
    """The stack's secrets as environment variables, generated on the first call for this data folder."""
    file = path(data)
    kept = json.loads(file.read_text()) if file.exists() else {}
    missing = [name for name in NAMES if not kept.get(name)]
    if missing:
        kept.update({name: secrets.token_urlsafe(32) for name in missing})
        file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(file.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(kept, out, indent=1)
        os.replace(file.with_suffix(".tmp"), file)
    os.chmod(file, 0o600)
    return {name: kept[name] for name in NAMES}
