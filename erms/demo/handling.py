"""Demo part: the directory of receiving organisations' codes, and a document's handling in an open dossier.

The deployment's administrator keeps a few organisations' codes (PL6 III.1.g, field 13.1) so that the outgoing
documents the registry registers next get their recipients' codes; in the first open dossier the head directs the
incoming document, and a draft report is commented on by the unit's head and sent back by the head to the officer
(PL6 III.5.a, III.1.n), whose notices then say so.
"""

from __future__ import annotations

import io
from datetime import datetime

from sqlalchemy import select

from administration import recipient_directory
from erms.demo.context import DemoContext, scan_pdf
from erms.models import Dossier, User
from erms.models.dossier import DossierState
from erms.permissions import load_actor
from filing import dossiers, opinions

# Codes in the national format of the organisations the district writes to (as a demonstration).
DIRECTORY = (
    ("000.00.00.H26", "UBND thành phố Hà Nội"),
    ("000.05.00.H26", "Sở Nội vụ thành phố Hà Nội"),
    ("000.07.00.H26", "Sở Tài chính thành phố Hà Nội"),
    ("000.00.00.G12", "Bộ Nội vụ"),
)
# What the registry types as the outgoing documents' recipients: the directory's names get their codes.
RECIPIENTS = "- UBND thành phố Hà Nội;\n- Sở Nội vụ thành phố Hà Nội;\n- Lưu: VT, VP."
DRAFT = "Dự thảo Báo cáo tổng kết công tác văn thư, lưu trữ năm nay"


def seed(context: DemoContext, *, now: datetime) -> None:
    """The receiving organisations' codes, and an open dossier's handling: a direction, a comment, a draft sent
    back."""
    session = context.session
    keeper = session.scalar(select(User.id).where(User.system_admin.is_(True), User.active.is_(True)))
    if keeper is not None:  # the demo's deployment administrator, or the deployment's own
        for code, name in DIRECTORY:
            recipient_directory.add(session, load_actor(session, keeper), code, name, now=now)
    dossier = session.scalar(
        select(Dossier)
        .where(Dossier.organisation_id == context.organisation.id, Dossier.state == DossierState.OPEN)
        .order_by(Dossier.id)
    )
    if dossier is None:
        return
    head, unit_head = context.actor("head"), context.actor("unithead")
    incoming = dossier.links[0].document_id
    opinions.give(
        session, head, dossier.id, incoming, "direction", "Giao Văn phòng chủ trì, báo cáo trước ngày 20.", now=now
    )
    draft = _draft(context, dossier, now)
    opinions.give(
        session, unit_head, dossier.id, draft, "comment", "Bổ sung số liệu tài liệu đã nộp lưu trong năm.", now=now
    )
    opinions.give(
        session,
        head,
        dossier.id,
        draft,
        "sent_back",
        "Chưa nêu kiến nghị; đề nghị bổ sung mục 3 rồi trình lại.",
        now=now,
    )


def _draft(context: DemoContext, dossier: Dossier, now: datetime) -> int:
    """Add officer1's draft report to the dossier; return its id."""
    data = {
        "direction": "internal",
        "status": "draft",
        "type_name": "Báo cáo",
        "issued_date": dossiers.local_date(now).isoformat(),
        "organ_name": context.organisation.name,
        "subject": DRAFT,
        "language": "Tiếng Việt",
        "urgency": "normal",
        "marking": "none",
    }
    upload = dossiers.Upload(f"{DRAFT}.pdf", io.BytesIO(scan_pdf("Báo cáo", DRAFT, context.font)), 10 * 1024 * 1024)
    document = dossiers.add_document(
        context.session, context.actor("officer1"), dossier.id, data, upload, store=context.store, now=now
    )
    return document.id
