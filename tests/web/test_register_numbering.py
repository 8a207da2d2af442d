"""The registers as the registry clerk keeps them (NĐ 30/2020 Điều 15-16, Phụ lục I, Phụ lục IV): an outgoing document
takes its số from the register, two digits below 10; an incoming one keeps the day it arrived; each register shows
its own columns, and a document's recipients keep their lines."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from erms_browser import REGISTER_FORM, file_field, make_pdf
from sqlalchemy import func, select

from erms.models import RegisterEntry
from erms.models.register import RegisterKind
from filing import dossiers, registers
from tests.factories import DOCUMENT, upload
from tests.web.test_api import caller
from tests.web.test_api_registers import ARRIVED
from tests.web.test_api_uploads import upload_all

RECIPIENTS = "- Như Điều 3;\n- Sở Nội vụ;\n- Lưu: VT."
# The registry's outgoing form with no số typed: the register gives it.
OUTGOING = {**{key: value for key, value in REGISTER_FORM.items() if key != "code_number"}, "recipients": RECIPIENTS}


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def headers(response) -> list[str]:
    """The column headers of the register's first table, as the clerk reads them."""
    head = re.search(r"<thead>(.*?)</thead>", response.get_data(as_text=True), re.S)
    assert head is not None
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<th[^>]*>(.*?)</th>", head[1])]


def send(registry, kind: str, form: dict, name: str = "vb.pdf"):
    return registry.post(f"/registers/{kind}", {**form, "file": file_field(make_pdf(name), name)})


def line_of(session, number: int, kind: RegisterKind = RegisterKind.OUTGOING) -> RegisterEntry:
    session.expire_all()
    return session.scalar(select(RegisterEntry).where(RegisterEntry.kind == kind, RegisterEntry.number == number))


def test_an_outgoing_document_without_a_number_takes_the_registers_own_two_digits_below_ten(browsers, session):
    registry = browsers("registry")
    typed = send(registry, "outgoing", {**OUTGOING, "code_number": "15"})  # numbered in its own series: kept
    assert typed.status_code == 302
    given = send(registry, "outgoing", OUTGOING, "b.pdf")
    assert given.status_code == 302
    assert "Đã đăng ký số 2." in text(registry.get("/registers/outgoing"))
    assert (line_of(session, 1).document.code_number, line_of(session, 2).document.code_number) == ("15", "02")
    page = text(registry.get("/registers/outgoing"))
    assert "15/QĐ-UBND" in page and "02/QĐ-UBND" in page and " /QĐ-UBND" not in page
    line = registry.get(f"/registers/entries/{line_of(session, 2).id}")
    assert "Số 2 · Quyết định 02/QĐ-UBND" in text(line)


def test_the_tenth_outgoing_number_has_no_leading_zero(session, world, store, now):
    registry = world.actor("registry")
    data = {key: value for key, value in DOCUMENT.items() if key != "code_number"}
    for _ in range(10):
        entry = registers.register_document(
            session, registry, world.org.id, RegisterKind.OUTGOING, dict(data), upload(), store=store, now=now
        )
    assert (entry.number, entry.document.code_number) == (10, "10")


def test_a_given_number_meeting_a_typed_one_is_a_likely_duplicate_and_last_years_numbers_are_not(
    browsers, session, world, store, now
):
    last_year = registers.register_document(
        session,
        world.actor("registry"),
        world.org.id,
        RegisterKind.OUTGOING,
        {**{key: value for key, value in DOCUMENT.items() if key != "code_number"}, "issued_date": "2025-03-02"},
        upload(),
        store=store,
        now=datetime(2025, 3, 2, 3, tzinfo=UTC),
    )
    assert last_year.document.code_number == "01"
    registry = browsers("registry")
    assert send(registry, "outgoing", OUTGOING).status_code == 302  # 01/QĐ-UBND again, in 2026: not a duplicate
    assert send(registry, "outgoing", {**OUTGOING, "code_number": "03"}, "b.pdf").status_code == 302
    clash = send(registry, "outgoing", OUTGOING, "c.pdf")  # the register's no. 3 would be 03/QĐ-UBND again
    assert clash.status_code == 422
    assert "Văn bản này có vẻ đã được đăng ký: số 2 năm 2026 (03/QĐ-UBND)" in text(clash)
    assert session.scalar(select(func.count()).select_from(RegisterEntry)) == 3
    again = send(registry, "outgoing", {**OUTGOING, "allow_duplicate": "yes"}, "c.pdf")
    assert again.status_code == 302 and line_of(session, 3).document.code_number == "03"


def test_the_api_numbers_an_outgoing_document_as_the_register_page_does(app, token_of):
    api, token = caller(app), token_of("registry")
    sent = {key: value for key, value in ARRIVED.items() if key != "code_number"}
    made = api("POST", "/registers/outgoing", token, json={"metadata": sent, "upload_id": upload_all(api, token, b"1")})
    assert made.status_code == 201, made.json
    assert (made.json["number"], made.json["code_number"], made.json["code_notation"]) == (1, "01", "SNV-VP")
    body = {"metadata": dict(sent, code_number="7"), "upload_id": upload_all(api, token, b"2")}
    typed = api("POST", "/registers/outgoing", token, json=body)
    assert (typed.json["number"], typed.json["code_number"]) == (2, "7")


def test_an_incoming_document_keeps_the_day_it_arrived_within_its_date_and_today(browsers, session):
    registry = browsers("registry")
    form = registry.get("/registers/incoming").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="arrival_date"[^>]*value="15/06/2026"', form)
    late = send(registry, "incoming", {**REGISTER_FORM, "arrival_date": "16/06/2026"})
    assert late.status_code == 422 and "Ngày đến không được sau hôm nay." in text(late)
    early = send(registry, "incoming", {**REGISTER_FORM, "arrival_date": "01/03/2026"})
    assert early.status_code == 422 and "Ngày đến không được trước ngày của văn bản (02/03/2026)." in text(early)
    assert session.scalar(select(func.count()).select_from(RegisterEntry)) == 0
    assert send(registry, "incoming", {**REGISTER_FORM, "arrival_date": "14/06/2026"}).status_code == 302
    assert line_of(session, 1, RegisterKind.INCOMING).document.arrival_date.isoformat() == "2026-06-14"
    page = registry.get("/registers/incoming")
    assert headers(page)[:2] == ["Số đến", "Ngày đến"]
    assert re.search(r'data-label="Ngày đến">14/06/2026<', page.get_data(as_text=True))


def test_the_api_refuses_an_arrival_after_today(app, token_of, session):
    api, token = caller(app), token_of("registry")
    body = {"metadata": dict(ARRIVED, arrival_date="2026-06-16"), "upload_id": upload_all(api, token, b"1")}
    refused = api("POST", "/registers/incoming", token, json=body)
    assert refused.status_code == 422 and [error["field"] for error in refused.json["errors"]] == ["arrival_date"]
    assert session.scalar(select(func.count()).select_from(RegisterEntry)) == 0


def test_each_register_shows_its_own_columns(browsers):
    registry = browsers("registry")
    send(registry, "outgoing", OUTGOING)
    send(registry, "incoming", REGISTER_FORM)
    outgoing = registry.get("/registers/outgoing")
    columns = headers(outgoing)
    assert "Nơi nhận" in columns and "Người ký" in columns
    assert not {"Thời hạn giải quyết", "Ngày giải quyết", "Cơ quan ban hành"} & set(columns)
    assert "Đã giải quyết hôm nay" not in text(outgoing)
    incoming = headers(registry.get("/registers/incoming"))
    assert incoming[0] == "Số đến" and "Nơi nhận" not in incoming and "Thời hạn giải quyết" in incoming


def test_the_recipients_keep_their_lines_on_the_register_line_and_the_document_page(
    browsers, session, world, store, make_dossier, now
):
    registry = browsers("registry")
    send(registry, "outgoing", OUTGOING)
    dossier = make_dossier("open", documents=0)
    outgoing = dict(DOCUMENT, direction="outgoing", recipients=RECIPIENTS)
    officer = world.actor("officer1")
    filed = dossiers.add_document(session, officer, dossier.id, outgoing, upload(), store=store, now=now)
    shown = {
        "line": registry.get(f"/registers/entries/{line_of(session, 1).id}").get_data(as_text=True),
        "register": registry.get("/registers/outgoing").get_data(as_text=True),
        "document": browsers("officer1").get(f"/dossiers/{dossier.id}/documents/{filed.id}").get_data(as_text=True),
    }
    for where, page in shown.items():
        listed = re.findall(r"<li>([^<]*)</li>", page)
        kept = re.search(r'class="pre-line">([^<]*)<', page)
        assert listed[-3:] == ["Như Điều 3", "Sở Nội vụ", "Lưu: VT"] or (kept and kept[1] == RECIPIENTS), where


def test_a_register_line_shows_what_the_clerk_typed(browsers, session):
    registry = browsers("registry")
    typed = {
        **REGISTER_FORM, "arrival_date": "14/06/2026", "urgency": "khan", "signer_name": "Trần Văn Bình",
        "signer_position": "Phó Chủ tịch", "page_amount": "3", "description": "Bản chụp kèm theo",
    }  # fmt: skip
    assert send(registry, "incoming", typed).status_code == 302
    shown = text(registry.get(f"/registers/entries/{line_of(session, 1, RegisterKind.INCOMING).id}"))
    for words in ("Ngày đến 14/06/2026", "Độ khẩn Khẩn", "Họ và tên người ký Trần Văn Bình, Phó Chủ tịch",
                  "Số trang của văn bản 3", "Ghi chú Bản chụp kèm theo"):  # fmt: skip
        assert words in shown, words
