"""Supplementary metadata values (PL6 III.7.c): each typed value is checked against its field and kept in one form."""

import pytest

from erms import supplementary
from erms.errors import InvalidMetadata
from tests.factories import supplementary_field


@pytest.fixture
def fields(session, world):
    org = world.org.id
    return [
        supplementary_field(session, org, "dossier", "project_code", "Mã dự án"),
        supplementary_field(session, org, "dossier", "budget", "Tổng mức đầu tư (tỷ đồng)", "number"),
        supplementary_field(session, org, "dossier", "settled", "Ngày phê duyệt quyết toán", "date"),
        supplementary_field(session, org, "dossier", "source", "Nguồn vốn", "choice", choices="Ngân sách\nODA"),
        supplementary_field(session, org, "dossier", "old_box", "Số hộp cũ", active=False),
    ]


def test_values_are_kept_in_one_form_and_shown_as_people_write_them(fields):
    values = supplementary.check(
        fields, {"project_code": " DA-07 ", "budget": "12,5", "settled": "3/4/2026", "source": "ODA"}, {}
    )
    assert values == {"project_code": "DA-07", "budget": "12.5", "settled": "2026-04-03", "source": "ODA"}
    assert [(s.label, s.text) for s in supplementary.shown(fields, values)] == [
        ("Mã dự án", "DA-07"),
        ("Tổng mức đầu tư (tỷ đồng)", "12.5"),
        ("Ngày phê duyệt quyết toán", "03/04/2026"),
        ("Nguồn vốn", "ODA"),
    ]


def test_every_wrong_value_is_named_at_once_and_an_empty_one_clears_its_field(fields):
    with pytest.raises(InvalidMetadata) as refused:
        supplementary.check(
            fields,
            {"budget": "1.234.567", "settled": "31/02/2026", "source": "Vay", "nope": "x", "project_code": "a\x00"},
            {},
        )
    assert {p.field for p in refused.value.problems} == {
        "supplementary.budget",
        "supplementary.settled",
        "supplementary.source",
        "supplementary.nope",
        "supplementary.project_code",
    }
    assert supplementary.check(fields, {"budget": ""}, {"budget": "3", "source": "ODA"}) == {"source": "ODA"}


def test_a_withdrawn_field_keeps_its_value_but_takes_no_new_one(fields):
    kept = supplementary.check(fields, {"old_box": "B-12"}, {"old_box": "B-12"})
    assert kept == {"old_box": "B-12"}
    with pytest.raises(InvalidMetadata):
        supplementary.check(fields, {"old_box": "B-13"}, {"old_box": "B-12"})
    assert [s.text for s in supplementary.shown(fields, kept)] == ["B-12"]
