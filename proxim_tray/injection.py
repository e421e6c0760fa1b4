"""One worker thread that runs input-injection calls in order, with a queue bounded by the work it holds.

A flood cannot grow it, and revoking control empties it: :meth:`InjectionQueue.drop_pending` keeps only releases, and
each job is checked against ``may_run`` (the session's grant, pause and the local user) just before it runs.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

# in units of work: one key or pointer event is 1 (see ``put``'s ``cost``); one to two seconds of injection at most
MAX_PENDING_WORK = 8192
# below this many pending jobs every pointer move is injected (a drawn path keeps its points); above, moves merge
COALESCE_AFTER = 16


@dataclass(frozen=True)
class _Job:
    function: Callable[..., Any]
    args: tuple[Any, ...]
    coalesce: bool
    urgent: bool
    cost: int
    needs: object


def _always(needs: object) -> bool:
    return True


class InjectionQueue:
    """Runs jobs on one thread, in the order they were put.

    When ``COALESCE_AFTER`` jobs are already waiting, a job put with ``coalesce=True`` replaces the last pending job
    if that one is the same function, also coalescing: a backlog of pointer moves becomes one move to the latest
    position instead of growing. Urgent jobs (releases) are always taken, never dropped, and run whatever
    ``may_run`` says.
    """

    def __init__(self, limit: int = MAX_PENDING_WORK, may_run: Callable[[object], bool] = _always) -> None:
        self.limit = limit
        self.high_water = 0  # the most work that was ever pending
        self._may_run = may_run
        self._jobs: deque[_Job] = deque()
        self._work = 0
        self._ready = threading.Condition()
        self._closing = False
        self._thread = threading.Thread(target=self._work_loop, name="proxim-input", daemon=True)
        self._thread.start()

    def put(
        self,
        function: Callable[..., Any],
        *args: Any,
        coalesce: bool = False,
        urgent: bool = False,
        cost: int = 1,
        needs: object = None,
    ) -> bool:
        """Queue ``function(*args)``, which takes ``cost`` units of work and runs only if ``may_run(needs)`` still
        holds when its turn comes; False when the queue is full (``urgent`` jobs are always taken, and any job when
        the queue is empty)."""
        with self._ready:
            if self._closing:
                return False
            jobs = self._jobs
            if coalesce and len(jobs) >= COALESCE_AFTER and jobs[-1].coalesce and jobs[-1].function == function:
                jobs[-1] = _Job(function, args, True, urgent, jobs[-1].cost, needs)
                return True
            # a job bigger than the limit (a long text of characters the layout may lack) is taken when none waits
            if self._work and self._work + cost > self.limit and not urgent:
                return False
            jobs.append(_Job(function, args, coalesce, urgent, cost, needs))
            self._work += cost
            self.high_water = max(self.high_water, self._work)
            self._ready.notify()
            return True

    def pending(self) -> int:
        """The work waiting to run."""
        with self._ready:
            return self._work

    def drop_pending(self) -> int:
        """Forget every waiting job but the urgent ones (releases); the number dropped."""
        with self._ready:
            kept = deque(job for job in self._jobs if job.urgent)
            dropped = len(self._jobs) - len(kept)
            self._jobs = kept
            self._work = sum(job.cost for job in kept)
            return dropped

    def _work_loop(self) -> None:
        while True:
            with self._ready:
                while not self._jobs and not self._closing:
                    self._ready.wait()
                if not self._jobs:
                    return
                job = self._jobs.popleft()
                self._work -= job.cost
            if not job.urgent and not self._may_run(job.needs):
                continue
            try:
                job.function(*job.args)
            except Exception:
                logger.exception("input injection failed")

    def close(self) -> None:
        """Drop what waits except releases, run those, then stop the thread. Blocks until the job running ends."""
        with self._ready:  # a reentrant lock: drop_pending takes it again
            self._closing = True
            self.drop_pending()
            self._ready.notify()
        self._thread.join()
