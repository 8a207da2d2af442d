"""What a document's own first page says of it, read from the file's text (gợi ý từ nội dung tệp).

A file added in a batch gets its file name as summary and no number, notation or signer; the page it carries
already prints them in the fixed layout of NĐ 30/2020 Phụ lục I: the issuing organ at the top left under the
organ above it, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" at the right, "Số: 15/QĐ-UBND", "Hà Nội, ngày 05 tháng 01
năm 2026", the type in capitals ("QUYẾT ĐỊNH"; a công văn has none, its summary "V/v …" stands under the number),
the summary under the type, and the signer's position and name at the end.

``suggest`` reads that layout and returns only what it is sure of, each value held to the document form's rules
(``erms.metadata``): a suggestion is offered to the officer, never applied without them. Text from a PDF often
lost its diacritics or has them mangled (an old font's "Ƣ" for "Ư"), so the layout's words are matched folded to
plain letters, while values are taken as the file prints them. Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from erms import metadata

# The fields a page may state, as the document form names them.
FIELDS = ("code_number", "code_notation", "issued_date", "type_name", "subject", "organ_name", "signer_name")
# About one A4 page of an administrative document: the header, the summary and, on a one-page document, the signer.
FIRST_PAGE = 4000
# The header (organ, number, place and date, type, summary) sits in the page's first lines.
HEADER_LINES = 30
# An old Vietnamese PDF font's glyphs for Ư and ư ("NGƢỜI" for "NGƯỜI").
_REPAIRS = str.maketrans({"Ƣ": "Ư", "ƣ": "ư"})
_PLAIN = str.maketrans({"đ": "d", "Đ": "D"})

# Matched on folded lines (plain letters, same length as the line, so a match's span cuts the original).
_MOTTO = re.compile(
    r"CONG HOA XA HOI CHU NGHIA VIET NAM|DOC LAP\s*-\s*TU DO\s*-\s*HANH PHUC|DANG CONG SAN VIET NAM", re.I
)
_NUMBER = re.compile(r"(?:^|\s)So\s*:\s*(\d{1,11})\s*/\s*([0-9A-Za-z][0-9A-Za-z.&/-]*[0-9A-Za-z])", re.I)
_PLACE_AND_DAY = re.compile(
    r"(?:^|\s)[A-Za-z][^\d,]{0,60},\s*ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})(?!\d)", re.I
)
_ABOUT = re.compile(r"V/v\b", re.I)
_RECIPIENTS = re.compile(r"^N[ơo]i nh[ậa]n\s*:\s*", re.I)
_NOT_A_SUMMARY = re.compile(r"(Can cu|Kinh gui|Thuc hien|Noi nhan)\b", re.I)
_POSITION = re.compile(
    r"((KT|TM|TL|TUQ|Q)\.\s*)?(PHO\s+)?(CHU TICH|GIAM DOC|TRUONG|CHANH|BO TRUONG|THU TRUONG|HIEU TRUONG|"
    r"VIEN TRUONG|CUC TRUONG|VU TRUONG|BI THU|TONG GIAM DOC|THU KY|KE TOAN TRUONG|NGUOI LAP|NGUOI KY)\b"
)
# A first line of the organ block that names the kind of organ only; the next line says which ("QUẬN NAM TỪ LIÊM").
_KIND_ONLY = {"UY BAN NHAN DAN", "HOI DONG NHAN DAN", "UBND", "HDND"}
OFFICIAL_LETTER = "Công văn"


def suggest(text: str, types: Iterable[str] = (), issuers: Iterable[str] = ()) -> dict[str, str]:
    """Return the fields the first page of ``text`` states (code_number, code_notation, issued_date as ISO,
    type_name, subject, organ_name, signer_name), each valid on the document form; {} for a text that is not an
    administrative document. ``types`` and ``issuers`` are the lists the form offers: a type is suggested only
    as one of ``types``, an organ in an issuer's own spelling when it is one of ``issuers``."""
    lines = _lines(text)
    head = lines[:HEADER_LINES]
    if not any(_MOTTO.search(_fold(line)) for line in head[:12]):
        return {}
    found: dict[str, str] = {}
    number_at = _number(head, found)
    found.update(_day(head))
    found.update(_type_and_subject(head, list(types), number_at))
    if number_at is not None:
        found.update(_organ(head[:number_at], list(issuers)))
    found.update(_signer(lines))
    return _valid(found)


def _lines(text: str) -> list[str]:
    """Return the first page's non-empty lines, NFC, repaired and with their spaces collapsed."""
    page = unicodedata.normalize("NFC", str(text)[:FIRST_PAGE].translate(_REPAIRS))
    return [" ".join(line.split()) for line in page.splitlines() if line.strip()]


def _fold(text: str) -> str:
    """Return ``text`` with each letter reduced to its plain letter ("Số" → "So", "Đ" → "D"), of the same length."""
    return "".join(unicodedata.normalize("NFD", char)[0] for char in text.translate(_PLAIN))


def _key(text: str) -> str:
    """Return ``text`` as it is compared to a list's value: folded, capitals, single spaces."""
    return " ".join(_fold(text).upper().split())


def _number(head: list[str], found: dict[str, str]) -> int | None:
    """Put the number and notation of the "Số: 15/QĐ-UBND" line into ``found``; return that line's index."""
    for index, line in enumerate(head):
        match = _NUMBER.search(_fold(line))
        if match and re.search(r"[A-Za-z]", match.group(2)):
            found["code_number"] = match.group(1)
            found["code_notation"] = line[match.start(2) : match.end(2)]
            return index
    return None


def _day(head: list[str]) -> dict[str, str]:
    """Return the issue date of the "Hà Nội, ngày 05 tháng 01 năm 2026" line, if it names a real day."""
    for line in head:
        match = _PLACE_AND_DAY.search(_fold(line))
        if match:
            day, month, year = (int(part) for part in match.groups())
            try:
                return {"issued_date": date(year, month, day).isoformat()}
            except ValueError:
                return {}
    return {}


def _type_and_subject(head: list[str], types: list[str], number_at: int | None) -> dict[str, str]:
    """Return the type printed in capitals and the summary under it, or a công văn's "V/v …" summary, which stands
    right under its number (NĐ 30/2020 Phụ lục I)."""
    catalogue = {_key(name): name for name in types}
    for index, line in enumerate(head):
        if line == line.upper() and _key(line) in catalogue:
            return {"type_name": catalogue[_key(line)], **_subject(head[index + 1 :])}
    under_number = head[number_at + 1 :] if number_at is not None else []
    if under_number and _ABOUT.match(_fold(under_number[0])):
        typed = {"type_name": catalogue[_key(OFFICIAL_LETTER)]} if _key(OFFICIAL_LETTER) in catalogue else {}
        return {**typed, **_subject(under_number)}
    return {}


def _subject(following: list[str]) -> dict[str, str]:
    """Return the summary that starts ``following``: its first line, and the lines a wrap continues (lower case)."""
    if not following or not following[0][:1].isupper() or following[0] == following[0].upper():
        return {}
    if _NOT_A_SUMMARY.match(_fold(following[0])) or _PLACE_AND_DAY.search(_fold(following[0])):
        return {}
    parts = [following[0]]
    for line in following[1:]:
        if not line[:1].islower() or _PLACE_AND_DAY.search(_fold(line)):
            break
        parts.append(line)
    return {"subject": " ".join(parts)}


def _organ(above_number: list[str], issuers: list[str]) -> dict[str, str]:
    """Return the issuing organ printed at the top left: one line, or a kind of organ and which one; of two
    organs, the lower (the one above it is its parent, "cơ quan chủ quản")."""
    names = [name for line in above_number if (name := _without_motto(line))]
    if len(names) == 1:
        organ = names[0]
    elif len(names) == 2:
        organ = " ".join(names) if _key(names[0]) in _KIND_ONLY else names[1]
    else:
        return {}
    own = {_key(name): name for name in issuers}
    return {"organ_name": own.get(_key(organ), organ)}


def _without_motto(line: str) -> str:
    """Return what an organ line says once the national motto printed beside it is cut out ("" for none)."""
    folded = _fold(line)
    kept = "".join(line[start:end] for start, end in _spans_outside(_MOTTO, folded))
    kept = " ".join(kept.strip(" -_").split())
    return kept if kept and kept == kept.upper() and not re.search(r"\d", kept) else ""


def _spans_outside(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Return the spans of ``text`` between the matches of ``pattern``."""
    spans, start = [], 0
    for match in pattern.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    return [*spans, (start, len(text))]


def _signer(lines: list[str]) -> dict[str, str]:
    """Return the name printed under the last signer's position on the page ("CHỦ TỊCH" … "Nguyễn Văn An")."""
    found: dict[str, str] = {}
    for index, line in enumerate(lines):
        position = _RECIPIENTS.sub("", line)  # "Nơi nhận:" often shares the position's line
        if position == position.upper() and len(position) <= 80 and _POSITION.match(_key(position)):
            name = next((below for below in lines[index + 1 : index + 5] if _is_name(below)), None)
            if name is not None:
                found = {"signer_name": name}
    return found


def _is_name(line: str) -> bool:
    """Return True for a person's name as printed under a signature: two to six capitalised words of letters."""
    words = line.split()
    return 2 <= len(words) <= 6 and all(word.isalpha() and word == word.capitalize() for word in words)


def _valid(found: dict[str, str]) -> dict[str, str]:
    """Return the found values the document form would accept (``erms.metadata``), the others left out."""
    values = metadata.normalise(found)
    refused = {problem.field for problem in metadata.validate("document", values)}
    return {name: value for name, value in values.items() if name not in refused and value}
