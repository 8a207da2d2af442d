"""Demonstration data: one district People's Committee with a year of filing in every state.

``load`` builds it once through the same services the web app uses, so the demo is also a
walk through every rule; ``reset_passwords`` gives the fixed demo usernames fresh passwords
(or ERMS_DEMO_PASSWORD) on every run, so they can be printed when the app starts.
"""

from __future__ import annotations

import functools
import io
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fpdf import FPDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from classification import dossier_list as dossier_lists
from erms import accounts, dossiers
from erms.models import Organisation, RetentionRow, Role, Unit, User
from erms.permissions import Actor, load_actor
from erms.storage import FileStore
from exports.pdf import find_font
from retention import schedule

ORGANISATION = ("000.00.12.H26", "Ủy ban nhân dân quận Đống Đa", "Ủy ban nhân dân thành phố Hà Nội")
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

# Headings (label, abbreviation, title) and the entries under each: (title, retention row code, unit).
PLAN = [
    (
        "I",
        "TH",
        "Tổng hợp",
        [
            ("Hồ sơ hội nghị tổng kết công tác năm {y} của UBND quận", "1-04a", "VP"),
            ("Kế hoạch, báo cáo công tác năm {y} của UBND quận", "1-05b", "VP"),
            ("Tập thông báo ý kiến, kết luận các cuộc họp của lãnh đạo UBND quận năm {y}", "1-14", "VP"),
            ("Hồ sơ tổ chức thực hiện chủ trương, chính sách của Đảng và pháp luật của Nhà nước năm {y}", "1-09", "VP"),
            ("Hồ sơ sơ kết công tác 6 tháng đầu năm {y}", "1-04b", "VP"),
            ("Tập công văn trao đổi về những vấn đề chung năm {y}", "1-16", "VP"),
            ("Hồ sơ kỷ niệm ngày thành lập quận Đống Đa năm {y}", "1-03", "VP"),
        ],
    ),
    (
        "II",
        "KH",
        "Quy hoạch, kế hoạch, thống kê",
        [
            ("Hồ sơ xây dựng kế hoạch phát triển kinh tế - xã hội năm {y}", "2.2-03a", "TCKH"),
            ("Báo cáo thống kê tổng hợp năm {y}", "2.3-03a", "TCKH"),
            ("Tập công văn trao đổi về công tác kế hoạch năm {y}", "2.2-07", "TCKH"),
            ("Hồ sơ chỉ đạo, kiểm tra việc thực hiện kế hoạch năm {y}", "2.2-05", "TCKH"),
        ],
    ),
    (
        "III",
        "TCCB",
        "Tổ chức, cán bộ",
        [
            ("Hồ sơ quy hoạch cán bộ lãnh đạo, quản lý giai đoạn {y}-{y5}", "3-10", "NV"),
            ("Hồ sơ bổ nhiệm lãnh đạo cấp phòng năm {y}", "3-11", "NV"),
            ("Báo cáo thống kê số lượng, chất lượng cán bộ, công chức năm {y}", "3-09", "NV"),
            ("Kế hoạch, báo cáo công tác đào tạo, bồi dưỡng cán bộ năm {y}", "3-17", "NV"),
            ("Hồ sơ tổ chức lớp bồi dưỡng kỹ năng văn thư, lưu trữ năm {y}", "3-19", "NV"),
        ],
    ),
    (
        "IV",
        "TC",
        "Tài chính, kế toán",
        [
            ("Hồ sơ ngân sách nhà nước năm {y} của UBND quận", "5-04", "TCKH"),
            ("Sổ kế toán tổng hợp năm {y}", "5-11a", "TCKH"),
            ("Chứng từ kế toán dùng trực tiếp để ghi sổ năm {y}", "5-12", "TCKH"),
        ],
    ),
    (
        "V",
        "VTLT",
        "Hành chính, văn thư, lưu trữ",
        [
            ("Sổ đăng ký văn bản đến năm {y}", "12.1-12", "VP"),
            ("Hồ sơ thu thập, chỉnh lý tài liệu lưu trữ năm {y}", "12.1-09", "VP"),
            ("Hồ sơ về quản lý và sử dụng con dấu năm {y}", "12.1-10", "VP"),
        ],
    ),
]

# What the first dossiers of unit VP become: (entry index in PLAN order, final state).
WALKS = [(0, "archived"), (1, "archived"), (2, "submitted"), (3, "closed"), (4, "open"), (6, "open")]


@dataclass
class DemoContext:
    """What the parts of the demo share: the organisation, its accounts, the retention rows, the store."""

    session: Session
    organisation: Organisation
    users: dict[str, User]
    rows: dict[str, RetentionRow]
    store: FileStore
    font: str

    def actor(self, username: str) -> Actor:
        return load_actor(self.session, self.users[username].id)

    def unit_id(self, code: str) -> int:
        return next(unit.id for unit in self.organisation.units if unit.code == code)

    def add_documents(self, dossier, title: str, first_day: date, *, now: datetime, username: str = "officer1"):
        """File three final PDF documents into an open dossier, a week apart from ``first_day``."""
        officer = self.actor(username)
        for number, (kind, subject) in enumerate(_documents(title)):
            issued = min(first_day + timedelta(days=7 * number), dossiers.local_date(now))
            data = {
                "direction": "incoming" if number == 0 else "internal",
                "status": "final",
                "type_name": kind,
                "code_number": str(10 + dossier.id * 3 + number),
                "code_notation": f"{kind[:2].upper()}-UBND",
                "issued_date": issued.isoformat(),
                "organ_name": "UBND quận Đống Đa",
                "subject": subject,
                "language": "Tiếng Việt",
                "page_amount": 1,
                "urgency": "normal",
                "marking": "none",
                "signer_name": "Nguyễn Thị Thu Hà",
                "signer_position": "Chủ tịch",
            }
            upload = dossiers.Upload(
                f"{kind} {data['code_number']} - {subject[:40]}.pdf",
                io.BytesIO(_pdf(kind, subject, self.font)),
                10 * 1024 * 1024,
            )
            dossiers.add_document(self.session, officer, dossier.id, data, upload, store=self.store, now=now)


# Later parts of the demo (other capabilities) register here: each is seed(context, now=…).
PARTS: list[Callable[..., None]] = []


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
    progress("retention table TT 09/2011 (superseded, for demonstration)")
    table = schedule.import_superseded_2011(session, None, now=now)
    context = DemoContext(session, organisation, users, {row.code: row for row in table.rows}, store, font)
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
    dossier_lists.approve(session, context.actor("head"), dossier_list.id, f"15/QĐ-UBND ngày 05/01/{now.year}", now=now)
    return entries


def _walk_dossiers(context: DemoContext, entries, now: datetime) -> None:
    session, officer, archivist = context.session, context.actor("officer1"), context.actor("archivist")
    start = date(now.year, 1, 1)
    for index, state in WALKS:
        entry = entries[index]
        dossier = dossiers.open_dossier(
            session, officer, entry.id, {"start_date": start.isoformat(), "keyword": "demo"}, now=now
        )
        context.add_documents(dossier, entry.title, start + timedelta(days=index), now=now)
        if state == "open":
            continue
        dossiers.close_dossier(session, officer, dossier.id, store=context.store, now=now, font=context.font)
        if state == "closed":
            continue
        transfer = dossiers.submit(session, officer, [dossier.id], now=now)
        if state == "archived":
            dossiers.accept(session, archivist, transfer.items[0].id, store=context.store, now=now)


def _documents(title: str) -> list[tuple[str, str]]:
    subject = title[0].lower() + title[1:]
    return [
        ("Công văn", f"Về việc triển khai {subject}"),
        ("Kế hoạch", f"Kế hoạch thực hiện {subject}"),
        ("Báo cáo", f"Báo cáo kết quả {subject}"),
    ]


# Loading the TTF font dominates the demo's run time; the same (kind, subject) makes the same page.
@functools.cache
def _pdf(kind: str, subject: str, font: str) -> bytes:
    regular, bold = find_font(font)
    pdf = FPDF()
    pdf.add_font("body", "", str(regular))
    pdf.add_font("body", "B", str(bold))
    pdf.add_page()
    pdf.set_font("body", "B", 14)
    pdf.multi_cell(0, 8, f"{ORGANISATION[1].upper()}\n{kind.upper()}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("body", "", 12)
    pdf.multi_cell(0, 7, subject, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def reset_passwords(session: Session, *, now: datetime) -> list[tuple[str, str, str]]:
    """Give every demo account a fresh password (or ERMS_DEMO_PASSWORD); return (username, password, role)."""
    fixed = os.environ.get("ERMS_DEMO_PASSWORD")
    printed = []
    for username, _name, _position, role, unit in ACCOUNTS:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            continue
        password = fixed or secrets.token_urlsafe(9)
        accounts.set_password(session, None, user, password, now=now)
        printed.append((username, password, role.value + (f" ({unit})" if unit else "")))
    return printed


from erms.demo import retention as retention_part  # noqa: E402

PARTS.append(retention_part.seed)

from erms.demo import handover as handover_part  # noqa: E402

PARTS.append(handover_part.seed)

from erms.demo import registers as registers_part  # noqa: E402

PARTS.append(registers_part.seed)
