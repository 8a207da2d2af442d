"""Issue 22: the irreversible actions — accepting or returning a submitted dossier, executing a destruction list,
building a hand-over package — run only once the confirmation box is ticked; without it the page comes back (422)
with the refusal in Vietnamese next to the box, and nothing changed."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, date, datetime

import pytest
from erms_browser import Browser, make_pdf
from sqlalchemy import func, select

from erms.models import BackgroundJob, DestructionList, HandoverBatch, Package
from erms.models.dossier import DossierState
from erms.models.handover import BatchState
from exports import handover
from filing import dossiers
from retention import destruction

REQUIRED = "Trường này là bắt buộc."
# 10-year dossiers closed in 2026 are due for destruction on 1 January 2037.
LATER = datetime(2037, 3, 2, 3, 0, tzinfo=UTC)


def box_error(response, box_id: str) -> str:
    """Return the message shown next to the checkbox with id ``box_id`` ("" when none)."""
    page = response.get_data(as_text=True)
    found = re.search(rf'<p class="error" id="{re.escape(box_id)}-error">(.*?)</p>', page, re.S)
    assert f'id="{box_id}"' in page
    return html.unescape(found.group(1)) if found else ""


def jobs(session) -> int:
    return session.scalar(select(func.count()).select_from(BackgroundJob))


@pytest.fixture
def archivist(client) -> Browser:
    client.login("archivist")
    return client


@pytest.fixture
def submitted(make_dossier, session, world):
    """Return a submitted dossier and its item in the archive queue."""
    dossier = make_dossier("submitted")
    (item,) = dossiers.pending_items(session, world.actor("archivist"))
    return dossier, item


def test_accepting_without_the_confirmation_changes_nothing(archivist, session, submitted):
    dossier, item = submitted
    queue = archivist.get("/archive/").get_data(as_text=True)
    assert f'id="i{item.id}-accept-confirm" name="confirm" type="checkbox" value="yes" required' in queue
    assert "không thể hoàn tác" in html.unescape(queue).lower()

    refused = archivist.post(f"/archive/items/{item.id}/accept", {})
    assert refused.status_code == 422
    assert box_error(refused, f"i{item.id}-accept-confirm") == REQUIRED
    assert box_error(refused, f"i{item.id}-return-confirm") == ""  # the other form of the item is left alone
    assert archivist.post(f"/archive/items/{item.id}/accept", {"confirm": "on"}).status_code == 422
    session.expire_all()
    assert dossier.state is DossierState.SUBMITTED

    assert archivist.post(f"/archive/items/{item.id}/accept", {"confirm": "yes"}).status_code == 302
    session.expire_all()
    assert dossier.state is DossierState.ARCHIVED


def test_returning_without_the_confirmation_changes_nothing_and_keeps_the_reason(archivist, session, submitted):
    dossier, item = submitted
    refused = archivist.post(f"/archive/items/{item.id}/reject", {"reason": "Thiếu biên bản họp"})
    assert refused.status_code == 422
    assert box_error(refused, f"i{item.id}-return-confirm") == REQUIRED
    assert box_error(refused, f"i{item.id}-accept-confirm") == ""
    page = refused.get_data(as_text=True)
    assert "Thiếu biên bản họp</textarea>" in page and "<details open>" in page  # the form stays open, as typed
    session.expire_all()
    assert dossier.state is DossierState.SUBMITTED

    returned = archivist.post(f"/archive/items/{item.id}/reject", {"reason": "Thiếu biên bản họp", "confirm": "yes"})
    assert returned.status_code == 302
    session.expire_all()
    assert dossier.state is DossierState.CLOSED


def test_building_without_the_confirmation_queues_nothing(archivist, session, world, make_dossier):
    dossier = make_dossier("archived", row="permanent")
    batch = handover.create_batch(session, world.actor("archivist"), world.org.code, 2031, [dossier.id], now=LATER)
    page = archivist.get(f"/handover/batches/{batch.id}").get_data(as_text=True)
    assert 'id="build-confirm" name="confirm" type="checkbox" value="yes" required' in page
    before = jobs(session)

    refused = archivist.post(f"/handover/batches/{batch.id}/build", {})
    assert refused.status_code == 422
    assert box_error(refused, "build-confirm") == REQUIRED
    session.expire_all()
    assert jobs(session) == before
    assert session.scalar(select(func.count()).select_from(Package)) == 0
    assert session.get(HandoverBatch, batch.id).state is BatchState.DRAFT

    assert archivist.post(f"/handover/batches/{batch.id}/build", {"confirm": "yes"}).status_code == 302
    assert jobs(session) == before + 1  # the worker builds it (tests/web/test_handover_pages.py follows it through)


@pytest.fixture
def approved_list(session, world, store, make_dossier) -> int:
    """Return a destruction list of one due dossier, approved by the head and waiting for its execution."""
    dossier = make_dossier("archived")
    archivist = world.actor("archivist")
    listed = destruction.propose(session, archivist, world.org.id, [dossier.id], "Danh mục hủy", "Hết hạn", now=LATER)
    destruction.record_opinion(session, world.actor("council1"), listed.id, True, "", now=LATER)
    scan = destruction.Paper("12/SNV", date(2037, 3, 2), io.BytesIO(make_pdf("12")), "")
    destruction.record_appraisal(session, archivist, listed.id, scan, store=store, now=LATER)
    decision = destruction.Paper("45/QĐ", date(2037, 3, 2), io.BytesIO(make_pdf("45")), "Nguyễn Thị Thu Hà")
    destruction.approve(session, world.actor("head"), listed.id, decision, store=store, now=LATER)
    return listed.id


def test_executing_a_destruction_list_without_the_confirmation_changes_nothing(make_app, session, approved_list):
    archivist = Browser(make_app(CLOCK=lambda: LATER).test_client())
    archivist.login("archivist")
    url = f"/retention/lists/{approved_list}"
    page = archivist.get(url).get_data(as_text=True)
    assert 'id="ex-confirm" name="confirm" type="checkbox" value="yes" required' in page
    before = jobs(session)

    refused = archivist.post(f"{url}/execute", {})
    assert refused.status_code == 422
    assert box_error(refused, "ex-confirm") == REQUIRED
    assert "Chưa có thay đổi nào được ghi nhận" in html.unescape(refused.get_data(as_text=True))
    session.expire_all()
    assert session.get(DestructionList, approved_list).state.value == "approved"
    assert jobs(session) == before

    assert archivist.post(f"{url}/execute", {"confirm": "yes"}).status_code == 302
    session.expire_all()
    assert session.get(DestructionList, approved_list).state.value == "executing"
    assert jobs(session) == before + 1
