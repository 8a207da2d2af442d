"""The archive's scan of a paper dossier from its page (issue 28 part 5): offered to the archivist only, refused
with TT 02/2019's reason unless accepted, and then shown as the scan of its paper original."""

from __future__ import annotations

from erms_browser import file_field

from erms import metadata_seal
from erms.models.dossier import Medium
from filing import digitisation
from tests.factories import upload
from tests.intake.test_legacy_import import scan


def test_the_archivist_adds_a_scan_to_a_paper_dossier_from_its_page(browsers, session, make_dossier):
    held = make_dossier("archived")
    held.medium = Medium.PAPER
    session.commit()
    officer = browsers("officer1")
    assert "Thêm bản số hóa của hồ sơ giấy này" not in officer.get(f"/dossiers/{held.id}").get_data(as_text=True)
    archivist = browsers("archivist")
    page = archivist.get(f"/dossiers/{held.id}").get_data(as_text=True)
    assert "Thêm bản số hóa của hồ sơ giấy này" in page
    grey = {"subject": "Toàn bộ hồ sơ", "file": file_field(scan(1, "L", 150), "hs.pdf")}
    refused = archivist.post(f"/dossiers/{held.id}/digitise", grey)
    assert refused.status_code == 422 and "150 dpi" in refused.get_data(as_text=True)
    colour = {"subject": "Toàn bộ hồ sơ", "file": file_field(scan(2), "hs.pdf")}
    assert archivist.post(f"/dossiers/{held.id}/digitise", colour).status_code == 302
    shown = archivist.get(f"/dossiers/{held.id}").get_data(as_text=True)
    assert f"Bản số hóa của hồ sơ giấy {held.file_code}" in shown and "Giấy và điện tử" in shown


def test_the_api_says_which_dossiers_and_documents_are_paper_and_what_a_scan_was_made_from(
    app, session, world, store, now, make_dossier, token_of
):
    held = make_dossier("archived")
    held.medium, held.sheet_total = Medium.PAPER, 40
    metadata_seal.seal(session, held, now=now)  # a paper dossier closed with its 40 sheets
    added = digitisation.digitise(
        session, world.actor("archivist"), held.id, {"subject": "Toàn bộ hồ sơ"},
        upload(scan(3), "hs.pdf"), store=store, now=now,
    )  # fmt: skip
    session.commit()
    token = token_of("archivist")
    client = app.test_client(use_cookies=False)
    headers = {"Authorization": f"Bearer {token}"}
    dossier = client.get(f"/api/v1/dossiers/{held.id}", headers=headers).json
    assert (dossier["medium"], dossier["sheet_total"]) == ("hybrid", 40)
    document = client.get(f"/api/v1/documents/{added.id}", headers=headers).json
    assert (document["medium"], document["paper_original"]) == ("electronic", held.file_code)
