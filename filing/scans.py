"""The standard a scan (bản số hóa) must meet, checked when it is uploaded.

NĐ 30/2020 Phụ lục I Phần II mục I ("Tiêu chuẩn của văn bản số hóa"; docs/standards.md §0 row 10 — TT 02/2019's
own wording is not verified there): a) Portable Document Format (.pdf), version 1.4 or later; b) in colour (ảnh
màu); c) at least 200 dpi; d) scanned at 100% (tỷ lệ số hóa).
``inspect`` reads the PDF's header and catalog, and for every page the raster images its content stream draws, and
lists each rule not met as a ``Problem`` the upload form can show (or the archivist accept as a warning). Rule d)
cannot be told from the file and is not checked.

Nothing here decodes the pixels (only a JPEG 2000 image's header and an indexed image's palette are read), so a
500-page scan is read in seconds, and a budget bounds what a hostile file can cost; a file that cannot be read gives
one problem, never an exception.
"""

from __future__ import annotations

import io
import itertools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from PIL import Image
from pypdf import PageObject, PdfReader
from pypdf.generic import ContentStream

from erms.errors import N_, Problem

MIN_VERSION = (1, 4)  # NĐ 30/2020 PL I Phần II mục I a)
MIN_DPI = 200  # mục I c)
MAX_PAGES = 2000  # pages inspected at most: bounds the work a hostile or huge file can ask for
LISTED_PAGES = 10  # pages at fault listed one by one; the rest are counted in one problem
# pypdf parses about 1 MB of content a second (a page's OCR text layer is tens of KB): a content stream parsed at most,
# the content parsed in all, and the operators followed in all (a form drawn many times counted each time), before
# the pages left are measured by their MediaBox instead. A hostile file costs some seconds, not hours.
MAX_CONTENT_BYTES = 1_000_000
MAX_DOCUMENT_CONTENT_BYTES = 4_000_000
MAX_DOCUMENT_STEPS = 2_000_000
MAX_FALLBACK_IMAGES = 32  # images of a page's resources taken to fill its MediaBox, at most
MAX_FORM_DEPTH = 8  # form XObjects followed this deep (cycles are refused too)
MAIN_AREA = 0.9  # an image counts as the page's scan when it covers at least 90% of the largest one's area

COLOUR = "colour"
GREYSCALE = "greyscale"
BLACK_AND_WHITE = "black and white"

NOT_A_PDF = N_("A scan is kept as a PDF (.pdf), version 1.4 or later.")
UNREADABLE = N_("The file cannot be read as a PDF.")
ENCRYPTED = N_("The PDF is protected by a password, so it cannot be checked.")
OLD_VERSION = N_("The PDF is version %(version)s: a scan must be version 1.4 or later.")
NO_PAGES = N_("The PDF has no pages.")
LOW_DPI = N_("Page %(page)s is scanned at %(dpi)s dpi: a scan needs at least 200 dpi.")
# One template per mode, so that the mode is translated with the sentence (params["mode"] still names it).
IN_GREYSCALE = N_("Page %(page)s is in greyscale: a scan is kept in colour.")
IN_BLACK_AND_WHITE = N_("Page %(page)s is in black and white: a scan is kept in colour.")
NO_IMAGE = N_("Page %(page)s holds no scanned image.")
PAGE_UNREADABLE = N_("Page %(page)s cannot be read.")
MORE_PAGES = N_("%(count)s pages are at fault in all; only the first %(listed)s are listed.")
TOO_MANY_PAGES = N_("The PDF has %(pages)s pages: only the first %(checked)s were checked.")

_NOT_COLOUR = {GREYSCALE: IN_GREYSCALE, BLACK_AND_WHITE: IN_BLACK_AND_WHITE}
_HEADER = re.compile(rb"%PDF-(\d+)\.(\d+)")
_VERSION = re.compile(r"(\d+)\.(\d+)")
_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
Matrix = tuple[float, float, float, float, float, float]


@dataclass(frozen=True)
class ScanReport:
    """What ``inspect`` found; ``problems`` is empty when the scan meets the standard."""

    pdf_version: str  # "1.4"; "" if the file is not a PDF
    pages: int
    lowest_dpi: float | None  # the lowest of the pages' resolutions; None if no page holds a raster image
    colour_modes: frozenset[str]  # the modes the pages are in: COLOUR, GREYSCALE, BLACK_AND_WHITE
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class _Drawn:
    """A raster image as drawn on a page."""

    dpi: float
    area: float  # in square points, to tell the page's scan from a small picture on it
    mode: str | None  # None: the colour space could not be told


def inspect(pdf: Path | bytes) -> ScanReport:
    """Check a scan against the standard; a file that cannot be read gives a problem, never an exception.

    A ``Path`` that cannot be opened raises ``OSError``: that is the caller's mistake, not the file's.
    """
    if isinstance(pdf, Path):
        with pdf.open("rb") as stream:
            return _inspect(stream)
    return _inspect(io.BytesIO(pdf))


def _inspect(stream: IO[bytes]) -> ScanReport:
    start = stream.read(1024)  # ISO 32000-1 §7.5.2: the header "%PDF-1.n" within the first 1024 bytes
    stream.seek(0)
    if b"%PDF-" not in start:
        return ScanReport("", 0, None, frozenset(), (Problem("file", NOT_A_PDF),))
    header = _HEADER.search(start)
    if header is None:
        return ScanReport("", 0, None, frozenset(), (Problem("file", UNREADABLE),))
    version = (int(header[1]), int(header[2]))
    try:
        reader = PdfReader(stream)
        if reader.is_encrypted and not _decrypted(reader):
            return ScanReport(_text(version), 0, None, frozenset(), (Problem("file", ENCRYPTED),))
        return _report(reader, version)
    except Exception:  # pypdf's errors, and whatever a hostile file makes the parser raise (RecursionError too)
        return ScanReport(_text(version), 0, None, frozenset(), (Problem("file", UNREADABLE),))


def _decrypted(reader: PdfReader) -> bool:
    """Open a file that has only an owner password (it opens with the empty one); nothing else can be checked."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # e.g. AES without the cryptography package
        return False


def _report(reader: PdfReader, version: tuple[int, int]) -> ScanReport:
    # ISO 32000-1 §7.7.2: the catalog's /Version overrides the header when it is later.
    catalog = _resolve(reader.trailer["/Root"])
    declared = _VERSION.fullmatch(str(catalog.get("/Version", "")).lstrip("/"))
    if declared and (int(declared[1]), int(declared[2])) > version:
        version = (int(declared[1]), int(declared[2]))
    general: list[Problem] = []
    if version < MIN_VERSION:
        general.append(Problem("file", OLD_VERSION, {"version": _text(version)}))
    count = len(reader.pages)
    if count == 0:
        general.append(Problem("file", NO_PAGES))
    faults: list[list[Problem]] = []
    dpis: list[float] = []
    modes: set[str] = set()
    budget = _Budget()
    for index in range(min(count, MAX_PAGES)):
        number = index + 1
        try:
            drawn = _drawn_images(reader, reader.pages[index], budget)
        except Exception:  # one broken page does not hide what the others say
            faults.append([Problem("file", PAGE_UNREADABLE, {"page": number})])
            continue
        page_problems = _page_problems(number, drawn, dpis, modes)
        if page_problems:
            faults.append(page_problems)
    listed = [problem for page_problems in faults[:LISTED_PAGES] for problem in page_problems]
    if len(faults) > LISTED_PAGES:
        listed.append(Problem("file", MORE_PAGES, {"count": len(faults), "listed": LISTED_PAGES}))
    if count > MAX_PAGES:
        listed.append(Problem("file", TOO_MANY_PAGES, {"pages": count, "checked": MAX_PAGES}))
    lowest = round(min(dpis), 1) if dpis else None
    return ScanReport(_text(version), count, lowest, frozenset(modes), tuple(general + listed))


def _page_problems(number: int, drawn: list[_Drawn], dpis: list[float], modes: set[str]) -> list[Problem]:
    """Decide a page's resolution and mode from its images (adding them to ``dpis`` and ``modes``).

    The page's scan is its largest image, or those nearly as large; of several (a colour background under a sharper
    black-and-white text layer, as "mixed raster content" compressors make), the sharpest resolution and the
    richest mode count. A small picture on the page (a logo, a stamp) does not decide.
    """
    if not drawn:
        return [Problem("file", NO_IMAGE, {"page": number})]
    largest = max(image.area for image in drawn)
    main = [image for image in drawn if image.area >= MAIN_AREA * largest]
    dpi = max(image.dpi for image in main)
    dpis.append(dpi)
    problems = []
    if math.floor(dpi + 0.5) < MIN_DPI:  # a whole dpi: 1653 px on a 210 mm page (199.9 dpi) is a 200 dpi scan
        problems.append(Problem("file", LOW_DPI, {"page": number, "dpi": math.floor(dpi + 0.5)}))
    found = {image.mode for image in main if image.mode is not None}
    mode = next((candidate for candidate in (COLOUR, GREYSCALE, BLACK_AND_WHITE) if candidate in found), None)
    if mode is not None:
        modes.add(mode)
        if mode != COLOUR:
            problems.append(Problem("file", _NOT_COLOUR[mode], {"page": number, "mode": mode}))
    return problems


class _Budget:
    """The work one inspection may do, so that a hostile file (a content stream shared by every page, forms drawing
    forms a hundred times each) cannot hold the upload for hours."""

    def __init__(self) -> None:
        self.content_bytes = MAX_DOCUMENT_CONTENT_BYTES
        self.steps = MAX_DOCUMENT_STEPS

    @property
    def spent(self) -> bool:
        return self.content_bytes <= 0 or self.steps <= 0

    def charge(self, stream: ContentStream) -> None:
        """Charge a content stream's size, even when it is refused (looking at it has a cost too)."""
        size = len(stream.get_data())
        self.content_bytes -= size
        if size > MAX_CONTENT_BYTES or self.content_bytes < 0:
            raise _TooMuchWork

    def parse(self, stream: ContentStream, parsed: dict[int, list[tuple[Any, bytes]]]) -> list[tuple[Any, bytes]]:
        """Return a form's operations, charging its size once per page."""
        if id(stream) not in parsed:
            self.charge(stream)
            parsed[id(stream)] = list(stream.operations)
        return parsed[id(stream)]


class _TooMuchWork(Exception):
    """The drawing is too large to follow; the page is measured by its MediaBox instead."""


def _drawn_images(reader: PdfReader, page: PageObject, budget: _Budget) -> list[_Drawn]:
    """List the raster images a page draws, each with its resolution.

    The displayed size comes from the current transformation matrix when the image is drawn (ISO 32000-1 §8.3.4,
    §8.9.4: an image fills the unit square mapped by the CTM, so its width on the page is the length of the CTM's
    (a, b) vector and its height that of (c, d), in points of 1/72 in, times the page's /UserUnit). Following the
    q/Q/cm operators is exact for scaled, rotated and cropped placements and for images inside form XObjects. When
    the content stream cannot be followed (too large, broken, or the budget spent), every image in the page's
    resources is taken to fill the MediaBox, as a scanner's page does.
    """
    unit = float(page.user_unit) / 72  # inches per user-space unit
    resources = _resolve(page.get("/Resources"))
    if budget.spent:
        return _filling_mediabox(page, resources, unit)
    contents = page.get_contents()
    if contents is None:
        return []
    try:
        budget.charge(contents)
        data = contents.get_data()
        if b"Do" not in data and b"BI" not in data:
            return []  # images are drawn only by Do (an XObject) or BI (inline): no need to parse the text of the page
        walk = _Walk(reader, unit, budget)
        walk.follow(contents.operations, resources, _IDENTITY, depth=0, seen=frozenset())
        return walk.drawn
    except Exception:
        return _filling_mediabox(page, resources, unit)


class _Walk:
    """Follow the graphics state through a page's content stream and the forms it draws, noting each image."""

    def __init__(self, reader: PdfReader, unit: float, budget: _Budget) -> None:
        self.reader = reader
        self.unit = unit
        self.budget = budget
        self.drawn: list[_Drawn] = []
        self.parsed: dict[int, list[tuple[Any, bytes]]] = {}
        self.forms: dict[int, ContentStream] = {}  # kept alive so that their ids in ``parsed`` stay theirs
        self.modes: dict[int, str | None] = {}  # by the id of an image XObject (pypdf keeps each object it resolved)

    def follow(
        self, operations: Iterable[tuple[Any, bytes]], resources: Any, ctm: Matrix, depth: int, seen: frozenset[int]
    ) -> None:
        saved: list[Matrix] = []
        for operands, operator in operations:
            self.budget.steps -= 1
            if self.budget.steps < 0:
                raise _TooMuchWork
            if operator == b"q":
                saved.append(ctm)
            elif operator == b"Q":
                ctm = saved.pop() if saved else ctm
            elif operator == b"cm":
                matrix = _matrix(operands)
                if matrix is not None:
                    ctm = _multiply(matrix, ctm)
            elif operator == b"Do" and operands:
                self.draw(operands[0], resources, ctm, depth, seen)
            elif operator == b"INLINE IMAGE":
                settings = _inline_settings(operands.get("settings") or {})
                _note(settings, _mode(settings, resources), ctm, self.unit, self.drawn)

    def draw(self, name: Any, resources: Any, ctm: Matrix, depth: int, seen: frozenset[int]) -> None:
        """Note an image XObject, or follow a form XObject (with its /Matrix and its own resources, if any)."""
        xobjects = _resolve(resources.get("/XObject")) if resources is not None else None
        xobject = _resolve(xobjects.get(name)) if xobjects is not None else None
        if xobject is None:
            return
        subtype = xobject.get("/Subtype")
        if subtype == "/Image":
            if id(xobject) not in self.modes:  # an image drawn many times is looked at once
                self.modes[id(xobject)] = _mode(xobject, resources)
            _note(xobject, self.modes[id(xobject)], ctm, self.unit, self.drawn)
        elif subtype == "/Form" and depth < MAX_FORM_DEPTH and id(xobject) not in seen:
            if id(xobject) not in self.forms:
                self.forms[id(xobject)] = ContentStream(xobject, self.reader)
            operations = self.budget.parse(self.forms[id(xobject)], self.parsed)
            inner = _resolve(xobject.get("/Resources"))
            matrix = _matrix(_resolve(xobject.get("/Matrix"))) or _IDENTITY
            inner_resources = resources if inner is None else inner
            self.follow(operations, inner_resources, _multiply(matrix, ctm), depth + 1, seen | {id(xobject)})


def _note(image: Any, mode: str | None, ctm: Matrix, unit: float, drawn: list[_Drawn]) -> None:
    """Add an image (an XObject's dictionary or an inline image's settings) drawn with ``ctm``; an image drawn with
    no extent shows nothing, and one without a size is no image: both are left out."""
    a, b, c, d, _, _ = ctm
    width, height = math.hypot(a, b) * unit, math.hypot(c, d) * unit
    pixels_wide, pixels_high = _number(image.get("/Width")), _number(image.get("/Height"))
    sizes = (width, height, pixels_wide or 0.0, pixels_high or 0.0)
    if not all(math.isfinite(size) and size > 0 for size in sizes):
        return
    dpi = min(sizes[2] / width, sizes[3] / height)  # the lower of the horizontal and vertical resolutions
    area = abs(a * d - b * c)
    if math.isfinite(dpi) and math.isfinite(area):
        drawn.append(_Drawn(dpi, area, mode))


def _filling_mediabox(page: PageObject, resources: Any, unit: float) -> list[_Drawn]:
    """Take every image in the page's resources to fill the MediaBox (when the drawing cannot be followed)."""
    box = page.mediabox
    ctm = (float(box.width), 0.0, 0.0, float(box.height), 0.0, 0.0)
    drawn: list[_Drawn] = []
    xobjects = _resolve(resources.get("/XObject")) if resources is not None else None
    for value in itertools.islice((xobjects or {}).values(), MAX_FALLBACK_IMAGES):
        xobject = _resolve(value)
        if xobject is not None and xobject.get("/Subtype") == "/Image":
            _note(xobject, _mode(xobject, resources), ctm, unit, drawn)
    return drawn


# Colour modes. ISO 32000-1 §8.6 (colour spaces), §8.9.5 (image dictionaries), §8.9.7 (inline image abbreviations).

_COLOUR_FAMILIES = {"/DeviceRGB", "/DeviceCMYK", "/CalRGB", "/Lab", "/RGB", "/CMYK"}
_GREY_FAMILIES = {"/DeviceGray", "/CalGray", "/G"}
_BILEVEL_FILTERS = {"/CCITTFaxDecode", "/JBIG2Decode", "/CCF"}  # these only encode 1-bit images
_INLINE_KEYS = {
    "/W": "/Width",
    "/H": "/Height",
    "/BPC": "/BitsPerComponent",
    "/CS": "/ColorSpace",
    "/IM": "/ImageMask",
    "/F": "/Filter",
}
_PILLOW_MODES = {"1": BLACK_AND_WHITE, "L": GREYSCALE, "LA": GREYSCALE, "I;16": GREYSCALE, "I": GREYSCALE}


def _mode(image: Any, resources: Any) -> str | None:
    """Tell an image's colour mode from its dictionary: a stencil mask or a bilevel codec is black and white; a grey
    space is greyscale (black and white at one bit); a space of three or four components is colour."""
    if image.get("/ImageMask") in (True, "true"):
        return BLACK_AND_WHITE
    filters = _resolve(image.get("/Filter"))
    names = {str(name) for name in (filters if isinstance(filters, list) else [filters]) if name is not None}
    if names & _BILEVEL_FILTERS:
        return BLACK_AND_WHITE
    space = image.get("/ColorSpace")
    if space is None:
        # JPEG 2000 carries its own colour space (§8.9.5.1, /ColorSpace optional): read the codestream's header.
        if "/JPXDecode" not in names or not hasattr(image, "get_data"):  # §8.9.7: never inline
            return None
        return _jpeg2000_mode(image.get_data())
    kind = _space_kind(space, resources, depth=0)
    if kind == GREYSCALE and _number(image.get("/BitsPerComponent")) == 1:
        return BLACK_AND_WHITE
    return kind


def _space_kind(space: Any, resources: Any, depth: int) -> str | None:
    """Return COLOUR or GREYSCALE for a colour space, or None when it cannot be told."""
    space = _resolve(space)
    if depth > 4 or space is None:
        return None
    if not isinstance(space, list):
        name = str(space)
        if name in _COLOUR_FAMILIES:
            return COLOUR
        if name in _GREY_FAMILIES:
            return GREYSCALE
        # An inline image may name a space in the page's /ColorSpace resources.
        named = _resolve(resources.get("/ColorSpace")) if resources is not None else None
        return _space_kind(named.get(name), resources, depth + 1) if named is not None else None
    if not space:
        return None
    family = str(space[0])
    if family in _COLOUR_FAMILIES:
        return COLOUR  # [/CalRGB <<…>>], [/Lab <<…>>]
    if family in _GREY_FAMILIES:
        return GREYSCALE
    if family == "/ICCBased" and len(space) > 1:
        profile = _resolve(space[1])
        components = _number(profile.get("/N")) if profile is not None else None
        if components == 1:
            return GREYSCALE
        if components in (3, 4):
            return COLOUR
        return _space_kind(profile.get("/Alternate"), resources, depth + 1) if profile is not None else None
    if family in ("/Indexed", "/I") and len(space) > 3:
        base = _space_kind(space[1], resources, depth + 1)
        if base == COLOUR and _grey_palette(_resolve(space[1]), space[3]):
            return GREYSCALE  # an RGB palette of greys only (Pillow writes "P" images so)
        return base
    if family == "/Separation":
        return GREYSCALE  # one colourant
    if family == "/DeviceN" and len(space) > 1:
        colourants = _resolve(space[1])
        return COLOUR if isinstance(colourants, list) and len(colourants) >= 3 else GREYSCALE
    return None


def _grey_palette(base: Any, lookup: Any) -> bool:
    """Tell whether an indexed space over DeviceRGB lists only greys (r = g = b)."""
    if str(base) not in ("/DeviceRGB", "/RGB"):
        return False  # other bases (ICC, CMYK) are taken as colour
    lookup = _resolve(lookup)
    if hasattr(lookup, "get_data"):
        table = lookup.get_data()
    elif hasattr(lookup, "original_bytes"):
        table = lookup.original_bytes
    elif isinstance(lookup, bytes):
        table = lookup
    else:
        return False
    table = table[: 256 * 3]
    if not table:
        return False
    return all(table[i] == table[i + 1] == table[i + 2] for i in range(0, len(table) - 2, 3))


def _jpeg2000_mode(data: bytes) -> str | None:
    """Read the mode of a JPEG 2000 image from its header (Pillow parses it without decoding the pixels)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return _PILLOW_MODES.get(image.mode, COLOUR)
    except Exception:
        return None


# Small helpers over pypdf's objects.


def _inline_settings(settings: Any) -> dict[str, Any]:
    """Spell an inline image's abbreviated keys in full (§8.9.7, Table 93)."""
    return {_INLINE_KEYS.get(str(key), str(key)): value for key, value in settings.items()}


def _resolve(value: Any) -> Any:
    """Follow an indirect reference (pypdf's ``get_object``); plain values pass through."""
    return value.get_object() if hasattr(value, "get_object") else value


def _number(value: Any) -> float | None:
    try:
        number = float(_resolve(value))
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _matrix(operands: Any) -> Matrix | None:
    """Read a ``cm`` operand list or a /Matrix array; None if it is not six finite numbers."""
    if not isinstance(operands, list) or len(operands) != 6:
        return None
    numbers = [_number(value) for value in operands]
    if any(number is None for number in numbers):
        return None
    a, b, c, d, e, f = (float(number or 0) for number in numbers)
    return (a, b, c, d, e, f)


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """Return m × n for PDF's row-vector matrices [a b 0; c d 0; e f 1] (§8.3.4: the new CTM is M × CTM)."""
    return (
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    )


def _text(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"
