"""Format identification at capture (nhận dạng định dạng tệp), by PRONOM signatures through fido.

The PUID found here is kept with the file and written to PREMIS ``formatRegistryKey``. Only the file's bytes can
make a format "known": when no byte signature matches, the name the person gave the file is tried against PRONOM's
extensions, and such a match is weak, so it is flagged to the archivist like no match at all.

fido's documented API (``Fido.identify_file`` with a ``handle_matches`` callback) does not fit capture: it takes the
extension from the path it reads (our stored files are named by digest), writes to stderr, swallows I/O errors,
keeps per-file state on a shared instance and parses the container signature file again for every ZIP or OLE file.
So this module calls the matching steps that ``identify_file`` is made of (``get_buffers``, ``match_formats``,
``container_type``, ``as_good_as_any``, ``match_extensions``, ``ZipPackage``/``OlePackage``, ``extract_signatures``)
and overrides ``get_regex`` and ``blocking_read``. They are undocumented, so they are used only here, checked
against one version (FIDO_VERSION, pinned in pyproject.toml; tests/filing/test_formats.py fails loudly after an
upgrade).

Container files are opened with zipfile and olefile, which read the entries a container signature names whole, so
the worker identifies what it captured in a child process killed after a timeout (:func:`identify_in_child`): a
crafted file costs that child, never the worker.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree import ElementTree

import fido
from fido.fido import Fido
from fido.package import OlePackage, ZipPackage
from fido.versions import get_local_versions

FIDO_VERSION = "1.6.1"


@dataclass(frozen=True)
class Format:
    """What PRONOM calls a file, and on what grounds."""

    puid: str  # PRONOM unique identifier, e.g. "fmt/276" (PDF 1.7); "" when nothing matched
    name: str  # PRONOM's format name, e.g. "Acrobat PDF 1.7 - Portable Document Format"
    version: str  # as PRONOM gives it ("1.7"), may be ""
    mime: str  # PRONOM's MIME type if any, else ""
    # "signature" (the bytes, container signatures included), "misnamed" (the bytes, of a format whose PRONOM
    # extensions do not include the file name's: an executable named .pdf), "extension" (weak) or "" (no match)
    basis: str

    @property
    def known(self) -> bool:
        """True only for a byte signature match; a misnamed file, an extension-only match or none is flagged to the
        archivist."""
        return self.basis in ("signature", MISNAMED)


MISNAMED = "misnamed"


UNKNOWN = Format(puid="", name="", version="", mime="", basis="")


def identify(path: Path, filename: str = "") -> Format:
    """Identify the file at ``path`` by its bytes; ``filename`` (the person's name for it) only as a fallback.

    When several formats match, fido first drops those another match has PRONOM priority over. Of the rest, the one
    whose PRONOM extensions include ``filename``'s wins (the bytes choose the candidates, the name breaks the tie),
    otherwise the first in the signature file's order (PUID order: fido's prepare.py computes a priority sort but
    discards it). A ZIP or OLE2 file whose container signature matches (DOCX, XLSX, DOC…) is that format, not ZIP.

    Raises OSError when ``path`` cannot be read: a stored file that is missing is not an unknown format.
    """
    return _identifier().identify(path, filename)


def identify_in_child(files: list[tuple[Path, str]], *, timeout: float = 60.0) -> list[Format] | None:
    """Identify a batch of (path, the person's name for it) in a fresh interpreter killed after ``timeout``: one
    start and one signature load for the whole batch. None when the child failed or ran out of time."""
    batch = json.dumps([[str(path), filename] for path, filename in files])
    command = [sys.executable, "-m", "filing.formats"]
    try:
        done = subprocess.run(command, input=batch, capture_output=True, text=True, timeout=timeout, check=False)
        found = [Format(**item) for item in json.loads(done.stdout)] if done.returncode == 0 else None
    except (subprocess.TimeoutExpired, ValueError, TypeError):
        return None
    return found if found is not None and len(found) == len(files) else None


def _identify_batch() -> None:
    """The child's side: a JSON list of [path, name] on stdin, a JSON list of formats on stdout (unreadable: none)."""
    found = []
    for path, filename in json.loads(sys.stdin.read()):
        try:
            found.append(asdict(identify(Path(path), filename)))
        except OSError:
            found.append(asdict(UNKNOWN))
    sys.stdout.write(json.dumps(found))


def signature_files() -> str:
    """The PRONOM signature files this identification used, for the PREMIS event's detail."""
    versions = get_local_versions()
    return f"fido {fido.__version__}, PRONOM v{versions.pronom_version} ({versions.pronom_container_signature})"


@functools.cache
def _identifier() -> _Identifier:
    # Built once per process, on first use: about 0.2 s (measured on this machine: reading the ~2,260 PRONOM
    # formats 0.08 s, compiling their ~2,300 byte patterns 0.13 s; importing fido, before, 0.1-0.15 s). An
    # identification after that takes about 5 ms, 7-10 ms for a ZIP- or OLE-based office file.
    return _Identifier()


class _Identifier(Fido):
    """fido loaded with the signatures it ships, its patterns compiled once, its container signatures parsed once."""

    def __init__(self) -> None:
        versions = get_local_versions()
        cache_size = re._MAXCACHE  # type: ignore[attr-defined]
        super().__init__(
            quiet=True,
            handle_matches=_never_called,
            format_files=[versions.pronom_signature, versions.fido_extension_signature],
        )
        # Fido.__init__ enlarges the process-wide regular expression cache so its patterns stay compiled; they are
        # compiled here instead (get_regex below), so the cache the rest of the process shares is left as it was.
        re._MAXCACHE = cache_size  # type: ignore[attr-defined]
        self._patterns: dict[ElementTree.Element, re.Pattern[bytes]] = {}
        for format_ in self.formats:
            for signature in self.get_signatures(format_):
                for pattern in self.get_patterns(signature):
                    self._patterns[pattern] = re.compile(pattern.findtext("regex", "").encode("utf8"))
        containers = ElementTree.parse(os.path.join(self.conf_dir, versions.pronom_container_signature))
        self._containers: dict[str, tuple[type[Any], dict[str, Any]]] = {
            "zip": (ZipPackage, self.extract_signatures(containers, signature_type="ZIP")),
            "ole": (OlePackage, self.extract_signatures(containers, signature_type="OLE2")),
        }

    def get_regex(self, pat: ElementTree.Element) -> re.Pattern[bytes]:
        # match_formats hands what this returns to re.match and re.search, which take a compiled pattern as is.
        return self._patterns[pat]

    def blocking_read(self, file: BinaryIO, bytes_to_read: int) -> bytes:
        # fido's own stops early only when read() returns "" (a str, never so in Python 3), so a file shorter than
        # its size said, cut while we read it, would loop for ever; read() on a file returns fewer bytes only at EOF.
        return file.read(bytes_to_read)

    def identify(self, path: Path, filename: str) -> Format:
        size = path.stat().st_size
        matches: list[tuple[ElementTree.Element, str]] = []
        if size:  # fido skips the signatures of an empty file: one of RTF's matches nothing
            with path.open("rb") as stream:
                bof, eof, _ = self.get_buffers(stream, size, seekable=True)
            matches = self.match_formats(bof, eof)
            container = self.container_type(matches)
            if container in self._containers:
                matches = self._match_container(container, path) or matches
        if matches:
            return self._format(matches, filename, "signature")
        if filename:
            matches = self.match_extensions(filename)
            if matches:
                return self._format(matches, filename, "extension")
        return UNKNOWN

    def _match_container(self, container: str, path: Path) -> list[tuple[ElementTree.Element, str]]:
        package, signatures = self._containers[container]
        puids = dict.fromkeys(package(str(path), signatures).detect_formats())  # once each, in fido's order
        formats = [self.puid_format_map[puid] for puid in puids if puid in self.puid_format_map]
        matches = [(format_, format_.findtext("name", "")) for format_ in formats]
        return [match for match in matches if self.as_good_as_any(match[0], matches)]

    def _format(self, matches: list[tuple[ElementTree.Element, str]], filename: str, basis: str) -> Format:
        extension = os.path.splitext(filename)[1].lower().lstrip(".")
        chosen = next(
            (f for f, _ in matches if extension and extension in {e.text for e in f.findall("extension")}),
            matches[0][0],
        )
        named = {(e.text or "").lower() for e in chosen.findall("extension")}
        if basis == "signature" and extension and named and extension not in named:
            basis = MISNAMED
        return Format(
            puid=chosen.findtext("puid", ""),
            name=chosen.findtext("name", ""),
            version=chosen.findtext("version", "") or "",
            mime=chosen.findtext("mime", "") or "",
            basis=basis,
        )


def _never_called(*args: object) -> None:
    raise AssertionError("filing.formats does not use Fido.identify_file")


if __name__ == "__main__":
    _identify_batch()
