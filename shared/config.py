"""Configuration the nameko way: one YAML file per service, `${VAR:default}` filled from the environment."""
import yaml
from nameko.cli.main import setup_yaml_parser

setup_yaml_parser()  # registers nameko's `${VAR:default}` resolver on yaml.SafeLoader


def load_config(path, **overrides):
    with open(path) as f:
        config = yaml.safe_load(f) or {}
    config.update(overrides)
    return config


# Values that were once defaults in this repository, hence public: a stack started on one of them is open.
PUBLIC_VALUES = {"demo-key-not-for-production", "demo-token-secret-not-for-production"}
MIN_SECRET = 16


def require_secret(config: dict, name: str, env: str | None = None) -> str:
    """The secret `name` of a service's config, or a ValueError that says what to set: no secret has a
    default, `make run` generates its own (scripts/stack_secrets.py) and Kubernetes takes them from the
    association's Secret (deploy/k8s/make-credentials.sh)."""
    value = config.get(name)
    where = env or name
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} is not set: set {where} to a long random secret of the association "
                         f"(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`); "
                         f"`make run` generates its own")
    if value in PUBLIC_VALUES:
        raise ValueError(f"{name} is a public value from this repository: set {where} to a secret of your own")
    if len(value) < MIN_SECRET:
        raise ValueError(f"{name} must be at least {MIN_SECRET} characters: set {where} to a longer secret")
    return value
