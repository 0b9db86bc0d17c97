"""The speed patches are installed by a call made at each service's start, on the library versions they
were written for only, and can be taken back."""
from kombu.transport import pyamqp
from marshmallow import fields

from shared import amqp_io, speedups, validation
from shared.service import PlatformService


def test_every_patch_installs_on_the_pinned_libraries_and_uninstalls():
    try:
        assert speedups.install() == {"amqp_read_ahead": True, "marshmallow_validate": True}
        assert pyamqp.Transport.Connection is amqp_io.ReadAheadConnection
        assert fields.Field._validate is validation._validate
    finally:
        speedups.uninstall()
    assert pyamqp.Transport.Connection is not amqp_io.ReadAheadConnection
    assert fields.Field._validate is validation._ORIGINAL


def test_a_patch_stays_out_on_a_library_version_it_was_not_written_for(monkeypatch):
    monkeypatch.setattr(amqp_io, "version", lambda package: "6.0.0")
    monkeypatch.setattr(validation, "version", lambda package: "5.0.0")
    try:
        assert speedups.install() == {"amqp_read_ahead": False, "marshmallow_validate": False}
        assert pyamqp.Transport.Connection is not amqp_io.ReadAheadConnection
        assert fields.Field._validate is validation._ORIGINAL
    finally:
        speedups.uninstall()


def test_every_service_installs_them_at_start():
    assert isinstance(PlatformService.speedups, speedups.Speedups)
