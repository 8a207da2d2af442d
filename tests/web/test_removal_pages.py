"""An officer takes a wrongly filed document out of an open dossier from its page, saying why, finds it under the
documents and puts it back; the search follows; a reason left empty sends the form back with its summary."""

from __future__ import annotations

import re

from erms import search
from filing import dossiers
from tests.factories import DOCUMENT, upload
from tests.web.test_leak_review import text_of


def finds(browser, words: str) -> bool:
    return "Phương án bồi thường" in text_of(browser.get(f"/search/?q={words}"))


def test_an_officer_takes_a_document_out_and_puts_it_back(browsers, session, world, store, now, make_dossier):
    dossier = make_dossier("open", documents=1)
    document = dossiers.add_document(
        session, world.actor("officer1"), dossier.id, dict(DOCUMENT, subject="Phương án bồi thường mặt bằng"),
        upload(b"%PDF-1.4 phuong an", "phuong-an.pdf"), store=store, now=now,
    )  # fmt: skip
    session.commit()
    search.catch_up(session)
    officer = browsers("officer1")
    page = officer.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    form_url = f"/dossiers/{dossier.id}/documents/{document.id}/remove"
    assert f'href="{form_url}"' in page and finds(officer, "boi+thuong")
    asked = text_of(officer.get(form_url))
    assert "Số thứ tự 2 trong hồ sơ" in asked and "Phương án bồi thường mặt bằng" in asked
    assert "Văn bản không bị xóa" in asked
    refused = officer.post(form_url, {"reason": "  "})
    assert refused.status_code == 422 and "Lý do gỡ: Hãy nêu lý do gỡ văn bản khỏi hồ sơ." in text_of(refused)
    assert 'href="#remove-reason"' in refused.get_data(as_text=True)
    done = officer.post(form_url, {"reason": "Nhầm hồ sơ"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/dossiers/{dossier.id}#removed")
    after = officer.get(f"/dossiers/{dossier.id}")
    listed = after.get_data(as_text=True)
    assert f'id="document-{document.id}"' not in listed
    assert "Văn bản đã gỡ khỏi hồ sơ (1)" in text_of(after) and "Nhầm hồ sơ" in text_of(after)
    # Its page, from a bookmark or a colleague's link, leads to that list, saying when and why it was taken out; to
    # a reader who does not form the dossier, only that it is no longer there.
    gone = officer.get(f"/dossiers/{dossier.id}/documents/{document.id}")
    assert gone.status_code == 302 and gone.headers["Location"].endswith(f"/dossiers/{dossier.id}")
    said = "Văn bản số thứ tự 2 đã được gỡ khỏi hồ sơ này lúc 15/06/2026 10:00 (lý do: Nhầm hồ sơ)."
    assert said in text_of(officer.get(gone.headers["Location"]))
    head = browsers("head")
    assert head.get(f"/dossiers/{dossier.id}/documents/{document.id}").status_code == 302
    told = text_of(head.get(f"/dossiers/{dossier.id}"))
    assert "Văn bản này không còn trong hồ sơ." in told and "Nhầm hồ sơ" not in told
    assert browsers("officer2").get(f"/dossiers/{dossier.id}/documents/{document.id}").status_code == 404
    assert officer.get(f"/dossiers/{dossier.id}/documents/{dossier.links[0].document_id + 999}").status_code == 404
    session.expire_all()
    search.catch_up(session)
    assert not finds(officer, "boi+thuong")
    put_back = re.search(r'action="(/dossiers/\d+/removed/\d+/put-back)"', listed).group(1)
    assert browsers("officer2").post(put_back, {}).status_code == 404  # another unit's officer
    assert officer.post(put_back, {}).status_code == 302
    back = officer.get(f"/dossiers/{dossier.id}")
    assert f'id="document-{document.id}"' in back.get_data(as_text=True) and "Văn bản đã gỡ" not in text_of(back)
    session.expire_all()
    search.catch_up(session)
    assert finds(officer, "boi+thuong")


def test_a_reader_who_does_not_form_the_dossier_is_offered_nothing_and_refused(browsers, make_dossier, session):
    dossier = make_dossier("open", documents=1)
    session.commit()
    document_id = dossier.links[0].document_id
    head = browsers("head")
    assert "/remove" not in head.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert head.get(f"/dossiers/{dossier.id}/documents/{document_id}/remove").status_code == 403
    assert head.post(f"/dossiers/{dossier.id}/documents/{document_id}/remove", {"reason": "x"}).status_code == 403
    assert len(dossier.links) == 1


def test_of_two_people_each_taking_out_a_copy_the_second_is_told_of_the_first(browsers, session, make_dossier):
    dossier = make_dossier("open", documents=2)  # the same document filed twice, say
    session.commit()
    first, second = (link.document_id for link in dossier.links)
    officer, colleague = browsers("officer1"), browsers("unithead")
    forms = {}
    for browser, document_id in ((officer, first), (colleague, second)):
        url = f"/dossiers/{dossier.id}/documents/{document_id}/remove"
        seen = re.search(r'name="seen_removal" value="(\d+)"', browser.get(url).get_data(as_text=True)).group(1)
        forms[document_id] = (url, seen)
    url, seen = forms[first]
    assert officer.post(url, {"reason": "Trùng văn bản", "seen_removal": seen}).status_code == 302
    url, seen = forms[second]
    refused = colleague.post(url, {"reason": "Bản trùng", "seen_removal": seen})
    said = "Văn bản số thứ tự 1 đã được gỡ khỏi hồ sơ này sau khi bạn mở biểu mẫu (lý do: Trùng văn bản)."
    assert refused.status_code == 422 and said in text_of(refused)
    assert "Bản trùng</textarea>" in refused.get_data(as_text=True)  # what they typed is kept
    assert f'id="document-{second}"' in colleague.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    again = re.search(r'name="seen_removal" value="(\d+)"', refused.get_data(as_text=True)).group(1)
    assert colleague.post(url, {"reason": "Bản trùng", "seen_removal": again}).status_code == 302  # they confirm
    page = colleague.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert f'id="document-{first}"' not in page and f'id="document-{second}"' not in page


def test_taking_out_a_document_a_colleague_took_out_first_says_when_and_why(browsers, session, make_dossier):
    dossier = make_dossier("open", documents=2)
    session.commit()
    document_id = dossier.links[0].document_id
    officer, colleague = browsers("officer1"), browsers("unithead")
    url = f"/dossiers/{dossier.id}/documents/{document_id}/remove"
    forms = {browser: browser.get(url).get_data(as_text=True) for browser in (officer, colleague)}
    seen = re.search(r'name="seen_removal" value="(\d+)"', forms[officer]).group(1)
    assert officer.post(url, {"reason": "Trùng văn bản", "seen_removal": seen}).status_code == 302
    late = colleague.post(url, {"reason": "Trùng", "seen_removal": seen})
    back = officer.get(url)  # the Back button after taking it out
    for browser, answer in ((colleague, late), (officer, back)):
        assert answer.status_code == 302 and answer.headers["Location"] == f"/dossiers/{dossier.id}"
        shown = text_of(browser.get(answer.headers["Location"]))
        assert "Văn bản số thứ tự 1 đã được gỡ khỏi hồ sơ này" in shown and "lý do: Trùng văn bản" in shown
