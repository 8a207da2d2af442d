"""Write a package as a BagIt 1.0 bag (RFC 8493), crash-safe and reading each stored file once.

``Build`` copies every content file from the store into ``<out>/.<name>.partial/`` from the moment
its dossier is read, computing SHA-256 and SHA-512 in the same pass and comparing them with the ones
recorded at capture (a mismatch aborts, naming the file and both digests); meanwhile it writes the
XML, PDFs, manifests and bag-info from the recorded digests, which the copy proves. ``place``
renames the finished folder into ``<out>/<name>`` only after it was checked, so a killed build
never leaves a half package under the final name, and a rerun starts over from an empty staging
folder. One build at a time per output folder (a lock file). ``bagit.make_bag`` is not used: it
re-reads every file and changes the working directory.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from erms.config import LOCAL_TZ
from erms.errors import N_, ERMSError, RuleViolation
from erms.storage import FileStore, fsync_dir, sync_filesystem
from exports.bagging import copier, layout
from exports.bagging.layout import PROFILE_ID, ContentFile, Written
from exports.pdf import handover_pdf
from exports.snapshot import DossierSnapshot, PackageSnapshot
from exports.xml import XSD_DIR, cits, ead, mets, premis, tt02

ALGORITHMS = ("sha256", "sha512")
# Copy processes: hashing is CPU-bound, one per core; past a few the disk is the limit.
DEFAULT_WORKERS = min(os.cpu_count() or 2, 8)

Progress = Callable[[int, int], None]


class FixityMismatch(ERMSError):
    """A stored file no longer has the digest recorded at capture: corruption is caught, not exported."""

    template = N_(
        "File %(name)s of dossier %(code)s does not match its digest recorded at capture: "
        "recorded %(expected)s, read now %(actual)s. Nothing was exported."
    )


class CopyError(ERMSError):
    """A file could not be read from the store or written into the package (disk full, permissions …)."""

    template = N_(
        "File %(name)s of dossier %(code)s could not be copied into the package: %(reason)s. Nothing was exported."
    )


@dataclass(frozen=True)
class Bag:
    """A bag written to disk, with the figures its Package row keeps."""

    path: Path
    payload_oxum: str
    manifest_sha256: str
    size: int


@contextmanager
def build_lock(out_dir: Path) -> Iterator[None]:
    """Hold the one-build-at-a-time lock of ``out_dir`` or refuse at once."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / ".erms-build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuleViolation(
                N_("Another package is being built in %(folder)s; try again when it ends."), folder=str(out_dir)
            ) from None
        yield


def staging_path(out_dir: Path, name: str) -> Path:
    """Return the hidden folder beside the output where ``name`` is built."""
    return out_dir / f".{name}.partial"


class _Copying:
    """The content copy running beside the snapshot's reading and the metadata builders."""

    def __init__(self, store: FileStore, root: Path, workers: int, progress: Progress) -> None:
        self.store, self.root, self.progress = store, root, progress
        self.contents: list[ContentFile] = []
        self.copied = 0
        self.total: int | None = None  # known once every file has been given
        self.lock = threading.Lock()
        self.pool = copier.Pool(workers=workers, done=self._done)

    def add(self, contents: list[ContentFile]) -> None:
        """Copy these files too (numbered after those already given)."""
        self.contents.extend(contents)
        # Plain strings: the workers take their paths as JSON text.
        self.pool.submit(
            (self.store.location(content.source.sha256), f"{self.root}/{content.path}") for content in contents
        )

    def close(self) -> None:
        """Every file has been given: the progress can tell how far the copy is."""
        with self.lock:
            self.total = len(self.contents)
            self.progress(self.copied, self.total)
        self.pool.close()

    def _done(self, copied: copier.Copied) -> None:
        """Compare what was read with the SHA-256 recorded at capture; a mismatch stops the copy.

        Equal SHA-256 digests mean the copied bytes are the captured bytes, so the SHA-512 recorded at
        capture is theirs too: the manifest takes it from the capture instead of hashing every file again.
        """
        content = self.contents[copied.number]
        if copied.sha256 != content.source.sha256:
            raise _fixity_error(content, content.source.sha256, copied.sha256)
        with self.lock:  # one feeder thread at a time: the progress bar only moves forward
            self.copied += 1
            if self.total is not None:
                self.progress(self.copied, self.total)

    def check(self) -> None:
        """Raise what stopped the copy, if it has stopped (the metadata need not be finished first)."""
        if self.pool.error is not None:
            raise self._failure(self.pool.error)

    def wait(self) -> None:
        """Wait for the whole copy; raise what stopped it (FixityMismatch, a missing file …)."""
        try:
            self.pool.join()
        except BaseException as error:
            raise self._failure(error) from None

    def stop(self) -> None:
        """Stop the copy (something else failed): the workers are gone when this returns."""
        self.pool.stop()

    def _failure(self, error: BaseException) -> BaseException:
        if not isinstance(error, copier.CopyFailed):
            return error
        content = self.contents[error.number]
        if error.missing:
            return _fixity_error(content, content.source.sha256, "missing")
        return CopyError(name=content.source.filename, code=content.dossier.file_code, reason=str(error))


def _fixity_error(content: ContentFile, recorded: str, actual: str) -> FixityMismatch:
    return FixityMismatch(
        name=content.source.filename, code=content.dossier.file_code, expected=recorded, actual=actual
    )


class _HashingFile:
    """A file being written whose size and digests are computed on the way, for the manifests."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file = open(path, "wb")
        self.digests = [hashlib.new(algorithm) for algorithm in ALGORITHMS]
        self.size = 0

    def write(self, data: bytes) -> int:
        for digest in self.digests:
            digest.update(data)
        self.size += len(data)
        return self.file.write(data)

    def close(self, path: str, media_type: str, created: datetime) -> Written:
        self.file.close()
        sha256, sha512 = (digest.hexdigest() for digest in self.digests)
        return Written(path, self.size, sha256, sha512, media_type, created)


def _emit(
    root: Path,
    written: dict[str, Written],
    path: str,
    media_type: str,
    created: datetime,
    produce: Callable[[_HashingFile], object],
) -> None:
    """Write the file ``path`` of the package with ``produce(out)`` and record it in ``written``."""
    out = _HashingFile(root / path)
    try:
        produce(out)
    finally:
        written[path] = out.close(path, media_type, created)


def _recorded(content: ContentFile) -> Written:
    """The content file as the package lists it: the digests recorded at capture, which the copy proves."""
    source = content.source
    return Written(content.path, source.size, source.sha256, source.sha512, source.media_type, source.captured_at)


def _copy_of(source: Path) -> Callable[[_HashingFile], object]:
    return lambda out: out.write(source.read_bytes())


def _representation_mets(
    snapshot: PackageSnapshot, representation: str, contents: list[ContentFile], written: dict[str, Written]
) -> Callable[[_HashingFile], object]:
    return lambda out: mets.write_representation(
        snapshot.name, snapshot.created_at, representation, contents, written, out
    )


def _metadata(
    snapshot: PackageSnapshot,
    root: Path,
    contents: list[ContentFile],
    written: dict[str, Written],
    copying: _Copying,
    font: str,
) -> None:
    """Write every metadata and documentation file, the package METS last (it lists the others' digests)."""
    xml, pdf, created = "text/xml", "application/pdf", snapshot.created_at
    documentation = [layout.TRANSFER_LIST_XML, layout.TRANSFER_LIST_PDF]
    steps = [
        *((f"schemas/{name}", xml, _copy_of(XSD_DIR / name)) for name in layout.SCHEMA_FILES),
        (layout.TT02, xml, lambda out: tt02.write_metadata(snapshot, out)),
        (layout.EAD, xml, lambda out: ead.write(snapshot, out)),
        (layout.TRANSFER_LIST_XML, xml, lambda out: tt02.write_transfer_list(snapshot, out)),
        (layout.TRANSFER_LIST_PDF, pdf, lambda out: out.write(handover_pdf.transfer_list(snapshot, font))),
        (layout.PREMIS, xml, lambda out: premis.write(snapshot, contents, written, out)),
        *(
            (
                f"{representation}/METS.xml",
                "application/xml",
                _representation_mets(snapshot, representation, contents, written),
            )
            for representation in mets.representations(contents)
        ),
    ]
    if snapshot.kind == "handover":
        documentation.append(layout.HANDOVER_RECORD_PDF)
        steps.append(
            (layout.HANDOVER_RECORD_PDF, pdf, lambda out: out.write(handover_pdf.handover_record(snapshot, font)))
        )
    steps.append((layout.CITS_ERMS, xml, lambda out: cits.write(snapshot, contents, written, out)))
    for path, media_type, produce in steps:
        copying.check()  # a corrupt file found early stops the build early
        _emit(root, written, path, media_type, created, produce)
    label = f"{snapshot.organisation_name} — {snapshot.name}"
    _emit(
        root,
        written,
        layout.METS,
        "application/xml",
        created,
        lambda out: mets.write_package(
            snapshot.name, label, created, contents, written, documentation, out, snapshot.dossiers
        ),
    )


def _manifest_line(digest: str, path: str) -> str:
    # RFC 8493 §2.1.3: percent-encode "%", CR and LF in manifest paths.
    encoded = path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"{digest}  {encoded}\n"


def _tag_files(snapshot: PackageSnapshot, bag_dir: Path, payload: list[Written]) -> tuple[str, str]:
    """Write bagit.txt, bag-info.txt, the payload manifests and tag manifests; return (oxum, manifest sha256)."""
    prefix = f"data/{snapshot.name}/"
    oxum = f"{sum(item.size for item in payload)}.{len(payload)}"
    payload = sorted(payload, key=lambda item: item.path)
    for algorithm in ALGORITHMS:
        # Line by line through the file's buffer: 22,000 joined lines would cost tens of MB at once.
        with open(bag_dir / f"manifest-{algorithm}.txt", "w", encoding="utf-8", newline="") as manifest:
            for item in payload:
                manifest.write(_manifest_line(getattr(item, algorithm), prefix + item.path))
    (bag_dir / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n", encoding="utf-8")
    info = {
        "Source-Organization": snapshot.organisation_name,
        "External-Identifier": snapshot.name,
        "External-Description": f"{len(snapshot.dossiers)} hồ sơ của phông {snapshot.organisation_code}",
        "Bagging-Date": snapshot.created_at.astimezone(LOCAL_TZ).date().isoformat(),
        "Payload-Oxum": oxum,
        "Bag-Count": "1 of 1",
        "BagIt-Profile-Identifier": PROFILE_ID,
        "Bag-Software-Agent": f"ERMS {mets.VERSION}",
        "ERMS-Audit-Chain-Head": snapshot.audit_head,
        "ERMS-Package-Kind": snapshot.kind,
    }
    (bag_dir / "bag-info.txt").write_text("".join(f"{key}: {value}\n" for key, value in info.items()), encoding="utf-8")
    tags = ["bagit.txt", "bag-info.txt", *(f"manifest-{algorithm}.txt" for algorithm in ALGORITHMS)]
    for algorithm in ALGORITHMS:
        lines = [_manifest_line(hashlib.new(algorithm, (bag_dir / tag).read_bytes()).hexdigest(), tag) for tag in tags]
        (bag_dir / f"tagmanifest-{algorithm}.txt").write_text("".join(lines), encoding="utf-8")
    return oxum, hashlib.sha256((bag_dir / "manifest-sha256.txt").read_bytes()).hexdigest()


class Build:
    """One bag being built in the staging folder beside the output: the copy starts with the first
    dossiers the snapshot reads, the metadata follows the snapshot, and all of it runs together::

        with bag.Build(name, store=store, out_dir=out_dir) as build:
            view = snapshot.package(session, ids, name=name, ..., on_dossiers=build.add)
            written = build.finish(view, font)

    The content is copied by ``workers`` processes; any file whose digests differ from those
    recorded at capture, or any failure of the snapshot or the metadata, stops the copy and removes
    the staging folder. The bag is not in place yet when ``finish`` returns (``place``).
    """

    def __init__(
        self,
        name: str,
        *,
        store: FileStore,
        out_dir: Path,
        workers: int = DEFAULT_WORKERS,
        progress: Progress = lambda _done, _total: None,
    ) -> None:
        self.bag_dir = staging_path(out_dir, name)
        shutil.rmtree(self.bag_dir, ignore_errors=True)  # what a killed run left: start over
        self.root = self.bag_dir / "data" / name
        self.root.mkdir(parents=True)
        self._folders: set[str] = set()
        self._added = 0  # dossiers whose files are given to the copy
        self._bag: Bag | None = None  # what ``finish`` wrote
        self._copying = _Copying(store, self.root, workers, progress)

    def __enter__(self) -> Build:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if error is not None or self._bag is None:  # failed, or left without ``finish``
            self._copying.stop()
            shutil.rmtree(self.bag_dir, ignore_errors=True)  # never left lying half-copied

    def add(self, dossiers: Sequence[DossierSnapshot]) -> None:
        """Start copying the files of these dossiers, the next ones in package order."""
        contents = layout.content_files(dossiers)
        for folder in {content.path.rpartition("/")[0] for content in contents} - self._folders:
            os.makedirs(f"{self.root}/{folder}", exist_ok=True)
            self._folders.add(folder)
        self._added += len(dossiers)
        self._copying.add(contents)

    def finish(self, snapshot: PackageSnapshot, font: str = "") -> Bag:
        """Write the metadata and tag files while the copy ends; return the bag once all of it is there."""
        self.add(snapshot.dossiers[self._added :])  # those not given while the snapshot was read
        copying = self._copying
        copying.close()
        contents = copying.contents
        written = {content.path: _recorded(content) for content in contents}
        _metadata(snapshot, self.root, contents, written, copying, font)
        oxum, manifest_digest = _tag_files(snapshot, self.bag_dir, list(written.values()))
        copying.wait()
        self._bag = Bag(self.bag_dir, oxum, manifest_digest, sum(item.size for item in written.values()))
        return self._bag


def place(bag: Bag, out_dir: Path, name: str) -> Bag:
    """Rename the checked bag to ``<out>/<name>``; a bag already there (unrecorded) is moved away first."""
    sync_filesystem(bag.path)  # every byte on disk before the name says "finished"
    final = out_dir / name
    if final.exists():
        old = out_dir / f".{name}.old-{uuid.uuid4().hex[:8]}"
        os.rename(final, old)
        shutil.rmtree(old)
    os.rename(bag.path, final)
    fsync_dir(out_dir)
    return Bag(final, bag.payload_oxum, bag.manifest_sha256, bag.size)


def set_aside(bag: Bag, out_dir: Path, name: str) -> Bag:
    """Move a bag that failed a check to ``<out>/.<name>.failed`` so it is never taken for a finished one."""
    failed = out_dir / f".{name}.failed"
    shutil.rmtree(failed, ignore_errors=True)
    os.rename(bag.path, failed)
    return Bag(failed, bag.payload_oxum, bag.manifest_sha256, bag.size)
