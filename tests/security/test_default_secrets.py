"""Public default secrets were accepted: a gateway started without GATEWAY_TOKEN_SECRET signed tokens with a
value printed in this repository (anyone could mint a token for any login), and accueil without
VISITOR_REF_KEY used a public key (visitor references over small ids could be reversed, and were shared by
every association left on it). Now no secret has a default outside the tests: a service started without
one, or with a public one, refuses to start and says what to set; `make run` generates them once and keeps
them, mode 0600, in its data folder."""
import os
import stat

import pytest

from scripts import stack_secrets
from services.accueil.service import AccueilService
from services.gateway.service import GatewayService
from shared.config import load_config
from shared.dependencies import RequiredSecrets
from shared.principal import Caller

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize("service", ["accueil", "gateway"])
def test_no_secret_has_a_default_in_the_configuration(service, monkeypatch):
    for name in ("VISITOR_REF_KEY", "GATEWAY_TOKEN_SECRET", "PIMMS_PRINCIPAL_KEY"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(os.path.join(ROOT, "services", service, "config.yaml"))
    for name in ("VISITOR_REF_KEY", "TOKEN_SECRET", "PRINCIPAL_KEY"):
        assert not config.get(name), f"{service}: {name} defaults to {config.get(name)!r}"


@pytest.mark.parametrize("value, says", [
    (None, "VISITOR_REF_KEY is not set: set VISITOR_REF_KEY"),
    ("", "is not set"),
    ("demo-key-not-for-production", "public value"),
    ("short", "at least 16 characters"),
])
def test_accueil_refuses_to_start_without_its_visitor_key_and_says_what_to_set(
        container_factory, service_config, value, says):
    config = service_config("accueil", VISITOR_REF_KEY=value)
    with pytest.raises(ValueError, match=says):
        container_factory(AccueilService, config).start()


@pytest.mark.parametrize("name, env", [("TOKEN_SECRET", "GATEWAY_TOKEN_SECRET"),
                                       ("PRINCIPAL_KEY", "PIMMS_PRINCIPAL_KEY")])
def test_the_gateway_refuses_to_start_without_its_secrets(container_factory, service_config, name, env):
    config = service_config("gateway", TOKEN_SECRET="a-token-secret-long-enough")
    config[name] = "demo-token-secret-not-for-production" if name == "TOKEN_SECRET" else None
    with pytest.raises(ValueError, match=env):
        container_factory(GatewayService, config).start()


def test_the_services_that_need_secrets_declare_them():
    assert isinstance(AccueilService.secrets, RequiredSecrets) and isinstance(AccueilService.caller, Caller)


def test_make_run_generates_the_secrets_once_random_and_private(tmp_path):
    first = stack_secrets.load_or_create(tmp_path)
    assert set(first) == {"VISITOR_REF_KEY", "GATEWAY_TOKEN_SECRET", "PIMMS_PRINCIPAL_KEY"}
    assert all(len(value) >= 32 for value in first.values()) and len(set(first.values())) == 3
    mode = stat.S_IMODE(os.stat(stack_secrets.path(tmp_path)).st_mode)
    assert mode == 0o600
    assert stack_secrets.load_or_create(tmp_path) == first  # kept across restarts
    assert stack_secrets.load_or_create(tmp_path / "other") != first  # each stack its own
