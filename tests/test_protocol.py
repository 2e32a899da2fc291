"""The wire format: what crosses from a sandbox is plain data, and nothing else gets through."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.sandbox.protocol import (
    MAX_DEPTH,
    ProtocolError,
    Unreadable,
    decode,
    dump_frame,
    encode,
    load_frame,
)

scalars = st.none() | st.booleans() | st.integers(-(2**62), 2**62) | st.floats(allow_nan=False) | st.text(max_size=20)
arrays = hnp.arrays(
    dtype=st.sampled_from([np.float64, np.float32, np.int64, np.int8, np.uint16, np.bool_, np.complex128]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
)
values = st.recursive(
    scalars | arrays,
    lambda inner: (
        st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=12,
)


def same(a: object, b: object) -> bool:
    if isinstance(a, np.ndarray):
        return (
            type(b) is np.ndarray and a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
        )
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@settings(max_examples=200, deadline=None)
@given(values)
def test_plain_data_survives_the_round_trip_with_its_types(value):
    frame = dump_frame({"value": encode(value)})
    assert same(decode(load_frame(frame[4:])["value"]), value)


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
        max_leaves=20,
    )
)
def test_any_json_either_decodes_to_plain_data_or_is_refused(data):
    try:
        decoded = decode(data)
    except ProtocolError:
        return
    assert not isinstance(decoded, np.ndarray) or type(decoded) is np.ndarray


def test_subclasses_of_plain_types_cross_as_the_plain_types():
    """A student's namedtuple of gradients, or OrderedDict of parameters, is what the docstring
    asks for: the grader reads it as a tuple or a dict, whatever its methods say."""
    import collections
    import enum

    Grads = collections.namedtuple("Grads", "dA dW")

    class Loud(dict):
        def items(self):
            raise RuntimeError("never asked")

    class Size(enum.IntEnum):
        TWO = 2

    value = [Grads(np.ones(2), 3.0), collections.OrderedDict(W=1), Loud(b=2), Size.TWO]
    decoded = decode(load_frame(dump_frame({"value": encode(value)})[4:])["value"])
    assert type(decoded[0]) is tuple and same(decoded[0], (np.ones(2), 3.0))
    assert decoded[1:] == [{"W": 1}, {"b": 2}, 2] and type(decoded[1]) is dict and type(decoded[3]) is int


def test_objects_that_are_not_plain_data_are_marked_unreadable():
    class Rigged:
        def __eq__(self, other):
            return True

    assert isinstance(decode(encode(Rigged())), Unreadable)
    assert isinstance(decode(encode(np.array(["a"], dtype=object))), Unreadable)
    assert isinstance(decode(encode(len)), Unreadable)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"$array": {"dtype": "object", "shape": [1], "data": ""}}, "dtype not allowed"),
        ({"$array": {"dtype": "float64", "shape": [2], "data": base64.b64encode(b"x" * 8).decode()}}, "does not match"),
        ({"$array": {"dtype": "float64", "shape": [-1], "data": ""}}, "malformed array shape"),
        ({"$array": {"dtype": "float64", "shape": [1], "data": "***"}}, "not base64"),
        ({"$array": {"dtype": "float64", "shape": [0, 2**62, 2**62], "data": ""}}, "dimension larger"),
        ({"$array": {"dtype": "float64", "shape": [0] + [4_000_000] * 4, "data": ""}}, "numpy cannot make"),
        ({"$pickle": "gASVAAAAAAAAAAA="}, "unknown value tag"),
        ({"a": 1, "b": 2}, "malformed value"),
    ],
)
def test_malformed_values_are_refused(data, message):
    with pytest.raises(ProtocolError, match=message):
        decode(data)


def test_nesting_beyond_the_limit_is_refused():
    deep: list = []
    for _ in range(MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(ProtocolError, match="nested too deeply"):
        decode(json.loads(json.dumps(deep)))


def test_an_ndarray_subclass_is_sent_as_its_plain_values():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return np.ones(np.shape(other), bool)

    got = decode(encode(np.arange(3.0).view(Liar)))
    assert type(got) is np.ndarray and got.tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize(
    "keys",
    [
        [(2**61 - 1) * i for i in range(1, 50)],  # ints that all hash to 0
        [-1, -2],  # hash(-1) == hash(-2)
        [{"$tuple": [i, 0]} for i in range(3)],  # tuples hash as their items do: no salt
        [0.5, 1.5],
    ],
)
def test_dict_keys_that_can_be_made_to_collide_are_refused(keys):
    """A student's answer could carry 100,000 keys of one hash: building that dict here would be
    quadratic, minutes of the grader's time. Only keys whose hashes cannot be chosen get through."""
    with pytest.raises(ProtocolError, match="dict key not allowed"):
        decode({"$dict": [[key, 0] for key in keys]})


def test_dict_keys_of_strings_and_small_ints_are_read():
    assert decode({"$dict": [["W", 1], [7, 2], [2**60, 3], [None, 4], [True, 5]]}) == {
        "W": 1,
        7: 2,
        2**60: 3,
        None: 4,
        True: 5,
    }
