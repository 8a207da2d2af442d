"""A copy worker: a process that copies stored files into a package, hashing each on the way.

Started by exports/bagging/copier.py as ``python -m exports.bagging.copy_worker``, a fresh interpreter importing
only the standard library. The parent sends batches of tasks, a batch per line on stdin (JSON:
[[number, source, target], …]); the worker answers with results, a batch per line on stdout (JSON:
[[number, size, sha256] or [number, "error" | "missing", message], …]), sending what it has once a
batch is full or it has no task waiting. Each file is read once and its SHA-256 computed from the
bytes read before they are written: the parent compares it with the digest recorded at capture.
The worker dies with its parent (PR_SET_PDEATHSIG): a killed export never leaves a process writing
into a staging folder that a rerun is clearing.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable, Iterator

# Files per message: one pipe round trip per batch, not per file.
BATCH = 32
# Reads of up to 512 KiB: most records are read in one call.
CHUNK = 512 * 1024
# Workers yield to the exporting process: its metadata is one thread of work that cannot be split,
# the copy is spread over every core and takes them all back once the metadata is written. At equal
# priority the three shared two cores evenly and the build waited a second for the metadata's end.
NICENESS = 10
_PR_SET_PDEATHSIG = 1

Take = Callable[[bool], "list | None"]


def _write_all(target, data: memoryview) -> None:
    written = 0
    while written < len(data):  # a raw write may take less than asked
        written += target.write(data[written:])


def copy_file(source: str, target: str, buffer: bytearray) -> tuple[int, str]:
    """Copy ``source`` to ``target`` reading it once; return (size, sha256).

    Reads go into one reused ``buffer``: a fresh bytes object per read would cost an mmap, page faults
    and an munmap per file.
    """
    view = memoryview(buffer)
    digest = hashlib.sha256()
    size = 0
    with open(source, "rb", buffering=0) as reader, open(target, "wb", buffering=0) as writer:
        while count := reader.readinto(view):
            chunk = view[:count]
            digest.update(chunk)
            _write_all(writer, chunk)
            size += count
    return size, digest.hexdigest()


def _failure(number: int, source: str, error: OSError) -> list:
    missing = isinstance(error, FileNotFoundError) and error.filename == source
    return [number, "missing" if missing else "error", f"{error.strerror}: {error.filename}"]


def one_at_a_time(take: Take) -> Iterator[list]:
    """Copy the tasks ``take`` gives, one file after the other; yield each one's result."""
    buffer = bytearray(CHUNK)
    while (task := take(True)) is not None:
        number, source, target = task
        try:
            yield [number, *copy_file(source, target, buffer)]
        except OSError as error:
            yield _failure(number, source, error)


class _Inbox:
    """The tasks the parent has sent, read from stdin by a thread of their own as they come."""

    def __init__(self, stream) -> None:
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._ended = False
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            for task in json.loads(line):
                self._tasks.put(task)
        self._tasks.put(None)

    def take(self, wait: bool) -> list | None:
        """The next task; None when stdin has closed and every task was taken, or (``wait`` false) when
        none is there yet."""
        if self._ended:
            return None
        try:
            task = self._tasks.get(block=wait)
        except queue.Empty:
            return None
        self._ended = task is None
        return task

    def empty(self) -> bool:
        return self._tasks.empty()


def _send(results: list[list]) -> None:
    sys.stdout.write(json.dumps(results) + "\n")
    sys.stdout.flush()


def serve() -> None:
    """The worker's loop: tasks in, results out, until stdin closes."""
    ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the parent died before prctl took effect
        return
    os.nice(NICENESS)
    inbox = _Inbox(sys.stdin)
    results: list[list] = []
    for result in one_at_a_time(inbox.take):
        results.append(result)
        if len(results) >= BATCH or inbox.empty():  # the parent sends more once it hears back
            _send(results)
            results = []
    if results:
        _send(results)


if __name__ == "__main__":
    serve()
