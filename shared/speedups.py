"""Speed patches of third-party libraries, installed by a call you can see: `Speedups`, a dependency of
every service (PlatformService), calls `install()` at the service's start and logs what it installed.
Each patch changes no behaviour (its equivalence test says so), is installed only on the library version it
was written for, and was kept for what `make bench` measured it to gain (scripts/bench_speedups.py measures
each alone, docs/benchmark.md keeps the figures):

- `amqp_read_ahead` (shared/amqp_io.py): py-amqp reads the broker's frames in 16 KB chunks;
- `marshmallow_validate` (shared/validation.py): marshmallow runs a field's validators without building a
  `validate.And` per value."""
import logging

from nameko.extensions import DependencyProvider

from shared import amqp_io, validation

log = logging.getLogger(__name__)

PATCHES = {"amqp_read_ahead": amqp_io, "marshmallow_validate": validation}


def install() -> dict[str, bool]:
    """Install every patch its library version allows; returns {patch: installed}."""
    return {name: module.install() for name, module in PATCHES.items()}


def uninstall():
    for module in PATCHES.values():
        module.uninstall()


class Speedups(DependencyProvider):
    def setup(self):
        installed = install()
        log.info("speed patches: %s", ", ".join(f"{name} {'on' if on else 'off (library version)'}"
                                                for name, on in installed.items()))
