"""Rights: every user × every record, counting leaks (shown but not readable) as failures.

What a user may read is ``erms.permissions.can(actor, "dossier.read", …)``; search must agree
with it in results, totals, facets and snippets, for queries that match everything.
"""

from __future__ import annotations

import pytest

from classification import dossier_list as dossier_lists
from erms import permissions, search
from erms.models import User
from erms.permissions import load_actor
from filing import dossiers
from tests.factories import another_agency
from tests.search.search_helpers import found


@pytest.fixture
def matrix(session, world, store, now, make_dossier, file_document, commit):
    """Dossiers of unit A, unit B and another agency, each with documents; return (actors, records)."""
    unit_a = make_dossier("open", documents=1)
    file_document(unit_a, "Hồ sơ bí mật về quốc phòng", marking="tuyet_mat", code_number="7")
    listed = world.approved_list(year=2025, entries=1)  # an earlier year; officer2's ad-hoc entry joins it
    entry = dossier_lists.add_ad_hoc_entry(
        session,
        world.actor("officer2"),
        listed.id,
        title="Hồ sơ ngân sách",
        retention_row_id=world.rows["2y"].id,
        now=now,
    )
    unit_b = dossiers.open_dossier(session, world.actor("officer2"), entry.id, {"start_date": "2025-02-01"}, now=now)
    file_document(unit_b, "Hồ sơ dự toán ngân sách năm 2025", actor="officer2", issued_date="2025-02-03")
    others = another_agency(session, world, store, now).actors
    commit()
    actors = {name: world.actor(name) for name in world.users} | others
    return actors


@pytest.mark.parametrize("text", ["", "ho so", "hồ sơ"])
def test_no_user_sees_a_record_they_may_not_read(matrix, session, text):
    leaks, misses = [], []
    for name, actor in matrix.items():
        results = search.query(actor, search.Search(text=text, per_page=100))
        for hit in results.hits:
            stored = hit.fields
            units = [int(unit) for unit in stored["units"].split()]
            allowed = any(permissions.can(actor, "dossier.read", int(stored["organisation"]), unit) for unit in units)
            if not allowed:
                leaks.append((name, hit.kind, hit.record_id))
        assert results.total == len(results.hits), name
        assert sum(count for _, count in results.facets["kind"]) == results.total, name
        if text == "" and not results.hits and any(g.role in permissions.RULES["dossier.read"] for g in actor.grants):
            misses.append(name)
    assert leaks == []
    assert misses == []


def test_each_user_sees_exactly_their_units_or_organisation(matrix):
    seen = {
        name: {hit.fields["unit"] for hit in search.query(actor, search.Search(per_page=100)).hits}
        for name, actor in matrix.items()
    }
    organisation = {"Văn phòng HĐND và UBND", "Phòng Tài chính - Kế hoạch"}
    for name in ("admin", "head", "registry", "archivist", "council1"):
        assert seen[name] == organisation, name
    assert seen["officer1"] == seen["unithead"] == {"Văn phòng HĐND và UBND"}
    assert seen["officer2"] == {"Phòng Tài chính - Kế hoạch"}
    for name in ("registry2", "head2", "archivist2", "officer3"):
        assert seen[name] == {"Văn phòng quận Ba Đình"}, name


def test_facets_and_snippets_hold_only_readable_records(matrix):
    results = search.query(matrix["officer2"], search.Search(text="ho so", per_page=100))
    assert dict(results.facets["unit"]) == {"Phòng Tài chính - Kế hoạch": results.total}
    assert all("Ba Đình" not in hit.snippet and "quy chế" not in hit.snippet for hit in results.hits)


def test_top_secret_summary_is_never_searchable(matrix):
    for name, actor in matrix.items():
        assert found(actor, "quoc phong") == [], name
        assert found(actor, "bí mật") == [], name
    hits = search.query(matrix["head"], search.Search(text="7/QĐ-UBND")).hits
    assert [hit.fields["title"] for hit in hits] == [""]  # the register entry is findable, its summary is not


def test_a_user_without_grants_sees_nothing(matrix, session, world, now):
    user = User(username="nobody", full_name="Không Ai", password_hash="!", created_at=now)
    session.add(user)
    session.flush()
    results = search.query(load_actor(session, user.id), search.Search())
    assert (results.total, results.hits) == (0, [])
