"""One bounded pool per server process for long work: training, MD, active learning, NEB, scans.

A class of thirty students on a two-core server cannot all train at once: each job would get a
fifteenth of a core and every page would stall. So long work goes through a pool that runs at most
``max_workers`` jobs at a time (by default one per CPU core, or ``$NNPES_MAX_JOBS``); the others wait
in a first-come, first-served queue and know their place in it.

The work itself is a plain function ``work(progress, *args, **kwargs)``. It reports how far it is with
``progress.update(fraction, message, **partial)`` (``partial`` carries whatever the page draws while it
runs: a loss history, the frames so far) and looks at ``progress.stop_requested`` between steps. A job
that is cancelled while queued never starts; one cancelled while running is asked to stop and returns
what it has (a stopped training keeps its best model), so nothing a student made is lost.

The result goes into the :class:`Job` object only; a page keeps that object in its own session, so a
result reaches the session that asked for it and no other. Nothing here imports Streamlit:
``app/ui.py::live_job`` is the page side.
"""
from __future__ import annotations

import collections
import itertools
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

logger = logging.getLogger("nnpes.jobs")

QUEUED, RUNNING, DONE, STOPPED, CANCELLED, FAILED = "queued", "running", "done", "stopped", "cancelled", "failed"
FINISHED = (DONE, STOPPED, CANCELLED, FAILED)
USER_ERRORS = (ValueError, KeyError, FileNotFoundError)  # their message is for the user as it is


@dataclass
class Progress:
    """What a running job tells the page: a fraction done (None: unknown), a message, partial results."""

    fraction: float | None = None
    message: str = ""
    partial: dict[str, Any] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)

    def update(self, fraction: float | None = None, message: str | None = None, **partial: Any) -> None:
        """Report progress; ``partial`` entries replace earlier ones of the same name."""
        if fraction is not None:
            self.fraction = min(max(float(fraction), 0.0), 1.0)
        if message is not None:
            self.message = message
        if partial:
            self.partial = {**self.partial, **partial}  # a new dict: a reader never sees one half-updated

    @property
    def stop_requested(self) -> bool:
        """True once the job was cancelled: the work should return what it has, soon."""
        return self._stop.is_set()


class Job:
    """One piece of work submitted to a :class:`JobPool`: its state, progress and result."""

    _ids = itertools.count(1)

    def __init__(self, pool: "JobPool", work: Callable[..., Any], args: tuple, kwargs: dict, label: str,
                 owner: str):
        self.id = next(Job._ids)
        self.pool, self.label, self.owner = pool, label, owner
        self._work, self._args, self._kwargs = work, args, kwargs
        self.status = QUEUED
        self.progress = Progress()
        self.result: Any = None
        self.error: str | None = None  # one line, for the page
        self.submitted = time.monotonic()
        self.started: float | None = None
        self.ended: float | None = None
        self._finished = threading.Event()

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def queue_wait(self) -> float:
        """Seconds spent waiting in the queue (so far, while still queued)."""
        return (self.started or time.monotonic()) - self.submitted

    @property
    def run_time(self) -> float:
        """Seconds of running (so far, while running)."""
        if self.started is None:
            return 0.0
        return (self.ended or time.monotonic()) - self.started

    def queue_position(self) -> int | None:
        """1 for the next job to start, 2 for the one after it, ...; None once it has started."""
        return self.pool.queue_position(self)

    def cancel(self) -> None:
        """Withdraw a queued job; ask a running one to stop (it returns what it has)."""
        self.progress._stop.set()
        self.pool.withdraw(self)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has finished (True) or ``timeout`` seconds have passed (False)."""
        return self._finished.wait(timeout)

    def _run(self) -> None:
        self.started, self.status = time.monotonic(), RUNNING
        try:
            self.result = self._work(self.progress, *self._args, **self._kwargs)
            self.status = STOPPED if self.progress.stop_requested else DONE
        except USER_ERRORS as error:
            self.error, self.status = str(error) or type(error).__name__, FAILED
        except Exception as error:  # noqa: BLE001  the page shows one line; the log keeps the traceback
            logger.exception("job %s (%s) failed", self.id, self.label)
            self.error, self.status = f"{type(error).__name__}: {error}", FAILED
        finally:
            self.ended = time.monotonic()
            self._finished.set()

    def __repr__(self) -> str:
        return f"Job({self.id}, {self.label!r}, {self.status})"


class JobPool:
    """At most ``max_workers`` jobs at a time; the rest wait first come, first served."""

    def __init__(self, max_workers: int | None = None):
        if max_workers is None:
            max_workers = int(os.environ.get("NNPES_MAX_JOBS", 0)) or os.cpu_count() or 1
        if max_workers < 1:
            raise ValueError("a job pool needs at least one worker")
        self.max_workers = int(max_workers)
        self._queue: collections.deque[Job] = collections.deque()
        self._running: set[Job] = set()
        self._lock = threading.Condition()
        self._workers: list[threading.Thread] = []

    def submit(self, work: Callable[..., Any], *args: Any, label: str = "", owner: str = "",
               **kwargs: Any) -> Job:
        """Queue ``work(progress, *args, **kwargs)``; returns its Job at once."""
        job = Job(self, work, args, kwargs, label or getattr(work, "__name__", "job"), owner)
        with self._lock:
            self._queue.append(job)
            if len(self._workers) < self.max_workers:
                worker = threading.Thread(target=self._serve, name=f"nnpes-job-worker-{len(self._workers)}",
                                          daemon=True)
                self._workers.append(worker)
                worker.start()
            self._lock.notify()
        return job

    def queue_position(self, job: Job) -> int | None:
        with self._lock:
            for position, queued in enumerate(self._queue, start=1):
                if queued is job:
                    return position
        return None

    def withdraw(self, job: Job) -> None:
        """Take a job out of the queue (if it is still there) and mark it cancelled."""
        with self._lock:
            if job in self._queue:
                self._queue.remove(job)
                job.status, job.ended = CANCELLED, time.monotonic()
                job._finished.set()

    def counts(self) -> dict[str, int]:
        """How many jobs are running and waiting now."""
        with self._lock:
            return {"running": len(self._running), "queued": len(self._queue), "workers": self.max_workers}

    def _serve(self) -> None:
        while True:
            with self._lock:
                while not self._queue:
                    self._lock.wait()
                job = self._queue.popleft()
                self._running.add(job)
            try:
                job._run()
            finally:
                with self._lock:
                    self._running.discard(job)


_default_pool: JobPool | None = None
_default_lock = threading.Lock()


def default_pool() -> JobPool:
    """The pool of this process (made on first use)."""
    global _default_pool
    with _default_lock:
        if _default_pool is None:
            _default_pool = JobPool()
        return _default_pool


def run_inline(work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a job function directly, without a pool (scripts, the CLI, tests): progress is ignored."""
    return work(Progress(), *args, **kwargs)
