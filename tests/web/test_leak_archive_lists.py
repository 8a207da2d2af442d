"""The archive's own lists show each reader only what they may read (security review): the hand-over to the historical
archive, the dossiers due for appraisal, their preview and outcome, the destruction lists and a storage box keep a
restricted dossier's title, and the link to a page that would refuse them, from the archivist and the council, who
work on it but read it no more than ``permissions.can_read_dossier`` lets them; the head reads them as before. The
refusal of a file changed since capture names it by its document's number for an archivist who may not read it."""

from __future__ import annotations

import pytest
from erms_browser import file_field, run_background_jobs
from sqlalchemy import select

from erms.models import Dossier, Package
from filing import dossiers
from holdings import storage
from tests.factories import DOCUMENT, upload
from tests.web.test_handover_pages import YEAR, batch_id_from, receipt
from tests.web.test_leak_review import TITLE, restrict, text_of
from tests.web.test_leak_transfers_archive import DOSSIER_WITHHELD, SCAN

OPEN_TITLE = "Hồ sơ phát sinh về công tác văn thư"  # what make_dossier names a dossier nobody restricted


def archived(session, world, store, now, make_dossier, *, row: str = "10y", restricted: bool = True, **changes):
    """Return unit A's dossier (titled TITLE, restricted, when ``restricted``) accepted into the agency archive."""
    officer = world.actor("officer1")
    dossier = make_dossier("open", row=row)
    if restricted:
        dossiers.update_dossier(session, officer, dossier.id, {"title": TITLE, **changes}, now=now)
        restrict(session, world, "officer1", dossier.id, None, now)
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    transfer = dossiers.submit(session, officer, [dossier.id], now=now)
    dossiers.accept(session, world.actor("archivist"), transfer.items[0].id, store=store, now=now)
    session.commit()
    return dossier


def withheld(response, dossier: Dossier) -> bool:
    """Return True if the page lists the dossier by its code with the marker, never its title nor a link to it."""
    shown = text_of(response)
    linked = f'href="/dossiers/{dossier.id}"' in response.get_data(as_text=True)
    return dossier.file_code in shown and DOSSIER_WITHHELD in shown and TITLE not in shown and not linked


def test_the_hand_over_pages_keep_a_restricted_dossiers_title_from_the_archivist(
    browsers, session, world, store, now, make_dossier
):
    secret = archived(session, world, store, now, make_dossier, row="permanent")
    other = archived(session, world, store, now, make_dossier, row="permanent", restricted=False)
    archivist = browsers("archivist")
    choice = archivist.get(f"/handover/?year={YEAR}")
    assert withheld(choice, secret) and OPEN_TITLE in text_of(choice)
    created = archivist.post("/handover/batches", {"year": str(YEAR), "dossier": [str(secret.id), str(other.id)]})
    batch_id = batch_id_from(created)
    page = f"/handover/batches/{batch_id}"
    assert withheld(archivist.get(page), secret) and OPEN_TITLE in text_of(archivist.get(page))
    assert archivist.post(page + "/build", {"confirm": "yes"}).status_code == 302
    run_background_jobs(archivist.client.application)
    name = session.scalar(select(Package.name).where(Package.batch_id == batch_id))
    archivist.get(page)
    form = {"receipt": file_field(receipt(name, [other.file_code]), "bien-nhan.xml", "text/xml")}
    assert archivist.post(page + "/receipt", form).status_code == 302
    left = archivist.get(page)  # the restricted one was left off the receipt: listed again, still withheld
    assert 'class="not-received"' in left.get_data(as_text=True) and withheld(left, secret)


def test_the_appraisal_and_destruction_pages_keep_a_restricted_dossiers_title(
    later, session, world, store, now, make_dossier
):
    kept, doomed = (archived(session, world, store, now, make_dossier) for _ in range(2))
    other = archived(session, world, store, now, make_dossier, restricted=False)
    archivist = later("archivist")
    due = archivist.get("/retention/due")
    assert withheld(due, kept) and withheld(due, doomed) and OPEN_TITLE in text_of(due)
    chosen = {"dossier_id": [str(kept.id), str(doomed.id), str(other.id)]}
    preview = archivist.post("/retention/due/preview", chosen)
    assert withheld(preview, kept) and withheld(preview, doomed) and OPEN_TITLE in text_of(preview)
    outcome = archivist.post(
        "/retention/due/keep", {"dossier_id": str(kept.id), "years": "20", "reason": "Còn giá trị"}
    )
    assert outcome.status_code == 200 and withheld(outcome, kept), text_of(outcome)
    proposed = archivist.post(
        "/retention/due/propose",
        {"dossier_id": [str(doomed.id), str(other.id)], "title": "Danh mục hủy 2037", "explanation": "Hết hạn."},
    )
    assert withheld(proposed, doomed) and OPEN_TITLE in text_of(proposed)
    list_page = proposed.get_data(as_text=True).split('href="/retention/lists/')[1].split('"')[0]
    for reader in ("archivist", "council1"):  # the council gives its opinion on the list, but reads no restricted one
        shown = later(reader).get(f"/retention/lists/{list_page}")
        assert withheld(shown, doomed) and OPEN_TITLE in text_of(shown), reader
    assert TITLE in text_of(later("head").get(f"/retention/lists/{list_page}"))  # the head who decides reads it


def test_a_storage_box_keeps_a_restricted_dossiers_title_from_the_archivist(
    browsers, session, world, store, now, make_dossier
):
    paper = {"medium": "hybrid", "sheet_total": 12}
    secret = archived(session, world, store, now, make_dossier, **paper)
    archivist = browsers("archivist")
    archivist.get("/archive/storage/")
    archivist.post("/archive/storage/repositories", {"code": "K1", "name": "Kho tầng 1"})
    repository = storage.repositories(session, world.actor("archivist"), world.org.id)[0]
    made = archivist.post(
        "/archive/storage/boxes", {"repository_id": str(repository.id), "number": "7", "shelf_unit": "2"}
    )
    box = made.headers["Location"]
    offered = archivist.get(box)  # offered to be put in the box: by its code, not its title
    assert f'<option value="{secret.id}"' in offered.get_data(as_text=True) and withheld(offered, secret)
    assert archivist.post(box + "/place", {"dossier_id": str(secret.id), "file_number": ""}).status_code == 302
    placed = archivist.get(box)
    assert 'id="dossiers"' in placed.get_data(as_text=True) and withheld(placed, secret)


CHANGED = "không khớp với mã băm đã ghi nhận khi đưa vào hệ thống."


@pytest.mark.parametrize(
    ("restricted", "said"),
    [
        ("dossier", f"Một tệp của văn bản số thứ tự 2 trong hồ sơ {CHANGED}"),
        ("document", f"Một tệp của văn bản số thứ tự 2 trong hồ sơ {CHANGED}"),
        ("", f"Tệp {SCAN} {CHANGED}"),  # a file the archivist reads is named as before
    ],
)
def test_a_changed_file_the_archivist_may_not_read_is_named_by_its_documents_number(
    browsers, session, world, store, now, make_dossier, restricted, said
):
    officer = world.actor("officer1")
    dossier = make_dossier("open")
    document = dossiers.add_document(
        session, officer, dossier.id, dict(DOCUMENT, code_number="402"), upload(b"%PDF-2", SCAN), store=store, now=now
    )
    if restricted:
        restrict(session, world, "officer1", dossier.id, document.id if restricted == "document" else None, now)
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    item = dossiers.submit(session, officer, [dossier.id], now=now).items[0]
    session.commit()
    store.path_for(document.versions[0].file.sha256).write_bytes(b"%PDF-changed since capture")
    archivist = browsers("archivist")
    archivist.get("/archive/")
    refused = archivist.post(f"/archive/items/{item.id}/accept", {"confirm": "yes"})
    assert refused.status_code == 422 and said in text_of(refused)
    assert (SCAN in text_of(refused)) is not bool(restricted)
