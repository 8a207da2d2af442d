"""Two people changing the same dossier or document (NĐ 30 PL6 IV.2): the first save wins; the second is told who
saved meanwhile, when and where their form now differs, keeps what they typed, and nothing of theirs is written."""

from __future__ import annotations

import html
import re

import lxml.html
from erms_browser import DOCUMENT_FORM, REGISTER_FORM, Browser, file_field, make_pdf

from erms.models import Document, Dossier

FIELDS = {"start_date": "2026-01-05", "rights": "public", "language": "Tiếng Việt"}


def revision_on(page: str) -> str:
    return re.search(r'name="revision" value="(\d+)"', page).group(1)


def test_the_second_of_two_saves_from_the_same_page_is_refused_naming_the_first(app, client, session, make_dossier):
    dossier = make_dossier("open")
    colleague = Browser(app.test_client())
    client.login("officer1")
    colleague.login("unithead")
    mine = revision_on(client.get(f"/dossiers/{dossier.id}").get_data(as_text=True))
    theirs = revision_on(colleague.get(f"/dossiers/{dossier.id}").get_data(as_text=True))
    saved = colleague.post(
        f"/dossiers/{dossier.id}/edit",
        {
            **FIELDS,
            "title": "Hồ sơ theo ý trưởng phòng",
            "end_date": "2026-03-31",
            "medium": "paper",
            "revision": theirs,
        },
    )
    assert saved.status_code == 302
    refused = client.post(
        f"/dossiers/{dossier.id}/edit",
        {**FIELDS, "title": "Hồ sơ theo ý chuyên viên", "end_date": "", "medium": "electronic", "keyword": "họp"}
        | {"revision": mine},
    )
    assert refused.status_code == 409
    page = html.unescape(refused.get_data(as_text=True))
    assert "đã lưu bản ghi này lúc 15/06/2026 10:00, sau khi bạn mở biểu mẫu" in page
    said = (
        "Biểu mẫu của bạn khác với bản ghi hiện tại ở: Tiêu đề hồ sơ, Thời gian kết thúc, Loại hình tài liệu, Từ khóa."
    )
    assert said in page
    # Beside each of those fields, what the record holds now: the colleague's values, to choose between the two.
    for held in ("Hồ sơ theo ý trưởng phòng", "31/03/2026", "Bản giấy"):
        assert f"Bản ghi hiện ghi: “{held}”." in page
    assert "Bản ghi hiện để trống trường này." in page  # the keyword only this form fills
    assert "Hồ sơ theo ý chuyên viên</textarea>" in page  # what they typed is still in the form
    session.expire_all()
    assert session.get(Dossier, dossier.id).title == "Hồ sơ theo ý trưởng phòng"
    again = revision_on(page)  # the form now carries the revision it shows: a deliberate save goes through
    assert (
        client.post(
            f"/dossiers/{dossier.id}/edit", {**FIELDS, "title": "Hồ sơ theo ý chuyên viên", "revision": again}
        ).status_code
        == 302
    )


def both_editing(app, client, make_dossier):
    """officer1 (``client``) and unithead (the colleague returned) open the same document's form of an open dossier:
    return the document, the form's address, the colleague and the revisions each form showed."""
    dossier = make_dossier("open")
    document = dossier.links[0].document
    url = f"/dossiers/{dossier.id}/documents/{document.id}/edit"
    colleague = Browser(app.test_client())
    client.login("officer1")
    colleague.login("unithead")
    mine = revision_on(client.get(url).get_data(as_text=True))
    theirs = revision_on(colleague.get(url).get_data(as_text=True))
    return document, url, colleague, mine, theirs


def test_a_document_saved_meanwhile_is_not_overwritten(app, client, session, make_dossier):
    document, url, colleague, mine, theirs = both_editing(app, client, make_dossier)
    assert colleague.post(url, {"subject": "Trích yếu do trưởng phòng sửa", "revision": theirs}).status_code == 302
    refused = client.post(url, {"subject": "Trích yếu do chuyên viên sửa", "revision": mine})
    assert refused.status_code == 409
    assert "Trích yếu nội dung" in html.unescape(refused.get_data(as_text=True))
    session.expire_all()
    assert session.get(type(document), document.id).subject == "Trích yếu do trưởng phòng sửa"


def test_a_field_a_colleague_filled_meanwhile_is_named_when_the_form_left_it_blank(app, client, session, make_dossier):
    document, url, colleague, mine, theirs = both_editing(app, client, make_dossier)
    assert colleague.post(url, {"keyword": "ngân sách quý I", "revision": theirs}).status_code == 302
    # The officer's form showed the keyword empty, and sends it so: saved, it would clear the colleague's.
    refused = client.post(url, {"keyword": "", "description": "Bổ sung số liệu", "revision": mine})
    assert refused.status_code == 409
    said = re.search(
        r"Biểu mẫu của bạn khác với bản ghi hiện tại ở: ([^.<]*)\.", html.unescape(refused.get_data(as_text=True))
    )
    assert said and said.group(1) == "Ghi chú, Từ khóa", said and said.group(1)
    session.expire_all()
    assert session.get(type(document), document.id).keyword == "ngân sách quý I"


def test_an_entry_assigned_meanwhile_is_not_reassigned_from_an_older_page(app, client, session, world):
    entry = world.approved_list().entries[0]
    page_url = f"/dossier-lists/{entry.dossier_list_id}"
    admin = Browser(app.test_client())
    client.login("registry")
    admin.login("admin")
    mine = re.search(
        rf'entry-{entry.id}.*?name="revision" value="(\d+)"', client.get(page_url).get_data(as_text=True), re.S
    ).group(1)
    theirs = re.search(
        rf'entry-{entry.id}.*?name="revision" value="(\d+)"', admin.get(page_url).get_data(as_text=True), re.S
    ).group(1)
    assign = f"/dossier-lists/entries/{entry.id}/assign"
    to_b = {"list_id": entry.dossier_list_id, "unit_id": world.unit_b.id, "revision": theirs}
    assert admin.post(assign, to_b).status_code == 302
    to_a = {"list_id": entry.dossier_list_id, "unit_id": world.unit_a.id, "revision": mine}
    refused = client.post(assign, to_a, follow_redirects=True)
    page = html.unescape(refused.get_data(as_text=True))
    assert (
        "đã lưu bản ghi này lúc 15/06/2026 10:00" in page
        and "khác với bản ghi hiện tại ở: Đơn vị, người lập hồ sơ" in page
    )
    session.expire_all()
    assert session.get(type(entry), entry.id).unit_id == world.unit_b.id


def test_a_document_sent_meanwhile_to_another_unit_is_not_sent_again_unasked(app, client, world):
    colleague = Browser(app.test_client())
    client.login("registry")
    colleague.login("registry")  # the registry at a second desk
    client.post("/registers/incoming", {**REGISTER_FORM, "file": file_field(make_pdf(), "cv-15.pdf")})
    assign = "/registers/incoming/assign?year=2026"
    colleague.get("/registers/incoming")
    sent = colleague.post(assign, {"series": "regular", "number": "1", "unit_id": str(world.unit_b.id)})
    assert sent.status_code == 302
    mine = {"series": "regular", "number": "1", "unit_id": str(world.unit_a.id)}
    refused = client.post(assign, mine)
    assert refused.status_code == 409
    assert (
        f"Văn bản số 1 đã được chuyển cho {world.unit_b.name}, do Nguyễn Văn registry chuyển lúc 15/06/2026 10:00."
        in html.unescape(refused.get_data(as_text=True))
    )
    assert client.post(assign, {**mine, "elsewhere": "yes"}).status_code == 302  # deliberately moved


def test_a_document_form_sent_after_its_dossier_closed_says_so_and_leads_to_the_dossier(
    app, client, session, make_dossier
):
    dossier = make_dossier("open")
    document = dossier.links[0].document
    form_url = f"/dossiers/{dossier.id}/documents/{document.id}/edit"
    colleague = Browser(app.test_client())
    colleague.login("unithead")
    client.login("officer1")
    seen = revision_on(colleague.get(form_url).get_data(as_text=True))
    closing = client.get(f"/dossiers/{dossier.id}/close").get_data(as_text=True)
    dates = re.search(r'name="dates" value="([^"]+)"', closing).group(1)
    assert client.post(f"/dossiers/{dossier.id}/close", {"confirm": "yes", "dates": dates}).status_code == 302
    # The browser sends the form's own address as the page it came from: going back there was refused in turn,
    # and the refusal went back there again, endlessly.
    back_here = {"Referer": f"http://localhost{form_url}"}
    sent = colleague.post(form_url, {"keyword": "bổ sung", "revision": seen}, headers=back_here)
    assert sent.status_code == 409
    page = html.unescape(sent.get_data(as_text=True))
    assert "Chỉ được sửa đổi hồ sơ đang lập" in page
    assert "Những gì đã nhập trong biểu mẫu này chưa được lưu." in page
    assert f'href="/dossiers/{dossier.id}?document={document.id}#document-{document.id}"' in page
    again = colleague.get(form_url, headers=back_here)
    assert again.status_code == 409 and "Chỉ được sửa đổi hồ sơ đang lập" in html.unescape(again.get_data(as_text=True))
    assert f'href="/dossiers/{dossier.id}/documents/{document.id}"' in again.get_data(as_text=True)  # its own page
    session.expire_all()
    assert session.get(type(document), document.id).keyword != "bổ sung"


def test_closing_refuses_once_a_colleague_added_a_document_after_the_page_was_opened(
    app, client, session, make_dossier
):
    dossier = make_dossier("open", documents=2)
    colleague = Browser(app.test_client())
    colleague.login("unithead")
    client.login("officer1")
    closing = client.get(f"/dossiers/{dossier.id}/close").get_data(as_text=True)
    shown = {name: re.search(rf'name="{name}" value="([^"]+)"', closing).group(1) for name in ("dates", "documents")}
    batch = {key: value for key, value in DOCUMENT_FORM.items() if key not in ("subject", "code_number")}
    batch["files"] = [file_field(make_pdf("Cong van bo sung"), "Cong van bo sung.pdf")]
    # Dated within the dossier's dates: the dates it will close with are the same, the index is not.
    added = colleague.post(f"/dossiers/{dossier.id}/documents/batch", {**batch, "issued_date": "2026-03-02"})
    assert added.status_code == 302
    back_to_page = {"Referer": f"http://localhost/dossiers/{dossier.id}/close"}
    refused = client.post(f"/dossiers/{dossier.id}/close", {"confirm": "yes", **shown}, headers=back_to_page)
    assert refused.status_code == 302
    again = html.unescape(client.get(refused.headers["Location"]).get_data(as_text=True))
    assert "Văn bản trong hồ sơ đã thay đổi sau khi bạn mở trang này" in again
    session.expire_all()
    assert session.get(Dossier, dossier.id).state.value == "open" and len(session.get(Dossier, dossier.id).links) == 3
    seen = {name: re.search(rf'name="{name}" value="([^"]+)"', again).group(1) for name in ("dates", "documents")}
    assert client.post(f"/dossiers/{dossier.id}/close", {"confirm": "yes", **seen}).status_code == 302
    session.expire_all()
    assert session.get(Dossier, dossier.id).state.value == "closed"


def test_a_stale_save_of_a_top_secret_document_says_nothing_of_its_withheld_summary(
    app, client, session, store, world, now, make_dossier
):
    from tests.web.test_audit_log_withheld import TOP_SECRET, top_secret_later

    dossier = make_dossier("open", documents=0)
    document_id = top_secret_later(session, world, store, now, dossier.id)
    session.commit()
    client.login("officer1")  # files the document; may not read its summary
    url = f"/dossiers/{dossier.id}/documents/{document_id}/edit"
    stale = int(revision_on(client.get(url).get_data(as_text=True))) - 1
    # A guess sent with an old revision is answered the same, right or wrong: the answer is no way to test guesses.
    answers = [
        html.unescape(client.post(url, {"subject": guess, "revision": stale}).get_data(as_text=True))
        for guess in (TOP_SECRET[1], "Một trích yếu đoán bừa")
    ]
    assert answers[0] == answers[1] and "Trích yếu" not in answers[0].split("Biểu mẫu của bạn khác")[1][:80]
    assert TOP_SECRET[1] not in answers[0]
    session.expire_all()
    assert session.get(Document, document_id).subject == TOP_SECRET[1]


def form_on(page: str, action: str) -> dict[str, str]:
    """What a browser sends from the page's form posting to ``action``, every field as the page fills it."""
    (form,) = [form for form in lxml.html.fromstring(page).forms if form.get("action") == action]
    return dict(form.form_values())


def test_saving_again_after_a_refusal_keeps_the_colleagues_change_to_a_field_not_touched(
    app, client, session, make_dossier
):
    dossier = make_dossier("open")
    url, colleague = f"/dossiers/{dossier.id}/edit", Browser(app.test_client())
    client.login("officer1")
    colleague.login("unithead")
    mine = form_on(client.get(f"/dossiers/{dossier.id}").get_data(as_text=True), url)
    theirs = form_on(colleague.get(f"/dossiers/{dossier.id}").get_data(as_text=True), url)
    assert colleague.post(url, {**theirs, "description": "Ghi chú của trưởng phòng"}).status_code == 302
    refused = client.post(url, {**mine, "keyword": "họp giao ban"})
    assert refused.status_code == 409
    # The form shows again the keyword typed, and the note as the colleague saved it: saving it again keeps both.
    again = form_on(refused.get_data(as_text=True), url)
    assert (again["keyword"], again["description"]) == ("họp giao ban", "Ghi chú của trưởng phòng")
    assert client.post(url, again).status_code == 302
    session.expire_all()
    saved = session.get(Dossier, dossier.id)
    assert (saved.keyword, saved.description) == ("họp giao ban", "Ghi chú của trưởng phòng")


def test_a_document_form_saved_again_after_a_refusal_keeps_what_the_colleague_saved(app, client, session, make_dossier):
    document, url, colleague, _mine, _theirs = both_editing(app, client, make_dossier)
    mine = form_on(client.get(url).get_data(as_text=True), url)
    theirs = form_on(colleague.get(url).get_data(as_text=True), url)
    assert colleague.post(url, {**theirs, "keyword": "ngân sách quý I"}).status_code == 302
    refused = client.post(url, {**mine, "description": "Bổ sung số liệu\r\nquý I"})
    assert refused.status_code == 409
    again = form_on(refused.get_data(as_text=True), url)
    assert client.post(url, again).status_code == 302
    session.expire_all()
    saved = session.get(Document, document.id)
    assert (saved.keyword, saved.description.replace("\r\n", "\n")) == ("ngân sách quý I", "Bổ sung số liệu\nquý I")
