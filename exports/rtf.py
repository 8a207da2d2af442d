"""A table as a Word document in the .doc format people ask for (PL6 III.6.h): Rich Text Format, which Word and
LibreOffice open from a .doc file as a document of their own.

Word's 97-2003 binary format has no maintained writer; RTF is the text format Word reads and writes for exchange
(Microsoft's RTF 1.9.1), so this writes it: a heading, a line, then a bordered table whose heading row repeats on
every page, on A4 landscape. Every character outside ASCII is written as its UTF-16 code (``\\uN?``), so Vietnamese
needs no code page.
"""

from __future__ import annotations

# A4 landscape and its margins, in twips (1/1440 inch).
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 16838, 11906, 720
BORDERS = r"\clbrdrt\brdrs\brdrw10\clbrdrl\brdrs\brdrw10\clbrdrb\brdrs\brdrw10\clbrdrr\brdrs\brdrw10"


def table_document(title: str, line: str, headings: list[str], rows: list[list[str]]) -> bytes:
    """Return an RTF document: ``title`` as a heading, ``line`` under it, then the table."""
    width = (PAGE_WIDTH - 2 * MARGIN) // max(len(headings), 1)
    parts = [
        r"{\rtf1\ansi\ansicpg1252\deff0\uc1{\fonttbl{\f0\fswiss Arial;}}",
        rf"\paperw{PAGE_WIDTH}\paperh{PAGE_HEIGHT}\margl{MARGIN}\margr{MARGIN}\margt{MARGIN}\margb{MARGIN}\landscape",
        rf"\pard\sb120\sa120\b\fs32 {escape(title)}\b0\fs20\par",
        rf"\pard\sa120 {escape(line)}\par",
        _row(headings, width, heading=True),
        *(_row(cells, width) for cells in rows),
        r"\pard\par}",
    ]
    return "\n".join(parts).encode("ascii")


def _row(cells: list[str], width: int, heading: bool = False) -> str:
    edges = "".join(f"{BORDERS}\\cellx{width * (number + 1)}" for number in range(len(cells)))
    bold = (r"\b ", r"\b0") if heading else ("", "")
    texts = "".join(rf"\pard\intbl {bold[0]}{escape(text)}{bold[1]}\cell " for text in cells)
    repeat = r"\trhdr" if heading else ""  # the heading row, repeated at the top of each page the table spans
    return rf"\trowd\trgaph70{repeat}{edges}{texts}\row"


def escape(text: str) -> str:
    """Return ``text`` as RTF: the three special characters escaped, line breaks as \\line, the rest of Unicode as
    signed 16-bit UTF-16 codes with "?" for readers that know no Unicode."""
    out = []
    for unit in _utf16_units(text):
        if unit in (0x5C, 0x7B, 0x7D):  # \ { }
            out.append("\\" + chr(unit))
        elif unit == 0x0A:
            out.append(r"\line ")
        elif 0x20 <= unit < 0x7F:
            out.append(chr(unit))
        elif unit >= 0x80:
            out.append(rf"\u{unit - 0x10000 if unit > 0x7FFF else unit}?")
    return "".join(out)


def _utf16_units(text: str) -> list[int]:
    encoded = text.encode("utf-16-le")
    return [int.from_bytes(encoded[at : at + 2], "little") for at in range(0, len(encoded), 2)]
