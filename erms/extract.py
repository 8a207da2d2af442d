"""Text extraction from stored files for the search index: PDF (pypdf), DOCX (python-docx), TXT.

Files come from users, so a broken or hostile file must never take the product down: PDF and
DOCX are parsed in a child process that is killed after a timeout, files above a size cap are
not parsed at all, and any failure yields empty text (the record stays findable by metadata).
The same child counts a PDF's pages, a fact of the file the worker offers as the document's
page count (``filing.suggestions``); a PDF it cannot read gives no count.
"""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

# Defaults; erms.search passes the SEARCH_EXTRACT_* settings when they are set.
MAX_BYTES = 50 * 1024 * 1024
TIMEOUT_SECONDS = 20.0
# Text kept per file: enough for every page of an ordinary administrative document.
MAX_CHARS = 200_000

PDF, DOCX, TXT = "pdf", "docx", "txt"
_SUFFIXES = {".pdf": PDF, ".docx": DOCX, ".txt": TXT}
_MEDIA_TYPES = {
    "application/pdf": PDF,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": DOCX,
    "text/plain": TXT,
}


@dataclass(frozen=True)
class Extracted:
    """A file's text (NFC, at most MAX_CHARS) and, for a PDF the parser read, its number of pages."""

    text: str
    pages: int | None = None


NOTHING = Extracted("")


def kind_of(media_type: str, filename: str) -> str | None:
    """Return PDF, DOCX or TXT for a file we can read, else None."""
    return _MEDIA_TYPES.get(media_type) or _SUFFIXES.get(Path(filename).suffix.lower())


def extracted(
    path: Path, media_type: str, filename: str, *, max_bytes: int = MAX_BYTES, timeout: float = TIMEOUT_SECONDS
) -> Extracted:
    """Return the text of the file at ``path`` and a PDF's page count; NOTHING if it cannot be read."""
    kind = kind_of(media_type, filename)
    try:
        if kind is None or path.stat().st_size > max_bytes:
            return NOTHING
    except OSError:
        return NOTHING
    found = Extracted(_plain_text(path)) if kind == TXT else _in_child(kind, path, timeout)
    return Extracted(unicodedata.normalize("NFC", found.text)[:MAX_CHARS], found.pages)


def _plain_text(path: Path) -> str:
    with path.open("rb") as handle:
        return handle.read(MAX_CHARS * 4).decode("utf-8", errors="replace")


def _in_child(kind: str, path: Path, timeout: float) -> Extracted:
    """Parse in a fresh interpreter that imports only the parser; kill it after ``timeout`` seconds.

    A plain subprocess rather than multiprocessing: a forkserver child re-imports the caller's main
    module (the whole console or web app, about a second per file), and forking the multi-threaded
    web process is unsafe. The child writes the page count on its first line (empty: none), then the text.
    """
    command = [sys.executable, "-m", "erms.extract", kind, str(path)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:  # a PDF can loop forever; run() has killed the child
        return NOTHING
    if done.returncode != 0:
        return NOTHING
    count, _, text = done.stdout.decode("utf-8", errors="replace").partition("\n")
    return Extracted(text, int(count) if count.isdigit() else None)


def _child_main(kind: str, path: str) -> None:
    try:
        pages, text = _parse(kind, Path(path))
    except Exception:  # any parser error on a user's file means "no text" and no count, never a failure
        pages, text = None, ""
    head = "" if pages is None else str(pages)
    sys.stdout.buffer.write(f"{head}\n{text[:MAX_CHARS]}".encode("utf-8", errors="replace"))


def _parse(kind: str, path: Path) -> tuple[int | None, str]:
    """Return the file's page count (a PDF's; None for a DOCX, which has no fixed pages) and its text."""
    if kind == PDF:
        from pypdf import PdfReader

        pages = PdfReader(path).pages
        return len(pages), "\n".join(page.extract_text() or "" for page in pages)
    import docx

    document = docx.Document(str(path))
    cells = (cell.text for table in document.tables for row in table.rows for cell in row.cells)
    return None, "\n".join([paragraph.text for paragraph in document.paragraphs] + list(cells))


if __name__ == "__main__":
    _child_main(*sys.argv[1:3])
