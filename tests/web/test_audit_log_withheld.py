"""The audit log keeps what it recorded, but shows each reader only the summaries they may read (security review): an
edit of a document records its summary before and after, and once the document is restricted on its own, filed in a
restricted dossier or made tuyệt mật, the administrator and the archivist, who read the log, no longer read those
summaries in its page, its CSV or its XLSX; the head, who reads them, still does."""

from __future__ import annotations

import csv
import html
import io
import json
import re

from openpyxl import load_workbook
from sqlalchemy import select

from classification import marking_decisions
from erms import audit
from erms.models import AuditEvent
from erms.models.register import RegisterKind
from filing import access, dossiers, registers
from tests.factories import DOCUMENT, upload
from tests.web.test_page_cost import queries_for

# Each summary a document had before its edit and after it.
OWN = ("Dự thảo phương án bồi thường khu tái định cư", "Phương án bồi thường giải phóng mặt bằng khu tái định cư")
IN_RESTRICTED = ("Báo cáo ban đầu về cán bộ lãnh đạo", "Kết luận thanh tra nội bộ về cán bộ lãnh đạo")
TOP_SECRET = ("Kế hoạch sơ bộ bảo vệ mục tiêu", "Kế hoạch bảo vệ mục tiêu quan trọng năm 2026")
HIDDEN = (*OWN, *IN_RESTRICTED, *TOP_SECRET)
OPEN = ("Dự thảo quy chế làm việc của cơ quan", "Quy chế làm việc của cơ quan năm 2026")
WITHHELD = "(trích yếu không hiển thị)"


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def restrict(session, world, dossier_id: int, document_id: int | None, now) -> None:
    """Restrict a dossier (or one document of it), proposed by the officer who forms it and confirmed by the head."""
    form = {"kind": "restrict", "reason": "Tài liệu nhạy cảm"}
    if document_id is not None:
        form["document_id"] = str(document_id)
    change = access.propose(session, world.actor("officer1"), dossier_id, form, now=now)
    access.decide(session, world.actor("head"), change.id, True, now=now)


def edited(session, world, store, now, dossier_id: int, summaries: tuple[str, str], number: str) -> int:
    """Add a document to the dossier and correct its summary (the edit's event records both); return its id."""
    officer = world.actor("officer1")
    document = dossiers.add_document(
        session,
        officer,
        dossier_id,
        dict(DOCUMENT, subject=summaries[0], code_number=number),
        upload(b"%PDF-1.4 " + number.encode(), f"van-ban-{number}.pdf"),
        store=store,
        now=now,
    )
    dossiers.update_document(session, officer, dossier_id, document.id, {"subject": summaries[1]}, now=now)
    return document.id


def top_secret_later(session, world, store, now, dossier_id: int) -> int:
    """Register a "mật" document (its register line only, no file), file it, correct its summary, then have the head
    make it tuyệt mật; return its id."""
    registry = world.actor("registry")
    data = {key: value for key, value in DOCUMENT.items() if key not in ("direction", "status")}
    line = registers.register_document(
        session,
        registry,
        world.org.id,
        RegisterKind.INCOMING,
        dict(data, marking="mat", subject=TOP_SECRET[0], code_number="77"),
        None,
        store=store,
        now=now,
    )
    registers.assign_unit(
        session, registry, world.org.id, line.year, line.series, line.number, world.unit_a.id, now=now
    )
    officer = world.actor("officer1")
    dossiers.link_document(session, officer, dossier_id, line.document_id, now=now)
    dossiers.update_document(session, officer, dossier_id, line.document_id, {"subject": TOP_SECRET[1]}, now=now)
    marking_decisions.change_marking(
        session, world.actor("head"), line.document_id, "tuyet_mat", "Quyết định số 5/QĐ-UBND", now=now
    )
    return line.document_id


def export_cells(browser, form: str) -> list[str]:
    answer = browser.get(f"/audit/export.{form}")
    assert answer.status_code == 200
    if form == "csv":
        return [cell for row in csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))) for cell in row]
    book = load_workbook(io.BytesIO(answer.data))
    return [str(cell.value) for row in book.active.iter_rows() for cell in row]


def test_the_audit_log_keeps_restricted_and_top_secret_summaries_from_who_may_not_read_them(
    browsers, session, world, store, now, make_dossier
):
    ours = make_dossier("open", documents=0)
    restricted_on_its_own = edited(session, world, store, now, ours.id, OWN, "301")
    restrict(session, world, ours.id, restricted_on_its_own, now)
    edited(session, world, store, now, ours.id, OPEN, "302")
    theirs = make_dossier("open", documents=0)
    edited(session, world, store, now, theirs.id, IN_RESTRICTED, "303")
    restrict(session, world, theirs.id, None, now)
    top_secret_later(session, world, store, now, ours.id)
    session.commit()
    # The log itself keeps every summary as it was recorded.
    recorded = " ".join(session.scalars(select(AuditEvent.details).where(AuditEvent.action == "document.updated")))
    assert all(json.dumps(summary, ensure_ascii=False) in recorded for summary in HIDDEN)

    for reader in ("admin", "archivist"):  # they read neither the restricted records nor a tuyệt mật summary
        browser = browsers(reader)
        for page in ("/audit/", "/audit/?action=document.updated"):
            shown = text_of(browser.get(page))
            assert not [summary for summary in HIDDEN if summary in shown], (reader, page)
            assert shown.count(WITHHELD) >= 3 and OPEN[1] in shown, (reader, page)
        for form in ("csv", "xlsx"):
            cells = export_cells(browser, form)
            text = " ".join(cells)
            assert not [summary for summary in HIDDEN if summary in text], (reader, form)
            assert text.count(WITHHELD) >= 3 and OPEN[0] in text and OPEN[1] in text, (reader, form)

    head = browsers("head")  # reads the restricted records and is authorised for tuyệt mật summaries
    shown = text_of(head.get("/audit/?action=document.updated"))
    assert all(summary in shown for summary in HIDDEN) and WITHHELD not in shown
    for form in ("csv", "xlsx"):
        text = " ".join(export_cells(head, form))
        assert all(summary in text for summary in HIDDEN) and WITHHELD not in text, form


def test_withholding_costs_the_same_for_one_edited_document_or_six(
    browsers, engine, session, world, store, now, make_dossier
):
    """Who reads which summary is asked once for the whole page, never once an event."""
    dossier = make_dossier("open", documents=0)

    def edit(number: int) -> None:
        summaries = (f"Dự thảo tờ trình số {number}", f"Tờ trình số {number} về kế hoạch")
        restrict(
            session, world, dossier.id, edited(session, world, store, now, dossier.id, summaries, str(number)), now
        )
        session.commit()

    edit(400)
    admin = browsers("admin")
    page = "/audit/?action=document.updated"
    before = queries_for(admin, engine, page)
    for number in range(401, 406):
        edit(number)
    assert queries_for(admin, engine, page) == before
    assert text_of(admin.get(page)).count(WITHHELD) == 6


def test_the_file_names_of_a_restricted_document_are_withheld_as_its_summary(
    browsers, session, world, store, now, make_dossier
):
    """A file's name often is the summary (several files added at once take their names as summaries): accepting a
    scan's warnings and taking in a past document record it, and the log shows it only to those who read the files."""
    dossier = make_dossier("open", documents=0)
    document = edited(session, world, store, now, dossier.id, OWN, "304")
    restrict(session, world, dossier.id, document, now)
    named = "Phuong-an-boi-thuong-khu-tai-dinh-cu.pdf"
    officer = world.actor("officer1")
    audit.record(session, officer, "scan_warning.accepted", "document", document, now=now, filename=named, version=1)
    audit.record(
        session, officer, "document.taken_in", "document", document, now=now, files=[{"name": named, "sha256": "ab"}]
    )
    session.commit()
    for reader in ("admin", "archivist"):
        browser = browsers(reader)
        shown = text_of(browser.get("/audit/?action=scan_warning")) + text_of(browser.get("/audit/?action=document"))
        assert named not in shown and WITHHELD in shown, reader
        assert named not in " ".join(export_cells(browser, "csv")), reader
    head = browsers("head")
    assert named in text_of(head.get("/audit/?action=scan_warning")) and named in " ".join(export_cells(head, "csv"))
