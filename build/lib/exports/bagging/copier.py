"""Copy stored files into a package while hashing them, in worker processes that use every core.

Hashing is most of a package's CPU; threads would share one interpreter with the metadata builders
and wait on its lock between chunks, so each worker is a process of its own
(exports/bagging/copy_worker.py: the protocol, and how it hashes). The parent side here hands out tasks in
batches, a few in flight per worker, and collects the results on one feeding thread per worker.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from exports.bagging.copy_worker import BATCH

# Batches in flight per worker: enough that a worker does not run dry while its feeding thread waits
# its turn for the parent's interpreter (busy building XML), few enough that the results in flight stay
# under 30 KB, below the 64 KiB pipe buffer (a full one would stall both sides).
WINDOW = 4


@dataclass(frozen=True)
class Copied:
    """What a worker read and wrote for one file."""

    number: int
    size: int
    sha256: str


class CopyFailed(Exception):
    """A worker could not read or write a file (the message says which and why)."""

    def __init__(self, number: int, message: str, missing: bool) -> None:
        super().__init__(message)
        self.number, self.missing = number, missing


class Cancelled(Exception):
    """The caller stopped the copy."""


class _Tasks:
    """Batches of tasks waiting for a worker; more may come until ``close``, and a failure empties it."""

    def __init__(self) -> None:
        self._batches: deque[list] = deque()
        self._changed = threading.Condition()
        self._closed = False

    def put(self, tasks: list[list]) -> None:
        with self._changed:
            self._batches.extend(tasks[start : start + BATCH] for start in range(0, len(tasks), BATCH))
            self._changed.notify_all()

    def close(self, drop: bool = False) -> None:
        """No more tasks will come; ``drop``: nor will those waiting be taken (a failure: the other
        workers stop after their files in flight)."""
        with self._changed:
            if drop:
                self._batches.clear()
            self._closed = True
            self._changed.notify_all()

    def take(self, wait: bool) -> list | None:
        """Return the next batch; None when there is none (``wait``: until one comes or the queue closes)."""
        with self._changed:
            if wait:
                self._changed.wait_for(lambda: self._batches or self._closed)
            return self._batches.popleft() if self._batches else None


class _Worker(threading.Thread):
    """One worker process and the parent-side thread that feeds it tasks and collects its results."""

    def __init__(self, tasks: _Tasks, done: Callable[[Copied], None], cancel: threading.Event) -> None:
        super().__init__(daemon=True)
        self.tasks, self.done, self.cancel = tasks, done, cancel
        self.error: BaseException | None = None
        command = [sys.executable, "-m", "exports.bagging.copy_worker"]
        # Started by the caller's thread, which outlives it: PR_SET_PDEATHSIG follows the creating thread.
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        assert self.process.stdin is not None and self.process.stdout is not None  # both are pipes (PIPE)
        self._stdin, self._stdout = self.process.stdin, self.process.stdout

    def run(self) -> None:
        try:
            self._loop()
        except BaseException as error:  # handed to the caller's thread, which re-raises it
            self.error = error
            self.tasks.close(drop=True)
        finally:
            self._stdin.close()

    def _loop(self) -> None:
        in_flight = 0  # files sent whose results have not come back
        while True:
            # Idle, it waits for tasks; busy, it only tops its window up with those already there.
            while in_flight < WINDOW * BATCH and (batch := self.tasks.take(wait=in_flight == 0)) is not None:
                self._stdin.write(json.dumps(batch) + "\n")
                in_flight += len(batch)
            self._stdin.flush()
            if in_flight == 0:
                return
            results = json.loads(self._stdout.readline() or '[[null, "error", "copy worker died"]]')
            in_flight -= len(results)
            for result in results:
                if self.cancel.is_set():
                    raise Cancelled()
                if result[1] in ("error", "missing"):
                    raise CopyFailed(result[0], result[2], missing=result[1] == "missing")
                self.done(Copied(*result))


class Pool:
    """``workers`` copy processes that take (source, target) pairs as they are given, until ``close``.

    ``done`` runs on a feeder thread for each file as it ends; raising from it (e.g. a digest mismatch) stops the
    copy. A worker's read or write failure stops it with CopyFailed naming the task's number (its place among all
    the pairs given); setting ``cancel`` stops it with Cancelled within a file or so. ``join`` waits for the end and
    re-raises what stopped the copy, the workers killed.
    """

    def __init__(self, *, workers: int, done: Callable[[Copied], None], cancel: threading.Event | None = None) -> None:
        self._tasks, self._given = _Tasks(), 0
        self._cancel = cancel or threading.Event()
        self._workers = [_Worker(self._tasks, done, self._cancel) for _ in range(max(1, workers))]
        for worker in self._workers:
            worker.start()

    def submit(self, pairs: Iterable[tuple[str, str]]) -> None:
        numbered = [[number, source, target] for number, (source, target) in enumerate(pairs, start=self._given)]
        self._given += len(numbered)
        self._tasks.put(numbered)

    def close(self) -> None:
        """Say that every pair has been given: the workers end once they are copied."""
        self._tasks.close()

    @property
    def error(self) -> BaseException | None:
        """What stopped the copy so far, if anything has."""
        return next((worker.error for worker in self._workers if worker.error is not None), None)

    def stop(self) -> None:
        """Stop the copy and wait until the workers are gone, whatever stopped them."""
        self._cancel.set()
        self._tasks.close(drop=True)
        try:
            self.join()
        except BaseException:  # noqa: BLE001 - the caller is already failing for its own reason
            pass

    def join(self) -> None:
        """Wait for every worker; re-raise what stopped the copy."""
        finished = False
        try:
            for worker in self._workers:
                worker.join()
            finished = True
        finally:
            for worker in self._workers:
                if not finished or worker.error is not None:
                    worker.process.kill()
                worker.process.wait()
        if self.error is not None:
            raise self.error


def copy_all(
    tasks: Iterable[tuple[str, str]],
    *,
    workers: int,
    done: Callable[[Copied], None],
    cancel: threading.Event | None = None,
) -> None:
    """Copy every (source, target) pair with a ``Pool`` of ``workers`` processes and wait for the end."""
    pool = Pool(workers=workers, done=done, cancel=cancel)
    pool.submit(tasks)
    pool.close()
    pool.join()
