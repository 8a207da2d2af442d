"""Factories the tests share: a small organisation to test against (``World``), a document's metadata, an
upload, a dossier walked to a state, and the fixed moment of the agency's year the tests live in."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from classification import dossier_list as dossier_lists
from erms.models import (
    Dossier,
    DossierList,
    FieldType,
    Hold,
    Organisation,
    RecordKind,
    RetentionRow,
    RetentionSchedule,
    Role,
    RoleMembership,
    SupplementaryField,
    Unit,
    User,
)
from erms.models.retention import HoldKind
from erms.permissions import Actor, load_actor
from erms.storage import FileStore
from filing import dossiers

# A fixed moment in the agency's year: 10:00 on 15 June 2026, Vietnam time (03:00 UTC).
NOW = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)
TODAY = NOW.date()  # in Vietnam too (10:00 there)


def require(available: bool, what: str) -> None:
    """Skip when a tool is missing on a developer's machine; fail under CI, where `make test` installs it."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing although `make test` installs it")
    pytest.skip(f"{what} is not installed")


class World:
    """A small organisation to test against: two units, one user per role, a retention schedule."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session, self.now = session, now
        self.org = Organisation(
            code="000.00.00.H26", name="UBND quận Đống Đa", parent_name="UBND thành phố Hà Nội", created_at=now
        )
        session.add(self.org)
        session.flush()
        self.unit_a = Unit(organisation_id=self.org.id, code="VP", name="Văn phòng HĐND và UBND")
        self.unit_b = Unit(organisation_id=self.org.id, code="TCKH", name="Phòng Tài chính - Kế hoạch")
        session.add_all([self.unit_a, self.unit_b])
        session.flush()
        self.schedule = RetentionSchedule(code="test", title="Bảng thời hạn thử", imported_at=now)
        session.add(self.schedule)
        session.flush()
        self.rows = {
            key: RetentionRow(
                schedule_id=self.schedule.id, code=key, title=title, permanent=permanent, period_years=years
            )
            for key, title, permanent, years in [
                ("permanent", "Hồ sơ hội nghị tổng kết năm", True, None),
                ("10y", "Tập thông báo ý kiến, kết luận cuộc họp", False, 10),
                ("2y", "Hồ sơ ngắn hạn", False, 2),
            ]
        }
        session.add_all(self.rows.values())
        session.flush()
        self.users: dict[str, User] = {}
        self.user("admin", Role.ADMIN, None)
        self.user("head", Role.HEAD, None)
        self.user("registry", Role.REGISTRY, None)
        self.user("archivist", Role.ARCHIVIST, None)
        self.user("council1", Role.COUNCIL, None)
        self.user("officer1", Role.OFFICER, self.unit_a)
        self.user("unithead", Role.UNIT_HEAD, self.unit_a)
        self.user("officer2", Role.OFFICER, self.unit_b)
        session.flush()

    def user(self, username: str, role: Role, unit: Unit | None) -> User:
        user = User(username=username, full_name=f"Nguyễn Văn {username}", password_hash="!", created_at=self.now)
        user.memberships.append(
            RoleMembership(organisation_id=self.org.id, unit_id=unit.id if unit else None, role=role)
        )
        self.session.add(user)
        self.users[username] = user
        return user

    def actor(self, username: str):
        self.session.flush()
        return load_actor(self.session, self.users[username].id)

    def approved_list(self, year: int = 2026, entries: int = 3, row: str = "10y", unit=None):
        """Return an approved dossier list of ``year`` with ``entries`` entries for unit A (or ``unit``)."""
        registry = self.actor("registry")
        dossier_list = dossier_lists.create_list(self.session, registry, self.org.id, year, now=self.now)
        heading = dossier_lists.add_heading(
            self.session, registry, dossier_list.id, "I", "Tổng hợp", abbreviation="TH", now=self.now
        )
        for number in range(entries):
            dossier_lists.add_entry(
                self.session,
                registry,
                dossier_list.id,
                title=f"Hồ sơ kế hoạch công tác số {number + 1} năm {year}",
                unit_id=(unit or self.unit_a).id,
                retention_row_id=self.rows[row].id,
                heading_id=heading.id,
                now=self.now,
            )
        dossier_lists.approve(self.session, self.actor("head"), dossier_list.id, "01/QĐ-UBND", now=self.now)
        return dossier_list


DOCUMENT = {
    "direction": "incoming",
    "status": "final",
    "type_name": "Quyết định",
    "code_number": "15",
    "code_notation": "QĐ-UBND",
    "issued_date": "2026-03-02",
    "organ_name": "UBND thành phố Hà Nội",
    "subject": "Về việc ban hành quy chế làm việc",
    "language": "Tiếng Việt",
    "page_amount": 3,
    "urgency": "normal",
    "marking": "none",
}

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(content: bytes = PDF_BYTES, filename: str = "quyết định 15.pdf", max_size: int = 10_000_000):
    return dossiers.Upload(filename, io.BytesIO(content), max_size)


def make_dossier(
    session: Session,
    world: World,
    store: FileStore,
    now: datetime,
    state: str = "open",
    row: str = "10y",
    documents: int = 1,
):
    """Return a dossier of unit A walked to ``state`` ("open", "closed", "submitted", "archived")."""
    dossier_list = (
        session.scalar(select(DossierList).where(DossierList.year == 2026, DossierList.organisation_id == world.org.id))
        or world.approved_list()
    )
    entry = dossier_lists.add_ad_hoc_entry(
        session,
        world.actor("officer1"),
        dossier_list.id,
        title="Hồ sơ phát sinh về công tác văn thư",
        retention_row_id=world.rows[row].id,
        now=now,
    )
    officer = world.actor("officer1")
    dossier = dossiers.open_dossier(session, officer, entry.id, {"start_date": "2026-01-05"}, now=now)
    for number in range(documents):
        data = dict(DOCUMENT, code_number=str(100 + number), issued_date=date(2026, 3, 1 + number).isoformat())
        dossiers.add_document(
            session, officer, dossier.id, data, upload(b"%PDF-" + str(number).encode()), store=store, now=now
        )
    if state == "open":
        return dossier
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    if state == "closed":
        return dossier
    transfer = dossiers.submit(session, officer, [dossier.id], now=now)
    if state == "submitted":
        return dossier
    dossiers.accept(session, world.actor("archivist"), transfer.items[0].id, store=store, now=now)
    return dossier


def place_hold(session: Session, world: World, dossier_id: int, now: datetime, kind: HoldKind, reason: str) -> Hold:
    """Put a hold on a dossier as the head does (tạm dừng tiêu hủy, nộp lưu), flushed."""
    hold = Hold(dossier_id=dossier_id, kind=kind, reason=reason, placed_by_id=world.users["head"].id, placed_at=now)
    session.add(hold)
    session.flush()
    return hold


def supplementary_field(
    session: Session, organisation_id: int, applies_to: str, name: str, label: str, data_type: str = "text", **more
) -> SupplementaryField:
    """Add a supplementary metadata field as the organisation's administrator would (PL6 III.7.c), flushed."""
    field = SupplementaryField(
        organisation_id=organisation_id,
        applies_to=RecordKind(applies_to),
        name=name,
        label=label,
        data_type=FieldType(data_type),
        created_at=NOW,
        **more,
    )
    session.add(field)
    session.flush()
    return field


@dataclass
class Agency:
    org: Organisation
    unit: Unit
    actors: dict[str, Actor]  # organisation-wide "admin2", "registry2", "head2", "archivist2"; "officer3" of VP
    dossier: Dossier
    document_id: int


def another_agency(session, world, store, now, password_hash: str = "!") -> Agency:
    """Build a second agency through the services: its people, and one dossier holding one document (tests of rights:
    nothing of it may show to the world's people)."""
    org = Organisation(code="000.00.00.H31", name="UBND quận Ba Đình", created_at=now)
    session.add(org)
    session.flush()
    unit = Unit(organisation_id=org.id, code="VP", name="Văn phòng quận Ba Đình")
    session.add(unit)
    session.flush()
    people = []
    for username, role, unit_id in [
        ("admin2", Role.ADMIN, None),
        ("registry2", Role.REGISTRY, None),
        ("head2", Role.HEAD, None),
        ("archivist2", Role.ARCHIVIST, None),
        ("officer3", Role.OFFICER, unit.id),
    ]:
        user = User(username=username, full_name=f"Trần Thị {username}", password_hash=password_hash, created_at=now)
        user.memberships.append(RoleMembership(organisation_id=org.id, unit_id=unit_id, role=role))
        session.add(user)
        people.append(user)
    session.flush()
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
        dict(DOCUMENT, code_number="901", subject="Hồ sơ quy chế Ba Đình"),
        upload(b"ho so noi bo Ba Dinh", "noi bo.txt"),
        store=store,
        now=now,
    )
    return Agency(org, unit, actors, dossier, document.id)


def app_settings(session_factory, store, tmp_path, now) -> dict:
    """Return the settings of a test app on the test's database (its sessions), file store, folder and clock."""
    return {
        "TESTING": True,
        "SESSION_FACTORY": session_factory,
        "DATA_DIR": str(tmp_path),
        "STORAGE_ROOT": str(store.root),
        "SECRET_KEY": "test",
        "CLOCK": lambda: now,
    }
