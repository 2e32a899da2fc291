"""Short descriptions of values and calls, for feedback: `perceptron.step(0.0)`, `array([1, 2],
shape=(2,), dtype=int64)`.

Bounded in time and size whatever the value, because the values are a student's. A module of
its own, below both grading and the sandbox: the sandbox names each call it makes
(`StudentModule.last_call`) and the suites' feedback describes values with the same words.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

TEXT_CAP = 200


def abbreviate(value: Any, limit: int = 90, *, _depth: int = 0) -> str:
    """A one-line description of `value`, at most about 2 * `limit` characters.

    Bounded in time and size whatever the value (a student's answer may be a 4 MiB array of 21
    dimensions, a list nested 64 deep, or a dict with megabyte keys): it looks at a few items of
    a few levels and never formats a whole array or string.
    """
    if _depth > MAX_DEPTH_SHOWN:
        return "…"
    if isinstance(value, np.ndarray):
        text = f"array({_array_body(value, limit)}, shape={value.shape}, dtype={value.dtype})"
    elif isinstance(value, str):
        text = repr(value if len(value) <= TEXT_CAP else value[:TEXT_CAP] + "…")
    elif isinstance(value, (list, tuple)):
        inner = ", ".join(abbreviate(item, max(limit // 2, 20), _depth=_depth + 1) for item in value[:4])
        if len(value) > 4:
            inner += f", … ({len(value)} items)"
        text = f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    elif isinstance(value, dict):
        inner = ", ".join(
            f"{abbreviate(k, 30, _depth=_depth + 1)}: {abbreviate(v, max(limit // 3, 20), _depth=_depth + 1)}"
            for k, v in itertools.islice(value.items(), 4)
        )
        text = "{" + inner + (", …" if len(value) > 4 else "") + "}"
    elif isinstance(value, (float, np.floating)):
        text = repr(float(value)) if isinstance(value, float) else f"{float(value)!r} ({type(value).__name__})"
    elif isinstance(value, (int, np.integer)) and not isinstance(value, bool) and abs(int(value)) > HUGE_INT:
        text = f"an int of {int(value).bit_length()} bits"  # repr of a huge int is slow, or refused
    else:
        text = repr(value)
    return text if len(text) <= 2 * limit else text[: 2 * limit] + "…"


MAX_DEPTH_SHOWN = 3
HUGE_INT = 10**30
ARRAY_ELEMENTS_SHOWN = 6


def _array_body(value: np.ndarray, limit: int) -> str:
    """The elements of an array as numpy prints them, or its first few when that would be long.

    numpy's own summary is bounded only for arrays of a few dimensions: with many short ones
    (2 x 2 x ... x 2) it prints every element.
    """
    if value.ndim <= 3:
        with np.printoptions(precision=6, threshold=8, edgeitems=2, linewidth=10_000):
            body = np.array2string(value, separator=", ").replace("\n", "")
    else:
        first = ", ".join(_number(v) for v in value.flat[:ARRAY_ELEMENTS_SHOWN])
        body = f"[{first}{', …' if value.size > ARRAY_ELEMENTS_SHOWN else ''}]"
    return body if len(body) <= limit else body[: limit - 4] + " ...]"


def describe_call(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """`name(arg, …, key=value)` with every argument abbreviated."""
    parts = [abbreviate(a, 60) for a in args] + [f"{k}={abbreviate(v, 60)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


class CallDescription:
    """`module.function(args…)` for a message, formatted only when it is shown.

    Suites name the call in every check (`call=student.last_call`), but only failed checks
    print it, and describing numpy arrays costs more than most calls into the sandbox.
    Behaves as the string it stands for in f-strings, `str()`, `+` and `==`.
    """

    __slots__ = ("_call", "_suffix", "_text")

    def __init__(
        self, call: tuple[str, tuple[Any, ...], dict[str, Any]] | str, suffix: tuple[str | CallDescription, ...] = ()
    ) -> None:
        self._call = call
        self._suffix = suffix
        self._text: str | None = None

    def __str__(self) -> str:
        if self._text is None:
            head = self._call if isinstance(self._call, str) else describe_call(*self._call)
            self._text = head + "".join(str(part) for part in self._suffix)
        return self._text

    def __add__(self, other: str | CallDescription) -> CallDescription:
        """This description followed by `other` (text, or another call's description, formatted
        only when this one is)."""
        return CallDescription(self._call, (*self._suffix, other))

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __bool__(self) -> bool:
        return bool(self._suffix) or not isinstance(self._call, str) or bool(self._call)

    def __hash__(self) -> int:
        return hash(str(self))

    def __repr__(self) -> str:
        return repr(str(self))


def _number(value: Any) -> str:
    """An array element as a student writes it: 1, 0.25, True, nan."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (complex, np.complexfloating)):
        return repr(complex(value))
    return repr(float(value))
