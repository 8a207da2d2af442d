"""The register of backup sets in the database: each whole set is recorded, with the day it leaves its medium, so a
destruction record can name the sets that still hold what was destroyed (they may be unmounted when it is made)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from administration.backup import Made
from erms import audit, notices
from erms.config import LOCAL_TZ
from erms.errors import N_
from erms.models import BackupSet, User

# What the deployment's administrators are told when the night's backup was not made (they answer for the media).
NOT_CONFIGURED = N_("No backup was made on %(day)s: no backup target is configured (ERMS_BACKUP_TARGETS).")
FAILED = N_("The backup of %(day)s failed: %(reason)s")


def record(session: Session, made: Made, *, keep_days: int, now: datetime) -> BackupSet:
    """Record a set just made; it is kept on its medium for ``keep_days`` after the day it was made."""
    created = datetime.fromisoformat(made.manifest.created_at)
    row = BackupSet(
        target=made.target.name,
        name=made.manifest.name,
        created_at=created,
        expires_on=created.astimezone(LOCAL_TZ).date() + timedelta(days=keep_days),
        files=len(made.manifest.files),
        bytes=made.manifest.bytes,
    )
    session.add(row)
    session.flush()
    # PL6 III.5.g asks for periodic backups: each one is in the audit log too, where an inspection looks.
    audit.record(
        session, None, "backup.made", "backup_set", row.id, now=now, target=row.target, name=row.name, files=row.files
    )
    return row


def holding(session: Session, now: datetime) -> list[tuple[str, date]]:
    """Return (how a person names it, last day kept) of every set made by ``now`` that is still on its medium."""
    today = now.astimezone(LOCAL_TZ).date()
    query = (
        select(BackupSet)
        .where(BackupSet.created_at <= now, BackupSet.expires_on >= today, BackupSet.pruned_at.is_(None))
        .order_by(BackupSet.created_at, BackupSet.target)
    )
    return [(label(row), row.expires_on) for row in session.scalars(query)]


def label(row: BackupSet) -> str:
    return f"{row.target} {row.created_at.astimezone(LOCAL_TZ).strftime('%d/%m/%Y %H:%M')}"


def pruned(session: Session, target: str, names: list[str], *, now: datetime) -> None:
    """Note that these sets left their medium."""
    if names:
        session.execute(
            update(BackupSet)
            .where(BackupSet.target == target, BackupSet.name.in_(names), BackupSet.pruned_at.is_(None))
            .values(pruned_at=now)
        )
        audit.record(session, None, "backup.pruned", "backup_set", None, now=now, target=target, names=sorted(names))


def tell_failure(session: Session, template: str, *, now: datetime, reason: str = "") -> int:
    """Tell the deployment's administrators that the day's backup was not made (``NOT_CONFIGURED`` or ``FAILED``,
    ``reason`` the media's own words), once a day; return how many were told."""
    day = f"{now.astimezone(LOCAL_TZ):%d/%m/%Y}"
    administrators = session.scalars(select(User.id).where(User.system_admin.is_(True), User.active.is_(True)))
    return notices.tell(
        session,
        administrators,
        "backup_failed",
        day,
        template,
        now=now,
        subject=("background_work", 0),  # the page that says why, and whether the worker runs
        day=day,
        reason=reason,
    )
