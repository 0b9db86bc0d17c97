"""shared.validation replaces marshmallow's Field._validate: same validators, same order, same errors."""
import pytest
from marshmallow import Schema, ValidationError, fields, validate

from shared import validation


def failing(message, **kwargs):
    def check(value):
        raise ValidationError(message, **kwargs)
    return check


def marshmallow_errors(field, value):
    """What marshmallow's own method raises: And over the field's validators."""
    try:
        validate.And(*field.validators)(value)
    except ValidationError as exc:
        return exc.messages, exc.kwargs
    return None


def our_errors(field, value):
    try:
        validation._validate(field, value)
    except ValidationError as exc:
        return exc.messages, exc.kwargs
    return None


def test_it_is_installed_on_the_pinned_marshmallow_and_uninstalled_back():
    original = fields.Field._validate
    try:
        assert validation.install() and fields.Field._validate is validation._validate
    finally:
        validation.uninstall()
    assert fields.Field._validate is validation._ORIGINAL
    assert original in (validation._ORIGINAL, validation._validate)


@pytest.mark.parametrize("validators, value", [
    ([], "x"),
    ([validate.Length(max=3)], "abcd"),
    ([validate.Length(max=3)], "abc"),
    ([validate.Length(max=3), validate.OneOf(["a", "b"])], "abcd"),  # both fail: both messages, in order
    ([validate.Range(min=0), failing({"nested": ["bad"]}, code=7)], -1),  # a dict message and kwargs
    ([failing(["one", "two"], code=1), failing("three", code=2)], 5),  # later kwargs win, as in And
])
def test_the_same_errors_as_marshmallow(validators, value):
    field = fields.Raw(validate=validators)
    assert our_errors(field, value) == marshmallow_errors(field, value)


def test_a_schema_reports_every_failing_validator_of_a_field():
    class Code(Schema):
        code = fields.String(validate=[validate.Length(max=3), validate.Regexp(r"^[a-z]+$", error="lower case")])

    with pytest.raises(ValidationError) as caught:
        Code().load({"code": "ABCD"})
    assert caught.value.messages == {"code": ["Longer than maximum length 3.", "lower case"]}
