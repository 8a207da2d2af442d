"""Metadata input: numbers are ASCII digits that fit 64 bits, text holds no control character; anything else is
a problem on its field, never an exception."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from erms import metadata
from erms.config import LOCAL_TZ
from erms.errors import InvalidMetadata, Problem
from tests.factories import DOCUMENT

DOSSIER = {"title": "Hồ sơ hội nghị", "rights": "public", "language": "Tiếng Việt", "start_date": "2026-01-05"}


@pytest.mark.parametrize(
    "text,number",
    [
        ("12", 12),
        (" 007 ", 7),
        ("0", 0),
        ("9223372036854775807", 2**63 - 1),
        ("0" * 5000 + "1", 1),
        ("9223372036854775808", None),
        ("9" * 5000, None),
        ("²", None),
        ("١٢", None),
        ("-1", None),
        ("1e3", None),
        ("1_000", None),
        ("+1", None),
        ("", None),
        (" ", None),
        ("\x00", None),
    ],
)
def test_whole_number_reads_ascii_digits_that_fit_64_bits(text, number):
    assert metadata.whole_number(text) == number


@pytest.mark.parametrize("raw", ["²", "١٢", "99999999999999999999999", "9" * 5000, "1e309", "NaN", "-1"])
def test_a_number_field_that_is_not_a_number_is_a_problem_on_its_field(raw):
    form = {**{key: str(value) for key, value in DOCUMENT.items()}, "page_amount": raw}
    with pytest.raises(InvalidMetadata) as refused:
        metadata.check("document", metadata.coerce("document", form))
    assert refused.value.problems == [Problem("page_amount", "Not a valid value.")]


def test_a_huge_number_the_schema_bounds_is_a_problem_not_an_overflow():
    data = metadata.coerce("dossier", {**DOSSIER, "page_total": "9223372036854775807"})
    assert metadata.validate("dossier", data) == [Problem("page_total", "Must be at most %(limit)s.", {"limit": 9999})]


def test_control_characters_are_one_problem_per_field_in_field_order():
    data = {
        **DOSSIER,
        "keyword": "đất\x1bđai",
        "title": "Hồ sơ\x00",
        "description": "a\ud800",
        "start_date": "2026-02-30",
    }
    assert metadata.validate("dossier", data) == [
        Problem("title", metadata.CONTROL_CHARACTER),
        Problem("start_date", metadata.NO_SUCH_DAY, {"text": "2026-02-30"}),  # the calendar lacks it
        Problem("description", metadata.CONTROL_CHARACTER),
        Problem("keyword", metadata.CONTROL_CHARACTER),
    ]


def test_tab_and_line_breaks_are_text():
    assert metadata.check("dossier", {**DOSSIER, "description": "Dòng 1\r\nDòng 2\tcột"})["description"] == (
        "Dòng 1\r\nDòng 2\tcột"
    )


def test_check_text_names_each_field_once():
    with pytest.raises(InvalidMetadata) as refused:
        metadata.check_text(
            {"label": "x" * 11, "title": "\x7f" * 20, "note": "ok"}, {"label": 10, "title": 10, "note": 10}
        )
    assert refused.value.problems == [
        Problem("label", "At most %(limit)s characters.", {"limit": 10}),
        Problem("title", metadata.CONTROL_CHARACTER),
    ]


def test_a_deadline_before_the_documents_own_date_is_a_problem_on_the_deadline():
    early = {**DOCUMENT, "issued_date": "2026-12-01", "due_date": "2026-11-30"}
    with pytest.raises(InvalidMetadata) as refused:
        metadata.check("document", early)
    assert [(problem.field, problem.params) for problem in refused.value.problems] == [
        ("due_date", {"day": "01/12/2026"})
    ]
    assert metadata.check("document", {**early, "due_date": "2026-12-01"})["due_date"] == "2026-12-01"  # the same day


def test_a_final_document_dated_after_today_is_a_problem_on_its_date_and_a_draft_may_be():
    today = datetime.now(LOCAL_TZ).date()
    tomorrow = {**DOCUMENT, "issued_date": (today + timedelta(days=1)).isoformat()}
    assert [(p.field, p.params) for p in metadata.validate("document", tomorrow)] == [
        ("issued_date", {"day": f"{today:%d/%m/%Y}"})
    ]
    assert metadata.validate("document", {**tomorrow, "status": "draft"}) == []  # the day it is meant for
    assert metadata.validate("document", {**tomorrow, "issued_date": today.isoformat()}) == []


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"])
def test_a_day_outside_1900_to_2100_is_a_problem_on_its_field_as_the_api_and_the_forms_send_it(day):
    sent = {**DOSSIER, "end_date": day}
    assert [(p.field, p.template) for p in metadata.validate("dossier", sent)] == [("end_date", metadata.OUT_OF_RANGE)]
    typed = metadata.coerce("dossier", {**DOSSIER, "end_date": f"{day[8:]}/{day[5:7]}/{day[:4]}"})
    assert [(p.field, p.template) for p in metadata.validate("dossier", typed)] == [("end_date", metadata.OUT_OF_RANGE)]
    assert metadata.parse_day(day) is None  # a report's period, a search's day, a loan's end: not a day people mean


def test_the_days_at_the_ends_of_the_range_are_taken():
    for day in ("1900-01-01", "2100-12-31"):
        assert metadata.validate("dossier", {**DOSSIER, "end_date": day}) == []


def test_an_arrival_before_the_documents_date_or_after_today_is_a_problem_on_it():
    today = datetime.now(LOCAL_TZ).date()
    early = {**DOCUMENT, "issued_date": "2026-03-02", "arrival_date": "2026-03-01"}
    late = {**DOCUMENT, "arrival_date": (today + timedelta(days=1)).isoformat()}
    assert [(p.field, p.params) for p in metadata.validate("document", early)] == [
        ("arrival_date", {"day": "02/03/2026"})
    ]
    assert [p.template for p in metadata.validate("document", late)] == ["The arrival date cannot be after today."]
    assert metadata.validate("document", {**early, "arrival_date": "2026-03-02"}) == []


@pytest.mark.parametrize("hidden", ["\u200b", "\u0301\u0300", " \u2060 ", "\u2800", "\u3164", "\ufeff\u00ad"])
def test_text_that_shows_nothing_is_a_problem_on_its_field(hidden):
    assert [(p.field, p.template) for p in metadata.validate("dossier", {**DOSSIER, "title": hidden})] == [
        ("title", metadata.SHOWS_NOTHING)
    ]
    with pytest.raises(InvalidMetadata) as refused:
        metadata.check_text({"name": hidden}, {"name": 200})
    assert refused.value.problems == [Problem("name", metadata.SHOWS_NOTHING)]


@pytest.mark.parametrize("reordering", ["\u202eelif terces\u202c", "Phòng \u2066Nội vụ\u2069"])
def test_text_that_reads_other_than_it_is_is_refused(reordering):
    assert [p.template for p in metadata.validate("dossier", {**DOSSIER, "title": reordering})] == [
        metadata.CONTROL_CHARACTER
    ]


def test_accents_spaces_and_joiners_within_words_are_text():
    for text in ("Hồ sơ\u200bhội nghị", "Tiếng Việt", "Ho\u0302\u0300 so\u031b"):  # decomposed accents too
        assert metadata.validate("dossier", {**DOSSIER, "title": text}) == []
