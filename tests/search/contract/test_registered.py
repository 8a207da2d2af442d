"""Registered documents and every typed field: a recipient's name finds its document, and a registered document is
found before it is filed, by exactly those who read its register line (``permissions.can_read_register_line``): the
register's readers, and the people of the unit it was sent to; once filed, by its dossier's readers.
"""

from __future__ import annotations

import pytest

from erms import permissions, search
from erms.models import Role
from erms.models.register import RegisterKind
from filing import dossiers, registers
from tests.factories import DOCUMENT, another_agency, upload
from tests.search.search_helpers import found

REGISTER_READERS = {"admin", "head", "registry", "archivist"}
UNIT_A = {"officer1", "unithead"}


@pytest.fixture
def people(session, world, store, now):
    """Everyone of the world, a council member for unit A only (who reads its dossiers, not what is sent to it), and
    the people of another agency, by username."""
    world.user("council_a", Role.COUNCIL, world.unit_a)
    others = another_agency(session, world, store, now).actors
    return {name: world.actor(name) for name in world.users} | others


@pytest.fixture
def register(session, world, store, now):
    """Return a factory: register an incoming document (with a text file unless classified), not filed anywhere."""

    def add(subject: str, document_code: str = "", **fields):
        data = dict(DOCUMENT, subject=subject, **fields)
        stream = upload(subject.encode(), filename="công văn.txt") if data["marking"] == "none" else None
        registry, incoming = world.actor("registry"), RegisterKind.INCOMING
        return registers.register_document(
            session, registry, world.org.id, incoming, data, stream, store=store, document_code=document_code, now=now
        )

    return add


@pytest.fixture
def send(session, world, now):
    """Return a function sending a register line to a unit (another one when it was sent already)."""

    def to(line, unit, user=None):
        person = world.users[user].id if user else None
        registry = world.actor("registry")
        number = (line.year, line.series, line.number)
        registers.assign_unit(
            session, registry, world.org.id, *number, unit.id, now=now, elsewhere=True, user_id=person
        )

    return to


def finders(session, people: dict, text: str, document_id: int) -> set[str]:
    """Return who finds the document with ``text`` (its hit, and the total counting it)."""
    who = set()
    for name, actor in people.items():
        results = search.query(session, actor, search.Search(text=text, per_page=100))
        assert results.total == len(results.hits), name
        if ("document", document_id) in [(hit.kind, hit.record_id) for hit in results.hits]:
            who.add(name)
    return who


def line_readers(session, people: dict, line) -> set[str]:
    """Return who reads the register line, as the register's pages decide."""
    session.refresh(line)
    return {name for name, actor in people.items() if permissions.can_read_register_line(actor, line)}


def test_a_recipient_typed_without_diacritics_finds_the_document_and_shows_where(
    session, make_dossier, file_document, world, commit
):
    dossier = make_dossier("open", documents=0)
    document = file_document(
        dossier,
        "Về việc kiểm tra công tác văn thư",
        content="Kính gửi các đơn vị",
        recipients="Sở Tài nguyên và Môi trường; Phòng Quản lý đô thị",
    )
    commit()
    officer = world.actor("officer1")
    assert found(session, officer, "so tai nguyen moi truong") == [("document", document.id)]
    assert found(session, officer, '"phong quan ly do thi"') == [("document", document.id)]
    [hit] = search.query(session, officer, search.Search(text="quan ly do thi")).hits
    assert '<mark class="match term0">Quản</mark>' in hit.snippet and "Phòng" in hit.snippet
    assert found(session, world.actor("officer2"), "so tai nguyen moi truong") == []  # another unit's dossier


def test_the_other_typed_fields_find_the_document(session, register, world, commit):
    line = register(
        "Về việc tổ chức hội nghị",
        document_code="000.00.00.H26.2026.07",
        type_name="Giấy mời",
        language="Tiếng Anh",
        recipients="Ủy ban nhân dân phường Láng Hạ",
    )
    commit()
    registry = world.actor("registry")
    # The type, the language, the recipients, the arrival number ("số đến") and the issuer's identifier (DocCode).
    for text in ("giay moi hoi nghi", "tieng anh", "lang ha", f"{line.number} hoi nghi", "H26.2026.07"):
        assert found(session, registry, text) == [("document", line.document_id)], text
    assert found(session, registry, "tieng viet") == []  # the language every form fills in would match everything


def test_an_unfiled_registered_document_is_found_by_its_register_readers_then_the_unit_it_is_sent_to(
    register, send, people, session, world, commit
):
    line = register("Về việc rà soát hồ sơ đất đai", recipients="Phòng Tài nguyên và Môi trường")
    commit()
    for text in ("ra soat dat dai", "phong tai nguyen"):
        assert (
            finders(session, people, text, line.document_id) == REGISTER_READERS == line_readers(session, people, line)
        )
    send(line, world.unit_a, user="officer1")
    commit()
    for text in ("ra soat dat dai", "phong tai nguyen"):  # the whole unit handles it, not the person named only
        assert finders(session, people, text, line.document_id) == REGISTER_READERS | UNIT_A
    assert line_readers(session, people, line) == REGISTER_READERS | UNIT_A
    send(line, world.unit_b)
    commit()
    assert finders(session, people, "ra soat dat dai", line.document_id) == REGISTER_READERS | {"officer2"}
    assert search.verify(session).ok


def test_once_filed_it_is_found_by_its_dossiers_readers(
    register, send, make_dossier, people, session, world, now, commit
):
    line = register("Về việc chuẩn bị kỳ họp thứ mười")
    send(line, world.unit_a)
    dossier = make_dossier("open", documents=0)
    commit()
    dossiers.link_document(session, world.actor("officer1"), dossier.id, line.document_id, now=now)
    commit()
    readers = REGISTER_READERS | UNIT_A | {"council1", "council_a"}
    assert finders(session, people, "ky hop thu muoi", line.document_id) == readers
    [hit] = search.query(session, people["registry"], search.Search(text="ky hop thu muoi")).hits
    assert (hit.dossier_id, hit.fields["state"]) == (dossier.id, "open")


def test_the_register_line_in_results_counts_only_for_its_readers(session, register, send, people, world, commit):
    send(register("Về việc tiếp nhận hồ sơ tuyển dụng"), world.unit_b)
    commit()
    officer2 = search.query(session, people["officer2"], search.Search(text="tuyen dung"))
    assert (officer2.total, dict(officer2.facets["unit"])) == (1, {"Phòng Tài chính - Kế hoạch": 1})
    officer1 = search.query(session, people["officer1"], search.Search(text="tuyen dung"))
    assert (officer1.total, officer1.facets["unit"], officer1.hits) == (0, [], [])


def test_a_top_secret_registered_documents_subject_is_never_matched(session, register, send, people, world, commit):
    line = register(
        "Phương án bảo vệ mục tiêu trọng yếu", marking="tuyet_mat", code_number="9", recipients="Bộ Công an"
    )
    send(line, world.unit_a)
    commit()
    assert finders(session, people, "bao ve muc tieu trong yeu", line.document_id) == set()
    # Its number and notation are found: they are the register line, which its readers see.
    assert finders(session, people, "9/QĐ-UBND", line.document_id) == REGISTER_READERS | UNIT_A
    [hit] = search.query(
        session, people["head"], search.Search(text="bo cong an")
    ).hits  # a recipient: a register column
    assert (hit.record_id, hit.fields["title"]) == (line.document_id, "")
    assert "<mark" in hit.snippet and "Phương án" not in hit.snippet


def test_rebuild_and_verify_hold_unfiled_registered_documents(register, send, people, session, world, commit):
    line = register("Về việc kiểm kê tài sản công")
    send(line, world.unit_b)
    commit()
    assert search.verify(session).ok
    search.rebuild(session)
    assert finders(session, people, "kiem ke tai san", line.document_id) == REGISTER_READERS | {"officer2"}
    assert search.verify(session).ok
