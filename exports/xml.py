"""Namespaces, streaming writers and offline XML Schemas for everything a package writes.

Builders (``mets``, ``premis``, ``ead``, ``cits``, ``tt02``) take their namespaces and writers from
here so each namespace is spelt once. They stream: ``stream`` opens the root element on an
``etree.xmlfile`` and each record (a dossier, a document, a file) is written as soon as it is
made, so memory does not grow with the package; ``Stamp`` makes a record cost one assignment per
value instead of one Python call per element. Schemas are loaded from installed files only:
METS 1.12 from the eark-validator package, CITS ERMS from the copy in ``exports/xsd/`` (a user's
machine has no ../shared); a schemaLocation is never fetched (ARCHITECTURE.md §1, exports/).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from functools import cache, lru_cache
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from lxml import etree
from lxml.builder import ElementMaker

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

METS_NS = "http://www.loc.gov/METS/"
CSIP_NS = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
XLINK_NS = "http://www.w3.org/1999/xlink"
PREMIS_NS = "http://www.loc.gov/premis/v3"
EAD_NS = "urn:isbn:1-931666-22-9"
ERMS_NS = "https://DILCIS.eu/XML/ERMS"
TT02_NS = "urn:erms:tt02-2019:v1"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

# PREMIS elements carry the premis: prefix (xsi:type="premis:file" names it).
PREMIS = ElementMaker(namespace=PREMIS_NS, nsmap={"premis": PREMIS_NS})
# Elements in no namespace, for stamps and small trees written inside a root that declares the
# default namespace: written there they are in that namespace, and lxml does not repeat xmlns="…"
# on each of them as it would for an element that carries the namespace itself.
PLAIN = ElementMaker()

XSD_DIR = Path(__file__).resolve().parent / "xsd"
_XLINK_URL = "http://www.loc.gov/standards/xlink/xlink.xsd"


def qualified(namespace: str, name: str) -> str:
    """Return the Clark name ``{namespace}name`` lxml uses for namespaced attributes."""
    return f"{{{namespace}}}{name}"


# "\n" and the indentation of each depth, made once: every element goes on its own line.
_BREAKS = tuple("\n" + "  " * depth for depth in range(32))


# eark-validator reads METS with lxml's iterparse, which feeds the parser 32 KiB at a time, and
# looks for a file's FLocat when the file element starts: an FLocat still in the next block is not
# there yet and the validator crashes ('NoneType' object has no attribute 'attrib'), which every
# METS listing more than ~80 files meets. ``Writer.write_unsplit`` keeps such a start in one block
# (of 16 KiB, so blocks of 32 or 64 KiB are kept too).
PARSER_BLOCK = 16 * 1024


class _Counting:
    """The output of a streamed document, counting the bytes written so far."""

    __slots__ = ("out", "written")

    def __init__(self, out: BinaryIO) -> None:
        self.out, self.written = out, 0

    def write(self, data: bytes) -> int:
        self.written += len(data)
        return self.out.write(data)


class Writer:
    """Writes the children of one open element of a streamed document, one per line at ``depth``."""

    __slots__ = ("_xf", "_depth", "_out")

    def __init__(self, xf, depth: int, out: _Counting) -> None:
        self._xf = xf
        self._depth = depth
        self._out = out

    def write(self, element: etree._Element) -> None:
        """Write a subtree already indented for this depth (a ``Stamp``'s element or one of its children)."""
        self._xf.write(_BREAKS[self._depth], element, with_tail=False)

    def write_unsplit(self, element: etree._Element, head: int) -> None:
        """Write a subtree as ``write`` does, its first ``head`` bytes in one PARSER_BLOCK of the file:
        when they would cross a block's end, spaces (meaningless between elements) fill it first."""
        self._xf.flush()
        left = PARSER_BLOCK - (self._out.written + len(_BREAKS[self._depth])) % PARSER_BLOCK
        if left <= head:
            self._xf.write(" " * left)
        self.write(element)

    def write_tree(self, element: etree._Element) -> None:
        """Indent a freshly built subtree for this depth and write it."""
        etree.indent(element, level=self._depth)
        self._xf.write(_BREAKS[self._depth], element, with_tail=False)

    def leaf(self, tag: str, text: str, attrib: dict | None = None) -> None:
        """Write ``<tag>text</tag>`` (``attrib`` as for ``element``)."""
        self._xf.write(_BREAKS[self._depth])
        with self._xf.element(tag, attrib):
            if text:
                self._xf.write(text)

    @contextmanager
    def element(self, tag: str, attrib: dict | None = None) -> Iterator[Writer]:
        """Open ``tag`` on its own line; yield the writer of its children, then close it on its own line.

        Keep ``attrib`` values ASCII (identifiers, codes): lxml's xmlfile writes any other character of
        an attribute as a character reference, which people cannot read; elements written whole don't.
        """
        self._xf.write(_BREAKS[self._depth])
        with self._xf.element(tag, attrib):
            yield Writer(self._xf, self._depth + 1, self._out)
            self._xf.write(_BREAKS[self._depth])


@contextmanager
def stream(out: BinaryIO, tag: str, nsmap: dict, attrib: dict | None = None) -> Iterator[Writer]:
    """Write one UTF-8 XML document with its declaration into ``out``; yield the writer of the root's children.

    ``out`` only needs ``write(bytes)``: the document goes out in pieces as it is made, never seeked.
    """
    counting = _Counting(out)
    with etree.xmlfile(counting, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(tag, attrib, nsmap=nsmap):
            yield Writer(xf, 1, counting)
            xf.write("\n")


class Stamp:
    """One kind of record's subtree, built and indented once, then refilled and written for each record.

    ``Writer.write`` serialises an element at once, so a single tree can serve every record of its
    kind: a record then costs one assignment per value that changed since the previous record
    (``fill`` sets the texts of the ``slots`` elements in document order; the caller sets varying
    attributes on ``element`` or on elements it kept) instead of one Python call per element, which
    is what made the old builders slow (a 20,000-document package has two million elements).
    Not thread-safe: make stamps in each call.
    """

    __slots__ = ("element", "_slots", "_texts")

    def __init__(self, element: etree._Element, depth: int, slots: tuple[str, ...] = ()) -> None:
        etree.indent(element, level=depth)
        self.element = element
        self._slots = tuple(element.iter(*slots)) if slots else ()
        self._texts: tuple = (object(),) * len(self._slots)  # matches no text: the first fill sets them all

    def fill(self, *texts: str | None) -> etree._Element:
        """Set the slots' texts in document order; return the element, ready to write."""
        for slot, before, text in zip(self._slots, self._texts, texts, strict=True):
            if text != before:  # many values repeat from record to record (codes, dates, names)
                slot.text = text
        self._texts = texts
        return self.element


class Stamps(dict):
    """Stamps of one element whose shape varies (how many dates, which optional children), one per shape.

    ``make(shape)`` builds what a shape needs (a ``Stamp``, perhaps with elements to set attributes on)
    the first time that shape comes; packages hold a handful of shapes, so few are ever built.
    """

    def __init__(self, make: Callable[[Hashable], object]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, shape: Hashable) -> object:
        made = self[shape] = self._make(shape)
        return made


def timestamp(moment: datetime) -> str:
    """Return ``moment`` as xsd:dateTime in Vietnamese local time, to the second."""
    return moment.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


@lru_cache(maxsize=4096)
def day(value: date) -> str:
    """Return a calendar date as xsd:dateTime at local midnight (CITS ERMS wants a time, MAPPING.md §6).

    Cached: a package repeats few dates many times (issue dates, dossier dates).
    """
    return datetime.combine(value, time(), LOCAL_TZ).isoformat()


class _LocalSchemas(etree.Resolver):
    """Resolve the one remote import of mets.xsd (xlink) to the copy beside it."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def resolve(self, url, public_id, context):
        if url == _XLINK_URL:
            return self.resolve_filename(str(self.folder / "xlink.xsd"), context)
        return None


def mets_schema_dir() -> Path:
    """Return the folder of the METS 1.12 XSD shipped in the eark-validator package (not imported)."""
    spec = importlib.util.find_spec("eark_validator")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("eark-validator is not installed: it ships the METS XSD")
    return Path(spec.submodule_search_locations[0]) / "ipxml" / "resources" / "schema"


@cache
def mets_schema() -> etree.XMLSchema:
    """Return the METS 1.12 schema, loaded offline."""
    folder = mets_schema_dir()
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalSchemas(folder))
    return etree.XMLSchema(etree.parse(str(folder / "mets.xsd"), parser))


@cache
def cits_erms_schema() -> etree.XMLSchema:
    """Return the E-ARK CITS ERMS v3 schema from exports/xsd/."""
    return etree.XMLSchema(etree.parse(str(XSD_DIR / "ERMS_v3.xsd"), etree.XMLParser(no_network=True)))


def schema_errors(schema: etree.XMLSchema, path: Path) -> list[str]:
    """Return every error of the XML file at ``path`` against ``schema`` (empty: valid)."""
    try:
        document = etree.parse(str(path), etree.XMLParser(no_network=True))
    except (OSError, etree.XMLSyntaxError) as error:
        return [f"{path.name}: {error}"]
    if schema.validate(document):
        return []
    return [f"{path.name}:{entry.line}: {entry.message}" for entry in schema.error_log]
