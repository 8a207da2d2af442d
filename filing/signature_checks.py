"""The evidence of a stored PDF's signatures (bằng chứng chữ ký số): which files wait for a check, each check
kept with the roots it was made against, and the latest verdict of each file for the pages and the exports.

The worker does the checking (``erms.jobs``): a signed file is checked seconds after capture, outside any
transaction and in a child process (``filing.signatures.validate_in_child``), and again whenever the installed roots
change (``StoredFile.signature_pending``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erms.models import SignatureCheck, StoredFile, TrustRoot
from filing import certified_copies, signatures

NOT_CHECKED = "not_checked"  # the check could not run (a file the validator could not read in time)
# Worst first: a file's verdict is the worst of its signatures'.
WORST_FIRST = ("invalid", "modified", "revoked", "expired", "untrusted", "indeterminate", "valid")


def roots_now(session: Session) -> tuple[str, list[str]]:
    """Return the installed roots as the line of fingerprints a check records, and their PEM texts."""
    installed = list(session.execute(select(TrustRoot.fingerprint, TrustRoot.pem).order_by(TrustRoot.fingerprint)))
    return "\n".join(row.fingerprint for row in installed), [row.pem for row in installed]


def pending(session: Session, limit: int = 20) -> list[StoredFile]:
    """Return signed files waiting for a check against the roots installed now, oldest first."""
    return list(
        session.scalars(select(StoredFile).where(StoredFile.signature_pending).order_by(StoredFile.id).limit(limit))
    )


def roots_changed(session: Session) -> int:
    """Make every signed file wait for a check against the new roots; return how many. Changed object by object, a
    thousand at a time, so that the search index hears of each (a bulk UPDATE would pass its session events by)."""
    ids = list(
        session.scalars(
            select(StoredFile.id).where(StoredFile.has_pdf_signature, StoredFile.signature_pending.is_(False))
        )
    )
    for start in range(0, len(ids), 1000):
        for stored in session.scalars(select(StoredFile).where(StoredFile.id.in_(ids[start : start + 1000]))):
            stored.signature_pending = True
        session.flush()
    return len(ids)


def verdict(findings: list[signatures.Finding] | None) -> str:
    """Return a file's verdict: the worst status of its signatures, or NOT_CHECKED."""
    if not findings:
        return NOT_CHECKED if findings is None else signatures.Status.INDETERMINATE.value
    return min((finding.status.value for finding in findings), key=WORST_FIRST.index)


def record(
    session: Session, stored_file_id: int, report: signatures.Report | None, roots: str, *, now: datetime
) -> SignatureCheck:
    """Keep one check of a file as evidence: its verdict, every finding and document timestamp, and the roots
    trusted then (``report`` None: the check could not run)."""
    stored = session.get_one(StoredFile, stored_file_id)
    # Checked against roots that have changed since: it waits for the next check still.
    stored.signature_pending = roots != roots_now(session)[0]
    check = SignatureCheck(
        stored_file_id=stored_file_id,
        checked_at=now,
        status=verdict(report.findings if report else None),
        findings=signatures.to_json(report or signatures.Report([], [])),
        summary=summary_of(report)[:2000],
        roots=roots,
    )
    session.add(check)
    session.flush()
    # A document asked to be a certified copy of this file is decided by this check (filing.certified_copies).
    certified_copies.recheck(session, stored_file_id, now=now)
    return check


def summary_of(report: signatures.Report | None) -> str:
    """Return one line naming each signer with their signature's status, chain and revocation check, then each
    document timestamp's authority, time and whether it proves that time."""
    if report is None:
        return "not checked: the validator could not read the file in time"
    signers = [
        f"{finding.signer}: {finding.status.value} (chain {finding.chain}, revocation {finding.revocation})"
        for finding in report.findings
    ]
    return "; ".join(signers + [_stamp_summary(stamp) for stamp in report.timestamps])


def _stamp_summary(stamp: signatures.DocumentTimestamp) -> str:
    when = stamp.stamped_at.isoformat() if stamp.stamped_at else "an unknown time"
    changed = ", file changed after it" if stamp.modified_after else ""
    proof = "trusted" if stamp.proves else "proves nothing"
    return f"document timestamp by {stamp.authority} at {when}: {proof} (chain {stamp.chain}{changed})"


def latest(session: Session, file_ids: list[int]) -> dict[int, SignatureCheck]:
    """Return the newest check of each of the files that has one."""
    newest = (
        select(func.max(SignatureCheck.id))
        .where(SignatureCheck.stored_file_id.in_(file_ids))
        .group_by(SignatureCheck.stored_file_id)
    )
    return {
        check.stored_file_id: check
        for check in session.scalars(select(SignatureCheck).where(SignatureCheck.id.in_(newest)))
    }


PENDING = "pending"  # signed, not yet checked against today's roots: the worker will in a few seconds


@dataclass(frozen=True)
class Evidence:
    """What a page shows of a file's signatures: its verdict (or PENDING), each signature's finding and each
    document timestamp."""

    status: str
    findings: list[signatures.Finding]
    timestamps: list[signatures.DocumentTimestamp]
    checked_at: datetime | None


def evidence(session: Session, files: list[StoredFile]) -> dict[int, Evidence]:
    """Return the evidence of each signed file among ``files`` (one query, and none when no file is signed)."""
    signed = [stored.id for stored in files if stored.has_pdf_signature]
    if not signed:
        return {}
    waiting = {stored.id for stored in files if stored.signature_pending}
    checks = latest(session, signed)
    shown = {}
    for file_id in signed:
        check = checks.get(file_id)
        if check is None or file_id in waiting:
            shown[file_id] = Evidence(PENDING, [], [], None)
        else:
            report = signatures.report_from_json(check.findings)
            shown[file_id] = Evidence(check.status, report.findings, report.timestamps, check.checked_at)
    return shown
