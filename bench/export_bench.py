"""Time the hand-over export against bagit-python's make_bag and the single-pass hashing limit.

Usage: .venv/bin/python bench/export_bench.py [DOSSIERS FILES MEGABYTES] [--workers 2] [--runs 3] [--cold]
       [--archive DIR] [--only PHASE ...]          (defaults: 2,000 dossiers, 20,000 files, 2,000 MB)

Builds a synthetic archive (SQLite; one permanent dossier through the real filing services, the
rest bulk copies of its rows with their own random PDF-headed files in the store, long-tailed
sizes), then measures, each phase in its own child process so its peak RSS is its own:
- ours: ``snapshot.package`` inside ``bag.Build`` (each stored file read once by ``workers`` copy processes
  from the moment its dossier is read, sha256 while copying and compared with the capture digest, the sha512
  taken from the capture; metadata written meanwhile; manifests); the syncfs ``bag.place`` makes before its
  rename and the verification ``build_package`` runs are timed apart;
- make_bag: ``bagit.make_bag(checksums=[sha256, sha512])`` with bagit's default one process, over the
  same files copied into a plain folder (the copy is not timed; make_bag renames, it does not copy);
- limit: one reader reading the same stored bytes once, computing sha256 and sha512;
- make_bag xN / limit xN: the same with ``workers`` processes / reader threads, for reference;
- copy: ``exports.bagging.copier.copy_all`` alone with ``workers`` processes: each stored file read once,
  its sha256 taken and written into a folder per 11 files, with no snapshot, metadata, manifests or
  digest comparison: the floor of any build that copies and checks on this machine.
The goal (issue 6) compares ours with make_bag and limit as named there: one process, one pass.
Phases run in turn ``runs`` times on the same files; figures are medians, each run's seconds follow,
and so does each core's speed while all work at once against one core alone, measured before each run
(this shared host does not always run its vCPUs at the same speed, which slows ours and the xN phases
but not make_bag or the limit). Hot by default (the files were read back after dropping the page
cache, so that memory is free to write into: root only; as another user, whatever earlier runs left
cached); ``--cold`` drops the page cache before each phase (root only).
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
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

NOW = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)
ORGANISATION = "000.00.12.H26"  # the demo organisation the archive is built in
PERMANENT_ROW = "1-04a"  # Hồ sơ hội nghị tổng kết năm: kept permanently
HANDOVER_YEAR = 2031
CHUNK = 1024 * 1024
# phase: (what, processes or readers; 0 = --workers). make_bag and the limit as the issue names them
# run on one core (bagit's default, one reader); their --workers variants are printed for reference.
PHASES = {
    "ours": ("ours", 0),
    "make_bag": ("make_bag", 1),
    "limit": ("limit", 1),
    "make_bag_n": ("make_bag", 0),
    "limit_n": ("limit", 0),
    "copy": ("copy", 0),
}


def _engine(data: Path):
    from erms.db import make_engine

    return make_engine(f"sqlite:///{data / 'erms.sqlite3'}")


def upgrade(data: Path) -> None:
    """Bring the archive's database to the newest schema (a reused archive may predate a migration)."""
    from erms import migrate

    with _engine(data).begin() as connection:
        migrate.upgrade(connection, storage_root=str(data / "files"))


def populate(data: Path, dossiers_count: int, files: int, megabytes: int) -> list[int]:
    """Build the archive; return the ids of its permanent archived dossiers.

    One dossier goes through the real filing services (open, add a document, close with its index PDF,
    submit, accept); the others are bulk copies of its rows with their own random files, so that
    2,000 dossiers take a minute instead of half an hour. Sizes follow a long-tailed mix (most files
    tens of KB, a few MB), scaled to ``megabytes`` in all.
    """
    from sqlalchemy import select

    from classification import dossier_list as dossier_lists
    from erms import db, demo
    from erms.models import DossierList, RetentionRow
    from erms.permissions import load_actor
    from erms.storage import FileStore
    from filing import dossiers
    from tests.factories import DOCUMENT

    engine, store = _engine(data), FileStore(data / "files")
    upgrade(data)
    with db.transaction(db.make_session_factory(engine)) as session:
        demo.load(session, now=NOW, store=store)
        users = {user.username: user.id for user in session.scalars(select(demo.User))}
        officer, archivist = load_actor(session, users["officer1"]), load_actor(session, users["archivist"])
        list_id = session.scalar(select(DossierList.id).where(DossierList.year == NOW.year))
        row = session.scalar(select(RetentionRow.id).where(RetentionRow.code == PERMANENT_ROW))
        entry = dossier_lists.add_ad_hoc_entry(
            session, officer, list_id, title="Hồ sơ thử nghiệm mẫu", retention_row_id=row, now=NOW
        )
        template = dossiers.open_dossier(session, officer, entry.id, {"start_date": "2026-01-05"}, now=NOW)
        upload = dossiers.Upload("Văn bản mẫu.pdf", io.BytesIO(b"%PDF-1.4\n" + os.urandom(1000)), 10_000)
        dossiers.add_document(
            session, officer, template.id, dict(DOCUMENT, code_number="1"), upload, store=store, now=NOW
        )
        dossiers.close_dossier(session, officer, template.id, store=store, now=NOW)
        transfer = dossiers.submit(session, officer, [template.id], now=NOW)
        dossiers.accept(session, archivist, transfer.items[0].id, store=store, now=NOW)
        template_id = template.id
    with engine.begin() as connection:
        return _clone(connection, store, template_id, dossiers_count, _sizes(files, megabytes))


def _sizes(files: int, megabytes: int) -> list[int]:
    """Return ``files`` sizes, long-tailed (log-normal, median ~1/3 of the mean), summing to ``megabytes``."""
    import random

    rng = random.Random(6)
    raw = [rng.lognormvariate(0, 1.5) for _ in range(files)]
    scale = megabytes * 1e6 / sum(raw)
    return [max(64, int(value * scale)) for value in raw]


def _write_stored(store, size: int) -> dict:
    """Write random PDF-headed bytes straight into the store (no fsync: bench data); return the row values."""
    content = b"%PDF-1.4\n" + os.urandom(size - 9)
    sha256 = hashlib.sha256(content).hexdigest()
    path = store.path_for(sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return {
        "sha256": sha256,
        "sha512": hashlib.sha512(content).hexdigest(),
        "size": size,
        "media_type": "application/pdf",
        "created_at": NOW,
    }


def _clone(connection, store, template_id: int, count: int, sizes: list[int]) -> list[int]:
    """Insert ``count`` copies of the template dossier, its entry, document rows and files; return their ids."""
    from sqlalchemy import func, insert, select

    from erms.models import Document, DocumentVersion, Dossier, DossierDocument, DossierListEntry, StoredFile

    def row_of(model, **where):
        table = model.__table__
        query = select(table).where(*(table.c[key] == value for key, value in where.items()))
        return dict(connection.execute(query).mappings().one())

    def next_id(model):
        return (connection.scalar(select(func.max(model.__table__.c.id))) or 0) + 1

    dossier = row_of(Dossier, id=template_id)
    entry = row_of(DossierListEntry, id=dossier["entry_id"])
    link = row_of(DossierDocument, dossier_id=template_id)
    document = row_of(Document, id=link["document_id"])
    version = row_of(DocumentVersion, document_id=document["id"])
    ids = {model: next_id(model) for model in (Dossier, DossierListEntry, Document, StoredFile)}
    rows = {model: [] for model in (StoredFile, DossierListEntry, Dossier, Document, DocumentVersion, DossierDocument)}
    file_id, document_id, total = ids[StoredFile], ids[Document], len(sizes)
    for number in range(count):
        notation = f"TN.{number:05d}"
        entry_id, dossier_id = ids[DossierListEntry] + number, ids[Dossier] + number
        rows[DossierListEntry].append(
            dict(
                entry,
                id=entry_id,
                number=entry["number"] + 1 + number,
                file_notation=notation,
                title=f"Hồ sơ thử nghiệm số {number}",
            )
        )
        rows[StoredFile].append(dict(_write_stored(store, 20_000 + number), id=file_id))
        rows[Dossier].append(
            dict(
                dossier,
                id=dossier_id,
                entry_id=entry_id,
                file_notation=notation,
                file_code=dossier["file_code"].rsplit(".", 1)[0] + "." + notation,
                title=f"Hồ sơ thử nghiệm số {number}",
                index_file_id=file_id,
            )
        )
        file_id += 1
        share = total // count + (number < total % count)
        for ordinal in range(1, share + 1):
            rows[StoredFile].append(dict(_write_stored(store, sizes.pop()), id=file_id))
            rows[Document].append(
                dict(
                    document,
                    id=document_id,
                    code_number=f"{number}{ordinal:04d}",
                    subject=f"Về việc thử nghiệm số {number}-{ordinal}",
                )
            )
            rows[DocumentVersion].append(
                dict(
                    version,
                    id=None,
                    document_id=document_id,
                    file_id=file_id,
                    filename=f"Văn bản {number}-{ordinal}.pdf",
                )
            )
            rows[DossierDocument].append(
                dict(link, id=None, dossier_id=dossier_id, document_id=document_id, ordinal=ordinal)
            )
            file_id, document_id = file_id + 1, document_id + 1
    for model, values in rows.items():
        for value in values:
            if value.get("id") is None:
                value.pop("id", None)
        connection.execute(insert(model.__table__), values)
    return [ids[Dossier] + number for number in range(count)]


def stored_paths(data: Path, ids: list[int]) -> list[Path]:
    """Return the store paths of the content files of the dossiers (what every phase reads)."""
    from erms import db
    from erms.storage import FileStore
    from exports import snapshot
    from exports.bagging import layout

    store = FileStore(data / "files")
    with db.transaction(db.make_session_factory(_engine(data))) as session:
        view = snapshot.package(
            session, ids, name="probe", kind="handover", year=HANDOVER_YEAR, operator_id=None, now=NOW
        )
        return [store.path_for(content.source.sha256) for content in layout.content_files(view.dossiers)]


# Outputs stay until the end of the benchmark: ext4 skips inodes freed in the last minutes when it
# allocates new ones (``recently_deleted``), so creating 20,000 files right after deleting 20,000
# cost 3-5x the system time (measured with perf) — a cost of the loop, not of an export.
OUTPUTS = "outputs"


def _started() -> tuple[float, float]:
    return time.perf_counter(), _cpu_seconds()


def _cpu_seconds() -> float:
    """CPU time of this process's threads and of its ended children (the copy workers, once joined)."""
    usages = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return sum(usage.ru_utime + usage.ru_stime for usage in usages)


def _elapsed(started: tuple[float, float]) -> dict:
    return {"seconds": time.perf_counter() - started[0], "cpu_seconds": _cpu_seconds() - started[1]}


def ours(data: Path, ids: list[int], workers: int) -> dict:
    """Build the package as ``build_package`` does; time writing, syncing and verifying apart."""
    from erms import db
    from erms.storage import FileStore, sync_filesystem
    from exports import handover, snapshot
    from exports.bagging import bag, verify

    out = data / OUTPUTS / f"ours-{time.time_ns()}"
    with db.transaction(db.make_session_factory(_engine(data))) as session:
        batch = handover.create_batch(session, None, ORGANISATION, HANDOVER_YEAR, ids, now=NOW)
        sampler = subprocess.Popen(
            [sys.executable, __file__, "--sample-rss", str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        sampler.stdout.readline()  # started: its own start-up is not the build's time
        started = _started()
        with bag.Build(batch.name, store=FileStore(data / "files"), out_dir=out, workers=workers) as build:
            view = snapshot.package(
                session,
                ids,
                name=batch.name,
                kind="handover",
                year=batch.year,
                operator_id=None,
                now=NOW,
                on_dossiers=build.add,
            )
            written = build.finish(view)
        result = _elapsed(started)
        peak = float(sampler.communicate("")[0])
        sync_filesystem(written.path)
        synced = time.perf_counter() - started[0] - result["seconds"]
        checks = verify.verify(written.path, eark_tool=None)
        verified = time.perf_counter() - started[0] - result["seconds"] - synced
        session.rollback()  # the batch row: the next run creates it again
    assert verify.passed(checks), checks
    return {**result, "sync_seconds": synced, "verify_seconds": verified, "peak_rss_mb": peak}


def make_bag(data: Path, paths: list[Path], processes: int) -> dict:
    """Copy the files into a plain folder (not timed), then time bagit.make_bag with both algorithms."""
    import bagit

    folder = data / OUTPUTS / f"plain-{time.time_ns()}"
    folder.mkdir(parents=True)
    for number, path in enumerate(paths):
        shutil.copyfile(path, folder / f"{number:06d}.pdf")
    started = _started()
    bagit.make_bag(str(folder), checksums=["sha256", "sha512"], processes=processes)
    return _elapsed(started)


def _hash_once(path: Path) -> int:
    digests, size = (hashlib.sha256(), hashlib.sha512()), 0
    with open(path, "rb") as source:
        while chunk := source.read(CHUNK):
            for digest in digests:
                digest.update(chunk)
            size += len(chunk)
    return size


def limit(_data: Path, paths: list[Path], readers: int) -> dict:
    """Read every stored file once, hashing sha256+sha512: no copy, no metadata, no manifests."""
    started = _started()
    with ThreadPoolExecutor(max_workers=readers) as pool:
        list(pool.map(_hash_once, paths))
    return _elapsed(started)


def copy_only(data: Path, paths: list[Path], workers: int) -> dict:
    """Time the copy workers alone on the same files: read once, hashed, written; nothing else."""
    from exports.bagging import copier

    out = data / OUTPUTS / f"copy-{time.time_ns()}"
    targets = [f"{out}/{number // 11}/{number}.pdf" for number in range(len(paths))]
    for folder in {target.rpartition("/")[0] for target in targets}:
        os.makedirs(folder)
    started = _started()
    copier.copy_all(zip(map(str, paths), targets, strict=True), workers=workers, done=lambda _copied: None)
    return _elapsed(started)


def peak_rss_mb() -> float:
    """Return this process's peak resident set (VmHWM: unlike ru_maxrss, not inherited across fork/exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _tree_rss_mb(pid: int) -> float:
    """Return the memory of process ``pid`` and its children (the copy workers) together.

    Proportional set sizes (smaps_rollup Pss): a worker between fork and exec shares the parent's
    pages, which plain VmRSS would count twice.
    """
    pids = [str(pid)]
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            pids += (task / "children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):  # a thread that just ended
            continue
    total = 0
    for pid in set(pids) - {str(os.getpid())}:  # the sampler is a child too: not counted
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except (FileNotFoundError, ProcessLookupError):  # a worker that just ended
            continue
        total += next((int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")), 0)
    return total / 1024


# Between two samples of the build's memory. Each sample has the kernel walk the exporting process's
# page tables under its memory lock: every 50 ms, that took 0.45 CPU-s from the two cores of a 7.5 s
# build. The build's memory rises and stays for seconds, so a peak is not missed at five a second.
SAMPLE_SECONDS = 0.2


def sample_rss(pid: int) -> None:
    """Say it has started, then print the peak of ``_tree_rss_mb(pid)``, sampled every ``SAMPLE_SECONDS``
    until stdin closes.

    Its own process: a sampling thread in the measured one would share its interpreter with the build.
    """
    done, peak = threading.Event(), 0.0
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    print("started", flush=True)
    while not done.wait(SAMPLE_SECONDS):
        peak = max(peak, _tree_rss_mb(pid))
    print(f"{peak:.1f}")


def child(phase: str, data: Path, workers: int) -> None:
    """Run one phase in this process and print its timings and peak RSS as JSON.

    For ours, peak RSS is the largest sum of this process's and its copy workers' resident sets
    (proportional) while the package is written, sampled five times a second by another process
    (``sample_rss``).
    """
    baseline = peak_rss_mb()
    if phase == "ours":
        result = ours(data, json.loads((data / "ids.json").read_text()), workers)
    else:
        paths = [Path(path) for path in json.loads((data / "paths.json").read_text())]
        baseline = peak_rss_mb()
        name, parallel = PHASES[phase]
        measure = {
            "make_bag": make_bag,
            "copy": copy_only,
            "limit": limit,
        }[name]
        result = measure(data, paths, parallel or workers)
        result.update(peak_rss_mb=peak_rss_mb())
    result.update(baseline_rss_mb=baseline)
    print(json.dumps(result))


def _spin(_task: int = 0) -> float:
    """Return the seconds a fixed amount of interpreter work takes here (about half a second)."""
    started = time.perf_counter()
    for _ in range(40):
        sum(range(250_000))
    return time.perf_counter() - started


def core_speeds(cores: int) -> list[float]:
    """Return each core's speed when all ``cores`` work at once, as a fraction of one core working alone.

    This shared host does not always give its vCPUs the same speed: when a neighbour loads one, the
    work on two cores at once goes slower while a one-process run (make_bag) does not.
    """
    alone = _spin()
    with ProcessPoolExecutor(max_workers=cores) as pool:
        list(pool.map(_spin, range(cores)))  # the processes started: only the work is timed next
        together = list(pool.map(_spin, range(cores)))
    return sorted((alone / seconds for seconds in together), reverse=True)


def drop_caches() -> None:
    """Write dirty pages out, then drop the page cache so the phase reads from the disk."""
    os.sync()  # the benchmark's own setup, not the export: the export never syncs the machine
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def free_memory(paths: list[str]) -> None:
    """Drop the page cache, then read the stored files back: hot sources, and free memory to write into.

    Without it, every earlier run's output stays cached until memory is full, and each page a later
    build writes must first be reclaimed: on this machine that tripled the copy's system time
    (1.6 -> 5.4 s) from one run to the next, whatever the code.
    """
    drop_caches()
    for path in paths:
        Path(path).read_bytes()


def run_phase(phase: str, data: Path, workers: int, cold: bool) -> dict:
    if cold:
        drop_caches()
    elif os.geteuid() == 0:
        free_memory(json.loads((data / "paths.json").read_text()))
    output = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--data", str(data), "--workers", str(workers)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dossiers", type=int, nargs="?", default=2000)
    parser.add_argument("files", type=int, nargs="?", default=20000)
    parser.add_argument("megabytes", type=int, nargs="?", default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cold", action="store_true", help="drop the page cache before each phase (root)")
    parser.add_argument("--phase", choices=tuple(PHASES))
    parser.add_argument("--only", nargs="+", choices=tuple(PHASES), help="run only these phases")
    parser.add_argument("--data", type=Path)
    parser.add_argument("--archive", type=Path, help="build the archive here once and reuse it on later runs")
    parser.add_argument("--sample-rss", type=int, metavar="PID", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    if args.sample_rss:
        sample_rss(args.sample_rss)
        return
    if args.phase:
        child(args.phase, args.data, args.workers)
        return
    with tempfile.TemporaryDirectory(prefix="erms-export-bench-") as folder:
        data = args.archive or Path(folder)
        started = time.perf_counter()
        if not (data / "ids.json").exists():  # --archive: built once, reused by later runs
            data.mkdir(parents=True, exist_ok=True)
            ids = populate(data, args.dossiers, args.files, args.megabytes)
            (data / "ids.json").write_text(json.dumps(ids))
        else:
            upgrade(data)  # an archive built by an older checkout gets the newer columns
        ids = json.loads((data / "ids.json").read_text())
        paths = stored_paths(data, ids)
        (data / "paths.json").write_text(json.dumps([str(path) for path in paths]))
        files, megabytes = len(paths), sum(path.stat().st_size for path in paths) / 1e6
        print(
            f"archive: {len(ids)} dossiers, {files} content files, {megabytes:.0f} MB "
            f"(ready in {time.perf_counter() - started:.0f} s); workers {args.workers}"
        )
        phases = args.only or list(PHASES)
        runs, speeds = [], []
        for _ in range(args.runs):
            speeds.append(core_speeds(args.workers))
            runs.append({phase: run_phase(phase, data, args.workers, args.cold) for phase in phases})
        shutil.rmtree(data / OUTPUTS, ignore_errors=True)
    results = {
        phase: {key: statistics.median(run[phase][key] for run in runs) for key in runs[0][phase]} for phase in phases
    }
    print(f"medians of {args.runs} runs, {'cold' if args.cold else 'hot'} page cache")
    for phase, result in results.items():
        label = phase.replace("_n", f" x{args.workers}")
        extra = (
            f", then syncfs {result['sync_seconds']:.2f} s, verification {result['verify_seconds']:.1f} s"
            if "verify_seconds" in result
            else ""
        )
        print(
            f"{label:<11} {result['seconds']:7.2f} s  CPU {result['cpu_seconds']:5.1f} s  "
            f"{megabytes / result['seconds']:7.1f} MB/s  "
            f"{files / result['seconds']:7.0f} files/s  peak RSS {result['peak_rss_mb']:.0f} MB "
            f"(after imports {result['baseline_rss_mb']:.0f} MB){extra}"
        )
    # Each run's seconds too: this shared host's speed moves between runs minutes apart.
    for phase in phases:
        print(f"{phase:<11} runs: " + ", ".join(f"{run[phase]['seconds']:.2f} s" for run in runs))
    print(
        f"{args.workers} cores at once before each run, each core's speed against one alone: "
        + ", ".join("+".join(f"{speed:.2f}" for speed in run) for run in speeds)
    )
    speed = {phase: megabytes / result["seconds"] for phase, result in results.items()}
    if {"ours", "make_bag", "limit"} <= results.keys():
        synced = megabytes / (results["ours"]["seconds"] + results["ours"]["sync_seconds"])
        print(
            f"ours/make_bag {speed['ours'] / speed['make_bag']:.2f}x   ours/limit {speed['ours'] / speed['limit']:.0%}"
            f"   (with syncfs: {synced / speed['make_bag']:.2f}x, {synced / speed['limit']:.0%})"
        )
    if {"ours", "copy", "make_bag"} <= results.keys():  # what 1.5x make_bag would take on this machine
        target, work = results["make_bag"]["seconds"] / 1.5, results["ours"]["cpu_seconds"]
        copying = results["copy"]["cpu_seconds"]
        print(
            f"copy alone/make_bag {speed['copy'] / speed['make_bag']:.2f}x; 1.5x make_bag is {target:.2f} s, ours "
            f"takes {work:.1f} CPU-s (copying and hashing {copying:.1f}, the rest {work - copying:.1f}): "
            f"{work / target:.1f} cores busy throughout; this machine has {os.cpu_count()}"
        )


if __name__ == "__main__":
    main()
