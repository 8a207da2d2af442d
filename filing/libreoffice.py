"""A file copied into PDF/A-2b by LibreOffice headless (PL6 III.5.e), each conversion fenced in its own processes.

Office files come from anyone and LibreOffice is a large parser, so every run gets: a copy of the bytes in a private
folder, named with the extension LibreOffice's type detection goes by (stored files are named by digest); a fresh
profile of its own (never the worker user's, and two runs never share one) in which macros are disabled; a HOME in
that folder; and a new process group, killed whole when the timeout passes (``soffice`` is a script that starts
``oosplash``, which starts ``soffice.bin``: killing the first alone would leave the others running). Where the
kernel lets an unprivileged process make a network namespace of its own (``unshare -rn``, util-linux), LibreOffice
runs in one with no network at all: a document linking a remote image or template fetches nothing, from outside nor
from this host. Only the worker and the console call this, never a web request.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

SOFFICE = "soffice"
# LibreOffice's PDF export filter for each kind of document it opens: the filter must be the opening module's own.
WRITER, CALC, IMPRESS, DRAW = "writer", "calc", "impress", "draw"
FILTERS = {
    WRITER: "writer_pdf_Export",
    CALC: "calc_pdf_Export",
    IMPRESS: "impress_pdf_Export",
    DRAW: "draw_pdf_Export",
}
# SelectPdfVersion 2 is PDF/A-2b (1: PDF/A-1b, 3: PDF/A-3b); LibreOffice then embeds every font and writes XMP.
PDFA_2B = '{"SelectPdfVersion":{"type":"long","value":"2"}}'
# What PDF/A-2 writes in the copy's XMP metadata; a copy without it is not the copy asked for.
PDFA_MARK = b"<pdfaid:part>2</pdfaid:part>"
# The profile's settings, written before the first start: no macro runs, whatever the document asks, and links to
# other documents are not followed from documents of unknown origin.
PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse">
<value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution"
 oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks"
 oor:op="fuse"><value>true</value></prop></item>
</oor:items>
"""


class Failed(Exception):
    """LibreOffice made no PDF/A copy; the message says why, in words kept with the attempt."""


@functools.cache
def version(timeout: float = 60.0) -> str:
    """Return LibreOffice's own words for its version ("LibreOffice 7.4.7.2 40(Build:2)"), once per process (even
    this writes under HOME, so it runs in a throw-away folder too)."""
    with tempfile.TemporaryDirectory(prefix="erms-libreoffice-") as work:
        try:
            done = subprocess.run(
                [SOFFICE, "--version"],
                cwd=work,
                env=_environment(Path(work)),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise Failed(f"LibreOffice cannot be run: {error}") from error
    return done.stdout.strip() or "LibreOffice (version unknown)"


def convert_all(sources: Sequence[tuple[Path, str]], family: str, work: Path, *, timeout: float) -> list[Path | Failed]:
    """Copy each ``(source, extension)`` into ``work`` as ``document-<n>.<extension>`` and convert them all in one
    run with ``family``'s PDF/A-2b filter: LibreOffice's start with a fresh profile is most of what a small file costs,
    so a run pays it once for all. Return, for each source in order, its PDF in ``work`` or the Failed saying why
    none came out; a run past ``timeout`` seconds per file fails them all (the caller may try each alone)."""
    documents = []
    for number, (source, extension) in enumerate(sources, 1):
        documents.append(work / f"document-{number}.{extension}")
        shutil.copyfile(source, documents[-1])
    out, profile = work / "out", work / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(PROFILE, encoding="utf-8")
    command = [
        SOFFICE,
        "--headless",
        "--norestore",
        "--nolockcheck",
        f"-env:UserInstallation={profile.as_uri()}",
        "--convert-to",
        f"pdf:{FILTERS[family]}:{PDFA_2B}",
        "--outdir",
        str(out),
        *map(str, documents),
    ]
    try:
        said = _run(command, work, timeout * len(documents))
    except Failed as error:
        return [error] * len(documents)
    return [_checked(out / f"{document.stem}.pdf", said) for document in documents]


def _checked(made: Path, said: str) -> Path | Failed:
    """Return the PDF LibreOffice wrote, or why it is not the PDF/A copy asked for."""
    if not made.is_file() or made.stat().st_size == 0:
        return Failed(f"LibreOffice made no PDF: {said or 'no reason given'}")
    if PDFA_MARK not in made.read_bytes():
        return Failed("LibreOffice made a PDF that does not declare PDF/A-2")
    return made


@functools.cache
def fence() -> tuple[str, ...]:
    """Return the command prefix that runs a program without any network (an empty network namespace), or none
    where this kernel or container does not allow it (the profile's settings still block links then)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    try:
        tried = subprocess.run([unshare, "-rn", "true"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return (unshare, "-rn") if tried.returncode == 0 else ()


def _run(command: list[str], work: Path, timeout: float) -> str:
    """Run LibreOffice in a process group of its own, behind the network fence, killed whole after ``timeout``;
    return its last error line."""
    try:
        child = subprocess.Popen(
            [*fence(), *command],
            cwd=work,
            env=_environment(work),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
    except OSError as error:
        raise Failed(f"LibreOffice cannot be run: {error}") from error
    try:
        _, errors = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        raise Failed(f"LibreOffice took longer than {timeout:g} seconds") from None
    finally:
        _kill_leftovers(child.pid)
    lines = [line for line in errors.splitlines() if line.startswith("Error")]
    return lines[-1][:500] if lines else ""


def _environment(work: Path) -> dict[str, str]:
    """LibreOffice's environment: only the PATH of ours, a HOME in the run's own folder (it writes caches there)."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "LANG": "C.UTF-8"}


def _kill_leftovers(group: int) -> None:
    """Kill what the run left in its process group (a soffice.bin still closing); nothing if it is all gone."""
    try:
        os.killpg(group, signal.SIGKILL)
    except ProcessLookupError:
        pass
