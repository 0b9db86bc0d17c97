"""Marshmallow's field validation without building a validator object for every value.

marshmallow 4's `Field._validate` calls the property `_validate_all`, which builds a new
`validate.And(*self.validators)` for every value it checks, then runs it. Every event a consumer receives
goes through some 25 fields, so this is a tenth of a consumer's CPU per event (measured in reporting,
docs/benchmark.md). `_validate` below runs the same validators in the same order and raises the same
ValidationError, with every validator's messages and keyword arguments gathered as And gathers them
(shared/tests/test_validation.py compares the two); it only skips building the And.

Installed by `install()` (shared/speedups.py calls it at each service's start), and only on the
marshmallow it was written against: on another version, marshmallow's own method stays. `uninstall()` puts
it back.
"""
from importlib.metadata import version

from marshmallow import ValidationError, fields

WRITTEN_FOR = "4."


def _validate(self, value):
    errors = None
    for validator in self.validators:
        try:
            validator(value)
        except ValidationError as err:
            if errors is None:
                errors, kwargs = [], {}
            kwargs.update(err.kwargs)
            if isinstance(err.messages, dict):
                errors.append(err.messages)
            else:
                errors.extend(err.messages)
    if errors:
        raise ValidationError(errors, **kwargs)


_ORIGINAL = fields.Field._validate


def install() -> bool:
    """Returns whether marshmallow's Field._validate was replaced."""
    if not version("marshmallow").startswith(WRITTEN_FOR) or not isinstance(
            getattr(fields.Field, "_validate_all", None), property):
        return False
    fields.Field._validate = _validate
    return True


def uninstall():
    fields.Field._validate = _ORIGINAL
