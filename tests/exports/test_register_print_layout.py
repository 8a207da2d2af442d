"""The printed registers (NĐ 30/2020 Điều 16, Phụ lục IV) are read and signed on paper: a date cut across two lines
("15/06/202" then "6") or a heading cut inside a word ("chuyể" then "n") is what the registry clerk cannot use."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from erms.models.register import RegisterKind, RegisterSeries
from exports.pdf.register_pdf import COLUMNS
from filing import registers
from tests.factories import DOCUMENT, upload


def printed(session, world, store, now, kind: RegisterKind) -> str:
    """Register a document in ``kind``'s register (an incoming one sent to a unit today) and return the print's text."""
    registry = world.actor("registry")
    data = dict(DOCUMENT, recipients="- Như Điều 3;\n- Sở Nội vụ;\n- Lưu: VT.", due_date="2026-06-30")
    entry = registers.register_document(session, registry, world.org.id, kind, data, upload(), store=store, now=now)
    if kind is RegisterKind.INCOMING:
        registers.assign_unit(
            session, registry, world.org.id, entry.year, entry.series, entry.number, world.unit_a.id, now=now
        )
    pdf = registers.print_register(session, registry, world.org.id, kind, entry.year, RegisterSeries.REGULAR, now=now)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("kind", list(RegisterKind))
def test_every_date_and_every_heading_word_of_a_printed_register_is_whole(session, world, store, now, kind):
    text = printed(session, world, store, now, kind)
    lines = text.splitlines()
    # The document's date, the day it arrived and the day it was sent on: each on one line, never cut.
    assert "02/03/2026" in text
    if kind is RegisterKind.INCOMING:
        assert text.count("15/06/2026") >= 2  # arrival and hand-over ("Ngày chuyển")
    assert not [line for line in lines if re.search(r"\b\d{2}/\d{2}/\d{0,3}$", line)]
    words = {word for name, _width in COLUMNS[kind] for word in name.replace(",", "").split()}
    assert {word for word in words if not re.search(rf"(^|\s){re.escape(word)}(\s|,|$)", text)} == set()


def test_the_printed_outgoing_register_shows_the_documents_own_number(session, world, store, now):
    """A document numbered in a series of its own (typed "15") is printed 15/QĐ-UBND, not under its line's number."""
    text = printed(session, world, store, now, RegisterKind.OUTGOING)
    assert "15/QĐ-UBND" in text and "1/QĐ-UBND" not in text.replace("15/QĐ-UBND", "")
