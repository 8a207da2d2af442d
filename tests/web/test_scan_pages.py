"""What an officer and an archivist see of scans and certified copies (issue 27): the upload form's boxes, the
refusal of a file that is no readable PDF, the warning on the dossier page and in the archive queue, the archivist's
acceptance, and a certified copy awaiting, confirmed or refused."""

from __future__ import annotations

import html
import json
import re

from sqlalchemy import func, select

from administration import trust_roots
from erms.models import AuditEvent, CertifiedCopy, DossierDocument, ScanCheck, StoredFile
from erms.models.dossier import DossierState
from filing import dossiers
from tests.factories import DOCUMENT
from tests.filing.test_signature_evidence import worker
from tests.filing.test_upload_scans import colour_scan, grey_low_scan, pki, png  # noqa: F401
from tests.signing import plain_pdf, sign
from tests.web.erms_browser import DOCUMENT_FORM, file_field
from tests.web.test_api import caller
from tests.web.test_api_uploads import upload_all


def page_of(client, url: str) -> str:
    return html.unescape(client.get(url).get_data(as_text=True))


def upload(client, dossier, content: bytes, name: str, number: str = "15", **boxes):
    return client.post(
        f"/dossiers/{dossier.id}/documents",
        {**DOCUMENT_FORM, "code_number": number, "file": file_field(content, name), **{box: "yes" for box in boxes}},
    )


def test_the_upload_form_offers_the_scan_and_certified_copy_boxes(client, make_dossier):
    dossier = make_dossier("open", documents=0)
    client.login("officer1")
    page = page_of(client, f"/dossiers/{dossier.id}")
    assert 'id="doc-scan" name="scan" type="checkbox"' in page
    assert 'id="doc-certified_copy" name="certified_copy" type="checkbox"' in page
    assert 'id="batch-scan" name="scan" type="checkbox"' in page


def test_a_file_that_is_not_a_pdf_is_refused_as_a_scan_in_vietnamese_and_nothing_is_stored(
    client, session, make_dossier
):
    dossier = make_dossier("open", documents=0)
    client.login("officer1")
    refused = upload(client, dossier, png(), "anh-chup.png", scan=True)
    assert refused.status_code == 422
    page = html.unescape(refused.get_data(as_text=True))
    assert "Bản số hóa phải ở định dạng PDF (.pdf), phiên bản 1.4 trở lên." in page
    assert re.search(r'id="doc-scan" name="scan" type="checkbox" value="yes" checked', page)  # kept as ticked
    session.expire_all()
    assert session.scalar(select(func.count()).where(DossierDocument.dossier_id == dossier.id)) == 0
    assert session.scalar(select(func.count()).select_from(StoredFile).where(StoredFile.size == len(png()))) == 0
    broken = upload(client, dossier, b"%PDF-1.7\n\x00 not a PDF", "hong.pdf", scan=True)
    assert broken.status_code == 422
    assert "Không đọc được tệp này dưới dạng tệp PDF." in html.unescape(broken.get_data(as_text=True))
    # The same picture without the box is an ordinary document.
    assert upload(client, dossier, png(), "anh-chup.png").status_code == 302


def test_a_scan_below_the_standard_is_shown_listed_accepted_by_the_archivist_and_only_then_archived(
    client, browsers, session, world, store, now, make_dossier
):
    dossier = make_dossier("open", documents=0)
    client.login("officer1")
    assert upload(client, dossier, grey_low_scan(), "cong-van-scan.pdf", scan=True).status_code == 302
    assert upload(client, dossier, colour_scan(), "quyet-dinh-scan.pdf", "16", scan=True).status_code == 302
    page = page_of(client, f"/dossiers/{dossier.id}")
    assert page.count('scan-warning" role="note"') == 1
    assert "Trang 2 được số hóa ở độ phân giải 150 dpi" in page and "Trang 2 là ảnh thang xám" in page
    assert page.count('class="signature signature-valid" role="note"') == 1  # the scan that meets the rules
    session.expire_all()
    warned = session.scalars(select(ScanCheck).where(ScanCheck.problems != "[]")).one()

    officer = world.actor("officer1")
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    item = dossiers.submit(session, officer, [dossier.id], now=now).items[0]
    archivist = browsers("archivist")
    queue = page_of(archivist, "/archive/")
    listed = queue[queue.index(f'id="scan-{warned.version_id}"') :]
    assert "cong-van-scan.pdf" in listed[:2000] and "Trang 2 là ảnh thang xám" in listed[:2000]
    assert "quyet-dinh-scan.pdf" not in queue

    refused = archivist.post(f"/archive/items/{item.id}/accept", {"confirm": "yes"})
    assert refused.status_code == 422
    said = html.unescape(refused.get_data(as_text=True))
    assert 'role="alert"' in said and "02/2019" in said[said.index('role="alert"') :][:600]  # the refusal says why
    session.expire_all()
    assert session.get(type(dossier), dossier.id).state is DossierState.SUBMITTED

    assert archivist.post(f"/archive/versions/{warned.version_id}/accept-scan").status_code == 302
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "scan_warning.accepted")).one()
    assert event.actor_name == "archivist" and json.loads(event.details)["filename"] == "cong-van-scan.pdf"
    assert f'id="scan-{warned.version_id}"' not in page_of(archivist, "/archive/")
    shown = page_of(client, f"/dossiers/{dossier.id}")
    assert "signature-untrusted scan-warning" in shown and world.users["archivist"].full_name in shown

    assert archivist.post(f"/archive/items/{item.id}/accept", {"confirm": "yes"}).status_code == 302
    session.expire_all()
    assert session.get(type(dossier), dossier.id).state is DossierState.ARCHIVED


def test_accepting_a_warning_needs_the_archivist_and_the_forms_token(client, browsers, session, make_dossier):
    dossier = make_dossier("open", documents=0)
    client.login("officer1")
    upload(client, dossier, grey_low_scan(), "cong-van-scan.pdf", scan=True)
    session.expire_all()
    warned = session.scalars(select(ScanCheck)).one()
    assert client.post(f"/archive/versions/{warned.version_id}/accept-scan").status_code == 403
    archivist = browsers("archivist")
    forged = archivist.client.post(f"/archive/versions/{warned.version_id}/accept-scan")  # no CSRF token
    assert forged.status_code == 400
    session.expire_all()
    assert session.get(ScanCheck, warned.id).accepted_at is None


def test_a_certified_copy_awaits_the_check_then_is_confirmed_or_refused_on_the_page(
    client,
    session,
    session_factory,
    store,
    now,
    make_dossier,
    pki,  # noqa: F811
):
    trust_roots.add(session, None, pki["ca"].cert_pem, now=now)
    dossier = make_dossier("open", documents=0)
    client.login("officer1")
    agency = sign(plain_pdf("Bản sao y"), pki["agency"], [pki["ca"]], when=now)
    other = sign(plain_pdf("Bản sao khác"), pki["person"], [pki["ca"]], when=now)
    files = ((agency, "ban-sao-y.pdf"), (other, "ban-sao-khac.pdf"), (plain_pdf(), "chua-ky.pdf"))
    for number, (content, name) in enumerate(files, start=20):
        assert upload(client, dossier, content, name, str(number), certified_copy=True).status_code == 302
    page = page_of(client, f"/dossiers/{dossier.id}")
    assert re.findall(r'certified-copy" data-state="(\w+)"', page) == ["pending", "pending", "refused"]
    worker(session, session_factory, store, now)
    page = page_of(client, f"/dossiers/{dossier.id}")
    assert re.findall(r'certified-copy" data-state="(\w+)"', page) == ["confirmed", "refused", "refused"]
    assert "UBND quận Đống Đa" in page and "Nguyễn Văn Ký" in page


def test_a_certified_copy_is_asked_on_the_document_form_of_a_final_document(
    client,
    session,
    session_factory,
    store,
    now,
    make_dossier,
    pki,  # noqa: F811
):
    trust_roots.add(session, None, pki["ca"].cert_pem, now=now)
    dossier = make_dossier("open", documents=0)
    client.login("officer1")
    upload(client, dossier, sign(plain_pdf("Bản sao y"), pki["agency"], [pki["ca"]], when=now), "ban-sao-y.pdf")
    session.expire_all()
    document_id = session.scalars(
        select(DossierDocument.document_id).where(DossierDocument.dossier_id == dossier.id)
    ).one()
    url = f"/dossiers/{dossier.id}/documents/{document_id}/edit"
    form = page_of(client, url)
    revision = re.search(r'name="revision" value="(\d+)"', form).group(1)
    assert 'name="certified_copy"' in form
    assert client.post(url, {"revision": revision, "certified_copy": "yes"}).status_code == 302
    worker(session, session_factory, store, now)
    form = page_of(client, url)
    assert 'data-state="confirmed"' in form and 'name="certified_copy"' not in form


def test_the_api_takes_the_scan_and_certified_copy_flags(app, token_of, make_dossier, session):
    api = caller(app)
    dossier = make_dossier("open", documents=0)
    session.commit()
    token = token_of("officer1")

    def add(content: bytes, **flags):
        upload_id = upload_all(api, token, content)
        return api(
            "POST",
            f"/dossiers/{dossier.id}/documents",
            token,
            json={"metadata": DOCUMENT, "upload_id": upload_id, **flags},
        )

    refused = add(png(), scan=True)
    assert refused.status_code == 422 and [item["field"] for item in refused.json["errors"]] == ["upload_id"]
    assert (
        api("POST", f"/dossiers/{dossier.id}/documents", token, json={"metadata": DOCUMENT, "scan": "yes"}).status_code
        == 422
    )
    assert add(grey_low_scan(), scan=True, certified_copy=True).status_code == 201
    session.expire_all()
    assert session.scalars(select(ScanCheck)).one().problems != "[]"
    assert session.scalars(select(CertifiedCopy.outcome)).one() == "refused"  # an unsigned file
    answer = api("GET", f"/documents/{session.scalars(select(CertifiedCopy.document_id)).one()}", token).json
    (version,) = answer["versions"]
    assert version["signature"] is None  # not signed
    assert version["scan"]["warning"] is True and version["scan"]["accepted_at"] is None
    assert version["scan"]["problems"] and all(isinstance(problem, str) for problem in version["scan"]["problems"])
    assert answer["certified_copy"] == {"outcome": "refused", "reason": "unsigned", "decided_at": answer["created_at"]}


def test_the_api_reads_a_signature_pending_then_as_the_worker_found_it(
    app,
    token_of,
    session,
    session_factory,
    store,
    now,
    make_dossier,
    pki,  # noqa: F811
):
    trust_roots.add(session, None, pki["ca"].cert_pem, now=now)
    api = caller(app)
    dossier = make_dossier("open", documents=0)
    session.commit()
    token = token_of("officer1")
    upload_id = upload_all(api, token, sign(plain_pdf("Bản sao y"), pki["agency"], [pki["ca"]], when=now))
    added = api(
        "POST",
        f"/dossiers/{dossier.id}/documents",
        token,
        json={"metadata": DOCUMENT, "upload_id": upload_id, "certified_copy": True},
    )
    assert added.status_code == 201
    pending = {"status": "pending", "checked_at": None, "signers": [], "document_timestamps": []}
    assert added.json["versions"][0]["signature"] == pending
    assert added.json["certified_copy"]["outcome"] == "pending"
    worker(session, session_factory, store, now)
    answer = api("GET", f"/documents/{added.json['id']}", token).json
    signature = answer["versions"][0]["signature"]
    assert signature["status"] == "valid" and signature["checked_at"] is not None
    assert any("UBND quận Đống Đa" in signer for signer in signature["signers"])
    assert answer["certified_copy"]["outcome"] == "confirmed" and answer["versions"][0]["scan"] is None
    listed = api("GET", f"/dossiers/{dossier.id}/documents", token).json
    assert listed["items"][0]["versions"][0]["signature"]["status"] == "valid"
