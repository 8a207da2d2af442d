"""Demonstration data: one district People's Committee with a year of filing in every state.

``load`` builds it once through the same services the web app uses, so the demo is also a
walk through every rule; ``reset_passwords`` gives the fixed demo usernames fresh passwords
(or ERMS_DEMO_PASSWORD) on every run, so they can be printed when the app starts.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from administration import people, supplementary_fields
from classification import dossier_list as dossier_lists
from erms import accounts
from erms.demo import handling as handling_part
from erms.demo import handover as handover_part
from erms.demo import paper as paper_part
from erms.demo import registers as registers_part
from erms.demo import retention as retention_part
from erms.demo.context import ORGANISATION, PLAN, DemoContext
from erms.models import Organisation, Role, Unit, User
from erms.storage import FileStore
from filing import dossiers
from retention import schedule

UNITS = [("VP", "Văn phòng HĐND và UBND quận"), ("TCKH", "Phòng Tài chính - Kế hoạch"), ("NV", "Phòng Nội vụ")]

# username, full name, position, role, unit code (None: organisation-wide)
ACCOUNTS = [
    ("admin", "Trần Quốc Hưng", "Quản trị hệ thống", Role.ADMIN, None),
    ("head", "Nguyễn Thị Thu Hà", "Chủ tịch UBND quận", Role.HEAD, None),
    ("registry", "Lê Minh Đức", "Văn thư", Role.REGISTRY, None),
    ("officer1", "Phạm Thị Lan", "Chuyên viên", Role.OFFICER, "VP"),
    ("officer2", "Hoàng Văn Nam", "Chuyên viên", Role.OFFICER, "TCKH"),
    ("unithead", "Đỗ Thị Mai", "Chánh Văn phòng", Role.UNIT_HEAD, "VP"),
    ("archivist", "Vũ Thị Hồng", "Cán bộ lưu trữ", Role.ARCHIVIST, None),
    ("council1", "Bùi Văn Sơn", "Thành viên Hội đồng xác định giá trị tài liệu", Role.COUNCIL, None),
]

# The deployment's administrator (quản trị hệ thống triển khai: organisations, the receiving organisations' codes),
# made only where the deployment has none yet.
DEPLOYMENT_ADMIN = ("quantri", "Ngô Văn Toàn")

# What the first dossiers of unit VP become: (entry index in PLAN order, final state).
WALKS = [(0, "archived"), (1, "archived"), (2, "submitted"), (3, "closed"), (4, "open"), (6, "open")]


# The parts of the demo beyond filing, each seed(context, now=…), loaded in this order.
PARTS: list[Callable[..., None]] = [
    retention_part.seed,
    handover_part.seed,
    handling_part.seed,  # before the registers: their outgoing documents' recipients get the directory's codes
    registers_part.seed,
    paper_part.seed,
]


def load(
    session: Session,
    *,
    now: datetime,
    progress: Callable[[str], None] = lambda _label: None,
    store: FileStore | None = None,
    font: str = "",
) -> bool:
    """Create the demo organisation and its year of work; return False if it is already there."""
    if session.scalar(select(Organisation.id).where(Organisation.code == ORGANISATION[0])):
        return False
    from erms import config  # the store path comes from configuration when not given (tests give one)

    store = store or FileStore(config.load()["STORAGE_ROOT"])
    progress("organisation, units and accounts")
    organisation = _organisation(session, now)
    users = {
        username: _account(session, organisation, username, name, position, role, unit, now)
        for username, name, position, role, unit in ACCOUNTS
    }
    if not session.scalar(select(User.id).where(User.system_admin.is_(True), User.active.is_(True))):
        people.create_system_admin(session, *DEPLOYMENT_ADMIN, secrets.token_urlsafe(12), now=now)
    progress("retention table TT 09/2011 (superseded, for demonstration)")
    table = schedule.import_superseded_2011(session, None, now=now)
    context = DemoContext(session, organisation, users, {row.code: row for row in table.rows}, store, font)
    progress("the agency's own metadata fields")
    _own_fields(context, now)
    progress(f"dossier list {now.year}")
    entries = _dossier_list(context, now)
    progress("dossiers in every state, with PDF documents")
    _walk_dossiers(context, entries, now)
    for part in PARTS:
        progress(part.__doc__.splitlines()[0] if part.__doc__ else part.__name__)
        part(context, now=now)
    return True


def _organisation(session: Session, now: datetime) -> Organisation:
    code, name, parent = ORGANISATION
    organisation = Organisation(code=code, name=name, parent_name=parent, archive_code="H26.01", created_at=now)
    session.add(organisation)
    session.flush()
    session.add_all(Unit(organisation_id=organisation.id, code=unit, name=title) for unit, title in UNITS)
    session.flush()
    return organisation


def _account(session, organisation, username, name, position, role, unit, now) -> User:
    user = accounts.create_user(session, None, username, name, secrets.token_urlsafe(12), position=position, now=now)
    accounts.grant(session, None, user, role, organisation.code, unit, now=now)
    return user


# The agency's own metadata fields (PL6 III.7.c), and what the first dossier of the walk records in them.
OWN_FIELDS = [
    {"applies_to": "dossier", "label": "Nguồn kinh phí", "data_type": "choice", "choices": "Ngân sách\nVốn khác"},
    {"applies_to": "dossier", "label": "Mã dự án, công trình", "data_type": "text"},
    {"applies_to": "document", "label": "Số bản phát hành", "data_type": "number"},
]
OWN_VALUES = {"supplementary.nguon_kinh_phi": "Ngân sách"}


def _own_fields(context: DemoContext, now: datetime) -> None:
    for field in OWN_FIELDS:
        supplementary_fields.add_field(context.session, context.actor("admin"), context.organisation.id, field, now=now)


def _dossier_list(context: DemoContext, now: datetime):
    session, registry = context.session, context.actor("registry")
    dossier_list = dossier_lists.create_list(session, registry, context.organisation.id, now.year, now=now)
    entries = []
    for label, abbreviation, title, planned in PLAN:
        heading = dossier_lists.add_heading(
            session, registry, dossier_list.id, label, title, abbreviation=abbreviation, now=now
        )
        for entry_title, row_code, unit in planned:
            entries.append(
                dossier_lists.add_entry(
                    session,
                    registry,
                    dossier_list.id,
                    title=entry_title.format(y=now.year, y5=now.year + 5),
                    unit_id=context.unit_id(unit),
                    retention_row_id=context.rows[row_code].id,
                    heading_id=heading.id,
                    now=now,
                )
            )
    dossier_lists.approve(
        session, context.actor("head"), dossier_list.id, "15/QĐ-UBND", now=now, decision_date=date(now.year, 1, 5)
    )
    return entries


def _walk_dossiers(context: DemoContext, entries, now: datetime) -> None:
    session, officer = context.session, context.actor("officer1")
    start = date(now.year, 1, 1)
    for index, state in WALKS:
        entry = entries[index]
        own = OWN_VALUES if index == 0 else {}
        dossier = dossiers.open_dossier(
            session, officer, entry.id, {"start_date": start.isoformat(), "keyword": "demo", **own}, now=now
        )
        context.add_documents(dossier, entry.title, start + timedelta(days=index), now=now)
        if state == "open":
            continue
        dossiers.close_dossier(session, officer, dossier.id, store=context.store, now=now, font=context.font)
        if state == "closed":
            continue
        transfer = dossiers.submit(session, officer, [dossier.id], now=now)
        if state == "archived":  # the first one handed over in full, the second's joint check left to sign
            context.hand_over(transfer, now=now, signed=index == 0)


def reset_passwords(session: Session, *, now: datetime) -> list[tuple[str, str, str]]:
    """Give every demo account a fresh password (or ERMS_DEMO_PASSWORD); return (username, password, role)."""
    fixed = os.environ.get("ERMS_DEMO_PASSWORD")
    printed = []
    roles = [(username, role.value + (f" ({unit})" if unit else "")) for username, _n, _p, role, unit in ACCOUNTS]
    for username, role_name in [*roles, (DEPLOYMENT_ADMIN[0], "system_admin")]:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            continue
        password = fixed or secrets.token_urlsafe(9)
        accounts.set_password(session, None, user, password, now=now)
        printed.append((username, password, role_name))
    return printed
