"""Namespaces, element makers and offline XML Schemas for everything a package writes.

Builders (``mets``, ``premis``, ``ead``, ``cits``, ``tt02``) take their element makers from here so
each namespace is spelt once. Schemas are loaded from installed files only: METS 1.12 from the
eark-validator package, CITS ERMS from the copy in ``exports/xsd/`` (a user's machine has no
../shared); a schemaLocation is never fetched (ARCHITECTURE.md §1, exports/).
"""

from __future__ import annotations

import importlib.util
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
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

METS = ElementMaker(namespace=METS_NS, nsmap={None: METS_NS, "csip": CSIP_NS, "xlink": XLINK_NS})
PREMIS = ElementMaker(namespace=PREMIS_NS, nsmap={"premis": PREMIS_NS, "xsi": XSI_NS})
EAD = ElementMaker(namespace=EAD_NS, nsmap={None: EAD_NS})
CITS = ElementMaker(namespace=ERMS_NS, nsmap={None: ERMS_NS})
TT02 = ElementMaker(namespace=TT02_NS, nsmap={None: TT02_NS})
PLAIN = ElementMaker()

XSD_DIR = Path(__file__).resolve().parent / "xsd"
_XLINK_URL = "http://www.loc.gov/standards/xlink/xlink.xsd"


def qualified(namespace: str, name: str) -> str:
    """Return the Clark name ``{namespace}name`` lxml uses for namespaced attributes."""
    return f"{{{namespace}}}{name}"


def to_bytes(element: etree._Element) -> bytes:
    """Serialise an element tree as UTF-8 XML with a declaration, indented for people."""
    etree.indent(element)
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8")


def timestamp(moment: datetime) -> str:
    """Return ``moment`` as xsd:dateTime in Vietnamese local time, to the second."""
    return moment.astimezone(LOCAL_TZ).replace(microsecond=0).isoformat()


def day(value: date) -> str:
    """Return a calendar date as xsd:dateTime at local midnight (CITS ERMS wants a time, MAPPING.md §6)."""
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
