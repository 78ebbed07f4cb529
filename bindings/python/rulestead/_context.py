"""Context: an evaluation context converted once into librsl's form.

A context is a flat mapping, as ``rsc explain --context`` reads it: the keys
``targeting_key``, ``tenant_key``, ``environment``, ``request_id`` and
``session_id`` (strings) fill librsl's fields of those names; every other key
is an attribute whose value is a ``str``, a ``bool``, a number (``int`` or
``float``) or a list/tuple of strings.  ``None`` values are skipped.  The
library bounds what a context may carry (4096 bytes per value, 16 items per
list, 64 attributes): past that, an evaluation serves the fallback with
error INVALID_CONTEXT, as in C.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional, Union

from ._rsl import ffi, lib

SPECIAL = ("targeting_key", "tenant_key", "environment", "request_id",
           "session_id")


_SPECIAL = frozenset(SPECIAL)
_NULL = ffi.NULL
_STRING, _NUMBER, _BOOL, _LIST = (lib.RSL_ATTR_STRING, lib.RSL_ATTR_NUMBER,
                                  lib.RSL_ATTR_BOOL, lib.RSL_ATTR_LIST)


def _text(what: str, value: Any):
    """value as a NUL-terminated C string owned by the returned cdata."""
    if type(value) is not str and not isinstance(value, str):
        raise TypeError(f"{what}: expected a string, found "
                        f"{type(value).__name__}")
    if "\0" in value:
        # C would read only the text before it: refuse rather than decide
        # on another value than the caller's.
        raise ValueError(f"{what}: expected text without NUL characters, "
                         f"found one at byte "
                         f"{len(value[:value.index(chr(0))].encode('utf-8', 'surrogatepass'))}")
    try:
        return ffi.new("char[]", value.encode("utf-8"))
    except UnicodeEncodeError as e:
        raise ValueError(f"{what}: expected UTF-8 text, found {e.reason} "
                         f"at character {e.start}") from None


class Context:
    """An immutable evaluation context, prepared for repeated use.

    ``Context({"targeting_key": "user-42", "country": "DE", "seats": 3})``
    converts the mapping once; passing it to a client's calls then costs
    nothing more.  Passing a plain dict works too, converted on each call.
    ``now`` (seconds since the epoch) evaluates at that time instead of the
    clock; ``strict`` is librsl's strict flag (it changes only the C return
    code: the binding reports errors in ``Evaluation.error_code`` either way).
    Raises TypeError or ValueError, naming the key, for a value librsl
    cannot carry.  Thread-safe once built (nothing changes it).
    """

    __slots__ = ("_ptr", "_keep", "_items")

    def __init__(self, values: Optional[Mapping[str, Any]] = None, *,
                 now: Optional[int] = None, strict: bool = False) -> None:
        values = {} if values is None else values
        if not isinstance(values, Mapping):
            raise TypeError("context: expected a mapping (dict) of attributes, "
                            f"found {type(values).__name__}")
        fields = {}
        keep = []
        rows = []
        for k, v in values.items():
            if v is None:
                continue
            if k in _SPECIAL:
                c = _text(f"context key '{k}'", v)
                keep.append(c)
                fields[k] = c
                continue
            if type(k) is not str:
                raise TypeError("context: expected attribute names that are "
                                f"strings, found {type(k).__name__} {k!r}")
            what = f"attribute '{k}'"
            name = _text(what, k)
            keep.append(name)
            t = type(v)
            if t is str or (t is not bool and isinstance(v, str)):
                c = _text(what, v)
                keep.append(c)
                rows.append((name, _STRING, c, 0.0, 0, _NULL, 0))
            elif t is bool or isinstance(v, bool):
                rows.append((name, _BOOL, _NULL, 0.0, 1 if v else 0, _NULL, 0))
            elif isinstance(v, (int, float)):
                try:
                    n = float(v)
                except OverflowError:
                    raise ValueError(f"{what}: expected a number a double "
                                     f"can hold, found {v}") from None
                rows.append((name, _NUMBER, _NULL, n, 0, _NULL, 0))
            elif isinstance(v, (list, tuple)):
                items = [_text(f"{what} item {j}", s) for j, s in enumerate(v)]
                lst = ffi.new("const char *[]", items) if items else _NULL
                keep.append(items)
                keep.append(lst)
                rows.append((name, _LIST, _NULL, 0.0, 0, lst, len(items)))
            else:
                raise TypeError(f"{what}: expected a string, a bool, a number "
                                f"or a list of strings, found "
                                f"{type(v).__name__}")
        if rows:
            arr = ffi.new("rsl_attr[]", rows)
            keep.append(arr)
            fields["attrs"] = arr
            fields["nattrs"] = len(rows)
        if now is not None:
            if isinstance(now, bool) or not isinstance(now, int):
                raise TypeError("now: expected seconds since the epoch (int), "
                                f"found {type(now).__name__}")
            fields["now"] = now
        if strict:
            fields["strict"] = 1
        self._ptr = ffi.new("rsl_context *", fields)
        self._keep = keep
        self._items = dict(values)

    def as_dict(self) -> dict:
        """The mapping this context was made from (a copy)."""
        return dict(self._items)

    def __repr__(self) -> str:
        return f"Context({self._items!r})"


ContextLike = Union[Context, Mapping[str, Any], None]


def c_context(context: ContextLike):
    """(pointer, owner) for a call; keep owner alive until it returns."""
    if context is None:
        return ffi.NULL, None
    if type(context) is Context:
        return context._ptr, context
    prepared = Context(context)
    return prepared._ptr, prepared
