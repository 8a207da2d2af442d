"""The administrator defines the supplementary metadata fields of the organisation's dossiers and documents (NĐ 30
PL6 III.7.c): each is named once from its label, keeps its type, keeps the choices records hold, and is withdrawn
rather than deleted; bad input names every problem and writes nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from administration import supplementary_fields as fields
from erms import supplementary
from erms.errors import Conflict, InvalidMetadata, NotFound, PermissionDenied
from erms.models import AuditEvent, FieldType, RecordKind, SupplementaryField
from tests.factories import another_agency, supplementary_field


@pytest.fixture
def admin(world):
    return world.actor("admin")


def add(session, admin, world, now, **data):
    return fields.add_field(
        session, admin, world.org.id, {"applies_to": "dossier", "data_type": "text", **data}, now=now
    )


def refused(call) -> dict[str, list[str]]:
    with pytest.raises(InvalidMetadata) as error:
        call()
    found: dict[str, list[str]] = {}
    for problem in error.value.problems:
        found.setdefault(problem.field, []).append(problem.template % problem.params)
    return found


def events(session, action: str) -> list[dict]:
    rows = session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
    return [json.loads(row.details) for row in rows]


def test_a_field_is_named_from_its_label_once_and_for_all(session, world, admin, now):
    first = add(session, admin, world, now, label="Mã số đăng ký đầu tư (Đồng Đa)", required="yes")
    assert (first.name, first.required, first.position, first.active) == ("ma_so_dang_ky_dau_tu_dong_da", True, 1, True)
    again = add(session, admin, world, now, label="Mã số  đăng ký đầu tư – Đống Đa")
    assert (again.name, again.position) == ("ma_so_dang_ky_dau_tu_dong_da_2", 2)
    long = add(session, admin, world, now, label="2 " + "Kinh phí thực hiện dự án theo kế hoạch vốn")
    assert long.name == "field_2_kinh_phi_thuc_hien_du_an_theo_ke" and len(long.name) <= 40
    for_documents = add(session, admin, world, now, label="Mã số đăng ký đầu tư (Đồng Đa)", applies_to="document")
    assert for_documents.name == "ma_so_dang_ky_dau_tu_dong_da"
    # The package names its own values "ngon_ngu", "so_trang" …: an agency's field never takes one of those names.
    assert add(session, admin, world, now, label="Ngôn ngữ", applies_to="dossier").name == "ngon_ngu_2"
    assert add(session, admin, world, now, label="Số trang", applies_to="document").name == "so_trang_2"
    changed = fields.change_field(session, admin, first.id, {"label": "Số đăng ký đầu tư", "required": ""}, now=now)
    assert (changed.name, changed.label, changed.required) == (
        "ma_so_dang_ky_dau_tu_dong_da",
        "Số đăng ký đầu tư",
        False,
    )
    assert events(session, "supplementary_field.added")[0] == {
        "applies_to": "dossier",
        "choices": [],
        "data_type": "text",
        "label": "Mã số đăng ký đầu tư (Đồng Đa)",
        "name": "ma_so_dang_ky_dau_tu_dong_da",
        "organisation_id": world.org.id,
        "position": 1,
        "required": True,
    }
    assert events(session, "supplementary_field.changed") == [
        {
            "name": "ma_so_dang_ky_dau_tu_dong_da",
            "changes": {"label": ["Mã số đăng ký đầu tư (Đồng Đa)", "Số đăng ký đầu tư"], "required": [True, False]},
        }
    ]


def test_every_problem_is_named_at_once_and_nothing_is_written(session, world, admin, now):
    add(session, admin, world, now, label="Nguồn vốn")
    before = session.scalar(select(func.count()).select_from(SupplementaryField))
    assert refused(lambda: add(session, admin, world, now, label=" ", applies_to="box", data_type="colour")) == {
        "label": ["This field is required."],
        "applies_to": ["Choose one of the listed values."],
        "data_type": ["Choose one of the listed values."],
    }
    assert refused(
        lambda: add(session, admin, world, now, label="nguồn VỐN", data_type="choice", choices="ODA\n ODA ")
    ) == {
        "label": ["Another field of these records is called nguồn VỐN already."],
        "choices": ["List at least two different values to choose from, one per line."],
    }
    assert refused(
        lambda: add(session, admin, world, now, label="x" * 201 + "\x07", data_type="choice", choices="A\n" + "B" * 201)
    ) == {
        "label": ["Contains a control character that is not allowed."],
        "choices": ["Each value to choose from is at most 200 characters."],
    }
    assert refused(lambda: add(session, admin, world, now, label="Số hộp", choices="1\n2", position="-1")) == {
        "choices": ["Only a field chosen from a list has values to choose from: leave this empty."],
        "position": ["Write a whole number from 0 to 9999."],
    }
    assert session.scalar(select(func.count()).select_from(SupplementaryField)) == before
    assert len(events(session, "supplementary_field.added")) == 1


def test_a_field_s_type_never_changes(session, world, admin, now):
    budget = add(session, admin, world, now, label="Tổng mức đầu tư", data_type="number")
    assert refused(
        lambda: fields.change_field(session, admin, budget.id, {"label": "Tổng mức", "data_type": "text"}, now=now)
    ) == {"data_type": [fields.TYPE_FIXED]}
    assert (budget.data_type, budget.label) == (FieldType.NUMBER, "Tổng mức đầu tư")
    assert events(session, "supplementary_field.changed") == []


def test_a_choice_records_hold_is_not_removed(session, world, admin, now, make_dossier):
    source = add(session, admin, world, now, label="Nguồn vốn", data_type="choice", choices="Ngân sách\nODA\nVay")
    for value in ("ODA", "ODA", "Ngân sách"):
        dossier = make_dossier("open", documents=0)
        dossier.supplementary = supplementary.encode({source.name: value})
    session.flush()
    assert refused(
        lambda: fields.change_field(session, admin, source.id, {"label": "Nguồn vốn", "choices": "Ngân sách"}, now=now)
    ) == {"choices": ["List at least two different values to choose from, one per line."]}
    assert refused(
        lambda: fields.change_field(
            session, admin, source.id, {"label": "Nguồn vốn", "choices": "Vay\nTài trợ"}, now=now
        )
    ) == {
        "choices": [
            "Ngân sách is the value of 1 records: it cannot be removed from the list.",
            "ODA is the value of 2 records: it cannot be removed from the list.",
        ]
    }
    assert source.choice_list == ["Ngân sách", "ODA", "Vay"]
    kept = fields.change_field(
        session, admin, source.id, {"label": "Nguồn vốn", "choices": "ODA\r\nNgân sách\r\nTài trợ"}, now=now
    )
    assert kept.choice_list == ["ODA", "Ngân sách", "Tài trợ"]
    assert events(session, "supplementary_field.changed")[0]["changes"] == {
        "choices": ["Ngân sách\nODA\nVay", "ODA\nNgân sách\nTài trợ"]
    }


def test_a_withdrawn_field_is_no_longer_offered_and_its_values_stay(session, world, admin, now, make_dossier):
    box = add(session, admin, world, now, label="Số hộp cũ")
    dossier = make_dossier("open", documents=0)
    dossier.supplementary = supplementary.encode({box.name: "B-12"})
    fields.set_offered(session, admin, box.id, False, now=now)
    fields.set_offered(session, admin, box.id, False, now=now)
    assert supplementary.fields_for(session, world.org.id, RecordKind.DOSSIER, offered_only=True) == []
    every = fields.fields_of(session, admin, world.org.id)
    assert every[RecordKind.DOSSIER] == [box] and every[RecordKind.DOCUMENT] == []
    shown = supplementary.shown(every[RecordKind.DOSSIER], supplementary.values_of(dossier))
    assert [(value.label, value.text) for value in shown] == [("Số hộp cũ", "B-12")]
    fields.set_offered(session, admin, box.id, True, now=now)
    assert supplementary.fields_for(session, world.org.id, RecordKind.DOSSIER, offered_only=True) == [box]
    assert [
        row.action
        for row in session.scalars(
            select(AuditEvent).where(AuditEvent.subject_type == "supplementary_field").order_by(AuditEvent.id)
        )
    ] == [
        "supplementary_field.added",
        "supplementary_field.withdrawn",
        "supplementary_field.offered",
    ]


def test_a_save_over_someone_else_s_is_refused(session, world, admin, now):
    field = add(session, admin, world, now, label="Mã dự án")
    seen = {"label": "Mã dự án", "choices": "", "required": "False", "position": "1"}
    fields.change_field(session, admin, field.id, {"label": "Mã công trình", "position": "1"}, now=now, seen=seen)
    with pytest.raises(Conflict):
        fields.change_field(session, admin, field.id, {"label": "Mã dự án (cũ)", "position": "1"}, now=now, seen=seen)
    assert field.label == "Mã công trình"


def test_only_the_organisation_s_administrator_keeps_its_fields(session, world, store, now):
    field = supplementary_field(session, world.org.id, "dossier", "project_code", "Mã dự án")
    other = another_agency(session, world, store, now)
    # Another organisation's fields look absent to its administrator; a member who does not administer is refused.
    for who, refusal in ((world.actor("archivist"), PermissionDenied), (other.actors["admin2"], NotFound)):
        with pytest.raises(refusal):
            fields.fields_of(session, who, world.org.id)
        with pytest.raises(refusal):
            fields.set_offered(session, who, field.id, False, now=now)
        with pytest.raises(refusal):
            fields.change_field(session, who, field.id, {"label": "Mã"}, now=now)
        with pytest.raises(refusal):
            add(session, who, world, now, label="Nguồn vốn")
    assert field.active and session.scalar(select(func.count()).select_from(SupplementaryField)) == 1
