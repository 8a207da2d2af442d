"""Demo part: this year's incoming and outgoing registers, with an urgent document and a classified line.

The registry registers scanned paper documents (a classified one without its file), so the registers, their printouts
and the
handling report (PL6 V.1-V.4) have something to show on a fresh demo.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from erms.demo.context import DemoContext, scan_pdf
from erms.demo.handling import RECIPIENTS
from erms.models.register import RegisterKind
from filing import registers
from filing.dossiers import Upload, local_date

# (register, type, number, notation, issuer, subject, urgency, marking, days until the handling deadline)
DOCUMENTS = (
    (
        RegisterKind.INCOMING,
        "Công văn",
        "412",
        "UBND-VP",
        "UBND thành phố Hà Nội",
        "Về việc báo cáo kết quả thực hiện cải cách hành chính 6 tháng đầu năm",
        "thuong_khan",
        "none",
        5,
    ),
    (
        RegisterKind.INCOMING,
        "Kế hoạch",
        "87",
        "KH-SNV",
        "Sở Nội vụ thành phố Hà Nội",
        "Kiểm tra công tác văn thư, lưu trữ năm nay",
        "normal",
        "none",
        None,
    ),
    (
        RegisterKind.INCOMING,
        "Công văn",
        "15",
        "CAQ-PV01",
        "Công an quận Đống Đa",
        "Về công tác bảo đảm an ninh trật tự trên địa bàn",
        "khan",
        "mat",
        10,
    ),
    (
        RegisterKind.OUTGOING,
        "Báo cáo",
        "",
        "BC-UBND",
        "UBND quận Đống Đa",
        "Kết quả thực hiện cải cách hành chính 6 tháng đầu năm",
        "normal",
        "none",
        None,
    ),
    (
        RegisterKind.OUTGOING,
        "Công văn",
        "",
        "UBND-VP",
        "UBND quận Đống Đa",
        "Về việc cử cán bộ tham dự tập huấn nghiệp vụ lưu trữ",
        "normal",
        "none",
        None,
    ),
)


def seed(context: DemoContext, *, now: datetime) -> None:
    """Incoming and outgoing register entries of this year: one urgent sent to a unit, one classified, one handled."""
    registry = context.actor("registry")
    today = local_date(now)
    for kind, type_name, number, notation, issuer, subject, urgency, marking, due_in in DOCUMENTS:
        data = {
            "type_name": type_name,
            "code_number": number,
            "code_notation": notation,
            "issued_date": (today - timedelta(days=3)).isoformat(),
            "organ_name": issuer,
            "subject": subject,
            "language": "Tiếng Việt",
            "page_amount": 2,
            "urgency": urgency,
            "marking": marking,
        }
        if kind is RegisterKind.OUTGOING:
            data["recipients"] = RECIPIENTS
        if due_in is not None:
            data["due_date"] = (today + timedelta(days=due_in)).isoformat()
        # A classified document keeps its register line only (NĐ 30/2020 Điều 15 k.2): no scan is stored.
        scan = (
            None
            if marking != "none"
            else Upload(f"{type_name} {notation}.pdf", io.BytesIO(scan_pdf(type_name, subject, context.font)), 1 << 24)
        )
        entry = registers.register_document(
            context.session, registry, context.organisation.id, kind, data, scan, store=context.store, now=now
        )
        if kind is RegisterKind.INCOMING and due_in is None:  # the plan was handled the day it arrived
            registers.record_handled(
                context.session,
                registry,
                context.organisation.id,
                kind,
                entry.year,
                entry.series,
                entry.number,
                today.isoformat(),
                now=now,
            )
        elif kind is RegisterKind.INCOMING and marking == "none":  # officer1's unit handles the urgent one
            registers.assign_unit(
                context.session,
                registry,
                context.organisation.id,
                entry.year,
                entry.series,
                entry.number,
                context.unit_id("VP"),
                now=now,
            )
