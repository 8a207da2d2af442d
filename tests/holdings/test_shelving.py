"""The archive's storage (issue 28): repositories, boxes, paper dossiers placed in them, a box moved in one change."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from classification import dossier_list as dossier_lists
from erms.errors import InvalidMetadata, NotFound, PermissionDenied, RuleViolation
from erms.models import AuditEvent, DossierList, DossierPlacement, Repository, StorageBox, TransferItem
from erms.models.dossier import DossierState, Medium
from exports.pdf import transfer_pdf
from filing import dossiers, transfers
from holdings import storage
from tests import factories
from tests.factories import TODAY


def paper_dossier(session, world, store, now, state="archived", medium="paper", sheets: int | None = 42):
    """Return a paper (or hybrid) dossier of unit A without any electronic document, walked to ``state``."""
    listed = (
        session.scalar(select(DossierList).where(DossierList.organisation_id == world.org.id, DossierList.year == 2026))
        or world.approved_list()
    )
    officer = world.actor("officer1")
    entry = dossier_lists.add_ad_hoc_entry(
        session,
        officer,
        listed.id,
        title="Hồ sơ giấy về tổ chức cán bộ",
        retention_row_id=world.rows["10y"].id,
        now=now,
    )
    data: dict = {"start_date": "2026-01-05", "medium": medium}
    if sheets is not None:
        data["sheet_total"] = sheets
    dossier = dossiers.open_dossier(session, officer, entry.id, data, now=now)
    if state == "open":
        return dossier
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    if state == "closed":
        return dossier
    transfer = dossiers.submit(session, officer, [dossier.id], now=now)
    dossiers.accept(session, world.actor("archivist"), transfer.items[0].id, store=store, now=now)
    return dossier


@pytest.fixture
def archivist(world):
    return world.actor("archivist")


@pytest.fixture
def shelves(session, world, archivist, now):
    """Two repositories of the world's archive, and box no. 1 on shelf unit 2, shelf 3 of the first."""
    first = storage.create_repository(session, archivist, world.org.id, {"code": "K1", "name": "Kho tầng 1"}, now=now)
    second = storage.create_repository(session, archivist, world.org.id, {"code": "K2", "name": "Kho tầng 2"}, now=now)
    box = storage.create_box(
        session,
        archivist,
        world.org.id,
        {"repository_id": str(first.id), "number": "1", "shelf_unit": "2", "shelf": "3", "label": "Tổ chức cán bộ"},
        now=now,
    )
    return first, second, box


def events(session, action: str, subject_id: int | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action)
    if subject_id is not None:
        query = query.where(AuditEvent.subject_id == subject_id)
    return list(session.scalars(query.order_by(AuditEvent.id)))


def test_a_paper_dossier_goes_through_the_chain_without_files(session, world, store, now):
    dossier = paper_dossier(session, world, store, now)
    assert dossier.state is DossierState.ARCHIVED
    assert dossier.medium is Medium.PAPER and dossier.sheet_total == 42
    assert dossier.links == [] and dossier.index_file_id is not None  # the index lists what is registered: nothing


def test_a_paper_dossier_kept_5_years_or_more_closes_only_with_its_sheets_counted(session, world, store, now):
    dossier = paper_dossier(session, world, store, now, state="open", sheets=None)
    problems = dossiers.closing_problems(dossier, today=TODAY)
    assert [problem.field for problem in problems] == ["sheet_total"]
    with pytest.raises(InvalidMetadata):
        dossiers.close_dossier(session, world.actor("officer1"), dossier.id, store=store, now=now)
    assert dossier.state is DossierState.OPEN


def test_an_electronic_dossier_still_needs_a_document(session, world, make_dossier):
    dossier = make_dossier(documents=0)
    assert dossier.medium is Medium.ELECTRONIC
    assert [problem.field for problem in dossiers.closing_problems(dossier, today=TODAY)] == ["documents"]


def test_placing_gives_the_next_number_and_is_audited(session, world, store, now, archivist, shelves):
    _first, _second, box = shelves
    one, two = paper_dossier(session, world, store, now), paper_dossier(session, world, store, now, medium="hybrid")
    placed = storage.place_dossier(session, archivist, box.id, one.id, now=now)
    assert placed.file_number == 1
    assert storage.place_dossier(session, archivist, box.id, str(two.id), "", now=now).file_number == 2
    assert storage.placement_of(session, one.id).box_id == box.id
    [event] = events(session, "dossier.placed", one.id)
    assert event.subject_type == "dossier" and json.loads(event.details)["place_before"] == ""
    assert json.loads(event.details)["place"] == "Kho K1, giá 2, khoang/ngăn 3, hộp số 01, hồ sơ số 01 trong hộp"
    assert storage.placeable(session, archivist, world.org.id) == []


def test_a_file_number_is_unique_in_its_box(session, world, store, now, archivist, shelves):
    _first, _second, box = shelves
    one, two = paper_dossier(session, world, store, now), paper_dossier(session, world, store, now)
    storage.place_dossier(session, archivist, box.id, one.id, "5", now=now)
    with pytest.raises(InvalidMetadata) as refused:
        storage.place_dossier(session, archivist, box.id, two.id, "5", now=now)
    assert [problem.field for problem in refused.value.problems] == ["file_number"]
    assert storage.placement_of(session, two.id) is None


def test_a_box_number_is_unique_in_the_fonds(session, world, archivist, now, shelves):
    first, second, _box = shelves
    with pytest.raises(InvalidMetadata) as refused:
        storage.create_box(
            session, archivist, world.org.id, {"repository_id": second.id, "number": "01", "shelf_unit": "1"}, now=now
        )
    assert [problem.field for problem in refused.value.problems] == ["number"]
    with pytest.raises(InvalidMetadata) as refused:
        storage.create_repository(session, archivist, world.org.id, {"code": "K1", "name": "Kho trùng"}, now=now)
    assert [problem.field for problem in refused.value.problems] == ["code"]


def test_bad_input_lists_every_problem_and_writes_nothing(session, world, archivist, now, shelves):
    before = session.scalar(select(func.count(StorageBox.id))), session.scalar(select(func.count(AuditEvent.id)))
    with pytest.raises(InvalidMetadata) as refused:
        storage.create_box(
            session, archivist, world.org.id, {"repository_id": "999999", "number": "0", "shelf_unit": ""}, now=now
        )
    assert sorted(problem.field for problem in refused.value.problems) == ["number", "repository_id", "shelf_unit"]
    assert (session.scalar(select(func.count(StorageBox.id))), session.scalar(select(func.count(AuditEvent.id)))) == (
        before
    )


def test_only_paper_dossiers_the_archive_holds_are_placed(session, world, store, now, archivist, shelves, make_dossier):
    _first, _second, box = shelves
    for dossier, words in [
        (paper_dossier(session, world, store, now, state="closed"), "not held by the archive"),
        (make_dossier("archived"), "is electronic"),
    ]:
        with pytest.raises(InvalidMetadata) as refused:
            storage.place_dossier(session, archivist, box.id, dossier.id, now=now)
        assert words in str(refused.value)
    assert session.scalar(select(func.count(DossierPlacement.id))) == 0


def test_moving_a_box_moves_every_dossier_in_one_change(session, world, store, now, archivist, shelves):
    _first, second, box = shelves
    inside = [paper_dossier(session, world, store, now) for _ in range(3)]
    for dossier in inside:
        storage.place_dossier(session, archivist, box.id, dossier.id, now=now)
    revision = box.revision
    storage.move_box(
        session,
        archivist,
        box.id,
        {"repository_id": second.id, "shelf_unit": "7", "shelf": ""},
        now=now,
        seen_revision=revision,
    )
    for dossier in inside:
        placement = storage.placement_of(session, dossier.id)
        assert (placement.box.repository.code, placement.box.shelf_unit) == ("K2", "7")
        [event] = events(session, "dossier.relocated", dossier.id)
        details = json.loads(event.details)
        assert details["place_before"].startswith("Kho K1, giá 2, khoang/ngăn 3, hộp số 01, hồ sơ số")
        assert details["place"].startswith("Kho K2, giá 7, hộp số 01, hồ sơ số")
    [moved] = events(session, "storage_box.moved", box.id)
    assert json.loads(moved.details)["dossiers"] == 3
    # A second move from a form showing the first's revision is refused.
    with pytest.raises(RuleViolation):
        storage.move_box(
            session, archivist, box.id, {"repository_id": second.id, "shelf_unit": "8"}, now=now, seen_revision=revision
        )
    with pytest.raises(RuleViolation):  # already there
        storage.move_box(session, archivist, box.id, {"repository_id": second.id, "shelf_unit": "7"}, now=now)


def test_another_organisations_box_and_dossier_are_not_found(session, world, store, now, archivist, shelves):
    _first, _second, box = shelves
    agency = factories.another_agency(session, world, store, now)
    theirs = agency.actors["archivist2"]
    with pytest.raises(NotFound):
        storage.get_box(session, theirs, box.id)
    with pytest.raises(NotFound):
        storage.move_box(session, theirs, box.id, {"repository_id": box.repository_id, "shelf_unit": "9"}, now=now)
    # Their dossier, named in our box, is as one that does not exist.
    with pytest.raises(InvalidMetadata) as refused:
        storage.place_dossier(session, archivist, box.id, agency.dossier.id, now=now)
    assert "No dossier of the archive" in str(refused.value)
    # Their repository is not one to put our box in.
    own = storage.create_repository(session, theirs, agency.org.id, {"code": "K1", "name": "Kho Ba Đình"}, now=now)
    with pytest.raises(InvalidMetadata):
        storage.move_box(session, archivist, box.id, {"repository_id": own.id, "shelf_unit": "1"}, now=now)


def test_only_the_archivist_manages_storage(session, world, now):
    for name in ("officer1", "head", "registry", "admin"):
        with pytest.raises(PermissionDenied):
            storage.create_repository(session, world.actor(name), world.org.id, {"code": "K9", "name": "Kho"}, now=now)
    assert session.scalar(select(func.count(Repository.id))) == 0


def test_renumbering_a_box_tells_each_dossier_in_it(session, world, store, now, archivist, shelves):
    _first, _second, box = shelves
    dossier = paper_dossier(session, world, store, now)
    storage.place_dossier(session, archivist, box.id, dossier.id, now=now)
    storage.edit_box(session, archivist, box.id, {"number": "12", "label": "Tổ chức cán bộ"}, now=now)
    [event] = events(session, "dossier.relocated", dossier.id)
    assert "hộp số 12" in json.loads(event.details)["place"]


def test_labels_print_the_box_number_and_range(session, world, store, now, archivist, shelves):
    _first, _second, box = shelves
    for _ in range(2):
        storage.place_dossier(session, archivist, box.id, paper_dossier(session, world, store, now).id, now=now)
    made = storage.labels(session, archivist, world.org.id, [box.id], now=now)
    assert made.pdf.startswith(b"%PDF") and made.name == "nhan-hop-01.pdf"
    with pytest.raises(NotFound):
        storage.labels(session, archivist, world.org.id, [box.id, 999999], now=now)


def test_the_transfer_list_says_which_dossiers_are_paper_and_where_they_are(
    session, world, store, now, archivist, shelves
):
    _first, _second, box = shelves
    dossier = paper_dossier(session, world, store, now)
    item = session.scalar(select(TransferItem).where(TransferItem.dossier_id == dossier.id))
    [row] = transfers.list_values(session, item.transfer).rows
    assert row.note == "Hồ sơ giấy, 42 tờ"
    storage.place_dossier(session, archivist, box.id, dossier.id, now=now)
    [row] = transfers.list_values(session, item.transfer).rows
    assert row.note == "Hồ sơ giấy, 42 tờ; Kho K1, giá 2, khoang/ngăn 3, hộp số 01, hồ sơ số 01 trong hộp"
    record = transfers.record_values(session, item.transfer, now)
    assert (record.paper, record.paper_only, record.boxes) == (1, 1, 1)
    lines = transfer_pdf._quantity_lines(record)
    assert lines[1].startswith(
        "a) Tài liệu giấy: tổng số hộp (cặp): 1 (một); quy ra mét giá: 0,1 m; tổng số hồ sơ (đơn vị bảo quản): 1"
    )
    assert lines[2].startswith("b) Tài liệu điện tử: tổng số hồ sơ: 0")
    assert transfer_pdf.handover_record(record).startswith(b"%PDF")


def test_a_dossier_taken_out_of_its_box_waits_in_none_until_placed_again(
    session, world, store, now, archivist, shelves
):
    _first, _second, box = shelves
    one, two = paper_dossier(session, world, store, now), paper_dossier(session, world, store, now)
    storage.place_dossier(session, archivist, box.id, one.id, now=now)
    storage.place_dossier(session, archivist, box.id, two.id, now=now)
    with pytest.raises(PermissionDenied):
        storage.take_out(session, world.actor("registry"), box.id, one.id, now=now)
    assert storage.take_out(session, archivist, box.id, str(one.id), now=now).id == one.id
    assert storage.placement_of(session, one.id) is None and storage.placement_of(session, two.id) is not None
    [event] = events(session, "dossier.unshelved", one.id)
    details = json.loads(event.details)
    assert (details["why"], details["place"]) == (
        "taken_out",
        "Kho K1, giá 2, khoang/ngăn 3, hộp số 01, hồ sơ số 01 trong hộp",
    )
    assert [dossier.id for dossier in storage.placeable(session, archivist, world.org.id)] == [one.id]
    with pytest.raises(RuleViolation, match="not in box no. 1"):
        storage.take_out(session, archivist, box.id, one.id, now=now)
    with pytest.raises(RuleViolation, match="not in box no. 1"):
        storage.take_out(session, archivist, box.id, "không", now=now)


def test_a_repository_code_is_taken_whatever_its_case(session, world, now, archivist, shelves):
    first, second, _box = shelves
    for code in ("k1", " K1 ", "k1"):
        with pytest.raises(InvalidMetadata) as refused:
            storage.create_repository(session, archivist, world.org.id, {"code": code, "name": "Kho mới"}, now=now)
        assert [(problem.field, problem.params) for problem in refused.value.problems] == [
            ("code", {"code": "k1" if code != " K1 " else "K1"})
        ]
    with pytest.raises(InvalidMetadata):
        storage.edit_repository(session, archivist, second.id, {"code": "k1", "name": "Kho tầng 2"}, now=now)
    storage.edit_repository(session, archivist, first.id, {"code": "k1", "name": "Kho tầng 1"}, now=now)  # its own
    assert session.scalar(select(func.count()).select_from(Repository)) == 2
