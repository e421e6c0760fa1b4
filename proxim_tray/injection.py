"""One worker thread that runs input-injection calls in order, with a bounded queue that a flood cannot grow."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

MAX_PENDING = 256
# below this many pending jobs every pointer move is injected (a drawn path keeps its points); above, moves merge
COALESCE_AFTER = 16


@dataclass(frozen=True)
class _Job:
    function: Callable[..., Any]
    args: tuple[Any, ...]
    coalesce: bool


class InjectionQueue:
    """Runs jobs on one thread, in the order they were put.

    When ``COALESCE_AFTER`` jobs are already waiting, a job put with ``coalesce=True`` replaces the last pending job
    if that one is the same function, also coalescing: a backlog of pointer moves becomes one move to the latest
    position instead of growing.
    """

    def __init__(self, limit: int = MAX_PENDING) -> None:
        self.limit = limit
        self.high_water = 0
        self._jobs: deque[_Job] = deque()
        self._ready = threading.Condition()
        self._closing = False
        self._thread = threading.Thread(target=self._work, name="proxim-input", daemon=True)
        self._thread.start()

    def put(self, function: Callable[..., Any], *args: Any, coalesce: bool = False, urgent: bool = False) -> bool:
        """Queue ``function(*args)``; False when the queue is full (``urgent`` jobs, releases, are always taken)."""
        with self._ready:
            if self._closing:
                return False
            jobs = self._jobs
            if coalesce and len(jobs) >= COALESCE_AFTER and jobs[-1].coalesce and jobs[-1].function == function:
                jobs[-1] = _Job(function, args, True)
                return True
            if len(jobs) >= self.limit and not urgent:
                return False
            jobs.append(_Job(function, args, coalesce))
            self.high_water = max(self.high_water, len(jobs))
            self._ready.notify()
            return True

    def pending(self) -> int:
        with self._ready:
            return len(self._jobs)

    def _work(self) -> None:
        while True:
            with self._ready:
                while not self._jobs and not self._closing:
                    self._ready.wait()
                if not self._jobs:
                    return
                job = self._jobs.popleft()
            try:
                job.function(*job.args)
            except Exception:
                logger.exception("input injection failed")

    def close(self) -> None:
        """Run what is queued, then stop the thread. Blocks."""
        with self._ready:
            self._closing = True
            self._ready.notify()
        self._thread.join()
