"""How a live client's events reach Python code.

librsl calls its event callback from its watching thread, from the thread
that calls refresh, and from an evaluating thread (a flag not found).  The
binding's callback (rulestead_on_event, below) only copies the event and
queues it; one Python thread per client, named "rulestead-events-<n>",
delivers the queue to the listeners in order.  So listeners run on that
thread, never inside librsl: they may evaluate, refresh, read the status,
even close the client, and a slow listener delays no reload.
"""
from __future__ import annotations

import itertools
import logging
import queue
import threading
from typing import Callable, List, Optional

from ._rsl import ffi, lib
from ._types import Event

log = logging.getLogger("rulestead")
_serial = itertools.count(1)

Listener = Callable[[Event], None]


def _text(p) -> Optional[str]:
    return None if p == ffi.NULL else ffi.string(p).decode("utf-8", "replace")


class EventPump:
    """A queue of events and the thread that hands them to listeners."""

    def __init__(self) -> None:
        self._queue: "queue.SimpleQueue[Optional[Event]]" = queue.SimpleQueue()
        self._listeners: List[Listener] = []
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, daemon=True,
                                       name=f"rulestead-events-{next(_serial)}")
        self.thread.start()

    def add(self, fn: Listener) -> None:
        with self._lock:
            self._listeners = self._listeners + [fn]

    def remove(self, fn: Listener) -> None:
        with self._lock:
            self._listeners = [f for f in self._listeners if f != fn]

    def push(self, ev: Event) -> None:
        self._queue.put(ev)

    def stop(self) -> None:
        """Delivers what is queued, then ends the thread (not from itself)."""
        self._queue.put(None)
        if threading.current_thread() is not self.thread:
            self.thread.join()

    def _run(self) -> None:
        while True:
            ev = self._queue.get()
            if ev is None:
                return
            for fn in self._listeners:
                try:
                    fn(ev)
                except Exception:  # a listener's bug must not stop the others
                    log.exception("rulestead: event listener %r failed", fn)


@ffi.def_extern()
def rulestead_on_event(ev, user):  # runs on a librsl thread, with the GIL
    ffi.from_handle(user).push(Event(
        name=ffi.string(ev.name).decode(),
        code=ev.code,
        code_name=ffi.string(lib.rsl_strerror(ev.code)).decode(),
        message=_text(ev.message) or "",
        path=_text(ev.path),
        version=ev.version,
        commit=_text(ev.commit),
        flag_key=_text(ev.flag_key),
        error_type=_text(ev.error_type),
    ))
