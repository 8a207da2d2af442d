"""The closing page fills a required field of the organisation's in every document left without it, at once: the
officer types "Số trang bản giấy" once instead of opening each document, and the dossier then closes."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from erms import supplementary
from erms.models import AuditEvent
from filing import dossiers
from tests.factories import supplementary_field
from tests.web.test_document_page import text_of

FORM_ID = "supplementary.so_trang_giay"


def open_dossier(session, world, make_dossier, now):
    """Three documents, the second one's paper pages already typed (7); a required number and a list."""
    organisation_id = world.org.id
    supplementary_field(
        session, organisation_id, "document", "so_trang_giay", "Số trang bản giấy", "number", required=True
    )
    supplementary_field(
        session, organisation_id, "document", "nguon", "Nguồn", "choice", choices="Ngân sách\nODA", required=True
    )
    dossier = make_dossier("open", documents=3)
    second = dossier.links[1].document_id
    data = {"supplementary.so_trang_giay": "7", "supplementary.nguon": "ODA"}
    dossiers.update_document(session, world.actor("officer1"), dossier.id, second, data, now=now)
    session.commit()
    return dossier


def values(session, dossier) -> list[dict[str, str]]:
    session.expire_all()
    return [supplementary.values_of(link.document) for link in sorted(dossier.links, key=lambda link: link.ordinal)]


def summary_of(response) -> str:
    """The page's summary of the problems, which takes the focus (macros.html ``error_summary``)."""
    return re.search(r'<div class="form-error" role="alert"[^>]*>(.*?)</div>', response.get_data(as_text=True), re.S)[1]


def test_the_officer_fills_the_empty_documents_at_once_and_the_dossier_closes(
    client, session, world, make_dossier, now
):
    dossier = open_dossier(session, world, make_dossier, now)
    client.login("officer1")
    page = client.get(f"/dossiers/{dossier.id}/close")
    shown = text_of(page)
    assert "Điền cho mọi văn bản còn trống" in shown
    assert "Số trang bản giấy Bắt buộc trước khi đóng hồ sơ. Còn trống ở 2 văn bản: số 1, 3." in shown
    # The field's own input, as the document's form renders it: a number, and the list's choices.
    html = page.get_data(as_text=True)
    assert f'id="{FORM_ID}" name="supplementary.so_trang_giay" type="text"' in html and 'inputmode="decimal"' in html
    assert re.search(r'<select id="supplementary.nguon"[^>]*>\s*<option value=""[^>]*>—</option>\s*<option', html)

    for field, value in (("so_trang_giay", "12"), ("nguon", "Ngân sách")):
        filled = client.post(f"/dossiers/{dossier.id}/close/fill", {"field": field, f"supplementary.{field}": value})
        assert filled.status_code == 302 and filled.location.endswith(f"/dossiers/{dossier.id}/close")
    again = client.get(f"/dossiers/{dossier.id}/close")
    back = text_of(again)
    assert "Đã điền «Nguồn» cho 2 văn bản." in back and "Điền cho mọi văn bản còn trống" not in back
    dates = re.search(r'name="dates" value="([^"]+)"', again.get_data(as_text=True)).group(1)  # the box to confirm
    assert values(session, dossier) == [
        {"so_trang_giay": "12", "nguon": "Ngân sách"},
        {"so_trang_giay": "7", "nguon": "ODA"},  # a value already typed is kept
        {"so_trang_giay": "12", "nguon": "Ngân sách"},
    ]
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "document.updated")).all()
    filled_in = [(event.subject_id, json.loads(event.details).get("supplementary")) for event in events[1:]]
    first, third = dossier.links[0].document_id, dossier.links[2].document_id
    assert filled_in == [
        (first, {"supplementary.so_trang_giay": [None, "12"]}),
        (third, {"supplementary.so_trang_giay": [None, "12"]}),
        (first, {"supplementary.nguon": [None, "Ngân sách"]}),
        (third, {"supplementary.nguon": [None, "Ngân sách"]}),
    ]
    closed = client.post(f"/dossiers/{dossier.id}/close", {"confirm": "yes", "dates": dates})
    assert closed.status_code == 302
    session.expire_all()
    assert dossier.state.value == "closed"


def test_a_wrong_value_comes_back_beside_the_field_with_the_summary_and_nothing_changes(
    client, session, world, make_dossier, now
):
    dossier = open_dossier(session, world, make_dossier, now)
    client.login("officer1")
    refused = client.post(
        f"/dossiers/{dossier.id}/close/fill", {"field": "so_trang_giay", "supplementary.so_trang_giay": "12 trang"}
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    summary = summary_of(refused)
    assert f'href="#{FORM_ID}"' in summary and "Không phải là số" in summary  # the summary leads to the field
    assert re.search(rf'<p class="error" id="{FORM_ID}-error">Không phải là số', html)
    assert 'value="12 trang"' in html  # what was typed is kept
    assert values(session, dossier)[0] == {}


def test_a_choice_not_listed_and_a_withdrawn_field_are_refused(client, session, world, make_dossier, now):
    dossier = open_dossier(session, world, make_dossier, now)
    supplementary_field(session, world.org.id, "document", "so_hop", "Số hộp", active=False)
    session.commit()
    client.login("officer1")
    url = f"/dossiers/{dossier.id}/close/fill"
    choice = client.post(url, {"field": "nguon", "supplementary.nguon": "Vay thương mại"})
    assert choice.status_code == 422 and "Hãy chọn một giá trị trong danh sách." in text_of(choice)
    withdrawn = client.post(url, {"field": "so_hop", "supplementary.so_hop": "H-1"})
    assert withdrawn.status_code == 422
    summary = summary_of(withdrawn)
    assert 'href="#step-checklist"' in summary and "Trường không xác định." in summary  # no longer offered
    assert values(session, dossier)[0] == {}


def test_another_units_officer_is_not_found_and_a_closed_dossier_is_refused(
    browsers, session, world, make_dossier, now
):
    closed = make_dossier("closed")
    dossier = open_dossier(session, world, make_dossier, now)
    form = {"field": "so_trang_giay", "supplementary.so_trang_giay": "12"}
    assert browsers("officer2").post(f"/dossiers/{dossier.id}/close/fill", form).status_code == 404
    officer = browsers("officer1")
    refused = officer.post(f"/dossiers/{closed.id}/close/fill", form)
    assert refused.status_code == 422
    assert "Chỉ được sửa đổi hồ sơ đang lập; hồ sơ này ở trạng thái “Đã kết thúc”." in text_of(refused)
    assert values(session, dossier)[0] == {} and values(session, closed) == [{}]
