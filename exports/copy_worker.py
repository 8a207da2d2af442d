"""A copy worker: a process that copies stored files into a package, hashing each on the way.

Started by exports/copier.py as ``python -m exports.copy_worker [--one-at-a-time]``, a fresh
interpreter importing only the standard library (and exports/sha512_lanes, which uses only it). The parent sends batches
of tasks, a batch per
line on stdin (JSON: [[number, source, target], …]); the worker answers with results, a batch per
line on stdout (JSON: [[number, size, sha256, sha512] or [number, "error" | "missing", message], …]),
sending what it has once a batch is full or it has no task waiting. Each file is read once; SHA-256
(hashlib, SHA-NI) and SHA-512 are computed from the bytes read before they are written.

SHA-512 costs three quarters of a copy's CPU through hashlib, so files are copied eight at a time,
one per lane of exports/sha512_lanes, which hashes the eight together; where the lanes cannot run
(or with ``--one-at-a-time``) one file at a time through hashlib. The worker dies with its parent
(PR_SET_PDEATHSIG): a killed export never leaves a process writing into a staging folder that a
rerun is clearing.
"""

from __future__ import annotations

import ctypes
import hashlib
import io
import json
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable, Iterator

from exports import sha512_lanes
from exports.sha512_lanes import BLOCK, LANES

# Files per message: one pipe round trip per batch, not per file (per-file messages cost a third
# more system time).
BATCH = 32
# Reads of up to 512 KiB: most records are read in one call; eight lanes of it stay small in memory.
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


def copy_file(source: str, target: str, buffer: bytearray) -> tuple[int, str, str]:
    """Copy ``source`` to ``target`` reading it once; return (size, sha256, sha512) from hashlib.

    Reads go into one reused ``buffer``: a fresh bytes object per read costs an mmap, page faults
    and an munmap per file, a quarter of the copy's system time on records of tens of KB.
    """
    view = memoryview(buffer)
    digests = (hashlib.sha256(), hashlib.sha512())
    size = 0
    with open(source, "rb", buffering=0) as reader, open(target, "wb", buffering=0) as writer:
        while count := reader.readinto(view):
            chunk = view[:count]
            for digest in digests:
                digest.update(chunk)
            _write_all(writer, chunk)
            size += count
    return size, digests[0].hexdigest(), digests[1].hexdigest()


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


class _Lane:
    """One file being copied in one lane: its bytes read but not yet hashed by SHA-512, and its padding.

    The buffer holds at most a partial block left from the last read, a read and the padding.
    """

    def __init__(self, index: int) -> None:
        self.index = index
        self.buffer = bytearray(BLOCK + CHUNK + 2 * BLOCK)
        self.view = memoryview(self.buffer)
        self.base = sha512_lanes.address(self.buffer)
        self.source: io.FileIO | None = None
        self.target: io.FileIO | None = None

    def open(self, number: int, source: str, target: str) -> None:
        self.number, self.path = number, source
        self.source = open(source, "rb", buffering=0)
        self.expected = os.fstat(self.source.fileno()).st_size  # the last read needs no empty read after it
        self.target = open(target, "wb", buffering=0)
        self.sha256 = hashlib.sha256()
        self.start = self.end = self.size = 0
        self.ended = False

    def fill(self) -> None:
        """Read on until a whole block waits for SHA-512, or the file is read and padded."""
        source, target = self.source, self.target
        assert source is not None and target is not None  # open() set them: only a busy lane is filled
        while self.end - self.start < BLOCK and not self.ended:
            tail = self.end - self.start
            self.buffer[:tail] = self.buffer[self.start : self.end]
            self.start, self.end = 0, tail
            count = source.readinto(self.view[tail : tail + CHUNK])
            if count:
                chunk = self.view[tail : tail + count]
                self.sha256.update(chunk)
                _write_all(target, chunk)
                self.size += count
                self.end += count
            if not count or self.size == self.expected:
                padding = sha512_lanes.padding(self.size)
                self.view[self.end : self.end + len(padding)] = padding
                self.end += len(padding)
                self.ended = True

    def blocks(self) -> int:
        return (self.end - self.start) // BLOCK

    def address(self) -> int:
        return self.base + self.start

    def close(self) -> None:
        for handle in (self.source, self.target):
            if handle is not None:
                handle.close()
        self.source = self.target = None


class _LaneCopy:
    """Eight lanes: the free ones, and the busy ones with the file each is copying."""

    def __init__(self, lanes: sha512_lanes.Lanes) -> None:
        self.lanes = lanes
        self.free = [_Lane(index) for index in reversed(range(LANES))]
        self.busy: list[_Lane] = []

    def release(self, lane: _Lane) -> None:
        self.busy.remove(lane)
        lane.close()
        self.free.append(lane)

    def start(self, take: Take) -> Iterator[list]:
        """Give free lanes the next tasks; wait for one only when every lane is free."""
        while self.free and (task := take(not self.busy)) is not None:
            lane = self.free.pop()
            self.busy.append(lane)
            try:
                lane.open(*task)
            except OSError as error:
                self.release(lane)
                yield _failure(task[0], task[1], error)
                continue
            self.lanes.start(lane.index)

    def fill(self) -> Iterator[list]:
        """Read on in every busy lane until each holds a block to hash."""
        for lane in list(self.busy):
            try:
                lane.fill()
            except OSError as error:
                self.release(lane)
                yield _failure(lane.number, lane.path, error)

    def hash(self) -> Iterator[list]:
        """Hash the blocks every busy lane holds; yield the files that end."""
        blocks = min(lane.blocks() for lane in self.busy)
        addresses = [self.busy[0].address()] * LANES  # free lanes hash a busy one's bytes, unread
        for lane in self.busy:
            addresses[lane.index] = lane.address()
        self.lanes.compress(addresses, blocks)
        for lane in list(self.busy):
            lane.start += blocks * BLOCK
            if lane.ended and lane.start == lane.end:
                self.release(lane)
                yield [lane.number, lane.size, lane.sha256.hexdigest(), self.lanes.hexdigest(lane.index)]

    def close(self) -> None:
        for lane in list(self.busy):
            self.release(lane)


def in_lanes(lanes: sha512_lanes.Lanes, take: Take) -> Iterator[list]:
    """Copy the tasks ``take`` gives, up to eight files at once; yield each one's result as it ends."""
    copy = _LaneCopy(lanes)
    try:
        while True:
            yield from copy.start(take)
            if not copy.busy:  # every lane free and no task will come
                return
            yield from copy.fill()
            if copy.busy:
                yield from copy.hash()
    finally:
        copy.close()


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


def serve(one_at_a_time_only: bool) -> None:
    """The worker's loop: tasks in, results out, until stdin closes."""
    ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the parent died before prctl took effect
        return
    os.nice(NICENESS)
    inbox = _Inbox(sys.stdin)
    lanes = None if one_at_a_time_only else sha512_lanes.load()
    results: list[list] = []
    for result in in_lanes(lanes, inbox.take) if lanes is not None else one_at_a_time(inbox.take):
        results.append(result)
        if len(results) >= BATCH or inbox.empty():  # the parent sends more once it hears back
            _send(results)
            results = []
    if results:
        _send(results)


if __name__ == "__main__":
    serve(one_at_a_time_only="--one-at-a-time" in sys.argv[1:])
