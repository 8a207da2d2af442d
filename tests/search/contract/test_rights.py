"""Rights: every user × every record, counting leaks (shown but not readable) as failures.

What a user may read is ``erms.permissions.can(actor, "dossier.read", …)``; search must agree
with it in results, totals, facets and snippets, for queries that match everything.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from classification import dossier_list as dossier_lists
from erms import permissions, search
from erms.models import Document, Dossier, DossierDocument, User
from erms.permissions import load_actor
from filing import access, dossiers
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
    # Unit A's restricted dossier, named to the registry; unit B's dossier shared with unit A.
    secret = make_dossier("open", documents=1)
    for form, confirmer in (
        ({"kind": "restrict"}, "head"),
        ({"kind": "share_person", "user_id": str(world.users["registry"].id)}, "head"),
    ):
        change = access.propose(session, world.actor("officer1"), secret.id, {**form, "reason": "Nhạy cảm"}, now=now)
        access.decide(session, world.actor(confirmer), change.id, True, now=now)
    # Its document also filed in unit A's open dossier: the restriction follows it there.
    dossiers.link_document(session, world.actor("officer1"), unit_a.id, secret.links[0].document_id, now=now)
    shared = access.propose(
        session,
        world.actor("officer2"),
        unit_b.id,
        {"kind": "share_unit", "unit_id": str(world.unit_a.id), "reason": "Phối hợp"},
        now=now,
    )
    access.decide(session, world.actor("head"), shared.id, True, now=now)
    # One document of unit A restricted on its own, the registry named on it.
    private = make_dossier("open", documents=1)
    document_id = str(private.links[0].document_id)
    for form in ({"kind": "restrict"}, {"kind": "share_person", "user_id": str(world.users["registry"].id)}):
        change = access.propose(
            session,
            world.actor("officer1"),
            private.id,
            {**form, "document_id": document_id, "reason": "Riêng"},
            now=now,
        )
        access.decide(session, world.actor("head"), change.id, True, now=now)
    commit()
    actors = {name: world.actor(name) for name in world.users} | others
    return actors


def readable(session, actor, kind: str, record_id: int) -> bool:
    """What the database says: a dossier by ``can_read_dossier``, a document by any dossier holding it."""
    if kind == "dossier":
        held = [session.get(Dossier, record_id)]
    else:
        held = list(
            session.scalars(select(Dossier).join(DossierDocument).where(DossierDocument.document_id == record_id))
        )
    access_of = permissions.dossier_access(session, held)
    if not any(permissions.can_read_dossier(actor, dossier, access_of[dossier.id]) for dossier in held):
        return False
    if kind == "dossier":
        return True
    document = session.get(Document, record_id)
    own = permissions.document_access(session, [document])[record_id]
    content = permissions.ContentAccess(own, tuple((dossier, access_of[dossier.id]) for dossier in held))
    return permissions.can_read_content(actor, document, content)


@pytest.mark.parametrize("text", ["", "ho so", "hồ sơ"])
def test_no_user_sees_a_record_they_may_not_read(matrix, session, text):
    leaks, misses = [], []
    for name, actor in matrix.items():
        results = search.query(session, actor, search.Search(text=text, per_page=100))
        for hit in results.hits:
            if not readable(session, actor, hit.kind, hit.record_id):
                leaks.append((name, hit.kind, hit.record_id))
        assert results.total == len(results.hits), name
        assert sum(count for _, count in results.facets["kind"]) == results.total, name
        if text == "" and not results.hits and any(g.role in permissions.RULES["dossier.read"] for g in actor.grants):
            misses.append(name)
    assert leaks == []
    assert misses == []


def test_each_user_sees_exactly_their_units_or_organisation_and_what_is_shared_with_them(matrix, session):
    seen = {
        name: {hit.fields["unit"] for hit in search.query(session, actor, search.Search(per_page=100)).hits}
        for name, actor in matrix.items()
    }
    organisation = {"Văn phòng HĐND và UBND", "Phòng Tài chính - Kế hoạch"}
    for name in ("admin", "head", "registry", "archivist", "council1"):
        assert seen[name] == organisation, name
    assert seen["officer1"] == seen["unithead"] == organisation  # unit B's dossier is shared with unit A
    assert seen["officer2"] == {"Phòng Tài chính - Kế hoạch"}
    for name in ("registry2", "head2", "archivist2", "officer3"):
        assert seen[name] == {"Văn phòng quận Ba Đình"}, name


def finders(session, matrix: dict, kind: str, record_id: int) -> set[str]:
    """Return who finds the record when searching for everything."""
    return {
        name
        for name, actor in matrix.items()
        if any(
            (hit.kind, hit.record_id) == (kind, record_id)
            for hit in search.query(session, actor, search.Search(per_page=100)).hits
        )
    }


def test_a_restricted_dossier_is_found_only_by_its_unit_the_head_and_the_people_named(matrix, session):
    restricted = session.scalar(select(Dossier).where(Dossier.rights == permissions.RESTRICTED))
    assert finders(session, matrix, "dossier", restricted.id) == {"officer1", "unithead", "head", "registry"}


def test_a_document_restricted_on_its_own_is_found_only_by_those_who_form_its_dossier_and_the_head(matrix, session):
    restricted = session.scalar(select(Document).where(Document.rights == permissions.RESTRICTED))
    assert finders(session, matrix, "document", restricted.id) == {
        "officer1",
        "unithead",
        "head",
    }  # the registry, named, reads it from the dossier's page


def test_facets_and_snippets_hold_only_readable_records(session, matrix):
    results = search.query(session, matrix["officer2"], search.Search(text="ho so", per_page=100))
    assert dict(results.facets["unit"]) == {"Phòng Tài chính - Kế hoạch": results.total}
    assert all("Ba Đình" not in hit.snippet and "quy chế" not in hit.snippet for hit in results.hits)


def test_top_secret_summary_is_never_searchable(session, matrix):
    for name, actor in matrix.items():
        assert found(session, actor, "quoc phong") == [], name
        assert found(session, actor, "bí mật") == [], name
    hits = search.query(session, matrix["head"], search.Search(text="7/QĐ-UBND")).hits
    assert [hit.fields["title"] for hit in hits] == [""]  # the register entry is findable, its summary is not


def test_a_user_without_grants_sees_nothing(matrix, session, world, now):
    user = User(username="nobody", full_name="Không Ai", password_hash="!", created_at=now)
    session.add(user)
    session.flush()
    results = search.query(session, load_actor(session, user.id), search.Search())
    assert (results.total, results.hits) == (0, [])


def test_a_change_of_access_holds_in_the_results_before_the_index_learns_of_it(matrix, session, world, now):
    """The worker writes the index seconds after a change (longer when it is behind): the results obey the database
    at once, so an ended share or a new restriction never shows a title or a summary in the meantime."""
    shared = session.scalar(select(Dossier).where(Dossier.unit_id == world.unit_b.id))
    assert ("dossier", shared.id) in found(session, matrix["officer1"])
    share = access.panel(session, world.actor("officer2"), shared).shares[0]
    ended = access.propose(
        session, world.actor("officer2"), shared.id, {"kind": "end_share", "share_id": str(share.id), "reason": "Xong"},
        now=now,
    )  # fmt: skip
    access.decide(session, world.actor("head"), ended.id, True, now=now)
    session.commit()  # committed, not yet indexed
    results = search.query(session, matrix["officer1"], search.Search(per_page=100))
    assert [hit for hit in results.hits if hit.fields["unit"] == "Phòng Tài chính - Kế hoạch"] == []
    assert results.total == len(results.hits)
    assert ("dossier", shared.id) in found(session, matrix["officer2"])  # its own unit still finds it
