"""The attacks are tried against the running stack the gateway's own tests use (gateway, accueil, reporting
on this test's vhost, the demo's accounts and its named visit)."""
from services.gateway.tests.conftest import stack, storage  # noqa: F401 (fixtures)
