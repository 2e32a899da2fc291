"""Words for feedback: short descriptions of values, and what differs between two of them.

Pure functions over plain data (numbers, strings, lists, tuples, dicts, numeric arrays); the
hidden suites' helpers in `grader.grading.checks` build their messages from these, so every failed
test reads alike: what was called, with what, expected against got, and a hint where the
difference itself suggests one (a transposed shape, a factor of two, a flipped sign).
"""

from __future__ import annotations

from typing import Any

import numpy as np

TEXT_CAP = 200


def abbreviate(value: Any, limit: int = 90) -> str:
    """A one-line description of `value`, at most about `limit` characters."""
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=6, threshold=8, edgeitems=2, linewidth=10_000):
            body = np.array2string(value, separator=", ").replace("\n", "")
        if len(body) > limit:
            body = body[: limit - 4] + " ...]"
        return f"array({body}, shape={value.shape}, dtype={value.dtype})"
    if isinstance(value, str):
        text = value if len(value) <= TEXT_CAP else value[:TEXT_CAP] + "…"
        return repr(text)
    if isinstance(value, (list, tuple)):
        inner = ", ".join(abbreviate(item, max(limit // 2, 20)) for item in value[:4])
        if len(value) > 4:
            inner += f", … ({len(value)} items)"
        text = f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
        return text if len(text) <= 2 * limit else text[: 2 * limit] + "…"
    if isinstance(value, dict):
        inner = ", ".join(f"{k!r}: {abbreviate(v, max(limit // 3, 20))}" for k, v in list(value.items())[:4])
        return "{" + inner + (", …" if len(value) > 4 else "") + "}"
    if isinstance(value, (float, np.floating)):
        return repr(float(value)) if isinstance(value, float) else f"{float(value)!r} ({type(value).__name__})"
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


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

    def __init__(self, call: tuple[str, tuple[Any, ...], dict[str, Any]] | str, suffix: str = "") -> None:
        self._call = call
        self._suffix = suffix
        self._text: str | None = None

    def __str__(self) -> str:
        if self._text is None:
            head = self._call if isinstance(self._call, str) else describe_call(*self._call)
            self._text = head + self._suffix
        return self._text

    def __add__(self, other: str) -> CallDescription:
        return CallDescription(self._call, self._suffix + other)

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __bool__(self) -> bool:
        return bool(self._suffix) or not isinstance(self._call, str) or bool(self._call)

    def __hash__(self) -> int:
        return hash(str(self))

    def __repr__(self) -> str:
        return repr(str(self))


def kind(value: Any) -> str:
    """The type of a value as a student would name it: 'float', 'ndarray (3, 1) float64', …"""
    if isinstance(value, np.ndarray):
        return f"ndarray {value.shape} {value.dtype}"
    if isinstance(value, np.generic):
        return f"numpy {value.dtype}"
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__} of {len(value)}"
    return type(value).__name__


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def difference(got: Any, expected: Any, *, rtol: float, atol: float, path: str = "") -> str | None:
    """None when `got` matches `expected` within tolerance; otherwise what differs, one line."""
    where = f" at {path}" if path else ""
    if isinstance(expected, np.ndarray):
        return _array_difference(got, expected, rtol=rtol, atol=atol, where=where)
    if isinstance(expected, (bool, np.bool_)):
        if not isinstance(got, (bool, np.bool_)):
            return f"expected a bool{where}, got {kind(got)} {abbreviate(got, 40)}"
        return None if bool(got) == bool(expected) else f"expected {bool(expected)}{where}, got {bool(got)}"
    if isinstance(expected, (int, np.integer)):
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
            return f"expected the int {int(expected)}{where}, got {kind(got)} {abbreviate(got, 40)}"
        return None if int(got) == int(expected) else f"expected {int(expected)}{where}, got {int(got)}"
    if isinstance(expected, (float, np.floating)):
        if isinstance(got, np.ndarray) and got.size == 1 and got.ndim > 0:
            return f"expected a single number{where}, got an array of shape {got.shape} (use float(...) or .item())"
        if not _is_real(got) and not (isinstance(got, np.ndarray) and got.ndim == 0):
            return f"expected a float{where}, got {kind(got)} {abbreviate(got, 40)}"
        g, e = float(got), float(expected)
        if np.isnan(e) and np.isnan(g):
            return None
        if np.isclose(g, e, rtol=rtol, atol=atol):
            return None
        return f"expected {e!r}{where}, got {g!r}" + _ratio_hint(np.array([g]), np.array([e]))
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, (list, tuple)):
            return f"expected a {type(expected).__name__} of {len(expected)}{where}, got {kind(got)}"
        if len(got) != len(expected):
            return f"expected {len(expected)} items{where}, got {len(got)}"
        for index, (g, e) in enumerate(zip(got, expected, strict=True)):
            found = difference(g, e, rtol=rtol, atol=atol, path=f"{path}[{index}]")
            if found:
                return found
        return None
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"expected a dict{where}, got {kind(got)}"
        missing = [k for k in expected if k not in got]
        if missing:
            return f"missing key {missing[0]!r}{where}"
        for key, e in expected.items():
            found = difference(got[key], e, rtol=rtol, atol=atol, path=f"{path}[{key!r}]")
            if found:
                return found
        return None
    if isinstance(expected, str):
        if got != expected:
            return f"expected {abbreviate(expected)}{where}, got {abbreviate(got)}"
        return None
    if expected is None:
        return None if got is None else f"expected None{where}, got {kind(got)}"
    raise TypeError(f"cannot compare with a {type(expected).__name__}")


def _array_difference(got: Any, expected: np.ndarray, *, rtol: float, atol: float, where: str) -> str | None:
    if not isinstance(got, np.ndarray):
        if isinstance(got, (list, tuple)):
            got_kind = type(got).__name__
            return f"expected an ndarray of shape {expected.shape}{where}, got a {got_kind} (wrap it in np.array)"
        return f"expected an ndarray of shape {expected.shape}{where}, got {kind(got)} {abbreviate(got, 40)}"
    if got.shape != expected.shape:
        return f"expected shape {expected.shape}{where}, got {got.shape}" + shape_hint(got.shape, expected.shape)
    if np.issubdtype(expected.dtype, np.floating) and not np.issubdtype(got.dtype, np.floating):
        return f"expected a floating-point array{where}, got dtype {got.dtype} (integer arithmetic or astype(int)?)"
    if np.issubdtype(expected.dtype, np.integer) and not np.issubdtype(got.dtype, np.integer):
        return f"expected an integer array{where}, got dtype {got.dtype}"
    if expected.dtype == np.bool_ and got.dtype != np.bool_:
        return f"expected a boolean array{where}, got dtype {got.dtype}"
    if got.size == 0:
        return None
    g = got.astype(np.float64) if got.dtype != np.bool_ else got.astype(np.float64)
    e = expected.astype(np.float64)
    close = np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    bad = np.argwhere(~close)
    first = tuple(int(i) for i in bad[0])
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.where(close, 0.0, np.abs(g - e))
    error = np.where(np.isnan(error), np.inf, error)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(error)), error.shape))
    text = (
        f"{len(bad)} of {got.size} elements differ{where}; first at {list(first)}: "
        f"expected {_number(expected[first])}, got {_number(got[first])}"
    )
    if worst != first:
        text += f"; worst at {list(worst)}: expected {_number(expected[worst])}, got {_number(got[worst])}"
    if np.isnan(g).any() and not np.isnan(e).any():
        text += " (nan in the result: an overflow, or 0/0?)"
    return text + _ratio_hint(g, e)


def _number(value: Any) -> str:
    """An array element as a student writes it: 1, 0.25, True, nan."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (complex, np.complexfloating)):
        return repr(complex(value))
    return repr(float(value))


def shape_hint(got: tuple[int, ...], expected: tuple[int, ...]) -> str:
    """A guess at the cause of a shape mismatch, or ''."""
    if len(got) == 2 and got == expected[::-1]:
        return " (transposed: W or W.T?)"
    if len(got) == 2 and len(expected) == 2 and got[0] == got[1] == expected[0] and expected[1] == 1:
        return " (a bias of shape (n,) broadcast against (n, 1)? keep b as a column)"
    if len(got) == 1 and len(expected) == 2 and expected[1] == 1 and got[0] == expected[0]:
        return " (a column is expected: reshape(-1, 1) or keep the (n, 1) shape)"
    if len(expected) == 1 and len(got) == 2 and 1 in got and max(got) == expected[0]:
        return " (a flat array is expected: ravel() or index [0])"
    return ""


def _ratio_hint(got: np.ndarray, expected: np.ndarray) -> str:
    mask = np.isfinite(got) & np.isfinite(expected) & (np.abs(expected) > 1e-12)
    if not mask.any():
        return ""
    ratio = got[mask] / expected[mask]
    for factor, hint in (
        (2.0, "twice the expected: a factor of 2?"),
        (0.5, "half the expected: a factor of 1/2?"),
        (-1.0, "the sign is flipped"),
    ):
        if np.allclose(ratio, factor, rtol=1e-6):
            return f" ({hint})"
    return ""
