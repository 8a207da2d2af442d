"""An agency's retention table from a JSON file: every wrong value is named on its own line and nothing is
written; a file that is not a table is refused with the reason, never with a traceback."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from erms.errors import InvalidMetadata
from erms.models import RetentionRow, RetentionSchedule
from retention import schedule

ROW = {"code": "1.1", "title_vi": "Hồ sơ xây dựng quy chế", "permanent": True, "period_years": None}


def import_table(session, world, payload, now, code="DDA-2027", title="Bảng của quận"):
    return schedule.import_schedule(
        session,
        None,
        payload,
        code=code,
        title=title,
        legal_basis="TT 10/2022",
        superseded=False,
        now=now,
        organisation_id=world.org.id,
    )


def schedules(session) -> int:
    return session.scalar(select(func.count()).select_from(RetentionSchedule))


def problems_of(refused) -> list[str]:
    return [str(problem) for problem in refused.value.problems]


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "file: Not JSON: Expecting value (line 1, column 1)."),
        (b'[{"code": "1.1",\n  "title_vi": }]', "file: Not JSON: Expecting value (line 2, column 15)."),
        ("[]".encode("utf-16"), "file: The file is not UTF-8 text."),
        (b"[" * 100_000, "file: Not JSON that can be read: a number is too long or the nesting too deep."),
        (b"9" * 5_000, "file: Not JSON that can be read: a number is too long or the nesting too deep."),
    ],
)
def test_a_file_that_is_not_json_is_refused_with_the_reason(content, message):
    with pytest.raises(InvalidMetadata) as refused:
        schedule.read_table(content)
    assert problems_of(refused) == [message]


def test_a_table_with_a_bom_is_read():
    assert schedule.read_table(json.dumps([ROW]).encode("utf-8-sig")) == [ROW]


@pytest.mark.parametrize(
    "payload,lines",
    [
        (
            {"rows": [ROW]},
            [
                "rows: {'rows': [{'code': '1.1', 'title_vi': 'Hồ sơ xây dựng quy chế', 'permanent': True, "
                "'period_years': None}]} is not of type 'array'"
            ],
        ),
        ([], ["rows: [] should be non-empty"]),
        ([ROW, "1.2"], ["rows[1]: '1.2' is not of type 'object'"]),
        (
            [{**ROW, "permanent": "yes", "period_years": 1000}],
            [
                "rows[0].permanent: 'yes' is not of type 'boolean'",
                "rows[0].period_years: 1000 is greater than the maximum of 100",
            ],
        ),
        (
            [{**ROW, "period_years": 2**70}],
            ["rows[0].period_years: 1180591620717411303424 is greater than the maximum of 100"],
        ),
        (
            [ROW, {**ROW, "title_vi": "Khác"}, {**ROW, "code": " 1.1 "}],
            ["rows[1].code: Duplicate code 1.1.", "rows[2].code: Duplicate code 1.1."],
        ),
        (
            [{**ROW, "code": "1.\x001", "title_vi": "Hồ sơ\ud800"}],
            [
                "rows[0].code: Contains a control character that is not allowed.",
                "rows[0].title_vi: Contains a control character that is not allowed.",
            ],
        ),
        (
            [{**ROW, "code": "x" * 10_000}],
            ["rows[0].code: 'xxxxxxxxxxxx...xxxxxxxxxxxxx' does not satisfy 'maxLength'"],
        ),
    ],
)
def test_each_wrong_value_is_named_on_its_own_line_and_nothing_is_written(session, world, now, payload, lines):
    before = schedules(session)
    with pytest.raises(InvalidMetadata) as refused:
        import_table(session, world, payload, now)
    assert problems_of(refused) == lines
    assert schedules(session) == before


def test_the_tables_own_code_and_title_are_checked_too(session, world, now):
    with pytest.raises(InvalidMetadata) as refused:
        import_table(session, world, [ROW], now, code="D" * 61, title="Bảng\x00")
    assert problems_of(refused) == [
        "code: At most 60 characters.",
        "title: Contains a control character that is not allowed.",
    ]


def test_a_good_table_is_stored_normalised_with_whole_years(session, world, now):
    table = import_table(
        session,
        world,
        [{**ROW, "code": " 1.2 ", "title_vi": "Ho\u0302\u0300 sơ", "permanent": False, "period_years": 5.0}],
        now,
    )
    row = session.scalar(select(RetentionRow).where(RetentionRow.schedule_id == table.id))
    assert (row.code, row.title, row.period_years) == ("1.2", "Hồ sơ", 5)
    assert isinstance(row.period_years, int)
