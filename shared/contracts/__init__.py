"""The contracts between services, in one home that every service imports and none owns: for each service
that publishes, `shared/contracts/<service>.py` holds its event payload schemas (registered with
`shared.envelope.event_schema`), the code lists they carry, the wire helpers they need, and the requests of
its RPC API; `common.py` what they all share. Nothing here imports a service.

    from shared.contracts.accueil import ACTS, OpenVisitRequest
"""
import importlib
import pkgutil

PUBLISHERS = ("accueil", "formation", "franchise", "mediation_sortante", "reporting")


def load_all():
    """Import every contract (registering every event schema); returns the modules by publisher."""
    return {name: importlib.import_module(f"{__name__}.{name}") for name in PUBLISHERS}


def modules():
    """Every module of the package, for checks that read them all (the catalog, the personal-data test)."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__))
