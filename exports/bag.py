"""Write a package as a BagIt 1.0 bag (RFC 8493), crash-safe and reading each stored file once.

``write`` copies every content file from the store into ``<out>/.<name>.partial/``, computing
SHA-256 and SHA-512 in the same pass and comparing the SHA-256 with the one recorded at capture
(a mismatch aborts, naming the file and both digests); then it writes the XML, PDFs, manifests
and bag-info from those digests. ``place`` renames the finished folder into ``<out>/<name>`` only
after it was checked, so a killed build never leaves a half package under the final name, and a
rerun starts over from an empty staging folder. One build at a time per output folder (a lock
file). ``bagit.make_bag`` is not used: it re-reads every file and changes the working directory.
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from erms.errors import N_, ERMSError, RuleViolation
from erms.storage import FileStore, fsync_dir
from exports import cits, ead, handover_pdf, layout, mets, premis, tt02
from exports.layout import ContentFile, Written
from exports.snapshot import PackageSnapshot
from exports.xml import LOCAL_TZ, XSD_DIR, to_bytes

# Large reads: one GIL round trip per 4 MiB; small files are read whole in one call.
CHUNK = 4 * 1024 * 1024
ALGORITHMS = ("sha256", "sha512")
PROFILE_PATH = Path(__file__).resolve().parent.parent / "schemas" / "bagit-profile-handover-v1.json"
PROFILE_ID = json.loads(PROFILE_PATH.read_text(encoding="utf-8"))["BagIt-Profile-Info"]["BagIt-Profile-Identifier"]
# A PDF signature dictionary carries /ByteRange; seen while copying, it fills CITS ERMS eSignature.
_SIGNATURE_MARK = b"/ByteRange"
_LIBC = ctypes.CDLL(None, use_errno=True)

Progress = Callable[[int, int], None]


class FixityMismatch(ERMSError):
    """A stored file no longer has the digest recorded at capture: corruption is caught, not exported."""

    template = N_("File %(name)s of dossier %(code)s does not match its digest recorded at capture: "
                  "recorded %(expected)s, read now %(actual)s. Nothing was exported.")


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
            raise RuleViolation(N_("Another package is being built in %(folder)s; try again when it ends."),
                                folder=str(out_dir)) from None
        yield


def staging_path(out_dir: Path, name: str) -> Path:
    """Return the hidden folder beside the output where ``name`` is built."""
    return out_dir / f".{name}.partial"


def _copy(store: FileStore, content: ContentFile, target: Path) -> Written:
    """Copy one stored file, hashing while copying; raise FixityMismatch if it changed since capture."""
    digests = [hashlib.new(algorithm) for algorithm in ALGORITHMS]
    size, signed, tail = 0, False, b""
    try:
        with store.open(content.source.sha256) as source, open(target, "wb") as copy:
            while chunk := source.read(CHUNK):
                for digest in digests:
                    digest.update(chunk)  # hashlib releases the GIL here: the other worker runs meanwhile
                signed = signed or _signature_in(tail, chunk)
                tail = chunk[-len(_SIGNATURE_MARK):]
                copy.write(chunk)
                size += len(chunk)
    except FileNotFoundError:
        _mismatch(content, "missing")
    sha256, sha512 = (digest.hexdigest() for digest in digests)
    if sha256 != content.source.sha256:
        _mismatch(content, sha256)
    return Written(content.path, size, sha256, sha512, content.source.media_type, content.source.captured_at, signed)


def _signature_in(tail: bytes, chunk: bytes) -> bool:
    """Say whether the mark is in ``chunk`` or straddles it and the previous chunk's ``tail``."""
    # Joining only the edges: ``tail + chunk`` would copy every chunk once more.
    return _SIGNATURE_MARK in chunk or _SIGNATURE_MARK in tail + chunk[:len(_SIGNATURE_MARK)]


def _mismatch(content: ContentFile, actual: str) -> None:
    raise FixityMismatch(name=content.source.filename, code=content.dossier.file_code,
                         expected=content.source.sha256, actual=actual)


def _write(root: Path, path: str, data: bytes, media_type: str, created: datetime) -> Written:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return Written(path, len(data), hashlib.sha256(data).hexdigest(), hashlib.sha512(data).hexdigest(),
                   media_type, created)


def copy_contents(store: FileStore, contents: list[ContentFile], root: Path, *, workers: int,
                  progress: Progress) -> dict[str, Written]:
    """Copy and hash every content file, ``workers`` at a time (hashlib releases the GIL)."""
    written: dict[str, Written] = {}
    for folder in {(root / content.path).parent for content in contents}:
        folder.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(lambda content: _copy(store, content, root / content.path), contents)
        for done, result in enumerate(results, start=1):
            written[result.path] = result
            progress(done, len(contents))
    return written


def _independent_files(snapshot: PackageSnapshot, font: str) -> list[tuple[str, bytes, str]]:
    """Return the metadata and documentation files that need no digest: (path, bytes, media type)."""
    xml = "text/xml"
    files = [(layout.ERMS_XSD, (XSD_DIR / "ERMS_v3.xsd").read_bytes(), xml),
             (layout.TT02, to_bytes(tt02.metadata(snapshot)), xml),
             (layout.EAD, to_bytes(ead.build(snapshot)), xml),
             (layout.TRANSFER_LIST_XML, to_bytes(tt02.transfer_list(snapshot)), xml),
             (layout.TRANSFER_LIST_PDF, handover_pdf.transfer_list(snapshot, font), "application/pdf")]
    if snapshot.kind == "handover":
        files.append((layout.HANDOVER_RECORD_PDF, handover_pdf.handover_record(snapshot, font), "application/pdf"))
    return files


def _descriptions(snapshot: PackageSnapshot, root: Path, contents: list[ContentFile],
                  written: dict[str, Written], independent: list[tuple[str, bytes, str]]) -> list[str]:
    """Write the metadata and documentation files; return the documentation paths."""
    xml = "text/xml"
    files = [*independent,
             (layout.CITS_ERMS, to_bytes(cits.build(snapshot, contents, written)), xml),
             (layout.PREMIS, to_bytes(premis.build(snapshot, contents, written)), xml)]
    for path, data, media_type in files:
        written[path] = _write(root, path, data, media_type, snapshot.created_at)
    return [path for path, _, _ in files if path.startswith("documentation/")]


def _manifest_line(digest: str, path: str) -> str:
    # RFC 8493 §2.1.3: percent-encode "%", CR and LF in manifest paths.
    encoded = path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"{digest}  {encoded}\n"


def _tag_files(snapshot: PackageSnapshot, bag_dir: Path, payload: list[Written]) -> tuple[str, str]:
    """Write bagit.txt, bag-info.txt, the payload manifests and tag manifests; return (oxum, manifest sha256)."""
    prefix = f"data/{snapshot.name}/"
    oxum = f"{sum(item.size for item in payload)}.{len(payload)}"
    for algorithm in ALGORITHMS:
        lines = sorted(_manifest_line(getattr(item, algorithm), prefix + item.path) for item in payload)
        (bag_dir / f"manifest-{algorithm}.txt").write_text("".join(lines), encoding="utf-8")
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
    (bag_dir / "bag-info.txt").write_text("".join(f"{key}: {value}\n" for key, value in info.items()),
                                          encoding="utf-8")
    tags = ["bagit.txt", "bag-info.txt", *(f"manifest-{algorithm}.txt" for algorithm in ALGORITHMS)]
    for algorithm in ALGORITHMS:
        lines = [_manifest_line(hashlib.new(algorithm, (bag_dir / tag).read_bytes()).hexdigest(), tag)
                 for tag in tags]
        (bag_dir / f"tagmanifest-{algorithm}.txt").write_text("".join(lines), encoding="utf-8")
    return oxum, hashlib.sha256((bag_dir / "manifest-sha256.txt").read_bytes()).hexdigest()


def write(snapshot: PackageSnapshot, *, store: FileStore, out_dir: Path, font: str = "", workers: int = 2,
          progress: Progress = lambda _done, _total: None) -> Bag:
    """Build the whole bag in the staging folder beside the output and return it (not yet in place)."""
    bag_dir = staging_path(out_dir, snapshot.name)
    shutil.rmtree(bag_dir, ignore_errors=True)  # what a killed run left: start over
    root = bag_dir / "data" / snapshot.name
    root.mkdir(parents=True)
    contents = layout.content_files(snapshot.dossiers)
    # The files that need no digest (PDFs, TT 02, EAD) are built while the content is copied: the copy
    # waits on disk and hashlib (both without the GIL), leaving the interpreter to the builders.
    with ThreadPoolExecutor(max_workers=1) as side:
        independent = side.submit(_independent_files, snapshot, font)
        try:
            written = copy_contents(store, contents, root, workers=workers, progress=progress)
        except FixityMismatch:
            shutil.rmtree(bag_dir)  # corruption is reported, never left lying half-copied
            raise
        documentation = _descriptions(snapshot, root, contents, written, independent.result())
    created = snapshot.created_at
    written[layout.REPRESENTATION_METS] = _write(
        root, layout.REPRESENTATION_METS, to_bytes(mets.representation(snapshot.name, created, contents, written)),
        "application/xml", created)
    label = f"{snapshot.organisation_name} — {snapshot.name}"
    written[layout.METS] = _write(root, layout.METS, to_bytes(mets.package(snapshot.name, label, created, contents,
                                                                           written, documentation)),
                                  "application/xml", created)
    oxum, manifest_digest = _tag_files(snapshot, bag_dir, list(written.values()))
    return Bag(bag_dir, oxum, manifest_digest, sum(item.size for item in written.values()))


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


def sync_filesystem(path: Path) -> None:
    """Flush the file system holding ``path`` (syncfs(2)): every file and folder of the bag in one call.

    One journal commit instead of one fsync per file, and unlike sync(2) it leaves the machine's
    other disks alone.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        if _LIBC.syncfs(fd) != 0:
            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error), str(path))
    finally:
        os.close(fd)
