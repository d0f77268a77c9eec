"""Run blocking work off the Kivy main thread and hand the result back on it.

The main thread never waits on a database query, a device or the network: screens call
``worker.submit(fn, ..., on_done=..., on_error=...)``; ``fn`` runs on a pool thread and
the callbacks run on the main thread through :func:`call_soon`. Calls for one
purpose can be ``key``-ed so only the newest result is delivered (search as you type).
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

from kivy.clock import Clock

log = logging.getLogger(__name__)


def call_soon(fn: Callable[[], Any]) -> None:
    """Run ``fn`` on the main thread as soon as it is free; callable from any thread.

    On the ``free_all`` clock the apps run (:func:`ui.launch.kivy_settings`) this wakes the
    main loop from its wait for the next frame, so a scan's line or a keystroke's results
    are laid out and drawn at once rather than up to a frame later. On another clock (a
    test that imported Kivy first) it runs at the next tick.
    """
    schedule = getattr(Clock, "schedule_once_free", None) or Clock.schedule_once
    schedule(lambda _dt: fn(), 0)


class Worker:
    def __init__(self, threads: int = 2, name: str = "ui-worker") -> None:
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix=name)
        self._latest: dict[str, int] = {}
        self._lock = threading.Lock()
        self._busy = 0

    @property
    def busy(self) -> bool:
        return self._busy > 0

    def submit(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[BaseException], None] | None = None, key: str | None = None,
               **kwargs: Any) -> Future:
        ticket = None
        if key is not None:
            with self._lock:
                ticket = self._latest.get(key, 0) + 1
                self._latest[key] = ticket
        with self._lock:
            self._busy += 1
        future = self._pool.submit(fn, *args, **kwargs)

        def deliver(done: Future) -> None:
            with self._lock:
                self._busy -= 1
                stale = key is not None and self._latest.get(key) != ticket
            if stale:
                return
            exc = done.exception()
            if exc is not None:
                if on_error is None:
                    log.error("background task %s failed", getattr(fn, "__name__", fn), exc_info=exc)
                    return
                call_soon(lambda: on_error(exc))
            elif on_done is not None:
                result = done.result()
                call_soon(lambda: on_done(result))

        future.add_done_callback(deliver)
        return future

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
