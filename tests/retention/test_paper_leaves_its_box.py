"""A paper or hybrid dossier that leaves the archive leaves its box (issue 28 part 2): destroyed by an executed
destruction list, or received by the historical archive, its placement is removed in the same transaction and
audited on the dossier with the place it left; the box keeps the others, and a box left empty stays."""

from __future__ import annotations

import json

from retention_helpers import LATER
from sqlalchemy import select

from erms import transitions
from erms.models import AuditEvent, DossierPlacement, StorageBox
from erms.models.dossier import DossierState
from exports import handover
from holdings import storage
from retention import destruction
from tests.exports.test_paper_handover import paper_dossier, shelve


def unshelved(session, dossier_id: int) -> list[dict]:
    query = select(AuditEvent).where(AuditEvent.action == "dossier.unshelved", AuditEvent.subject_id == dossier_id)
    return [json.loads(event.details) for event in session.scalars(query)]


def execute(session, world, listed, store) -> None:
    archivist = world.actor("archivist")
    destruction.start_execution(session, archivist, listed.id, [], now=LATER)
    while destruction.next_step(session, archivist, listed.id, store=store, now=LATER) is not None:
        pass


def test_a_destroyed_paper_dossier_leaves_its_box_and_the_box_keeps_the_others(session, world, store, now, approved):
    gone = paper_dossier(session, world, store, now, row="10y")
    hybrid = paper_dossier(session, world, store, now, medium="hybrid", row="10y", files=1)
    kept = paper_dossier(session, world, store, now, row="10y")
    box = shelve(session, world, now, gone, hybrid, kept)
    place = storage.dossier_place(storage.placement_of(session, gone.id))
    hybrid_place = storage.dossier_place(storage.placement_of(session, hybrid.id))
    execute(session, world, approved([gone, hybrid]), store)
    session.expire_all()
    assert gone.state is DossierState.DESTROYED and hybrid.state is DossierState.DESTROYED
    assert storage.placement_of(session, gone.id) is None and storage.placement_of(session, hybrid.id) is None
    assert [placement.dossier_id for placement in session.get(StorageBox, box.id).placements] == [kept.id]
    [event] = unshelved(session, gone.id)
    # The place in holdings' own words, read before it left.
    assert event["place"] == place == "Kho K1, giá 2, khoang/ngăn 3, hộp số 01, hồ sơ số 01 trong hộp"
    assert (event["why"], event["box_id"], event["file_number"]) == ("destroyed", box.id, 1)
    assert [event["place"] for event in unshelved(session, hybrid.id)] == [hybrid_place]
    assert unshelved(session, kept.id) == []


def test_an_electronic_dossier_destroyed_is_in_no_box_and_nothing_is_audited(
    session, world, store, make_dossier, approved
):
    dossier = make_dossier("archived")
    execute(session, world, approved([dossier]), store)
    assert dossier.state is DossierState.DESTROYED
    assert unshelved(session, dossier.id) == []


def test_the_historical_archives_receipt_takes_the_paper_out_of_its_box(session, world, store, now):
    paper = paper_dossier(session, world, store, now)
    left_out = paper_dossier(session, world, store, now)
    box = shelve(session, world, now, paper, left_out)
    place = storage.dossier_place(storage.placement_of(session, paper.id))
    archivist = world.actor("archivist")
    batch = handover.create_batch(session, archivist, world.org.code, 2031, [paper.id, left_out.id], now=now)
    transitions.move(batch, transitions.HANDOVER_BATCH, "package")  # as a valid build leaves it
    session.flush()
    content = (
        f'<HandoverReceipt package="{batch.name}" reference="25/BB-LTLS" received_on="2026-06-15">'
        f'<Dossier code="{paper.file_code}"/></HandoverReceipt>'
    ).encode()
    handover.import_receipt(session, archivist, content, "bien-nhan.xml", now=now, batch_id=batch.id)
    session.expire_all()
    assert paper.state is DossierState.TRANSFERRED and left_out.state is DossierState.ARCHIVED
    assert session.scalar(select(DossierPlacement).where(DossierPlacement.dossier_id == paper.id)) is None
    [event] = unshelved(session, paper.id)
    assert (event["place"], event["why"], event["batch"], event["receipt"]) == (
        place,
        "transferred",
        batch.name,
        "25/BB-LTLS",
    )
    # The dossier the receipt left out stays where it was, and so does the box.
    assert [placement.dossier_id for placement in session.get(StorageBox, box.id).placements] == [left_out.id]
    assert unshelved(session, left_out.id) == []


def test_a_box_left_empty_stays(session, world, store, now, approved):
    dossier = paper_dossier(session, world, store, now, row="10y")
    box = shelve(session, world, now, dossier)
    execute(session, world, approved([dossier]), store)
    session.expire_all()
    assert session.get(StorageBox, box.id) is not None
    assert session.get(StorageBox, box.id).placements == []
