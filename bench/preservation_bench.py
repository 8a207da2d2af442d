"""How long a backlog of office files takes to get its PDF/A preservation copies (PL6 III.5.e).

Usage: .venv/bin/python bench/preservation_bench.py [FILES] [--batch N] [--paragraphs P]
       (defaults: 40 files, runs of filing.preservation.BATCH files, 30 paragraphs each)

What an archivist waits for after an upgrade is the worker copying every office file already stored, a round at a
time. FILES small Word documents (python-docx, P paragraphs of Vietnamese text each) are converted the way the worker
does it (``filing.libreoffice.convert_all``, a fresh profile and the network fence per run), first one file per
LibreOffice run (how the worker did it before runs were shared: the reference), then N files per run, one after the
other in the same process. Printed for each: wall seconds and LibreOffice's CPU seconds (its processes' user + system)
per file, and how many such files the worker's rounds (filing.preservation.BATCH files every
erms.jobs.PRESERVATION_SECONDS) would copy in a day.
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import tempfile
import time
from pathlib import Path

import docx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from erms.jobs import PRESERVATION_SECONDS  # noqa: E402
from filing import libreoffice, preservation  # noqa: E402

BEFORE_ROUND = 5  # files a worker round converted when each had a LibreOffice run of its own


def documents(folder: Path, count: int, paragraphs: int) -> list[Path]:
    """Write ``count`` distinct .docx files into ``folder``."""
    made = []
    for number in range(count):
        document = docx.Document()
        for paragraph in range(paragraphs):
            document.add_paragraph(f"Văn bản {number}, đoạn {paragraph}: giao các phòng thực hiện kế hoạch năm 2026.")
        buffer = io.BytesIO()
        document.save(buffer)
        made.append(folder / f"van-ban-{number}.docx")
        made[-1].write_bytes(buffer.getvalue())
    return made


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def convert(files: list[Path], per_run: int) -> tuple[float, float]:
    """Convert ``files`` ``per_run`` at a time; return (wall, CPU) seconds per file. Every file must be copied."""
    wall, cpu = time.monotonic(), children_cpu()
    for start in range(0, len(files), per_run):
        with tempfile.TemporaryDirectory(prefix="erms-bench-copies-") as work:
            sources = [(path, "docx") for path in files[start : start + per_run]]
            made = libreoffice.convert_all(sources, libreoffice.WRITER, Path(work), timeout=preservation.TIMEOUT)
            if failed := [str(result) for result in made if isinstance(result, libreoffice.Failed)]:
                raise SystemExit(f"a conversion failed: {failed[0]}")
    return (time.monotonic() - wall) / len(files), (children_cpu() - cpu) / len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", type=int, nargs="?", default=40)
    parser.add_argument("--batch", type=int, default=preservation.BATCH)
    parser.add_argument("--paragraphs", type=int, default=30)
    args = parser.parse_args()
    print(f"$ .venv/bin/python bench/preservation_bench.py {' '.join(sys.argv[1:])}")
    print(libreoffice.version(), f"· {args.files} .docx of {args.paragraphs} paragraphs")
    with tempfile.TemporaryDirectory(prefix="erms-bench-docx-") as folder:
        files = documents(Path(folder), args.files, args.paragraphs)
        alone = convert(files, 1)
        shared = convert(files, args.batch)
    print()
    print("| LibreOffice runs | wall s per file | CPU s per file | files a day at the worker's pace |")
    print("|---|---:|---:|---:|")
    rounds_a_day = 86_400 / PRESERVATION_SECONDS
    for name, (wall, cpu), per_round in (
        ("one file each (before)", alone, BEFORE_ROUND),
        (f"{args.batch} files each", shared, args.batch),
    ):
        # A round converts its files then waits for the next tick: whichever is longer sets the pace.
        per_day = 86_400 / max(PRESERVATION_SECONDS, wall * per_round) * per_round
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {min(per_day, rounds_a_day * per_round):,.0f} |")
    print()
    print(f"CPU per file, shared ÷ alone: {shared[1] / alone[1]:.0%}; wall: {shared[0] / alone[0]:.0%}")


if __name__ == "__main__":
    main()
