"""The deployment's administrator keeps the directory of organisations documents are sent to (NĐ 30 PL6 III.1.g,
field 13.1): codes in the OrganId format, unique with the deployment's own organisations, names corrected, entries
withdrawn and never deleted, a CSV/XLSX imported whole or not at all; bad input names every problem and writes
nothing."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from administration import recipient_directory as directory
from erms.errors import NotFound, PermissionDenied
from erms.models import AuditEvent, RecipientOrganisation, User
from erms.permissions import load_actor
from filing import recipients
from tests.administration.test_supplementary_fields import refused


@pytest.fixture
def deployment(session, world, now):
    """The deployment's administrator."""
    user = User(username="quantri", full_name="Quản trị", password_hash="!", created_at=now, system_admin=True)
    session.add(user)
    session.flush()
    return load_actor(session, user.id)


def kept(session) -> list[tuple[str, str, bool]]:
    rows = session.execute(select(RecipientOrganisation.code, RecipientOrganisation.name, RecipientOrganisation.active))
    return sorted(tuple(row) for row in rows)


def csv_file(*lines: str) -> io.BytesIO:
    return io.BytesIO("\n".join(lines).encode("utf-8-sig"))


def test_an_entry_is_added_corrected_withdrawn_and_offered_again_never_deleted(session, world, deployment, now):
    entry = directory.add(session, deployment, " 000.00.00.g09 ", "Bộ Tài chính", now=now)
    assert (entry.code, entry.name, entry.active) == ("000.00.00.G09", "Bộ Tài chính", True)
    directory.rename(session, deployment, "000.00.00.G09", "Bộ Tài chính (Văn phòng Bộ)", now=now)
    directory.set_active(session, deployment, "000.00.00.G09", False, now=now)
    assert kept(session) == [("000.00.00.G09", "Bộ Tài chính (Văn phòng Bộ)", False)]
    # Withdrawn, it is neither offered nor found; the deployment's own organisation always is.
    assert recipients.offered(session) == [("000.00.00.H26", "UBND quận Đống Đa")]
    directory.set_active(session, deployment, "000.00.00.G09", True, now=now)
    assert ("000.00.00.G09", "Bộ Tài chính (Văn phòng Bộ)") in recipients.offered(session)
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_type == "recipient_organisation").order_by(AuditEvent.id)
    )
    assert list(actions) == [
        "recipient_organisation.added",
        "recipient_organisation.renamed",
        "recipient_organisation.withdrawn",
        "recipient_organisation.offered",
    ]


def test_a_malformed_or_taken_code_and_a_taken_name_are_refused_and_nothing_is_added(session, world, deployment, now):
    directory.add(session, deployment, "000.00.00.G09", "Bộ Tài chính", now=now)
    assert refused(lambda: directory.add(session, deployment, "G09-BTC", "Bộ Tư pháp", now=now)) == {
        "code": ["A code looks like 000.00.00.G09 (OrganId)."]
    }
    assert refused(lambda: directory.add(session, deployment, "000.00.00.G09", "Bộ Tư pháp", now=now)) == {
        "code": ["The code 000.00.00.G09 is already the code of Bộ Tài chính."]
    }
    # The deployment's own organisations count as entries: their codes and names are taken.
    assert refused(lambda: directory.add(session, deployment, "000.00.00.H26", "  ", now=now)) == {
        "code": ["The code 000.00.00.H26 is already the code of UBND quận Đống Đa."],
        "name": ["This field is required."],
    }
    # Names are compared as a document's lines are: without case or diacritics.
    assert refused(lambda: directory.add(session, deployment, "000.00.00.G10", "bo tai  chinh", now=now)) == {
        "name": ["Bộ Tài chính is already in the directory: a recipient's line must name one organisation."]
    }
    assert "name" in refused(lambda: directory.add(session, deployment, "000.00.00.G11", "x" * 201, now=now))
    assert "name" in refused(
        lambda: directory.rename(session, deployment, "000.00.00.G09", "UBND QUẬN ĐỐNG ĐA", now=now)
    )
    with pytest.raises(NotFound):
        directory.rename(session, deployment, "000.00.00.G99", "Bộ Ngoại giao", now=now)
    assert kept(session) == [("000.00.00.G09", "Bộ Tài chính", True)]


def test_only_the_deployment_administrator_keeps_the_directory(session, world, deployment, now):
    directory.add(session, deployment, "000.00.00.G09", "Bộ Tài chính", now=now)
    organisation_admin = world.actor("admin")
    for call in (
        lambda: directory.entries(session, organisation_admin),
        lambda: directory.add(session, organisation_admin, "000.00.00.G10", "Bộ Tư pháp", now=now),
        lambda: directory.rename(session, organisation_admin, "000.00.00.G09", "Bộ Tư pháp", now=now),
        lambda: directory.set_active(session, organisation_admin, "000.00.00.G09", False, now=now),
        lambda: directory.import_file(
            session, organisation_admin, "d.csv", csv_file("Mã định danh,Tên", "000.00.00.G10,Bộ Tư pháp"), now=now
        ),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert kept(session) == [("000.00.00.G09", "Bộ Tài chính", True)]


def test_an_import_adds_every_row_of_a_csv_or_an_xlsx(session, world, deployment, now):
    added = directory.import_file(
        session,
        deployment,
        "danh ba.csv",
        csv_file('Mã định danh,"Tên cơ quan, tổ chức"', "000.00.00.G10,Bộ Tư pháp"),
        now=now,
    )
    book = Workbook()
    book.active.append(["Mã", "Tên cơ quan, tổ chức"])
    book.active.append(["000.00.00.G12", "Bộ Nội vụ"])
    content = io.BytesIO()
    book.save(content)
    content.seek(0)
    added += directory.import_file(session, deployment, "danh ba.xlsx", content, now=now)
    assert added == 2
    assert kept(session) == [("000.00.00.G10", "Bộ Tư pháp", True), ("000.00.00.G12", "Bộ Nội vụ", True)]


def test_an_import_with_a_bad_line_names_each_line_and_adds_nothing(session, world, deployment, now):
    directory.add(session, deployment, "000.00.00.G09", "Bộ Tài chính", now=now)
    rows = csv_file(
        "Mã định danh,Tên",
        "000.00.00.G10,Bộ Tư pháp",
        "G11,Bộ Nội vụ",
        "000.00.00.G09,Bộ Công an",
        "000.00.00.G13,Bộ tư pháp",
        "000.00.00.G14,",
    )
    assert refused(lambda: directory.import_file(session, deployment, "danh ba.csv", rows, now=now)) == {
        "3:code": ["A code looks like 000.00.00.G09 (OrganId)."],
        "4:code": ["The code 000.00.00.G09 is already the code of Bộ Tài chính."],
        "5:name": ["Bộ Tư pháp is already in the directory: a recipient's line must name one organisation."],
        "6:name": ["This field is required."],
    }
    assert refused(lambda: directory.import_file(session, deployment, "d.csv", csv_file("Mã,Địa chỉ"), now=now))
    assert refused(lambda: directory.import_file(session, deployment, "d.txt", csv_file("Mã,Tên"), now=now))
    assert session.scalar(select(func.count()).select_from(RecipientOrganisation)) == 1
