"""The state tables of every aggregate but the dossier (``erms.lifecycle`` keeps the dossier's, with its audit).

An aggregate's whole life is its table here. Services check their business rules first (rights, holds, papers:
each refused with its own message to the user) and then call :func:`move`, the only code that assigns these
``state`` columns; a move the table does not list is a programming error, never a user's.
"""

from __future__ import annotations

import enum
from typing import Any

from erms.models.access import AccessChangeState as Access
from erms.models.appraisal import DestructionListState as Destruction
from erms.models.background import JobState as Job
from erms.models.dossier import KeepBackState as Keep
from erms.models.dossier_list import DossierListState as ListState
from erms.models.handover import BatchState as Batch
from erms.models.transfer import TransferState as Transfer
from erms.models.use_request import UseRequestState as Use

Table = dict[tuple[Any, str], Any]

# Danh mục hồ sơ: drafted by the registry, sent to the head, who approves and issues it (NĐ 30/2020 Điều 28; then
# read-only) or returns it with comments. The head may also approve a draft nobody sent.
DOSSIER_LIST: Table = {
    (ListState.DRAFT, "submit"): ListState.SUBMITTED,
    (ListState.SUBMITTED, "return"): ListState.DRAFT,
    (ListState.SUBMITTED, "approve"): ListState.APPROVED,
    (ListState.DRAFT, "approve"): ListState.APPROVED,
    # The list of a past year no one kept in ERMS, recorded as issued when its dossiers are taken in (intake).
    (ListState.DRAFT, "record_past"): ListState.APPROVED,
}

# The destruction chain (docs/standards.md decision 7): the list, the archival authority's appraisal, the head's
# decision, the execution (resumable step by step) and its record.
DESTRUCTION_LIST: Table = {
    (Destruction.PROPOSED, "record_appraisal"): Destruction.APPRAISED,
    (Destruction.APPRAISED, "approve"): Destruction.APPROVED,
    (Destruction.APPROVED, "execute"): Destruction.EXECUTING,
    (Destruction.EXECUTING, "finish"): Destruction.EXECUTED,
    # Stopped before the head's decision: the council disagreed, a dossier must be kept after all.
    (Destruction.PROPOSED, "withdraw"): Destruction.WITHDRAWN,
    (Destruction.APPRAISED, "withdraw"): Destruction.WITHDRAWN,
}

# A hand-over to the historical archive: a valid package, then the archive's receipt.
HANDOVER_BATCH: Table = {
    (Batch.DRAFT, "package"): Batch.PACKAGED,
    (Batch.PACKAGED, "receive"): Batch.RECEIVED,
    (Batch.DRAFT, "discard"): Batch.DISCARDED,  # chosen wrongly: given up before any valid package
}

# Mục lục hồ sơ nộp lưu: complete once the archivist has accepted or rejected every item.
TRANSFER: Table = {(Transfer.OPEN, "complete"): Transfer.COMPLETED}

# Keeping a due dossier back in its unit: asked by the unit, consented to or refused by the head (NĐ 30 Điều 31).
KEEP_BACK: Table = {(Keep.REQUESTED, "approve"): Keep.APPROVED, (Keep.REQUESTED, "refuse"): Keep.REFUSED}

# A request to use archived records: asked, then approved or refused by the head (issue 28).
USE_REQUEST: Table = {
    (Use.REQUESTED, "approve"): Use.APPROVED,
    (Use.REQUESTED, "refuse"): Use.REFUSED,
    (Use.REFUSED, "reconsider"): Use.REQUESTED,  # a refusal made by mistake, taken back to decide again
}

# A background job: claimed by the worker (again, after its worker went silent), ended, or cancelled.
BACKGROUND_JOB: Table = {
    (Job.QUEUED, "claim"): Job.RUNNING,
    (Job.RUNNING, "claim"): Job.RUNNING,
    (Job.QUEUED, "cancel"): Job.CANCELLED,
    (Job.RUNNING, "done"): Job.DONE,
    (Job.RUNNING, "failed"): Job.FAILED,
    (Job.RUNNING, "cancelled"): Job.CANCELLED,
    (Job.RUNNING, "put_back"): Job.QUEUED,  # its worker is stopping: the next one takes it up at once
}


# A change of access to a dossier: proposed, then confirmed (in force) or rejected; a share in force ends early, at
# its last day, or when an end-of-share change is confirmed (which, being done, ends at once).
ACCESS_CHANGE: Table = {
    (Access.PROPOSED, "confirm"): Access.CONFIRMED,
    (Access.PROPOSED, "reject"): Access.REJECTED,
    (Access.CONFIRMED, "end"): Access.ENDED,
}


class IllegalMove(RuntimeError):
    """A service asked for a move its aggregate's table does not list (a programming error)."""


def move(record: Any, table: Table, action: str) -> enum.Enum:
    """Move ``record`` along ``action`` by ``table`` and return its new state; raise IllegalMove otherwise."""
    target = table.get((record.state, action))
    if target is None:
        raise IllegalMove(f"{type(record).__name__} in state {record.state.value} cannot {action}")
    record.state = target
    return target
