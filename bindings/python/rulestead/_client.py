"""Client: librsl's live client (rsl_client) for Python."""
from __future__ import annotations

import atexit
import json
import os
import threading
import weakref
from typing import Any, Iterable, List, Optional, Union

from . import _detail
from ._context import Context, ContextLike, c_context
from ._errors import RulesteadError, from_err
from ._events import EventPump, Listener
from ._rsl import ffi, lib
from ._types import Evaluation, FlagInfo, Status

PathLike = Union[str, bytes, "os.PathLike[str]"]
Pub = Union[PathLike, Iterable[PathLike]]

_TEXT_CAP = 256
_live: "weakref.WeakSet[Client]" = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    # librsl's threads call into Python: stop them before the interpreter
    # goes away.
    for c in list(_live):
        c.close()


def _keyring(pub: Pub):
    """A filled rsl_keyring (to rsl_keyring_free) from PEM files or text."""
    if isinstance(pub, (str, bytes, os.PathLike)):
        pub = [pub]
    kr = ffi.new("rsl_keyring **")
    rc = lib.rsl_keyring_new(kr)
    if rc != lib.RSL_OK:
        raise RulesteadError(rc, "could not make a keyring")
    err = ffi.new("rsl_error *")
    n = 0
    for p in pub:
        if isinstance(p, bytes) and p.lstrip().startswith(b"-----BEGIN"):
            rc = lib.rsl_keyring_add_pem(kr[0], p, len(p), err)
        else:
            path = os.fsencode(p)
            if b"\0" in path:
                rc, err.message = lib.RSL_EINVAL, b"a key path with a NUL"
            else:
                rc = lib.rsl_keyring_add_pem_file(kr[0], path, err)
        if rc != lib.RSL_OK:
            lib.rsl_keyring_free(kr[0])
            raise from_err(rc, err)
        n += 1
    if n == 0:
        lib.rsl_keyring_free(kr[0])
        raise RulesteadError(lib.RSL_EINVAL, "expected at least one trusted "
                             "public key (pub=), found none")
    return kr[0]


def _cpath(what: str, p: PathLike) -> bytes:
    b = os.fsencode(p)
    if b"\0" in b:
        raise ValueError(f"{what}: expected text without NUL characters")
    return b


class Client:
    """A live client serving the snapshot at ``path``, reloaded as it changes.

    ``pub``: the trusted public key(s): a PEM file path, PEM text (bytes),
    or a list of them.  ``env``: refuse a snapshot of another environment.
    ``backup_path``: keep the last accepted snapshot there, loaded at start.
    ``watch=False``: no background thread (call :meth:`refresh`);
    ``poll_only``: stat polling instead of inotify, every
    ``poll_interval_ms`` (0: 1000).  ``fail_closed``: past its expiry serve
    fallbacks instead of the stale snapshot.  ``allow_rollback``: the
    operator's override that accepts an older snapshot, loudly.
    ``on_event``: a listener for :class:`Event`\\ s (see
    :meth:`add_listener`).

    The constructor raises :class:`RulesteadError` for bad options or keys.
    A snapshot that cannot be loaded does not raise: the client starts,
    serves the callers' fallbacks (error PROVIDER_NOT_READY) and recovers
    when a valid file appears; ``start_error`` then holds the refusal.

    Every method is thread-safe.  Use it as a context manager, or call
    :meth:`close`; calls after close serve their fallbacks.
    """

    def __init__(self, path: PathLike, *, pub: Pub, env: Optional[str] = None,
                 backup_path: Optional[PathLike] = None, watch: bool = True,
                 poll_only: bool = False, poll_interval_ms: int = 0,
                 fail_closed: bool = False, allow_rollback: bool = False,
                 max_size: int = 0,
                 on_event: Optional[Listener] = None) -> None:
        self._closed = True
        self._close_lock = threading.Lock()
        self._keys = {}
        self._tls = threading.local()
        self._snaps = _detail.Snapshots()
        cpath = _cpath("path", path)
        keep = []
        opts = ffi.new("rsl_client_options *")
        opts.version = lib.RSL_CLIENT_OPTIONS_VERSION
        if env is not None:
            keep.append(ffi.new("char[]", _cpath("env", env)))
            opts.environment = keep[-1]
        if backup_path is not None:
            keep.append(ffi.new("char[]", _cpath("backup_path", backup_path)))
            opts.backup_path = keep[-1]
        opts.poll_interval_ms = poll_interval_ms
        opts.max_size = max_size
        opts.flags = ((0 if watch else lib.RSL_CLIENT_NO_THREAD)
                      | (lib.RSL_CLIENT_POLL_ONLY if poll_only else 0)
                      | (lib.RSL_CLIENT_FAIL_CLOSED if fail_closed else 0)
                      | (lib.RSL_CLIENT_ALLOW_ROLLBACK if allow_rollback else 0))
        kr = _keyring(pub)   # last of what may raise: nothing to free before
        opts.keys = kr
        self._pump = EventPump()
        if on_event is not None:
            self._pump.add(on_event)
        self._handle = ffi.new_handle(self._pump)
        opts.on_event = lib.rulestead_on_event
        opts.event_user = self._handle
        self._w = ffi.new("pyrsl *")
        err = ffi.new("rsl_error *")
        rc = lib.pyrsl_open(self._w, cpath, opts, err)
        if rc != lib.RSL_OK:
            lib.rsl_keyring_free(kr)
            self._pump.stop()
            raise from_err(rc, err)
        self._kr = kr
        self._closed = False
        _live.add(self)
        #: Why no snapshot was served at start (None when one was).
        self.start_error: Optional[RulesteadError] = (
            None if err.code == lib.RSL_OK else from_err(err.code, err))

    # ------------------------------------------------------------ lifetime

    def close(self) -> None:
        """Stops the watching thread, waits for calls in flight and frees
        the client; then delivers the events still queued.  Idempotent; may
        be called from a listener."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        lib.pyrsl_close(self._w)      # no event follows
        lib.rsl_keyring_free(self._kr)
        self._pump.stop()
        _live.discard(self)

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_closed", True) is False:
            self.close()

    @property
    def closed(self) -> bool:
        return self._closed

    # --------------------------------------------------------------- events

    def add_listener(self, fn: Listener) -> None:
        """Calls fn(event) for each :class:`Event`, on the client's event
        thread ("rulestead-events-<n>", one per client), in order.  A
        listener that raises is logged (logger "rulestead") and the others
        still run."""
        self._pump.add(fn)

    def remove_listener(self, fn: Listener) -> None:
        self._pump.remove(fn)

    @property
    def event_thread(self) -> threading.Thread:
        """The thread listeners run on."""
        return self._pump.thread

    # ------------------------------------------------------------ evaluation

    def _key(self, key: str):
        """The key as a C string, cached (a cdata, passed without a copy)."""
        k = self._keys.get(key)
        if k is None:
            if not isinstance(key, str):
                raise TypeError(f"flag key: expected a string, found "
                                f"{type(key).__name__}")
            b = key.encode("utf-8", "surrogateescape")
            if b"\0" in b:
                raise ValueError("flag key: expected no NUL characters")
            k = ffi.new("char[]", b)
            if len(self._keys) < 4096:  # flag keys are few; bound the cache
                self._keys[key] = k
        return k

    def get_bool(self, key: str, fallback: bool = False,
                 context: ContextLike = None) -> bool:
        """The boolean flag's value for context, or fallback on any error."""
        k = self._keys.get(key)
        if (k is not None and type(context) is Context
                and (fallback is False or fallback is True)):
            # The hot path: a key seen before and a prepared context.
            return lib.pyrsl_bool(self._w, k, context._ptr, fallback)
        if fallback is not True and fallback is not False:
            raise TypeError(f"fallback: expected a bool, found "
                            f"{type(fallback).__name__}")
        ptr, owner = c_context(context)
        return lib.pyrsl_bool(self._w, self._key(key), ptr, fallback)

    def get_int(self, key: str, fallback: int = 0,
                context: ContextLike = None) -> int:
        """The integer flag's value for context, or fallback on any error."""
        if isinstance(fallback, bool) or not isinstance(fallback, int):
            raise TypeError(f"fallback: expected an int, found "
                            f"{type(fallback).__name__}")
        ptr, owner = c_context(context)
        return lib.pyrsl_int(self._w, self._key(key), ptr, fallback)

    def get_float(self, key: str, fallback: float = 0.0,
                  context: ContextLike = None) -> float:
        """The float flag's value for context, or fallback on any error."""
        if isinstance(fallback, bool) or not isinstance(fallback, (int, float)):
            raise TypeError(f"fallback: expected a float, found "
                            f"{type(fallback).__name__}")
        ptr, owner = c_context(context)
        return lib.pyrsl_float(self._w, self._key(key), ptr, float(fallback))

    def _text(self, key: str, fallback: bytes, context: ContextLike,
              obj: int) -> str:
        ptr, owner = c_context(context)
        buf = getattr(self._tls, "buf", None)
        if buf is None:
            buf = self._tls.buf = ffi.new("char[]", _TEXT_CAP)
        k = self._key(key)
        n = lib.pyrsl_text(buf, len(buf), self._w, k, ptr, fallback, obj)
        if n >= len(buf):
            buf = self._tls.buf = ffi.new("char[]", n + 1)
            n = lib.pyrsl_text(buf, len(buf), self._w, k, ptr, fallback, obj)
            if n >= len(buf):  # a reload in between: once more is enough
                buf = ffi.new("char[]", n + 1)
                n = lib.pyrsl_text(buf, len(buf), self._w, k, ptr, fallback,
                                   obj)
        return ffi.unpack(buf, n).decode("utf-8", "replace")

    def get_str(self, key: str, fallback: str = "",
                context: ContextLike = None) -> str:
        """The string flag's value for context, or fallback on any error."""
        if not isinstance(fallback, str):
            raise TypeError(f"fallback: expected a str, found "
                            f"{type(fallback).__name__}")
        return self._text(key, fallback.encode("utf-8", "surrogateescape"),
                          context, 0)

    def get_object(self, key: str, fallback: Any = None,
                   context: ContextLike = None) -> Any:
        """The object flag's value for context (parsed JSON: a dict, a
        list...), or fallback on any error (returned as given)."""
        # An object flag's JSON text is never empty: "" marks the fallback.
        text = self._text(key, b"", context, 1)
        return fallback if text == "" else json.loads(text)

    def evaluate(self, key: str, fallback: Any = None,
                 context: ContextLike = None, *,
                 type: Optional[str] = None) -> Evaluation:
        """The detailed evaluation: value, variant, reason, error code, the
        deciding rule and its file:line (see :class:`Evaluation`).

        The expected type is ``type`` ("boolean", "string", "integer",
        "float" or "object"), else the fallback's (bool, str, int, float,
        dict/list), else whatever type the flag has.  A flag of another
        type serves the fallback with error TYPE_MISMATCH."""
        ptr, owner = c_context(context)
        return _detail.evaluate(self._w, key, self._key(key),
                                _detail.expected_type(type, fallback),
                                ptr, fallback, self._snaps)

    def explain(self, key: str, context: ContextLike = None, *,
                format: str = "text") -> str:
        """Why key decides what it does for context: librsl's trace (the
        text of ``rsc explain``; ``format="json"`` for its JSON form)."""
        fmt = {"text": lib.RSL_EXPLAIN_TEXT, "json": lib.RSL_EXPLAIN_JSON}.get(format)
        if fmt is None:
            raise ValueError(f"format: expected 'text' or 'json', found {format!r}")
        ptr, owner = c_context(context)
        buf = ffi.new("char[]", lib.RSL_EXPLAIN_MAX + 1)
        n = lib.pyrsl_explain(buf, len(buf), self._w, self._key(key), ptr, fmt)
        return ffi.unpack(buf, min(n, len(buf) - 1)).decode("utf-8", "replace")

    def flags(self) -> List[FlagInfo]:
        """The flags of the snapshot served now, in key order (a copy; []
        when nothing is served)."""
        return _detail.flags(self._w)

    # -------------------------------------------------------------- control

    def refresh(self) -> None:
        """Examines the file now.  Returns when it was accepted or is what
        is already served; raises :class:`RulesteadError` when it is refused
        (RSL_EROLLBACK, RSL_ESIGNATURE, ...; the served snapshot stays)."""
        err = ffi.new("rsl_error *")
        rc = lib.pyrsl_refresh(self._w, err)
        if rc != lib.RSL_OK:
            raise from_err(rc, err)

    @property
    def status(self) -> Status:
        """What the client serves now (a copy)."""
        s = ffi.new("rsl_client_status *")
        lib.pyrsl_status(s, self._w)
        txt = lambda a: ffi.string(a).decode("utf-8", "replace")
        return Status(
            ready=bool(s.ready), stale=bool(s.stale),
            failing_closed=bool(s.failing_closed),
            rollback_override=bool(s.rollback_override),
            from_backup=bool(s.from_backup), watch=txt(s.watch),
            version=s.version, environment=txt(s.environment),
            commit=txt(s.commit), key_id=txt(s.key_id),
            flag_count=s.flag_count, issued_at=s.issued_at,
            expires_at=s.expires_at, loaded_at=s.loaded_at, age=s.age,
            content_hash=txt(s.content_hash),
            last_outcome=txt(s.last_outcome), last_code=s.last_code,
            last_error=txt(s.last_error), last_refresh_at=s.last_refresh_at,
            evaluations=s.evaluations, misses=s.misses, errors=s.errors,
            reloads_accepted=s.reloads_accepted,
            reloads_refused=s.reloads_refused,
            snapshots_retiring=s.snapshots_retiring)
