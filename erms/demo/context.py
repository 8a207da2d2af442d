"""What the parts of the demo share: the organisation's name, the dossier list's plan, the context every part
is given, and the one-page scans filed as documents."""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fpdf import FPDF
from sqlalchemy.orm import Session

from erms.models import Organisation, RetentionRow, User
from erms.permissions import Actor, load_actor
from erms.storage import FileStore
from exports.pdf import find_font
from filing import dossiers, transfers

ORGANISATION = ("000.00.12.H26", "Ủy ban nhân dân quận Đống Đa", "Ủy ban nhân dân thành phố Hà Nội")

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

    def hand_over(self, transfer, *, now: datetime, signed: bool = True) -> None:
        """Accept a one-dossier transfer and, unless ``signed`` is False (its joint check then waits for both sides,
        as the home pages show), sign the joint check as the archivist and the registry do once it is decided."""
        dossiers.accept(self.session, self.actor("archivist"), transfer.items[0].id, store=self.store, now=now)
        for username in ("archivist", "registry") if signed else ():
            transfers.sign(self.session, self.actor(username), transfer.id, store=self.store, now=now, font=self.font)

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
                "code_notation": notation(kind, "UBND", dossier.unit.code),
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
                io.BytesIO(scan_pdf(kind, subject, self.font)),
                10 * 1024 * 1024,
            )
            dossiers.add_document(self.session, officer, dossier.id, data, upload, store=self.store, now=now)


# NĐ 30/2020 Phụ lục III: the abbreviation of each type of document a notation starts with. A công văn has none.
TYPE_ABBREVIATIONS = {
    "Nghị quyết": "NQ",
    "Quyết định": "QĐ",
    "Chỉ thị": "CT",
    "Quy chế": "QC",
    "Thông báo": "TB",
    "Hướng dẫn": "HD",
    "Chương trình": "CTr",
    "Kế hoạch": "KH",
    "Báo cáo": "BC",
    "Biên bản": "BB",
    "Tờ trình": "TTr",
    "Công điện": "CĐ",
    "Giấy mời": "GM",
}


def notation(kind: str, issuer: str, unit: str) -> str:
    """The ký hiệu of a document of ``kind`` issued by ``issuer`` (its abbreviation) and drafted by ``unit``: the
    type's abbreviation and the issuer's (KH-UBND), or for a công văn the issuer's and the drafting unit's
    (UBND-VP)."""
    abbreviation = TYPE_ABBREVIATIONS.get(kind)
    return f"{abbreviation}-{issuer}" if abbreviation else f"{issuer}-{unit}"


def _documents(title: str) -> list[tuple[str, str]]:
    """Three documents of a dossier, each summary read after its type's name (Kế hoạch thực hiện …)."""
    subject = title[0].lower() + title[1:]
    return [
        ("Công văn", f"Về việc triển khai {subject}"),
        ("Kế hoạch", f"Thực hiện {subject}"),
        ("Báo cáo", f"Kết quả {subject}"),
    ]


# Loading the TTF font dominates the demo's run time; the same (kind, subject) makes the same page.
@functools.cache
def scan_pdf(kind: str, subject: str, font: str) -> bytes:
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
