"""The values an organisation's forms offer ("danh mục dùng chung"): document types, issuers and the headings of
the dossier list, kept by its administrator.

An offered value is a suggestion: people may still type another (an incoming letter's issuer is anyone). A value
withdrawn stays in the table, no longer offered, since records made earlier cite it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from erms import audit, metadata, permissions
from erms.db import read_memo
from erms.errors import N_, InvalidMetadata, NotFound, Problem
from erms.models import LookupKind, LookupValue
from erms.permissions import Actor

# The document types of NĐ 30/2020 Điều 7: offered until the organisation keeps a list of its own.
DOCUMENT_TYPES = (
    "Nghị quyết",
    "Quyết định",
    "Chỉ thị",
    "Quy chế",
    "Quy định",
    "Thông cáo",
    "Thông báo",
    "Hướng dẫn",
    "Chương trình",
    "Kế hoạch",
    "Phương án",
    "Đề án",
    "Dự án",
    "Báo cáo",
    "Biên bản",
    "Tờ trình",
    "Hợp đồng",
    "Công văn",
    "Công điện",
    "Bản ghi nhớ",
    "Bản thỏa thuận",
    "Giấy ủy quyền",
    "Giấy mời",
    "Giấy giới thiệu",
    "Giấy nghỉ phép",
    "Phiếu gửi",
    "Phiếu chuyển",
    "Phiếu báo",
    "Thư công",
)
DEFAULTS = {LookupKind.DOCUMENT_TYPE: DOCUMENT_TYPES}


def offered(session: Session, organisation_id: int, kind: LookupKind) -> list[str]:
    """Return the values a form offers for ``kind``: the organisation's own, else the defaults of the law. A page's
    forms ask for several kinds: every kind is read at once, once per read-only transaction."""
    memo = read_memo(session, "lookups")
    found = memo.get(organisation_id) if memo is not None else None
    if found is None:
        rows = session.execute(
            select(LookupValue.kind, LookupValue.value)
            .where(LookupValue.organisation_id == organisation_id, LookupValue.active.is_(True))
            .order_by(LookupValue.value)
        ).all()
        found = {each: [value for of_kind, value in rows if of_kind == each] for each in LookupKind}
        if memo is not None:
            memo[organisation_id] = found
    return list(found[kind]) or list(DEFAULTS.get(kind, ()))


def values_of(session: Session, actor: Actor, organisation_id: int) -> dict[LookupKind, list[LookupValue]]:
    """Return every value the organisation keeps, offered or withdrawn, per kind (its administrator only)."""
    permissions.require_administer(actor, organisation_id)
    found: dict[LookupKind, list[LookupValue]] = {kind: [] for kind in LookupKind}
    query = select(LookupValue).where(LookupValue.organisation_id == organisation_id)
    for value in session.scalars(query.order_by(LookupValue.active.desc(), LookupValue.value)):
        found[value.kind].append(value)
    return found


def add_value(
    session: Session, actor: Actor, organisation_id: int, kind: str, value: str, *, now: datetime
) -> LookupValue:
    """Offer a value (again, if it was withdrawn); one already offered is refused."""
    permissions.require_administer(actor, organisation_id)
    chosen = next((member for member in LookupKind if member.value == kind), None)
    text = " ".join(metadata.check_text({"value": value}, {"value": 200})["value"].split())  # one line, one space
    problems = [] if chosen else [Problem("kind", metadata.MESSAGES["enum"])]
    if not text:
        problems.append(Problem("value", metadata.MESSAGES["required"]))
    existing = None
    if chosen and text:
        # Told apart as people tell them apart: "Quyết định" and "quyết  định" are one value in a suggestion list.
        kept = session.scalars(
            select(LookupValue).where(LookupValue.organisation_id == organisation_id, LookupValue.kind == chosen)
        )
        same = [
            kept_value for kept_value in kept if metadata.folded_words(kept_value.value) == metadata.folded_words(text)
        ]
        existing = next((kept_value for kept_value in same if kept_value.value == text), same[0] if same else None)
        if existing is not None and existing.active:
            problems.append(Problem("value", N_("%(value)s is offered already."), {"value": existing.value}))
    if problems:
        raise InvalidMetadata(problems)
    assert chosen is not None
    if existing is None:
        existing = LookupValue(organisation_id=organisation_id, kind=chosen, value=text, created_at=now)
        session.add(existing)
    existing.active = True
    session.flush()
    audit.record(session, actor, "lookup.offered", "lookup_value", existing.id, now=now, kind=chosen.value, value=text)
    return existing


def set_offered(session: Session, actor: Actor, value_id: int, active: bool, *, now: datetime) -> LookupValue:
    """Withdraw a value from the forms, or offer it again."""
    value = session.get(LookupValue, value_id)
    if value is None:
        raise NotFound()
    permissions.require_administer(actor, value.organisation_id)
    if value.active != active:
        value.active = active
        action = "lookup.offered" if active else "lookup.withdrawn"
        audit.record(
            session, actor, action, "lookup_value", value.id, now=now, kind=value.kind.value, value=value.value
        )
    return value
