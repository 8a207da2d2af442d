"""The copy workers: each file read once, hashed, written; failures named; nothing left running."""

from __future__ import annotations

import hashlib
import os
import threading
import time

import pytest

from exports import copier, sha512_lanes
from exports.copy_worker import CHUNK

# Sizes about SHA-512's block (128 bytes: the padding takes one block or two) and the read size.
EDGE_SIZES = [
    0,
    1,
    111,
    112,
    113,
    127,
    128,
    129,
    239,
    240,
    255,
    256,
    5000,
    CHUNK - 1,
    CHUNK,
    CHUNK + 1,
    2 * CHUNK + 200,
]


def _files(folder, count: int, size: int | None = None) -> list[tuple[str, str]]:
    """Return ``count`` (source, target) pairs; the sources grow by 997 bytes each, or are ``size`` bytes."""
    (folder / "out").mkdir()
    tasks = []
    for number in range(count):
        source = folder / f"tệp {number}.pdf"
        source.write_bytes(b"%PDF-1.4\n" + bytes([number % 256]) * (size or number * 997))
        tasks.append((str(source), str(folder / "out" / source.name)))
    return tasks


def _assert_copied(tasks: list[tuple[str, str]], results: list[copier.Copied]) -> None:
    assert sorted(result.number for result in results) == list(range(len(tasks)))
    for result in results:
        source, target = tasks[result.number]
        content = open(source, "rb").read()
        assert open(target, "rb").read() == content
        assert (result.size, result.sha256, result.sha512) == (
            len(content),
            hashlib.sha256(content).hexdigest(),
            hashlib.sha512(content).hexdigest(),
        )


@pytest.mark.parametrize("lanes", [True, False], ids=["eight-lanes", "one-at-a-time"])
def test_every_file_is_copied_with_both_digests(tmp_path, lanes):
    tasks = _files(tmp_path, 40)
    results: list[copier.Copied] = []
    copier.copy_all(tasks, workers=2, done=results.append, lanes=lanes)
    _assert_copied(tasks, results)


@pytest.mark.parametrize("lanes", [True, False], ids=["eight-lanes", "one-at-a-time"])
def test_files_of_every_size_about_a_block_and_a_read_get_the_digests_hashlib_gives(tmp_path, lanes):
    (tmp_path / "out").mkdir()
    tasks = []
    for number, size in enumerate(EDGE_SIZES * 2):  # twice: the lanes end files at different moments
        source = tmp_path / f"{number}.bin"
        source.write_bytes(os.urandom(size))
        tasks.append((str(source), str(tmp_path / "out" / source.name)))
    results: list[copier.Copied] = []
    copier.copy_all(tasks, workers=1, done=results.append, lanes=lanes)
    _assert_copied(tasks, results)


@pytest.mark.skipif(not sha512_lanes._cpu_has_flags(), reason="this CPU has no AVX-512 F and BW")
def test_the_lanes_are_built_and_run_on_a_cpu_that_has_them():
    # `make install` compiles exports/sha512_lanes.c: without it every copy falls back to hashlib.
    lanes = sha512_lanes.load()
    assert lanes is not None, f"{sha512_lanes.LIBRARY} is missing: run make install"
    messages = [os.urandom(size) for size in (0, 3, 111, 112, 128, 250, 1000, 4096)]
    padded = [bytearray(message + sha512_lanes.padding(len(message))) for message in messages]
    addresses = [sha512_lanes.address(buffer) for buffer in padded]
    for lane in range(sha512_lanes.LANES):
        lanes.start(lane)
    blocks = [len(buffer) // sha512_lanes.BLOCK for buffer in padded]
    done = [0] * sha512_lanes.LANES
    while any(done[lane] < blocks[lane] for lane in range(sha512_lanes.LANES)):
        busy = [lane for lane in range(sha512_lanes.LANES) if done[lane] < blocks[lane]]
        step = min(blocks[lane] - done[lane] for lane in busy)
        lanes.compress(
            [
                addresses[lane] + sha512_lanes.BLOCK * done[lane] if lane in busy else addresses[busy[0]]
                for lane in range(sha512_lanes.LANES)
            ],
            step,
        )
        for lane in busy:
            done[lane] += step
            if done[lane] == blocks[lane]:
                assert lanes.hexdigest(lane) == hashlib.sha512(messages[lane]).hexdigest()


def test_a_missing_source_and_an_unwritable_target_are_told_apart(tmp_path):
    tasks = _files(tmp_path, 3)
    with pytest.raises(copier.CopyFailed) as missing:
        copier.copy_all(
            [*tasks[:2], (str(tmp_path / "gone.pdf"), str(tmp_path / "out" / "x"))],
            workers=2,
            done=lambda _copied: None,
        )
    assert missing.value.missing and missing.value.number == 2 and "gone.pdf" in str(missing.value)
    with pytest.raises(copier.CopyFailed) as unwritable:
        copier.copy_all([(tasks[0][0], str(tmp_path / "no-such-folder" / "x"))], workers=1, done=lambda _c: None)
    assert not unwritable.value.missing and "no-such-folder" in str(unwritable.value)


def test_an_error_in_done_stops_every_worker(tmp_path):
    # Many more files than the workers hold in flight (2 x WINDOW x BATCH), so stopping early shows.
    count = 8 * copier.WINDOW * copier.BATCH
    tasks = _files(tmp_path, count, size=1000)

    def refuse(copied: copier.Copied) -> None:
        raise ValueError(f"digest of {copied.number} differs")

    before = threading.active_count()
    with pytest.raises(ValueError, match="digest of"):
        copier.copy_all(tasks, workers=2, done=refuse)
    assert threading.active_count() == before  # feeder threads joined, worker processes reaped
    assert len(list((tmp_path / "out").iterdir())) < count // 2  # stopped early, not after copying everything


def test_cancel_stops_the_copy(tmp_path):
    tasks = _files(tmp_path, 200)
    cancel = threading.Event()

    def cancel_after_first(_copied: copier.Copied) -> None:
        cancel.set()

    with pytest.raises(copier.Cancelled):
        copier.copy_all(tasks, workers=2, done=cancel_after_first, cancel=cancel)


@pytest.mark.skipif(sha512_lanes.load() is None, reason="the SHA-512 lanes cannot run here")
def test_short_reads_leave_part_of_a_block_that_the_next_read_completes(tmp_path):
    # A pipe gives what has been written so far: reads end mid-block, unlike the store's files.
    from exports import copy_worker

    content = os.urandom(10_000)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)

    def feed() -> None:
        with open(pipe, "wb", buffering=0) as writer:
            for start in range(0, len(content), 333):
                writer.write(content[start : start + 333])
                time.sleep(0.001)

    feeder = threading.Thread(target=feed)
    feeder.start()
    (tmp_path / "small").write_bytes(b"x" * 200)
    tasks = [[0, str(pipe), str(tmp_path / "copy-0")], [1, str(tmp_path / "small"), str(tmp_path / "copy-1")]]
    results = list(copy_worker.in_lanes(sha512_lanes.load(), lambda _wait: tasks.pop(0) if tasks else None))
    feeder.join()
    assert sorted(results) == [
        [0, len(content), hashlib.sha256(content).hexdigest(), hashlib.sha512(content).hexdigest()],
        [1, 200, hashlib.sha256(b"x" * 200).hexdigest(), hashlib.sha512(b"x" * 200).hexdigest()],
    ]
    assert (tmp_path / "copy-0").read_bytes() == content


def test_without_the_built_kernel_there_are_no_lanes_and_the_workers_use_hashlib(tmp_path, monkeypatch):
    monkeypatch.setattr(sha512_lanes, "LIBRARY", tmp_path / "not-built.so")
    assert sha512_lanes.load() is None
