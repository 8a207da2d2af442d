"""Submission to the agency archive in batches (issue 22, NĐ 30 Điều 30): the year's list reconciled, a batch
submitted as one transfer printed as the mục lục hồ sơ nộp lưu, and the registry's and the archivist's joint check
storing the biên bản giao nhận with both names and the counts of what was handed over."""

from __future__ import annotations

import io
import threading
import time
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from classification import dossier_list as dossier_lists
from erms import db, notices
from erms.errors import NotFound, PermissionDenied, RuleViolation
from erms.models import Transfer
from erms.permissions import load_actor
from erms.storage import FileStore
from exports.pdf import transfer_pdf
from filing import dossiers, transfers
from tests.databases import own_database
from tests.factories import DOCUMENT, NOW, World, make_dossier, upload


def pdf_text(data: bytes) -> str:
    return " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


@pytest.fixture
def year_of_work(world, session, store, now):
    """The 2026 list of unit A: two entries closed, one still open, one never opened, one kept 2 years (stays
    with the unit), and one ad-hoc dossier added after approval and closed."""
    planned = world.approved_list(2026, entries=4)
    short = dossier_lists.add_entry(
        session,
        world.actor("registry"),
        planned.id,
        title="Hồ sơ ngắn hạn",
        unit_id=world.unit_a.id,
        retention_row_id=world.rows["2y"].id,
        now=now,
    )
    officer = world.actor("officer1")
    made = {}
    for entry, state in zip(planned.entries[:3], ("closed", "closed", "open"), strict=True):
        dossier = dossiers.open_dossier(session, officer, entry.id, {"start_date": "2026-01-05"}, now=now)
        data = dict(DOCUMENT, code_number=str(entry.id))
        dossiers.add_document(
            session, officer, dossier.id, data, upload(b"%PDF-" + str(entry.id).encode()), store=store, now=now
        )
        if state == "closed":
            dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
        made[entry.file_notation] = dossier
    ad_hoc = dossier_lists.add_ad_hoc_entry(
        session, officer, planned.id, title="Hồ sơ phát sinh", retention_row_id=world.rows["permanent"].id, now=now
    )
    extra = dossiers.open_dossier(session, officer, ad_hoc.id, {"start_date": "2026-02-01"}, now=now)
    dossiers.add_document(
        session, officer, extra.id, dict(DOCUMENT, code_number="99"), upload(b"%PDF-99"), store=store, now=now
    )
    dossiers.close_dossier(session, officer, extra.id, store=store, now=now)
    made["extra"], made["short"] = extra, short
    return planned, made


def test_the_year_is_reconciled_against_its_list(world, session, year_of_work):
    planned, made = year_of_work
    found = transfers.reconcile(session, world.actor("officer1"), world.unit_a.id, 2026, date(2027, 6, 1))
    ready = [dossier.id for dossier in found.ready]
    assert sorted(ready) == sorted([made["01.TH"].id, made["02.TH"].id, made["extra"].id])
    assert [dossier.id for dossier in found.still_open] == [made["03.TH"].id]
    assert [entry.file_notation for entry in found.not_opened] == ["04.TH"]  # the 2-year entry stays with the unit
    assert [entry.title for entry in found.added] == ["Hồ sơ phát sinh"]
    assert found.late == set()
    late = transfers.reconcile(session, world.actor("officer1"), world.unit_a.id, 2026, date(2028, 1, 1))
    assert late.late == set(ready)  # the work of 2026 is due at the agency archive by 31/12/2027
    with pytest.raises(NotFound):  # another unit's officer
        transfers.reconcile(session, world.actor("officer2"), world.unit_a.id, 2026, date(2027, 6, 1))


def test_a_batch_is_one_transfer_its_list_printed_and_the_joint_check_makes_the_record(
    world, session, store, now, year_of_work
):
    planned, made = year_of_work
    chosen = [made["01.TH"].id, made["02.TH"].id, made["extra"].id]
    transfer = dossiers.submit(session, world.actor("officer1"), chosen, now=now)
    assert [item.dossier_id for item in transfer.items] == chosen
    printed = pdf_text(transfer_pdf.transfer_list(transfers.list_values(session, transfer)))
    assert "MỤC LỤC HỒ SƠ, TÀI LIỆU NỘP LƯU" in printed and "Năm 2026" in printed
    assert "Mục lục này gồm: 3 hồ sơ (đơn vị bảo quản). Viết bằng chữ: ba hồ sơ." in printed
    assert "01.TH" in printed and "Hồ sơ phát sinh" in printed and "Nguyễn Văn officer1" in printed

    archivist, registry = world.actor("archivist"), world.actor("registry")
    with pytest.raises(RuleViolation, match="accepted or returned before"):
        transfers.sign(session, registry, transfer.id, store=store, now=now)
    first, second, third = transfer.items
    dossiers.accept(session, archivist, first.id, store=store, now=now)
    dossiers.accept(session, archivist, second.id, store=store, now=now)
    dossiers.reject(session, archivist, third.id, "Thiếu văn bản", now=now)
    with pytest.raises(PermissionDenied):
        transfers.sign(session, world.actor("officer1"), transfer.id, store=store, now=now)
    transfers.sign(session, registry, transfer.id, store=store, now=now)
    assert transfer.record_file_id is None
    assert [n.kind for n in notices.newest(session, world.users["archivist"].id) if n.kind == "transfer_sign"] == [
        "transfer_sign"
    ]
    with pytest.raises(RuleViolation, match="already signed"):
        transfers.sign(session, registry, transfer.id, store=store, now=now)
    transfers.sign(session, archivist, transfer.id, store=store, now=now)
    with store.open(transfer.record_file.sha256) as handle:
        record = pdf_text(handle.read())
    assert "BIÊN BẢN" in record and "Giao nhận hồ sơ, tài liệu" in record
    assert "BÊN GIAO: Văn phòng HĐND và UBND. Ông (bà): Nguyễn Văn officer1" in record
    assert "BÊN NHẬN: Lưu trữ cơ quan. Ông (bà): Nguyễn Văn archivist" in record
    assert "Văn thư cơ quan, ông (bà): Nguyễn Văn registry" in record
    assert "tổng số hồ sơ: 2 (hai); tổng số tệp tin trong hồ sơ: 4 (bốn)" in record  # a document and an index each
    assert "1 hồ sơ bị trả lại đơn vị" in record
    # The list that goes with the record counts what was handed over, and names the one returned apart.
    printed_at = datetime(2026, 7, 1, 2, 30, tzinfo=UTC)
    printed = pdf_text(transfer_pdf.transfer_list(transfers.list_values(session, transfer, printed_at=printed_at)))
    assert "Mục lục này gồm: 2 hồ sơ (đơn vị bảo quản). Viết bằng chữ: hai hồ sơ." in printed
    returned = made["extra"].file_notation
    assert f"Hồ sơ trả lại đơn vị, không giao nhận: - {returned}: Thiếu văn bản" in printed
    assert "01/07/2026 09:30" in printed  # printed when asked for, not when submitted


def test_two_signers_at_once_still_make_the_record(database_url, tmp_path):
    """The registry and the archivist signing at the same moment: the second waits for the first, sees its signature
    and stores the biên bản (without the row lock each saw the other unsigned and no record was ever made)."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite's writing transactions take turns from their start (BEGIN IMMEDIATE in the web app)")
    with own_database(database_url, tmp_path, "signers") as url:
        engine, store = db.make_engine(url), FileStore(tmp_path / "files")
        with Session(engine) as setup:
            world = World(setup, NOW)
            make_dossier(setup, world, store, NOW, "archived")
            transfer_id = setup.scalars(select(Transfer.id)).one()
            users = {name: world.users[name].id for name in ("registry", "archivist")}
            setup.commit()
        first_signed, done = threading.Event(), []

        def sign(name: str, hold: float) -> None:
            with Session(engine) as session:
                transfers.sign(session, load_actor(session, users[name]), transfer_id, store=store, now=NOW)
                first_signed.set()
                time.sleep(hold)  # the other signer arrives while this transaction is still open
                session.commit()
                done.append(name)

        registry = threading.Thread(target=sign, args=("registry", 0.5))
        registry.start()
        first_signed.wait(5)
        first_signed.clear()
        sign("archivist", 0)
        registry.join()
        with Session(engine) as check:
            signed = check.get(Transfer, transfer_id)
            assert signed.registry_signed_at and signed.archive_signed_at and signed.record_file_id is not None
        engine.dispose()


def test_a_transfer_holds_one_years_list_and_prints_that_year(world, session, now, make_dossier):
    this_year = make_dossier("closed")
    transfer = dossiers.submit(session, world.actor("officer1"), [this_year.id], now=now.replace(year=2029))
    assert transfer.year == 2026  # the list's year, not the day it was submitted
    last_year = world.approved_list(2025, entries=1)
    officer = world.actor("officer1")
    older = dossiers.open_dossier(session, officer, last_year.entries[0].id, {"start_date": "2025-03-01"}, now=now)
    newer = make_dossier("closed")
    with pytest.raises(RuleViolation, match="one year's list"):
        dossiers.submit(session, officer, [newer.id, older.id], now=now)
