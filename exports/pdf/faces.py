"""The default DejaVu faces cut down to the scripts an agency prints, once per process.

Every PDF loads two faces, and fpdf2 reads all of a face's ~6,200 glyphs each time: with the whole
DejaVu Sans that reading was most of the time a small PDF takes (the index printed when a dossier
is closed, each dossier's index in a hand-over package). The cut keeps every character of the
blocks Vietnamese records use — Latin with all Vietnamese letters and combining marks, Greek,
Cyrillic, Thai and Lao, punctuation, currency, arrows, mathematical and other symbols — and leaves
out scripts such as Arabic, Hebrew, Armenian, Georgian and Braille, which then print as characters
the font lacks do (left out). A font an administrator configures (PDF_FONT) is used whole.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

# Unicode blocks kept, as (first, last) code points.
KEPT_BLOCKS = (
    (0x0000, 0x052F),  # Latin, IPA, spacing and combining marks, Greek, Cyrillic
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1E00, 0x1EFF),  # Latin Extended Additional: the precomposed Vietnamese letters
    (0x2000, 0x26FF),  # punctuation, currency, letterlike, number forms, arrows, mathematics, shapes, symbols
    (0xFB00, 0xFB06),  # Latin ligatures
    (0xFFFC, 0xFFFD),  # replacement characters
)

# The blocks Vietnamese text alone is written in: a face cut to them has 40 % of the glyphs of the cut above, and
# fpdf2 reads and embeds it in about 60 % of the time. A PDF whose every character they cover is printed with it.
VIETNAMESE_BLOCKS = (
    (0x0000, 0x024F),  # Basic Latin, Latin-1, Latin Extended-A and -B (Ă Đ Ĩ Ũ Ơ Ư)
    (0x0300, 0x036F),  # combining marks (a tone typed apart from its letter)
    (0x1E00, 0x1EFF),  # Latin Extended Additional: the precomposed Vietnamese letters
    (0x2000, 0x206F),  # general punctuation (– — “ ” … •)
    (0x20A0, 0x20CF),  # currency (₫ €)
    (0x2100, 0x214F),  # letterlike symbols (№)
    (0xFFFC, 0xFFFD),  # replacement characters
)
_VIETNAMESE = frozenset(code for first, last in VIETNAMESE_BLOCKS for code in range(first, last + 1))

_lock = threading.Lock()
_cut: dict[tuple[Path, tuple], Path] = {}
_folders: list[Path] = []


def cut_face(face: Path, blocks: tuple[tuple[int, int], ...] = KEPT_BLOCKS) -> Path:
    """Return the path of ``face`` cut to ``blocks``, made on the first call in this process."""
    with _lock:
        made = _cut.get((face, blocks))
        if made is None:
            name = face.name if blocks == KEPT_BLOCKS else f"{face.stem}-vi{face.suffix}"
            made = _cut[face, blocks] = _make(face, blocks, _folder() / name)
        return made


def vietnamese_only(text: str) -> bool:
    """Return True if every character of ``text`` is in VIETNAMESE_BLOCKS."""
    return all(ord(char) in _VIETNAMESE for char in text)


def _folder() -> Path:
    # Private to the process (mode 0700) and removed when it exits: no other account can slip a file in.
    if not _folders:
        folder = Path(tempfile.mkdtemp(prefix=f"erms-faces-{os.getpid()}-"))
        atexit.register(_remove_own, folder, os.getpid())
        _folders.append(folder)
        _remove_orphans(folder.parent)
    return _folders[0]


def _remove_own(folder: Path, maker: int) -> None:
    # A process forked after the cut (a gunicorn worker of a master that cut the faces) uses its maker's folder and
    # leaves it to the maker to remove.
    if os.getpid() == maker:
        shutil.rmtree(folder, ignore_errors=True)


def _remove_orphans(parent: Path) -> None:
    """Remove the folders of this account's processes that ended without exiting (killed): each is a few MB."""
    for folder in parent.glob("erms-faces-*-*"):
        pid = folder.name.split("-")[2]
        if not pid.isdigit() or folder.stat().st_uid != os.getuid() or _alive(int(pid)):
            continue
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another account's process under that number
        return True
    return True


def _make(face: Path, blocks: tuple[tuple[int, int], ...], target: Path) -> Path:
    options = subset.Options(notdef_outline=True, recommended_glyphs=True, glyph_names=True, legacy_kern=True)
    # fpdf2 drops the layout tables when it embeds a face: keeping them would only keep glyphs nobody prints.
    options.layout_features = []
    options.drop_tables += ["GDEF", "GPOS", "GSUB", "FFTM"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    font = TTFont(face, recalcTimestamp=False)
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=[code for first, last in blocks for code in range(first, last + 1)])
    cutter.subset(font)
    font.save(target)
    return target
