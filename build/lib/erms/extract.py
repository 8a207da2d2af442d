"""Text extraction from stored files for the search index: PDF (pypdf), DOCX (python-docx), TXT.

Files come from users, so a broken or hostile file must never take the product down: PDF and
DOCX are parsed in a child process that is killed after a timeout, files above a size cap are
not parsed at all, and any failure yields empty text (the record stays findable by metadata).
"""

from __future__ import annotations

import subprocess
import sys
import unicodedata
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


def kind_of(media_type: str, filename: str) -> str | None:
    """Return PDF, DOCX or TXT for a file we can read, else None."""
    return _MEDIA_TYPES.get(media_type) or _SUFFIXES.get(Path(filename).suffix.lower())


def text_of(
    path: Path, media_type: str, filename: str, *, max_bytes: int = MAX_BYTES, timeout: float = TIMEOUT_SECONDS
) -> str:
    """Return the text of the file at ``path`` (NFC, at most MAX_CHARS), or "" if it cannot be read."""
    kind = kind_of(media_type, filename)
    try:
        if kind is None or path.stat().st_size > max_bytes:
            return ""
    except OSError:
        return ""
    text = _plain_text(path) if kind == TXT else _in_child(kind, path, timeout)
    return unicodedata.normalize("NFC", text)[:MAX_CHARS]


def _plain_text(path: Path) -> str:
    with path.open("rb") as handle:
        return handle.read(MAX_CHARS * 4).decode("utf-8", errors="replace")


def _in_child(kind: str, path: Path, timeout: float) -> str:
    """Parse in a fresh interpreter that imports only the parser; kill it after ``timeout`` seconds.

    A plain subprocess rather than multiprocessing: a forkserver child re-imports the caller's main
    module (the whole console or web app, about a second per file), and forking the multi-threaded
    web process is unsafe.
    """
    command = [sys.executable, "-m", "erms.extract", kind, str(path)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:  # a PDF can loop forever; run() has killed the child
        return ""
    return done.stdout.decode("utf-8", errors="replace") if done.returncode == 0 else ""


def _child_main(kind: str, path: str) -> None:
    try:
        text = _parse(kind, Path(path))
    except Exception:  # any parser error on a user's file means "no text", never a failure
        text = ""
    sys.stdout.buffer.write(text[:MAX_CHARS].encode("utf-8", errors="replace"))


def _parse(kind: str, path: Path) -> str:
    if kind == PDF:
        from pypdf import PdfReader

        pages = PdfReader(path).pages
        return "\n".join(page.extract_text() or "" for page in pages)
    import docx

    document = docx.Document(str(path))
    cells = (cell.text for table in document.tables for row in table.rows for cell in row.cells)
    return "\n".join([paragraph.text for paragraph in document.paragraphs] + list(cells))


if __name__ == "__main__":
    _child_main(*sys.argv[1:3])
