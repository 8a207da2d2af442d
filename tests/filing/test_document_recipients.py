"""An outgoing document's recipients get their codes from the directory when it is saved (NĐ 30 PL6 III.1.g, field
13.1): by name without case or diacritics, or by a known code the line starts with, the deployment's own
organisations included; other lines are kept with no code, incoming documents get none, and a dossier no longer open
keeps its documents' codes whatever the directory becomes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from administration import recipient_directory as directory
from erms.errors import RuleViolation
from erms.models import DocumentRecipient, User
from erms.models.register import RegisterKind
from erms.permissions import load_actor
from filing import dossiers, recipients, registers
from tests.factories import DOCUMENT, upload

TYPED = "\n".join(
    [
        "- Bộ Tài chính;",
        "- bo tu phap;",
        "000.00.00.G12 - Bộ Nội vụ (để b/c);",
        "- UBND Quận Đống Đa;",
        "",
        "- Như trên;",
        "- Lưu: VT, VP.",
    ]
)
CODED = [
    ("Bộ Tài chính", "000.00.00.G09"),
    ("bo tu phap", "000.00.00.G10"),
    ("Bộ Nội vụ (để b/c)", "000.00.00.G12"),
    ("UBND Quận Đống Đa", "000.00.00.H26"),
    ("Như trên", ""),
    ("Lưu: VT, VP", ""),
]


@pytest.fixture
def deployment(session, world, now):
    """The deployment's administrator, with three ministries in the directory."""
    user = User(username="quantri", full_name="Quản trị", password_hash="!", created_at=now, system_admin=True)
    session.add(user)
    session.flush()
    actor = load_actor(session, user.id)
    for code, name in [
        ("000.00.00.G09", "Bộ Tài chính"),
        ("000.00.00.G10", "Bộ Tư pháp"),
        ("000.00.00.G12", "Bộ Nội vụ"),
    ]:
        directory.add(session, actor, code, name, now=now)
    return actor


def stored(session, document) -> list[tuple[str, str]]:
    session.flush()
    query = select(DocumentRecipient).where(DocumentRecipient.document_id == document.id)
    return [(row.name, row.code) for row in session.scalars(query.order_by(DocumentRecipient.position))]


def add(session, world, store, now, dossier, **data):
    values = {**DOCUMENT, "direction": "outgoing", "recipients": TYPED, **data}
    return dossiers.add_document(session, world.actor("officer1"), dossier.id, values, upload(), store=store, now=now)


def test_each_recipient_of_an_outgoing_document_gets_its_code_in_order(
    session, world, store, now, make_dossier, deployment
):
    document = add(session, world, store, now, make_dossier("open", documents=0))
    assert stored(session, document) == CODED
    assert document.recipients == TYPED  # the text stays as typed
    assert [(row.name, row.code) for row in recipients.of(session, [document.id])[document.id]] == CODED


def test_an_incoming_document_gets_no_codes(session, world, store, now, make_dossier, deployment):
    document = add(session, world, store, now, make_dossier("open", documents=0), direction="incoming")
    assert stored(session, document) == []


def test_an_edit_reads_the_recipients_again_and_a_withdrawn_entry_keeps_its_code_on_an_unchanged_line(
    session, world, store, now, make_dossier, deployment
):
    dossier = make_dossier("open", documents=0)
    document = add(session, world, store, now, dossier, recipients="Bộ Tài chính\nBộ Tư pháp")
    directory.set_active(session, deployment, "000.00.00.G09", False, now=now)
    officer = world.actor("officer1")
    values = dossiers.document_values(document)
    dossiers.update_document(
        session, officer, dossier.id, document.id, {**values, "recipients": "Bộ Tài chính\nBộ Nội vụ\nSở Y tế"}, now=now
    )
    assert stored(session, document) == [
        ("Bộ Tài chính", "000.00.00.G09"),
        ("Bộ Nội vụ", "000.00.00.G12"),
        ("Sở Y tế", ""),
    ]
    # A new document naming the withdrawn organisation gets no code for it.
    assert stored(session, add(session, world, store, now, dossier, recipients="Bộ Tài chính")) == [
        ("Bộ Tài chính", "")
    ]
    dossiers.update_document(
        session,
        officer,
        dossier.id,
        document.id,
        {**dossiers.document_values(document), "direction": "internal"},
        now=now,
    )
    assert stored(session, document) == []


def test_a_registered_outgoing_document_gets_its_codes(session, world, store, now, deployment):
    entry = registers.register_document(
        session,
        world.actor("registry"),
        world.org.id,
        RegisterKind.OUTGOING,
        {**DOCUMENT, "direction": "outgoing", "recipients": "Bộ Tài chính; "},
        upload(),
        store=store,
        now=now,
    )
    assert stored(session, entry.document) == [("Bộ Tài chính", "000.00.00.G09")]


def test_a_closed_dossier_keeps_its_documents_codes_whatever_the_directory_becomes(
    session, world, store, now, make_dossier, deployment
):
    dossier = make_dossier("open", documents=0)
    document = add(session, world, store, now, dossier)
    dossiers.close_dossier(session, world.actor("officer1"), dossier.id, store=store, now=now)
    directory.rename(session, deployment, "000.00.00.G09", "Bộ Tài chính (Văn phòng Bộ)", now=now)
    directory.set_active(session, deployment, "000.00.00.G10", False, now=now)
    with pytest.raises(RuleViolation):
        dossiers.update_document(
            session,
            world.actor("officer1"),
            dossier.id,
            document.id,
            {**dossiers.document_values(document), "recipients": "Bộ Công an"},
            now=now,
        )
    assert stored(session, document) == CODED
