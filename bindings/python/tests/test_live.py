"""The live client under change: a reload by rename() whose event reaches a
Python thread, a rollback refused, the client closed while its watcher and
evaluating threads run, and listeners that close or refresh the client."""
from __future__ import annotations

import queue
import threading
import time

import pytest

import rulestead
from conftest import publish
from rulestead import Client, Context, RulesteadError

WAIT = 20  # seconds: generous, for a loaded machine


def collect(c: Client):
    """A queue of (event, name of the thread it was delivered on)."""
    q: "queue.Queue" = queue.Queue()
    c.add_listener(lambda ev: q.put((ev, threading.current_thread().name)))
    return q


def wait_for(q, name: str, version=None):
    """The first event called name (about that version, when given).  A
    listener added after the start may still see the start's events: they
    are delivered by the event thread, later."""
    deadline = time.monotonic() + WAIT
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {name} event within {WAIT} s")
        ev, thread = q.get(timeout=left)
        if ev.name == name and version in (None, ev.version):
            return ev, thread


@pytest.mark.parametrize("poll_only", [False, True], ids=["inotify", "poll"])
def test_a_rename_reloads_and_the_event_reaches_python(served, world, poll_only):
    seen = []
    with Client(served, pub=world.pub, env="prod", poll_only=poll_only,
                poll_interval_ms=50, on_event=seen.append) as c:
        q = collect(c)
        assert c.get_str("color", "fb") == "blue"
        publish(world.v2, served)
        ev, thread = wait_for(q, rulestead.EVENT_ACCEPTED, world.version2)
        assert ev.code_name == "RSL_OK"
        assert ev.path == str(served) and len(ev.commit) == 40
        assert thread == c.event_thread.name
        assert thread.startswith("rulestead-events-")
        assert thread != threading.current_thread().name
        # By the time the event is seen, the new snapshot is served.
        assert c.get_str("color", "fb") == "green"
        assert c.evaluate("new-checkout", False).value is True
        assert c.status.version == world.version2
        assert c.status.reloads_accepted >= 1
    # on_event= saw the same events, the start's accept first.
    assert [e.version for e in seen if e.name == rulestead.EVENT_ACCEPTED] == [
        world.version1, world.version2]


def test_a_rollback_is_refused_and_the_newer_snapshot_stays(tmp_path, world):
    path = tmp_path / "prod.rsnap"
    publish(world.v2, path)
    with Client(path, pub=world.pub, env="prod", poll_interval_ms=50) as c:
        q = collect(c)
        publish(world.v1, path)
        ev, _ = wait_for(q, rulestead.EVENT_REFUSED)
        assert ev.code_name == "RSL_EROLLBACK" and ev.code < 0
        assert str(world.version1) in ev.message
        assert c.get_str("color", "fb") == "green"
        with pytest.raises(RulesteadError) as e:
            c.refresh()
        assert e.value.name == "RSL_EROLLBACK"
        s = c.status
        assert (s.version, s.last_outcome, s.reloads_refused >= 1) == (
            world.version2, "refused", True)


def test_allow_rollback_accepts_it_loudly(tmp_path, world):
    path = tmp_path / "prod.rsnap"
    publish(world.v2, path)
    with Client(path, pub=world.pub, watch=False, allow_rollback=True) as c:
        q = collect(c)
        publish(world.v1, path)
        c.refresh()
        wait_for(q, rulestead.EVENT_ROLLBACK_OVERRIDE)
        assert c.status.rollback_override and c.status.version == world.version1


def test_closed_while_the_watcher_and_readers_run(served, world):
    stop = threading.Event()
    errors = []
    c = Client(served, pub=world.pub, env="prod", poll_only=True,
               poll_interval_ms=1)
    ctx = Context({"targeting_key": "u", "country": "DE"})

    def read():
        try:
            while not stop.is_set():
                assert c.get_bool("new-checkout", True, ctx) is True
                c.evaluate("color", "fb", ctx)
                c.get_object("banner", {}, ctx)
        except Exception as e:  # reported below
            errors.append(e)

    def publish_loop():
        i = 0
        while not stop.is_set():
            publish(world.v2 if i % 2 else world.v1, served)
            i += 1

    threads = [threading.Thread(target=read) for _ in range(3)]
    threads.append(threading.Thread(target=publish_loop))
    for t in threads:
        t.start()
    time.sleep(0.3)
    c.close()          # while readers are inside librsl and reloads happen
    time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(WAIT)
    assert errors == []
    assert c.closed and c.get_str("color", "closed") == "closed"


def test_a_listener_may_close_the_client(served, world):
    done = threading.Event()
    c = Client(served, pub=world.pub, poll_interval_ms=50)

    def on(ev):
        if ev.name == rulestead.EVENT_ACCEPTED and ev.version == world.version2:
            assert c.get_str("color", "fb") == "green"
            c.close()
            done.set()

    c.add_listener(on)
    publish(world.v2, served)
    assert done.wait(WAIT)
    assert c.closed


def test_a_failing_listener_does_not_stop_the_others(served, world, caplog):
    with Client(served, pub=world.pub, watch=False) as c:
        q = collect(c)
        c.add_listener(lambda ev: 1 / 0)
        q2 = collect(c)
        publish(world.v2, served)
        c.refresh()
        wait_for(q, rulestead.EVENT_ACCEPTED, world.version2)
        wait_for(q2, rulestead.EVENT_ACCEPTED, world.version2)
    assert any("event listener" in r.getMessage() and r.exc_info
               for r in caplog.records)


def test_a_flag_not_found_is_an_event(served, world):
    with Client(served, pub=world.pub, watch=False) as c:
        q = collect(c)
        c.get_bool("no-such-flag", False)
        ev, _ = wait_for(q, rulestead.EVENT_EVALUATION)
        assert (ev.flag_key, ev.error_type) == ("no-such-flag", "flag_not_found")


def test_many_clients_opened_and_dropped(served, world):
    # Dropped without close(): __del__ closes them; no thread is left.
    before = threading.active_count()
    for _ in range(20):
        c = Client(served, pub=world.pub, poll_interval_ms=10)
        assert c.get_bool("new-checkout", False, {"country": "DE"})
        del c
    import gc
    gc.collect()
    deadline = time.monotonic() + WAIT
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() == before
