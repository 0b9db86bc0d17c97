"""Hypothesis strategies for fuzzing: arbitrary JSON, and valid documents with one part broken."""
from hypothesis import strategies as st

from shared.errors import Conflict, ContractViolation, Forbidden, InvalidRequest, NotFound

# Forbidden: a desk outside the caller's desks is refused by name, as a typed error the caller can show
TYPED_ERRORS = (InvalidRequest, NotFound, Conflict, ContractViolation, Forbidden)

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2 ** 70), max_value=2 ** 70)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30)
           | st.sampled_from(["", "2026-11-23", "2026-11-23T10:00:00", "2026-11-23T10:00:00+00:00",
                              "9999-12-31T23:59:59+14:00", "edf", "caf", "lyon-8", "\x00", "é" * 300]))
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def _paths(doc, prefix=()):
    yield prefix
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from _paths(value, prefix + (index,))


def _replace(doc, path, value):
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(doc, dict):
        copy = dict(doc)
        if value is _DELETE and not rest:
            copy.pop(head, None)
        else:
            copy[head] = _replace(doc[head], rest, value)
        return copy
    copy = list(doc)
    if value is _DELETE and not rest:
        del copy[head]
    else:
        copy[head] = _replace(doc[head], rest, value)
    return copy


_DELETE = object()


@st.composite
def broken(draw, valid):
    """`valid` with one part replaced by arbitrary JSON, removed, or an unknown field added."""
    paths = list(_paths(valid))
    path = draw(st.sampled_from(paths))
    action = draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "delete" and path:
        return _replace(valid, path, _DELETE)
    if action == "add" and isinstance(valid, dict):
        return {**valid, draw(st.text(min_size=1, max_size=12)): draw(json_values)}
    return _replace(valid, path, draw(json_values))
