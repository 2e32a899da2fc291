"""The wire format between the trusted grader and a sandboxed worker: plain data, never pickle.

A frame is a 4-byte big-endian length followed by that many bytes of UTF-8 JSON. Values are
JSON with a few tagged objects, so that numpy arrays, tuples and non-string-keyed data cross
without losing their type:

    {"$array": {"dtype": "float64", "shape": [3, 1], "data": "<base64>"}}   numeric ndarray
    {"$scalar": {"dtype": "float64", "data": "<base64>"}}                  numpy scalar
    {"$tuple": [...]}                                                      tuple
    {"$dict": [[key, value], ...]}                                         dict
    {"$unreadable": "TypeName"}                                            anything else

A subclass of list, tuple, dict, int, float or str (a namedtuple, an OrderedDict) crosses as
the plain type.

`decode` is the gatekeeper on the trusted side: it accepts only the shapes above, numeric
dtypes, bounded nesting and sizes that add up, and always returns fresh base-class objects
(a plain `ndarray`, never a subclass with rigged methods).

This module is also the first half of the worker's source (the worker runs it with
`python -c` and imports nothing of the grader), so it must depend on the standard library
and numpy only.
"""

from __future__ import annotations

import base64
import json
import math
import struct
from typing import Any

import numpy as np

HEADER = struct.Struct(">I")
MAX_FRAME_BYTES = 4 * 1024 * 1024  # room for 3 MB of array data; bounds what JSON parsing can cost
MAX_DEPTH = 64
MAX_DIMENSIONS = 32
ALLOWED_DTYPES = frozenset(
    "bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float16 float32 float64 complex64 complex128".split()
)
_DTYPES = {name: np.dtype(name) for name in ALLOWED_DTYPES}
_NAMES = {dtype: name for name, dtype in _DTYPES.items()}  # native byte order only
"""Looked up rather than asked: `dtype.name` is computed in Python and costs microseconds."""


class ProtocolError(Exception):
    """A frame or value that does not follow the format: treated as a broken worker."""


class Unreadable:
    """Stands for a value the worker could not express as plain data (an object, a function)."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name[:100]

    def __repr__(self) -> str:
        return f"<unreadable {self.type_name}>"


def encode(value: Any, depth: int = 0) -> Any:
    """Turn a Python value into JSON-ready data; unknown objects become `$unreadable`."""
    if depth > MAX_DEPTH:
        return {"$unreadable": "too deeply nested"}
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        return value
    if isinstance(value, np.ndarray):
        array = np.asarray(value).view(np.ndarray)
        name = _NAMES.get(array.dtype)
        if name is None and array.dtype.kind in "biufc":  # a byte order other than the native one
            name = _NAMES.get(array.dtype.newbyteorder("="))
        if name is None:
            return {"$unreadable": f"ndarray of {array.dtype}"}
        # Not np.ascontiguousarray: it turns a 0-d array into a 1-d one.
        array = array.astype(_DTYPES[name], copy=False)
        return {
            "$array": {
                "dtype": name,
                "shape": list(array.shape),
                "data": base64.b64encode(array.tobytes(order="C")).decode("ascii"),
            }
        }
    if isinstance(value, np.generic):
        scalar = np.asarray(value)
        name = _NAMES.get(scalar.dtype)
        if name is None:
            return {"$unreadable": f"numpy {scalar.dtype}"}
        return {"$scalar": {"dtype": name, "data": base64.b64encode(scalar.tobytes()).decode("ascii")}}
    if isinstance(value, list):
        return [encode(item, depth + 1) for item in value]
    if isinstance(value, tuple):
        return {"$tuple": [encode(item, depth + 1) for item in value]}
    if isinstance(value, dict):
        return {"$dict": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in dict.items(value)]}
    # A subclass of a plain type (a namedtuple, an OrderedDict, an IntEnum) crosses as that
    # type: what it holds is what the docstrings ask for. Only the worker meets such values,
    # and whatever its methods do runs there; the trusted side decodes plain data only.
    for plain in (int, float, str):
        if isinstance(value, plain):
            return plain(value)
    return {"$unreadable": type(value).__name__}


def decode(data: Any, depth: int = 0) -> Any:
    """Rebuild a value from JSON data, rejecting anything that is not plain numeric data."""
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if data is None or type(data) in (bool, str):
        return data
    if type(data) is int:
        return data
    if type(data) is float:
        return data
    if type(data) is list:
        return [decode(item, depth + 1) for item in data]
    if type(data) is not dict or len(data) != 1:
        raise ProtocolError("malformed value")
    ((tag, body),) = data.items()
    if tag == "$array":
        return _decode_array(body)
    if tag == "$scalar":
        if type(body) is not dict:
            raise ProtocolError("malformed numpy scalar")
        return _decode_array({"dtype": body.get("dtype"), "shape": [], "data": body.get("data")})[()]
    if tag == "$tuple" and type(body) is list:
        return tuple(decode(item, depth + 1) for item in body)
    if tag == "$dict" and type(body) is list:
        result: dict[Any, Any] = {}
        for pair in body:
            if type(pair) is not list or len(pair) != 2:
                raise ProtocolError("malformed dict item")
            key = pair[0]
            if not _safe_key(key):
                raise ProtocolError("dict key not allowed: use strings or small integers")
            result[key] = decode(pair[1], depth + 1)
        return result
    if tag == "$unreadable" and type(body) is str:
        return Unreadable(body)
    raise ProtocolError(f"unknown value tag {str(tag)[:20]!r}")


_HASH_MODULUS = (1 << 61) - 1
"""An int's hash is the int modulo this prime: below it, distinct ints hash apart."""


def _safe_key(key: Any) -> bool:
    """Whether `key` may key a dict built here. Python's hash of a string is salted per process,
    but of a number or tuple it is not: a frame of 100,000 keys chosen to share one hash makes
    building the dict quadratic, minutes of the grader's time. Strings, None, booleans and ints
    below the hash modulus cannot be made to collide."""
    if key is None or type(key) in (str, bool):
        return True
    return type(key) is int and -_HASH_MODULUS < key < _HASH_MODULUS and key != -1  # hash(-1) == hash(-2)


def find_unreadable(value: Any) -> Unreadable | None:
    """The first `$unreadable` stand-in inside a decoded value (keys included), or None."""
    if isinstance(value, Unreadable):
        return value
    if isinstance(value, dict):
        items: Any = [*value.keys(), *value.values()]
    else:
        items = value if isinstance(value, (list, tuple)) else ()
    for item in items:
        found = find_unreadable(item)
        if found is not None:
            return found
    return None


def _decode_array(body: Any) -> np.ndarray:
    if type(body) is not dict:
        raise ProtocolError("malformed array")
    dtype_name, shape, payload = body.get("dtype"), body.get("shape"), body.get("data")
    if type(dtype_name) is not str or dtype_name not in _DTYPES:
        raise ProtocolError(f"array dtype not allowed: {str(dtype_name)[:30]!r}")
    if type(shape) is not list or len(shape) > MAX_DIMENSIONS or any(type(n) is not int or n < 0 for n in shape):
        raise ProtocolError("malformed array shape")
    if any(n > MAX_FRAME_BYTES for n in shape):  # an empty array may claim any other size: numpy refuses
        raise ProtocolError("array dimension larger than any answer can hold")
    if type(payload) is not str:
        raise ProtocolError("malformed array data")
    dtype = _DTYPES[dtype_name]
    try:
        raw = base64.b64decode(payload.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as error:
        raise ProtocolError("array data is not base64") from error
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise ProtocolError("array data does not match its shape")
    try:
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    except ValueError as error:  # a shape numpy cannot make, although its size adds up
        raise ProtocolError("array shape numpy cannot make") from error


def dump_frame(message: dict[str, Any]) -> bytes:
    """Serialise one message; raises ProtocolError when it would exceed the frame cap."""
    body = json.dumps(message, separators=(",", ":"), allow_nan=True).encode("utf-8")
    if len(body) > MAX_FRAME_BYTES:
        raise ProtocolError(f"message of {len(body)} bytes exceeds the {MAX_FRAME_BYTES}-byte cap")
    return HEADER.pack(len(body)) + body


def load_frame(body: bytes) -> dict[str, Any]:
    """Parse one frame body into a message dict."""
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ProtocolError("frame is not JSON") from error
    if type(message) is not dict:
        raise ProtocolError("frame is not a JSON object")
    return message
