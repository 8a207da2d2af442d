"""Namespaces, streaming writers and offline XML Schemas for everything a package writes.

Builders (``mets``, ``premis``, ``ead``, ``cits``, ``tt02``) take their namespaces and writers from
here so each namespace is spelt once. They stream: ``stream`` opens the root element on an
``etree.xmlfile`` and each record (a dossier, a document, a file) is written as soon as it is
made, so memory does not grow with the package; ``Template`` makes a record cost a join of bytes
instead of filling and serialising an lxml tree. Schemas are loaded from installed files only:
METS 1.12 from the eark-validator package, the others from ``exports/xml/xsd/``; a schemaLocation is never
fetched (docs/architecture.md rule 8).
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from functools import cache, lru_cache
from pathlib import Path
from typing import Protocol, TypeVar, cast

from lxml import etree, isoschematron
from lxml.builder import ElementMaker

from erms.config import LOCAL_TZ

METS_NS = "http://www.loc.gov/METS/"
CSIP_NS = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
XLINK_NS = "http://www.w3.org/1999/xlink"
PREMIS_NS = "http://www.loc.gov/premis/v3"
EAD_NS = "urn:isbn:1-931666-22-9"
ERMS_NS = "https://DILCIS.eu/XML/ERMS"
TT02_NS = "urn:erms:tt02-2019:v1"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SVRL_NS = "http://purl.oclc.org/dsdl/svrl"

# PREMIS elements carry the premis: prefix (xsi:type="premis:file" names it).
PREMIS = ElementMaker(namespace=PREMIS_NS, nsmap={"premis": PREMIS_NS})
# Elements in no namespace, for templates and small trees written inside a root that declares the
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


class Sink(Protocol):
    """Where a streamed document goes: it is only written to, in pieces, never seeked (a file, a hashing file)."""

    def write(self, data: bytes, /) -> object: ...


# Bytes a streamed document gathers before passing them on: one hashing call and one file write
# a MiB, not one for every record.
FLUSH_BYTES = 1024 * 1024


class _Output:
    """The output of a streamed document: what lxml writes and rendered records, in order, counted.

    ``lxml_pending``: lxml may hold bytes of its own not passed on yet (flush it before a record).
    """

    __slots__ = ("out", "written", "lxml_pending", "_chunks", "_size")

    def __init__(self, out: Sink) -> None:
        self.out, self.written, self.lxml_pending = out, 0, False
        self._chunks: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        self._chunks.append(data)
        self._size += len(data)
        self.written += len(data)
        if self._size >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        self.out.write(b"".join(self._chunks))
        self._chunks.clear()
        self._size = 0


class Writer:
    """Writes the children of one open element of a streamed document, one per line at ``depth``."""

    __slots__ = ("_xf", "_depth", "_out")

    def __init__(self, xf, depth: int, out: _Output) -> None:
        self._xf = xf
        self._depth = depth
        self._out = out

    def write_record(self, data: bytes, head: int = 0) -> None:
        """Write a rendered ``Template`` (made for this depth), its first ``head`` bytes in one PARSER_BLOCK
        of the file: when they would cross a block's end, spaces (meaningless between elements) fill it first."""
        if self._out.lxml_pending:
            self._xf.flush()
            self._out.lxml_pending = False
        if head:
            left = PARSER_BLOCK - self._out.written % PARSER_BLOCK
            if left <= head:
                data = b" " * left + data
        self._out.write(data)

    def write_tree(self, element: etree._Element) -> None:
        """Indent a freshly built subtree for this depth and write it."""
        etree.indent(element, level=self._depth)
        self._xf.write(_BREAKS[self._depth], element, with_tail=False)
        self._out.lxml_pending = True

    def leaf(self, tag: str, text: str, attrib: dict | None = None) -> None:
        """Write ``<tag>text</tag>`` (``attrib`` as for ``element``)."""
        self._xf.write(_BREAKS[self._depth])
        with self._xf.element(tag, attrib):
            if text:
                self._xf.write(text)
        self._out.lxml_pending = True

    @contextmanager
    def element(self, tag: str, attrib: dict | None = None) -> Iterator[Writer]:
        """Open ``tag`` on its own line; yield the writer of its children, then close it on its own line.

        Keep ``attrib`` values ASCII (identifiers, codes): lxml's xmlfile writes any other character of
        an attribute as a character reference, which people cannot read; elements written whole don't.
        """
        self._xf.write(_BREAKS[self._depth])
        with self._xf.element(tag, attrib):
            self._out.lxml_pending = True
            yield Writer(self._xf, self._depth + 1, self._out)
            self._xf.write(_BREAKS[self._depth])
        self._out.lxml_pending = True


@contextmanager
def stream(out: Sink, tag: str, nsmap: dict, attrib: dict | None = None) -> Iterator[Writer]:
    """Write one UTF-8 XML document with its declaration into ``out``; yield the writer of the root's children.

    ``out`` only needs ``write(bytes)``: the document goes out in pieces as it is made, never seeked.
    """
    output = _Output(out)
    with etree.xmlfile(output, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(tag, attrib, nsmap=nsmap):
            output.lxml_pending = True
            yield Writer(xf, 1, output)
            xf.write("\n")
    output.flush()


# Marks where a value goes in a template's serialisation (private-use characters, absent from the
# templates' fixed text).
_HOLE = "\ue000{}\ue001"
_HOLES = re.compile("\ue000(\\d+)\ue001")
# Characters a value may need escaped, and those XML 1.0 cannot carry at all (lxml refuses them too).
_SPECIAL = re.compile('[&<>"\r\n\t\x00-\x1f\ud800-\udfff\ufffe\uffff]')
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _plain(text: str) -> bool:
    """Whether ``text`` surely needs no escaping, by string methods that spare most values the ``_SPECIAL`` search.

    Every character of ``_SPECIAL`` but the four markup ones is non-printable (controls, surrogates,
    non-characters); a non-printable one that needs nothing (a no-break space) goes to the search.
    """
    return text.isprintable() and "&" not in text and "<" not in text and ">" not in text and '"' not in text


def _escaped(value: str, attribute: bool) -> str:
    """Return ``value`` as XML text (or attribute value): most values have nothing to escape."""
    if _SPECIAL.search(value) is None:
        return value
    if _NOT_XML.search(value):
        raise ValueError(f"All strings must be XML compatible: {value!r}")
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    if attribute:
        value = value.replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
    return value


class Template:
    """One kind of record serialised once, with holes for its values; ``render`` fills them in.

    A 20,000-document package writes hundreds of thousands of records. Filling an lxml tree and
    serialising it costs tens of microseconds a record; joining the fixed pieces of text with the
    escaped values costs a few, and it is what lxml would write. Holes are the texts of the ``slots``
    elements (in document order), then the ``attributes`` given as (element, name) pairs; ``render``
    takes the values in that order. ``inner``: the element's children only (each on its own line).
    ``nsmap``: the namespaces the document's root already declares, not repeated in each record.
    """

    __slots__ = ("_parts", "_order", "_attribute")

    def __init__(
        self,
        element: etree._Element,
        depth: int,
        slots: tuple[str, ...] = (),
        attributes: tuple[tuple[etree._Element, str], ...] = (),
        *,
        inner: bool = False,
        nsmap: dict | None = None,
    ) -> None:
        quoted: list[bool] = []
        for slot in element.iter(*slots) if slots else ():
            slot.text = _HOLE.format(len(quoted))
            quoted.append(False)
        for node, name in attributes:
            node.set(name, _HOLE.format(len(quoted)))
            quoted.append(True)
        holder = etree.Element(element.tag, nsmap=nsmap) if nsmap else etree.Element("holder")
        if inner:
            holder.extend(element)
        else:
            holder.append(element)
        etree.indent(holder, level=depth - 1)
        text = etree.tostring(holder, encoding="unicode", with_tail=False)
        pieces = _HOLES.split(text[text.index(">") + 1 : text.rindex("</")].rstrip())
        # The fixed text in UTF-8 with a place between each two pieces for the value of that hole, so a
        # record is written as one join of bytes.
        self._parts = [piece.encode() if number % 2 == 0 else b"" for number, piece in enumerate(pieces)]
        self._order = tuple(int(index) for index in pieces[1::2])
        self._attribute = tuple(quoted)

    def render(self, *values: str | None) -> bytes:
        """Return the record in UTF-8 with ``values`` in its holes (None: empty)."""
        # Taken as texts: joining them raises TypeError on a None, which is only then replaced.
        texts = cast("tuple[str, ...]", values)
        try:
            joined = "".join(texts)
        except TypeError:  # a None among them
            texts = tuple(value or "" for value in values)
            joined = "".join(texts)
        if not _plain(joined) and _SPECIAL.search(joined) is not None:  # rare: checked once for all values
            texts = tuple(map(_escaped, texts, self._attribute))
        parts = self._parts.copy()
        parts[1::2] = [texts[index].encode() for index in self._order]
        return b"".join(parts)


# What tells the templates of one element apart: each element has a shape type of its own.
_Shape = TypeVar("_Shape", bound=Hashable)


class Templates(dict[_Shape, Template]):
    """Templates of one element whose shape varies (how many dates, which optional children), one per shape.

    ``make(shape)`` builds a shape's template the first time that shape comes; packages hold a
    handful of shapes, so few are ever built.
    """

    def __init__(self, make: Callable[[_Shape], Template]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, shape: _Shape) -> Template:
        made = self[shape] = self._make(shape)
        return made


def timestamp(moment: datetime) -> str:
    """Return ``moment`` as xsd:dateTime in Vietnamese local time, to the second."""
    return moment.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


@lru_cache(maxsize=4096)
def day(value: date) -> str:
    """Return a calendar date as xsd:dateTime at local midnight (CITS ERMS wants a time, docs/cits-erms/mapping.md §6).

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


# METS with the DILCIS CSIP extension applied: METS lets attributes of other namespaces through ("lax"), so a
# csip:OAISPACKAGETYPE="FOO" passed METS alone; with the extension's schema loaded beside it, its vocabularies hold.
XSD_NS = "http://www.w3.org/2001/XMLSchema"
_METS_IMPORTS = {
    METS_NS: "mets.xsd",
    CSIP_NS: "DILCISExtensionMETS.xsd",
    "https://DILCIS.eu/XML/METS/SIPExtensionMETS": "DILCISExtensionSIPMETS.xsd",
}


@cache
def mets_schema() -> etree.XMLSchema:
    """Return the METS 1.12 schema with the DILCIS CSIP and SIP extensions, loaded offline."""
    folder = mets_schema_dir()
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalSchemas(folder))
    imports = "".join(
        f'<xs:import namespace="{namespace}" schemaLocation="{(folder / name).as_uri()}"/>'
        for namespace, name in _METS_IMPORTS.items()
    )
    wrapper = f'<xs:schema xmlns:xs="{XSD_NS}" targetNamespace="urn:erms:mets">{imports}</xs:schema>'
    return etree.XMLSchema(etree.fromstring(wrapper.encode(), parser))


@cache
def shipped_schema(name: str) -> etree.XMLSchema:
    """Return a schema of exports/xml/xsd/: CITS ERMS v3, PREMIS 3.0, EAD 2002, and ours for TT 02/2019 and the
    transfer list (where each comes from: exports/xml/xsd/README.md)."""
    return etree.XMLSchema(etree.parse(str(XSD_DIR / name), etree.XMLParser(no_network=True)))


@cache
def cits_erms_rules() -> isoschematron.Schematron:
    """Return the CITS ERMS Schematron rules (exports/xml/xsd/erms_v3.sch).

    The file declares queryBinding="xslt2", which lxml cannot run; its 11 assertions are plain XPath 1.0, so it is
    run as XSLT 1.
    """
    rules = etree.parse(str(XSD_DIR / "erms_v3.sch"), etree.XMLParser(no_network=True))
    rules.getroot().set("queryBinding", "xslt")
    return isoschematron.Schematron(rules, store_report=True)


def rule_errors(rules: isoschematron.Schematron, path: Path) -> list[str]:
    """Return each failed Schematron assertion of the (well-formed) XML file at ``path``: where, and what it says."""
    if rules.validate(etree.parse(str(path), etree.XMLParser(no_network=True))):
        return []
    failed = rules.validation_report.getroot().iter(f"{{{SVRL_NS}}}failed-assert")
    return [f"{path.name}: {item.get('location')}: {' '.join(''.join(item.itertext()).split())}" for item in failed]


def schema_errors(schema: etree.XMLSchema, path: Path) -> list[str]:
    """Return every error of the XML file at ``path`` against ``schema`` (empty: valid)."""
    try:
        document = etree.parse(str(path), etree.XMLParser(no_network=True))
    except (OSError, etree.XMLSyntaxError) as error:
        return [f"{path.name}: {error}"]
    if schema.validate(document):
        return []
    return [f"{path.name}:{entry.line}: {entry.message}" for entry in schema.error_log]
