"""Through the pages: another unit's registered documents cannot be filed or read, an edit cannot declassify,
and the head changes a marking on its own page with a reason (issue 17, holes 1-2)."""

from __future__ import annotations

import html
import io
import re

import pytest
from erms_browser import DOCUMENT_FORM

from erms.models.register import RegisterKind
from filing import dossiers, registers

SECRET = "Kế hoạch bảo vệ mục tiêu quan trọng"


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def sent(session, world, store, now):
    """Return a factory: a document registered by the registry and sent to ``unit``."""

    def send(unit, marking="none", subject=SECRET):
        data = {key: value for key, value in DOCUMENT_FORM.items() if key not in ("direction", "status")}
        data.update(marking=marking, subject=subject, page_amount=3)
        file = None if marking != "none" else dossiers.Upload("cv.pdf", io.BytesIO(b"%PDF-x"), 10**6)
        registry = world.actor("registry")
        entry = registers.register_document(
            session, registry, world.org.id, RegisterKind.INCOMING, data, file, store=store, now=now
        )
        registers.assign_unit(session, registry, world.org.id, entry.year, entry.series, entry.number, unit.id, now=now)
        session.flush()
        return entry

    return send


def test_another_units_document_is_neither_offered_nor_filed(client, world, make_dossier, sent):
    dossier = make_dossier("open", documents=0)
    theirs = sent(world.unit_b, marking="mat", subject="Dự toán ngân sách của phòng Tài chính")
    client.login("officer1")
    page = text_of(client.get(f"/dossiers/{dossier.id}"))
    assert "Dự toán ngân sách của phòng Tài chính" not in page
    filing_forms = re.sub(r'<section class="panel" id="access">.*?</section>', "", page, flags=re.S)  # ids of people
    assert f'<option value="{theirs.document_id}"' not in filing_forms  # not offered in the list to file from
    response = client.post(f"/dossiers/{dossier.id}/link", {"document_id": str(theirs.document_id)})
    assert response.status_code == 404
    assert "Dự toán ngân sách" not in text_of(client.get(f"/dossiers/{dossier.id}"))


def linked(client, world, make_dossier, sent, marking="tuyet_mat"):
    dossier = make_dossier("open", documents=0)
    entry = sent(world.unit_a, marking=marking)
    client.login("officer1")
    assert client.post(f"/dossiers/{dossier.id}/link", {"document_id": str(entry.document_id)}).status_code == 302
    return dossier, entry


def test_an_officer_cannot_declassify_or_wipe_the_register_line(client, session, world, make_dossier, sent):
    dossier, entry = linked(client, world, make_dossier, sent)
    document = entry.document
    edit = f"/dossiers/{dossier.id}/documents/{document.id}/edit"
    form = text_of(client.get(edit))
    assert 'name="marking"' not in form and 'name="arrival_number"' not in form
    assert "Độ mật chỉ do người đứng đầu cơ quan thay đổi" in form
    refused = client.post(edit, {"marking": "none", "page_amount": "3"})
    assert refused.status_code == 422
    assert "Độ mật chỉ do người đứng đầu cơ quan thay đổi" in text_of(refused)
    assert client.post(edit, {"page_amount": "4"}).status_code == 302  # only what was sent changes
    session.expire_all()
    assert (document.marking, document.page_amount, document.arrival_number) == ("tuyet_mat", 4, str(entry.number))
    assert document.arrival_date is not None and document.subject == SECRET
    assert SECRET not in text_of(client.get(f"/dossiers/{dossier.id}"))


def test_the_head_changes_a_marking_with_a_reason_on_its_own_page(client, session, world, make_dossier, sent):
    dossier, entry = linked(client, world, make_dossier, sent)
    page = f"/markings/documents/{entry.document_id}"
    assert client.get(page).status_code == 403
    assert client.post(page, {"marking": "none", "reason": "Tự giải mật"}).status_code == 403
    client.logout()
    client.login("registry")
    assert "Thay đổi độ mật" not in text_of(client.get("/registers/incoming"))
    client.logout()
    client.login("head")
    assert f'href="{page}"' in text_of(client.get("/registers/incoming"))
    shown = text_of(client.get(page))
    assert "Tuyệt mật" in shown and SECRET in shown  # the head may read a top secret summary
    missing = client.post(page, {"marking": "none", "reason": " "})
    assert missing.status_code == 422 and "Hãy nêu lý do thay đổi độ mật." in text_of(missing)
    assert client.post(page, {"marking": "none", "reason": "Quyết định giải mật số 12/QĐ-UBND"}).status_code == 302
    session.expire_all()
    assert entry.document.marking == "none"
    client.logout()
    client.login("officer1")
    assert SECRET in text_of(client.get(f"/dossiers/{dossier.id}"))
