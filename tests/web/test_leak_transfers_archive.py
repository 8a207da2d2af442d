"""A submission to the agency archive shows each reader only what they may read (security review): the transfer's
page, its printed mục lục, the dossiers kept back and the API's transfers keep a restricted dossier's title from the
registry and the archivist (who check and receive it but read it no more than the access statistics let them), and
the archive queue keeps that title and the file names of its scans, and of a scan restricted on its own, from the
archivist; the unit's people who form the dossier and the head read them as before."""

from __future__ import annotations

import html
from datetime import date

from sqlalchemy import select

from erms.models import ScanCheck, TransferItem
from filing import dossiers, keep_backs
from tests.factories import DOCUMENT, upload
from tests.filing.test_upload_scans import grey_low_scan
from tests.web.test_api import caller
from tests.web.test_leak_review import SUMMARY, TITLE, pdf_text, restrict, text_of

SCAN = "bien-ban-thanh-tra-can-bo.pdf"  # a scan's file name often says what the summary says
OPEN_SCAN = "cong-van-scan.pdf"
DOSSIER_WITHHELD = "(không hiển thị: hồ sơ hạn chế sử dụng)"
FILE_WITHHELD = "(hạn chế sử dụng: trích yếu và tệp chỉ dành cho những người được chỉ định)"


def submitted(session, world, store, now, make_dossier, *, whole: bool) -> TransferItem:
    """Return the transfer item of unit A's dossier titled TITLE holding two scans below TT 02/2019 (OPEN_SCAN, and
    SCAN summarised SUMMARY), restricted ``whole`` or only its SCAN document, closed and submitted (committed)."""
    officer = world.actor("officer1")
    dossier = make_dossier("open", documents=0)
    dossiers.update_dossier(session, officer, dossier.id, {"title": TITLE}, now=now)
    scanned = [
        dossiers.add_document(
            session,
            officer,
            dossier.id,
            dict(DOCUMENT, subject=subject, code_number=number),
            upload(grey_low_scan() + f"\n% {name}\n".encode(), name),  # two scans, not one file twice
            store=store,
            now=now,
            scan=True,
        )
        for subject, number, name in (("Công văn đề nghị", "401", OPEN_SCAN), (SUMMARY, "402", SCAN))
    ]
    restrict(session, world, "officer1", dossier.id, None if whole else scanned[1].id, now)
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    item = dossiers.submit(session, officer, [dossier.id], now=now).items[0]
    session.commit()
    return item


def test_a_restricted_dossiers_title_leaves_the_transfer_page_and_its_list(
    browsers, session, world, store, now, make_dossier
):
    item = submitted(session, world, store, now, make_dossier, whole=True)
    code, page = item.dossier.file_notation, f"/transfers/{item.transfer_id}"
    for reader in ("registry", "archivist"):  # they check and receive it, but do not read a restricted dossier
        browser = browsers(reader)
        shown = text_of(browser.get(page))
        assert code in shown and DOSSIER_WITHHELD in shown and TITLE not in shown, reader
        assert f'href="/dossiers/{item.dossier_id}"' not in browser.get(page).get_data(as_text=True), reader
        printed = pdf_text(browser.get(page + "/list.pdf").data)
        assert code in printed and "hồ sơ hạn chế sử dụng" in printed and TITLE not in printed, reader
    for reader in ("officer1", "head"):  # who forms it, and the head, read it as before
        browser = browsers(reader)
        assert TITLE in text_of(browser.get(page)), reader
        assert TITLE in pdf_text(browser.get(page + "/list.pdf").data), reader


def test_a_restricted_dossier_kept_back_shows_its_title_only_to_its_readers(
    browsers, session, world, store, now, make_dossier
):
    dossier = make_dossier("open")
    dossiers.update_dossier(session, world.actor("officer1"), dossier.id, {"title": TITLE}, now=now)
    restrict(session, world, "officer1", dossier.id, None, now)
    dossiers.close_dossier(session, world.actor("officer1"), dossier.id, store=store, now=now)
    asked = keep_backs.request(session, world.actor("officer1"), dossier.id, "Thanh tra", date(2029, 6, 30), now=now)
    keep_backs.decide(session, world.actor("head"), asked.id, True, "Đồng ý", now=now)
    session.commit()
    for reader in ("registry", "archivist"):
        shown = browsers(reader).get("/transfers/kept")
        assert dossier.file_notation in text_of(shown) and DOSSIER_WITHHELD in text_of(shown), reader
        assert TITLE not in text_of(shown) and f'href="/dossiers/{dossier.id}"' not in shown.get_data(as_text=True)
    assert TITLE in text_of(browsers("officer1").get("/transfers/kept"))


def test_the_apis_transfers_keep_a_restricted_dossiers_title(app, token_of, session, world, store, now, make_dossier):
    item = submitted(session, world, store, now, make_dossier, whole=True)
    api = caller(app)
    for reader in ("registry", "archivist"):
        token = token_of(reader)
        one = api("GET", f"/transfers/{item.transfer_id}", token).json
        listed = [found for found in api("GET", "/transfers", token).json["items"] if found["id"] == item.transfer_id]
        for answer in (one, *listed):
            assert [(line["file_code"], line["title"]) for line in answer["items"]] == [(item.dossier.file_code, "")]
        assert len(listed) == 1, reader
    for reader in ("officer1", "head"):
        answer = api("GET", f"/transfers/{item.transfer_id}", token_of(reader)).json
        assert [line["title"] for line in answer["items"]] == [TITLE], reader


def warned(session, item: TransferItem, name: str) -> int:
    """Return the version id of the item's dossier's scan called ``name`` that carries a warning."""
    found = session.scalars(select(ScanCheck).where(ScanCheck.problems != "[]")).all()
    return next(row.version_id for row in found if row.version.filename == name)


def test_the_archive_queue_keeps_a_restricted_dossiers_title_and_scan_names(
    browsers, session, world, store, now, make_dossier
):
    item = submitted(session, world, store, now, make_dossier, whole=True)
    archivist = browsers("archivist")
    answer = archivist.get("/archive/")
    queue = text_of(answer)
    assert item.dossier.file_code in queue and DOSSIER_WITHHELD in queue and TITLE not in queue
    assert f'href="/dossiers/{item.dossier_id}"' not in answer.get_data(as_text=True)
    assert queue.count("Trang 2 là ảnh thang xám") == 2  # both warnings still listed, to accept
    assert SCAN not in queue and OPEN_SCAN not in queue and queue.count(FILE_WITHHELD) == 2
    accepted = archivist.post(f"/archive/versions/{warned(session, item, SCAN)}/accept-scan")
    assert accepted.status_code == 302
    said = text_of(archivist.get("/archive/"))
    assert "Đã chấp nhận cảnh báo về bản số hóa" in said and SCAN not in said and FILE_WITHHELD in said


def test_the_archive_queue_keeps_the_name_of_a_scan_restricted_on_its_own(
    browsers, session, world, store, now, make_dossier
):
    item = submitted(session, world, store, now, make_dossier, whole=False)
    archivist = browsers("archivist")
    queue = text_of(archivist.get("/archive/"))
    assert TITLE in queue and OPEN_SCAN in queue  # the dossier and its other scan are the archivist's to read
    assert SCAN not in queue and queue.count(FILE_WITHHELD) == 1
    assert archivist.post(f"/archive/versions/{warned(session, item, SCAN)}/accept-scan").status_code == 302
    assert SCAN not in text_of(archivist.get("/archive/"))
    assert archivist.post(f"/archive/versions/{warned(session, item, OPEN_SCAN)}/accept-scan").status_code == 302
    assert OPEN_SCAN in text_of(archivist.get("/archive/"))  # the flash names a scan the archivist reads
    assert html.escape(SCAN) not in archivist.get("/archive/").get_data(as_text=True)
