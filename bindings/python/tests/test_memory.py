"""No growth in memory over 1,000,000 evaluations (RSS sampled before and
after, a generous bound), while new files are published (the first
accepted, the rest refused as rollbacks): a leaked detail block (the long
banner value is past rsl_detail's own storage) or context would show."""
from __future__ import annotations

import gc
import os
import threading

from conftest import publish
from rulestead import Client, Context

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    gc.collect()
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def test_no_growth_over_a_million_evaluations(served, world):
    ctxs = [Context({"targeting_key": f"user-{i}", "country": "FR",
                     "plan": "pro", "seats": i}) for i in range(64)]
    tall = Context({"tall": True})
    with Client(served, pub=world.pub, env="prod", poll_interval_ms=20) as c:
        def round_(n):
            for i in range(n):
                ctx = ctxs[i & 63]
                c.get_bool("new-checkout", False, ctx)
                c.get_str("color", "fb", ctx)
                c.get_int("max-items", 0, ctx)
                c.get_float("ratio", 0.0, ctx)
                if i % 8 == 0:
                    assert len(c.evaluate("banner", None, tall).value["text"]) == 2000
                    c.get_object("banner", None, {"tall": True})
                    c.get_bool("no-such-flag", False, {"country": "DE"})
        round_(20_000)                         # warm: caches, allocator
        before = rss()
        stop = threading.Event()

        def reload():
            i = 0
            while not stop.wait(0.05):
                i += 1
                publish(world.v2 if i % 2 else world.v1, served)

        t = threading.Thread(target=reload)
        t.start()
        try:
            round_(250_000)                    # 4 typed calls each: 1,000,000
        finally:
            stop.set()
            t.join()
        grown = rss() - before
        assert c.status.evaluations >= 1_000_000
    assert grown < 8 * 1024 * 1024, f"RSS grew by {grown} bytes"
