"""Time the hand-over export against bagit-python's make_bag and the single-pass hashing limit.

Usage: .venv/bin/python bench/export_bench.py [DOSSIERS FILES MEGABYTES] [--workers 2] [--runs 3] [--cold]

Builds a synthetic archive in a temp data dir through the real services and file store (SQLite,
permanent dossiers opened, filled with random PDF-headed files, closed, accepted into the agency
archive), then measures, each in its own child process so its peak RSS is its own:
(a) our export: ``snapshot.package`` + ``bag.write`` (read each stored file once, sha256+sha512 while
    copying, metadata, manifests); the syncfs that ``bag.place`` makes before its rename and the
    verification that ``build_package`` runs are timed apart;
(b) ``bagit.make_bag`` over the same files copied into a plain folder (the copy is not timed);
(c) the limit: reading the same stored bytes once, computing sha256 and sha512, ``workers`` threads.
The three phases run in turn ``runs`` times on the same files; the figures are medians. Hot by
default (the files were written moments before); ``--cold`` drops the page cache before each phase
(root only: writes /proc/sys/vm/drop_caches).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

NOW = datetime(2026, 6, 15, 3, 0, tzinfo=timezone.utc)
ORGANISATION = "000.00.12.H26"  # the demo organisation the archive is built in
PERMANENT_ROW = "1-04a"  # Hồ sơ hội nghị tổng kết năm: kept permanently
HANDOVER_YEAR = 2031
CHUNK = 1024 * 1024
PHASES = ("ours", "make_bag", "limit")


def _engine(data: Path):
    from erms.db import make_engine

    return make_engine(f"sqlite:///{data / 'erms.sqlite3'}")


def populate(data: Path, dossiers_count: int, files: int, megabytes: int) -> list[int]:
    """Create the archive through the filing services; return the ids of the permanent archived dossiers."""
    from sqlalchemy import select

    from classification import dossier_list as dossier_lists
    from erms import db, demo, dossiers, migrate
    from erms.models import DossierList, RetentionRow
    from erms.permissions import load_actor
    from erms.storage import FileStore
    from tests.conftest import DOCUMENT

    engine, store = _engine(data), FileStore(data / "files")
    with engine.begin() as connection:
        migrate.upgrade(connection)
    size = megabytes * 1024 * 1024 // files
    ids = []
    with db.transaction(db.make_session_factory(engine)) as session:
        demo.load(session, now=NOW, store=store)
        users = {user.username: user.id for user in session.scalars(select(demo.User))}
        officer, archivist = load_actor(session, users["officer1"]), load_actor(session, users["archivist"])
        list_id = session.scalar(select(DossierList.id).where(DossierList.year == NOW.year))
        row = session.scalar(select(RetentionRow.id).where(RetentionRow.code == PERMANENT_ROW))
        for number in range(dossiers_count):
            entry = dossier_lists.add_ad_hoc_entry(session, officer, list_id, title=f"Hồ sơ thử nghiệm số {number}",
                                                   retention_row_id=row, now=NOW)
            dossier = dossiers.open_dossier(session, officer, entry.id, {"start_date": "2026-01-05"}, now=NOW)
            share = files // dossiers_count + (number < files % dossiers_count)
            for index in range(share):
                content = io.BytesIO(b"%PDF-1.4\n" + os.urandom(size))
                upload = dossiers.Upload(f"Văn bản {number}-{index}.pdf", content, size * 2)
                data = dict(DOCUMENT, code_number=f"{number}{index:04d}")
                dossiers.add_document(session, officer, dossier.id, data, upload, store=store, now=NOW)
            dossiers.close_dossier(session, officer, dossier.id, store=store, now=NOW)
            transfer = dossiers.submit(session, officer, [dossier.id], now=NOW)
            dossiers.accept(session, archivist, transfer.items[0].id, store=store, now=NOW)
            ids.append(dossier.id)
    return ids


def stored_paths(data: Path, ids: list[int]) -> list[Path]:
    """Return the store paths of the content files of the dossiers (what every phase reads)."""
    from erms import db
    from erms.storage import FileStore
    from exports import layout, snapshot

    store = FileStore(data / "files")
    with db.transaction(db.make_session_factory(_engine(data))) as session:
        view = snapshot.package(session, ids, name="probe", kind="handover", year=HANDOVER_YEAR, operator_id=None,
                                now=NOW)
        return [store.path_for(content.source.sha256) for content in layout.content_files(view.dossiers)]


def ours(data: Path, ids: list[int], workers: int) -> dict:
    """Build the package as ``build_package`` does; time writing and verifying apart."""
    from erms import db
    from erms.storage import FileStore
    from exports import bag, handover, snapshot, verify

    out = data / "packages"
    with db.transaction(db.make_session_factory(_engine(data))) as session:
        batch = handover.create_batch(session, None, ORGANISATION, HANDOVER_YEAR, ids, now=NOW)
        started = time.perf_counter()
        view = snapshot.package(session, ids, name=batch.name, kind="handover", year=batch.year, operator_id=None,
                                now=NOW)
        written = bag.write(view, store=FileStore(data / "files"), out_dir=out, workers=workers)
        wrote = time.perf_counter() - started
        bag.sync_filesystem(written.path)
        synced = time.perf_counter() - started - wrote
        checks = verify.verify(written.path, eark_tool=None)
        verified = time.perf_counter() - started - wrote - synced
        session.rollback()  # the batch row: the next run creates it again
    assert verify.passed(checks), checks
    shutil.rmtree(written.path)
    return {"seconds": wrote, "sync_seconds": synced, "verify_seconds": verified}


def make_bag(data: Path, paths: list[Path], workers: int) -> dict:
    """Copy the files into a plain folder (not timed), then time bagit.make_bag with both algorithms."""
    import bagit

    folder = data / "plain"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for number, path in enumerate(paths):
        shutil.copyfile(path, folder / f"{number:06d}.pdf")
    started = time.perf_counter()
    bagit.make_bag(str(folder), checksums=["sha256", "sha512"], processes=workers)
    return {"seconds": time.perf_counter() - started}


def _hash_once(path: Path) -> int:
    digests, size = (hashlib.sha256(), hashlib.sha512()), 0
    with open(path, "rb") as source:
        while chunk := source.read(CHUNK):
            for digest in digests:
                digest.update(chunk)
            size += len(chunk)
    return size


def limit(paths: list[Path], workers: int) -> dict:
    """Read every stored file once, hashing sha256+sha512: no copy, no metadata, no manifests."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_hash_once, paths))
    return {"seconds": time.perf_counter() - started}


def peak_rss_mb() -> float:
    """Return this process's peak resident set (VmHWM: unlike ru_maxrss, not inherited across fork/exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(phase: str, data: Path, workers: int) -> None:
    """Run one phase in this process and print its timings and this process's peak RSS as JSON."""
    ids = json.loads((data / "ids.json").read_text())
    baseline = peak_rss_mb()
    if phase == "ours":
        result = ours(data, ids, workers)
    else:
        paths = stored_paths(data, ids)
        baseline = peak_rss_mb()
        result = make_bag(data, paths, workers) if phase == "make_bag" else limit(paths, workers)
    result.update(peak_rss_mb=peak_rss_mb(), baseline_rss_mb=baseline)
    print(json.dumps(result))


def drop_caches() -> None:
    """Write dirty pages out, then drop the page cache so the phase reads from the disk."""
    os.sync()  # the benchmark's own setup, not the export: the export never syncs the machine
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def run_phase(phase: str, data: Path, workers: int, cold: bool) -> dict:
    if cold:
        drop_caches()
    output = subprocess.run([sys.executable, __file__, "--phase", phase, "--data", str(data), "--workers",
                             str(workers)], capture_output=True, text=True, check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dossiers", type=int, nargs="?", default=200)
    parser.add_argument("files", type=int, nargs="?", default=2000)
    parser.add_argument("megabytes", type=int, nargs="?", default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cold", action="store_true", help="drop the page cache before each phase (root)")
    parser.add_argument("--phase", choices=("ours", "make_bag", "limit"))
    parser.add_argument("--data", type=Path)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    if args.phase:
        child(args.phase, args.data, args.workers)
        return
    with tempfile.TemporaryDirectory(prefix="erms-export-bench-") as folder:
        data = Path(folder)
        started = time.perf_counter()
        ids = populate(data, args.dossiers, args.files, args.megabytes)
        (data / "ids.json").write_text(json.dumps(ids))
        files = len(stored_paths(data, ids))
        megabytes = sum(path.stat().st_size for path in stored_paths(data, ids)) / 1024 / 1024
        print(f"archive: {len(ids)} dossiers, {files} content files, {megabytes:.0f} MB "
              f"(built in {time.perf_counter() - started:.0f} s); workers {args.workers}")
        runs = [{phase: run_phase(phase, data, args.workers, args.cold) for phase in PHASES}
                for _ in range(args.runs)]
    results = {phase: {key: statistics.median(run[phase][key] for run in runs) for key in runs[0][phase]}
               for phase in PHASES}
    print(f"medians of {args.runs} runs, {'cold' if args.cold else 'hot'} page cache")
    for phase, result in results.items():
        extra = (f", then syncfs {result['sync_seconds']:.2f} s, verification {result['verify_seconds']:.1f} s"
                 if "verify_seconds" in result else "")
        print(f"{phase:<9} {result['seconds']:7.2f} s  {megabytes / result['seconds']:7.1f} MB/s  "
              f"{files / result['seconds']:7.0f} files/s  peak RSS {result['peak_rss_mb']:.0f} MB "
              f"(after imports {result['baseline_rss_mb']:.0f} MB){extra}")
    speed = {phase: megabytes / result["seconds"] for phase, result in results.items()}
    print(f"ours/make_bag {speed['ours'] / speed['make_bag']:.2f}x   ours/limit {speed['ours'] / speed['limit']:.0%}")


if __name__ == "__main__":
    main()
