"""Pages cost the same number of queries however many records they show: no query per row (issue 18, part 5)."""

from __future__ import annotations

import contextlib

from erms_browser import Browser
from sqlalchemy import event, select

from classification import dossier_list as dossier_lists
from erms.models import DossierList, RetentionRow, RetentionSchedule


@contextlib.contextmanager
def counted(engine):
    """Count the SQL statements sent while the block runs."""
    statements = []

    def count(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def queries_for(client, engine, url: str) -> int:
    client.get(url)  # warm: the first request of a test loads what every later one shares
    with counted(engine) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_the_dossier_page_costs_the_same_with_one_document_or_eight(client, engine, make_dossier):
    small, large = make_dossier("open", documents=1), make_dossier("open", documents=8)
    client.login("officer1")
    assert queries_for(client, engine, f"/dossiers/{small.id}") == queries_for(client, engine, f"/dossiers/{large.id}")


def test_the_home_page_costs_the_same_with_one_dossier_or_six(make_app, engine, make_dossier):
    make_dossier("open", documents=2)
    officer, archivist = Browser(make_app().test_client()), Browser(make_app().test_client())
    officer.login("officer1")
    archivist.login("archivist")  # whose home lists every dossier of the organisation
    before = [queries_for(browser, engine, "/") for browser in (officer, archivist)]
    for _ in range(5):
        make_dossier("open", documents=2)
    assert [queries_for(browser, engine, "/") for browser in (officer, archivist)] == before


def test_the_ad_hoc_form_costs_the_same_however_many_rows_and_schedules_the_lists_use(
    client, engine, make_dossier, world, session, now
):
    make_dossier("open", row="10y", documents=0)
    client.login("officer1")
    before = queries_for(client, engine, "/dossiers/ad-hoc")
    other = RetentionSchedule(code="other", title="Bảng thời hạn của ngành", imported_at=now)
    session.add(other)
    session.flush()
    row = RetentionRow(schedule_id=other.id, code="N1", title="Hồ sơ thanh tra chuyên ngành", permanent=True)
    session.add(row)
    session.flush()
    listed = session.scalar(select(DossierList).where(DossierList.year == 2026))
    dossier_lists.add_ad_hoc_entry(
        session, world.actor("officer1"), listed.id, title="Hồ sơ thanh tra", retention_row_id=row.id, now=now
    )
    for key in ("permanent", "2y"):
        make_dossier("open", row=key, documents=0)
    assert queries_for(client, engine, "/dossiers/ad-hoc") == before
    page = client.get("/dossiers/ad-hoc").get_data(as_text=True)
    assert "Hồ sơ thanh tra chuyên ngành" in page and "Hồ sơ ngắn hạn" in page


def test_the_home_page_counts_the_documents_of_open_dossiers_without_reading_them(client, engine, make_dossier):
    mine = make_dossier("open", documents=1)
    client.login("officer1")
    before = queries_for(client, engine, "/")
    fetched: list[str] = []

    def sent(_connection, _cursor, statement, *_args) -> None:
        fetched.append(statement)

    larger = make_dossier("open", documents=8)
    event.listen(engine, "before_cursor_execute", sent)
    try:
        page = client.get("/").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", sent)
    assert queries_for(client, engine, "/") == before
    assert not any("dossier_documents.ordinal" in statement for statement in fetched)  # no document link is loaded
    listed = page[page.index('id="my-open"') :]
    assert f"/dossiers/{mine.id}" in listed and f"/dossiers/{larger.id}" in listed
    assert "1 văn bản" in listed and "8 văn bản" in listed
