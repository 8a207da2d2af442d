"""A receipt listing only some of a batch (issue 23): the listed dossiers are TRANSFERRED, the others go back to
the pool for the next hand-over; the batch's page, the audit log and a notice to the archivists say so."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from erms import notices, transitions
from erms.accounts import hash_password
from erms.app import create_app
from erms.errors import InvalidMetadata
from erms.models import AuditEvent, HandoverItem, Notification
from erms.models.dossier import DossierState
from erms.models.handover import BatchState, HandoverOutcome
from erms.models.org import Role
from exports import handover
from tests.factories import app_settings
from tests.web.erms_browser import PASSWORD, Browser, file_field

YEAR = 2031  # dossiers archived in 2026 fall due five years later


@pytest.fixture
def permanent(make_dossier):
    return lambda: make_dossier("archived", row="permanent")


@pytest.fixture
def archivist(world, session, session_factory, store, tmp_path, now) -> Browser:
    """The archivist, logged in to an app on the test's database (the web tests' own fixtures live in tests/web)."""
    world.users["archivist"].password_hash = hash_password(PASSWORD)
    session.flush()
    app = create_app(app_settings(session_factory, store, tmp_path, now))
    browser = Browser(app.test_client())
    browser.login("archivist")
    return browser


def packaged(session, world, now, dossiers):
    """Return a batch of the dossiers whose package awaits its receipt, as a valid build leaves it."""
    batch = handover.create_batch(
        session, world.actor("archivist"), world.org.code, YEAR, [d.id for d in dossiers], now=now
    )
    transitions.move(batch, transitions.HANDOVER_BATCH, "package")
    session.flush()
    return batch


def receipt_xml(name: str, codes: list[str]) -> tuple[bytes, str, str]:
    rows = "".join(f'<Dossier code="{code}"/>' for code in codes)
    content = (
        f'<HandoverReceipt package="{name}" reference="25/BB-LTLS" received_on="2026-06-15">{rows}</HandoverReceipt>'
    )
    return content.encode(), "bien-nhan.xml", "text/xml"


def receipt_csv(name: str, codes: list[str]) -> tuple[bytes, str, str]:
    rows = "".join(f"{name},25/BB-LTLS,2026-06-15,{code}\n" for code in codes)
    return f"package,reference,received_on,file_code\n{rows}".encode(), "bien-nhan.csv", "text/csv"


@pytest.mark.parametrize("write", [receipt_xml, receipt_csv], ids=["xml", "csv"])
def test_a_partial_receipt_returns_the_dossier_it_left_out_to_the_pool(
    archivist, session, world, now, permanent, write
):
    first, second, third = permanent(), permanent(), permanent()
    batch = packaged(session, world, now, [first, second, third])

    response = archivist.post(
        f"/handover/batches/{batch.id}/receipt",
        {"receipt": file_field(*write(batch.name, [first.file_code, second.file_code]))},
    )
    assert response.status_code == 302
    session.expire_all()
    assert first.state is DossierState.TRANSFERRED and second.state is DossierState.TRANSFERRED
    assert third.state is DossierState.ARCHIVED
    assert batch.state is BatchState.RECEIVED
    assert [(item.dossier_id, item.outcome) for item in batch.items] == [
        (first.id, HandoverOutcome.RECEIVED),
        (second.id, HandoverOutcome.RECEIVED),
        (third.id, HandoverOutcome.NOT_RECEIVED),
    ]

    page = archivist.get(f"/handover/batches/{batch.id}").get_data(as_text=True)
    left_out = page.split("<h2>Hồ sơ Lưu trữ lịch sử chưa tiếp nhận</h2>")[1].split("</ul>")[0]
    assert third.file_code in left_out and first.file_code not in left_out and second.file_code not in left_out
    assert "được đưa trở lại danh sách hồ sơ chờ chọn cho đợt giao nộp sau" in left_out

    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "dossier.not_received")).all()
    assert [(event.subject_type, event.subject_id) for event in events] == [("dossier", third.id)]
    assert json.loads(events[0].details)["batch"] == batch.name

    told = session.scalars(select(Notification).where(Notification.kind == "handover_not_received")).all()
    assert {notice.user_id for notice in told} == notices.holders(session, world.org.id, Role.ARCHIVIST)
    assert all(json.loads(notice.params) == {"name": batch.name, "count": 1} for notice in told)
    assert {(notice.subject_type, notice.subject_id) for notice in told} == {("handover_batch", batch.id)}

    actor = world.actor("archivist")
    pool = [candidate.dossier.id for candidate in handover.candidates(session, actor, world.org.id)]
    assert third.id in pool and first.id not in pool and second.id not in pool
    again = handover.create_batch(session, actor, world.org.code, YEAR, [third.id], now=now)
    assert [item.dossier_id for item in again.items] == [third.id]
    assert third.id not in [candidate.dossier.id for candidate in handover.candidates(session, actor, world.org.id)]


def test_a_transferred_dossier_is_not_handed_over_again(session, world, now, permanent):
    first, second = permanent(), permanent()
    batch = packaged(session, world, now, [first, second])
    actor = world.actor("archivist")
    handover.import_receipt(session, actor, receipt_xml(batch.name, [first.file_code])[0], "bien-nhan.xml", now=now)
    with pytest.raises(InvalidMetadata, match="is not in the agency archive"):
        handover.create_batch(session, actor, world.org.code, YEAR, [first.id], now=now)


def test_a_receipt_naming_a_dossier_of_an_earlier_batch_is_still_refused(session, world, now, permanent):
    first, second = permanent(), permanent()
    actor = world.actor("archivist")
    earlier = packaged(session, world, now, [first, second])
    handover.import_receipt(session, actor, receipt_xml(earlier.name, [first.file_code])[0], "bien-nhan.xml", now=now)
    later = packaged(session, world, now, [second])
    content = receipt_csv(later.name, [second.file_code, first.file_code])[0]
    with pytest.raises(InvalidMetadata, match=f"{first.file_code} is not in batch {later.name}"):
        handover.import_receipt(session, actor, content, "bien-nhan.csv", now=now)
    assert second.state is DossierState.ARCHIVED and later.state is BatchState.PACKAGED


def test_the_database_keeps_a_dossier_in_one_batch_that_holds_it(session, world, now, permanent):
    dossier = permanent()
    batch = handover.create_batch(session, world.actor("archivist"), world.org.code, YEAR, [dossier.id], now=now)
    session.add(HandoverItem(batch_id=batch.id, dossier_id=dossier.id, outcome=HandoverOutcome.NOT_RECEIVED))
    session.flush()  # an item the receipt left out holds nothing
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(HandoverItem(batch_id=batch.id, dossier_id=dossier.id))
        session.flush()
