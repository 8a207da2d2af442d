"""The copy workers: each file read once, its SHA-256 taken, written; failures named; nothing left running."""

from __future__ import annotations

import hashlib
import os
import threading

import pytest

from exports.bagging import copier
from exports.bagging.copy_worker import CHUNK

# Sizes about SHA-256's block (64 bytes: the padding takes one block or two) and the read size.
EDGE_SIZES = [
    0,
    1,
    55,
    56,
    63,
    64,
    65,
    119,
    120,
    128,
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
        assert (result.size, result.sha256) == (len(content), hashlib.sha256(content).hexdigest())


def test_every_file_is_copied_with_its_digest(tmp_path):
    tasks = _files(tmp_path, 40)
    results: list[copier.Copied] = []
    copier.copy_all(tasks, workers=2, done=results.append)
    _assert_copied(tasks, results)


def test_files_of_every_size_about_a_block_and_a_read_get_the_digest_hashlib_gives(tmp_path):
    (tmp_path / "out").mkdir()
    tasks = []
    for number, size in enumerate(EDGE_SIZES):
        source = tmp_path / f"{number}.bin"
        source.write_bytes(os.urandom(size))
        tasks.append((str(source), str(tmp_path / "out" / source.name)))
    results: list[copier.Copied] = []
    copier.copy_all(tasks, workers=1, done=results.append)
    _assert_copied(tasks, results)


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
