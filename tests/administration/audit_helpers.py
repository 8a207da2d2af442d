"""What the audit log and access statistics tests share: another agency with records and people of its own, whose
events no reader of the world's organisation may see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from classification import dossier_list as dossier_lists
from erms.models import Dossier, Organisation, Role, RoleMembership, Unit, User
from erms.permissions import Actor, load_actor
from filing import dossiers
from tests.factories import DOCUMENT, upload


@dataclass
class Agency:
    org: Organisation
    unit: Unit
    actors: dict[str, Actor]  # "admin2" (organisation-wide administrator), "registry2", "head2", "officer3"
    dossier: Dossier
    document_id: int


def another_agency(session, world, store, now, password_hash: str = "!") -> Agency:
    """Build a second agency through the services: its people, and one dossier holding one document."""
    org = Organisation(code="000.00.00.H31", name="UBND quận Ba Đình", created_at=now)
    session.add(org)
    session.flush()
    unit = Unit(organisation_id=org.id, code="VP", name="Văn phòng quận Ba Đình")
    session.add(unit)
    session.flush()
    for username, role, unit_id in [
        ("admin2", Role.ADMIN, None),
        ("registry2", Role.REGISTRY, None),
        ("head2", Role.HEAD, None),
        ("officer3", Role.OFFICER, unit.id),
    ]:
        user = User(username=username, full_name=f"Trần Thị {username}", password_hash=password_hash, created_at=now)
        user.memberships.append(RoleMembership(organisation_id=org.id, unit_id=unit_id, role=role))
        session.add(user)
    session.flush()
    people = session.scalars(select(User).where(User.username.in_(["admin2", "registry2", "head2", "officer3"])))
    actors = {user.username: load_actor(session, user.id) for user in people}
    listed = dossier_lists.create_list(session, actors["registry2"], org.id, 2026, now=now)
    heading = dossier_lists.add_heading(session, actors["registry2"], listed.id, "I", "Tổng hợp", now=now)
    entry = dossier_lists.add_entry(
        session,
        actors["registry2"],
        listed.id,
        title="Hồ sơ hội nghị quận Ba Đình",
        unit_id=unit.id,
        retention_row_id=world.rows["10y"].id,
        heading_id=heading.id,
        now=now,
    )
    dossier_lists.approve(session, actors["head2"], listed.id, "01/QĐ-UBND", now=now)
    dossier = dossiers.open_dossier(session, actors["officer3"], entry.id, {"start_date": "2026-01-05"}, now=now)
    document = dossiers.add_document(
        session,
        actors["officer3"],
        dossier.id,
        dict(DOCUMENT, code_number="901", subject="Quy chế làm việc của quận Ba Đình"),
        upload(b"%PDF-ba-dinh"),
        store=store,
        now=now,
    )
    return Agency(org, unit, actors, dossier, document.id)
