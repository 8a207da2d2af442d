"""All tables of ERMS, one module per aggregate. No Flask and no business rules here.

Importing this package registers every table on ``erms.db.Base.metadata`` (Alembic reads it).
"""

from erms.models.access import AccessChange, AccessChangeKind, AccessChangeState
from erms.models.api_token import ApiToken
from erms.models.api_upload import ApiUpload
from erms.models.appraisal import (
    AppraisalDecision,
    AppraisalWorkItem,
    CouncilOpinion,
    DestroyedFile,
    DestructionItem,
    DestructionList,
    JobRun,
    Notification,
    SchedulerLease,
)
from erms.models.audit import AuditEvent
from erms.models.background import BackgroundJob
from erms.models.backup import BackupSet
from erms.models.dossier import (
    Document,
    DocumentVersion,
    Dossier,
    DossierDocument,
    KeepBack,
    KeepBackState,
    StoredFile,
)
from erms.models.dossier_list import ClassificationHeading, DossierList, DossierListEntry
from erms.models.entry_review import EntryReview
from erms.models.fixity import FixityEvent, FixityOutcome
from erms.models.handover import HandoverBatch, HandoverItem, HandoverReceipt, Package
from erms.models.intake import IntakeDossier, IntakeRun
from erms.models.lookup import LookupKind, LookupValue
from erms.models.opinion import DocumentOpinion, OpinionKind
from erms.models.org import LogInClaim, Organisation, Role, RoleMembership, Unit, User, WebSession
from erms.models.preservation import PreservationCopy
from erms.models.recipient import DocumentRecipient, RecipientOrganisation
from erms.models.register import RegisterCounter, RegisterEntry
from erms.models.removal import RemovedDocument
from erms.models.retention import Hold, RetentionRow, RetentionSchedule
from erms.models.scan import CertifiedCopy, ScanCheck
from erms.models.seal import MetadataSeal
from erms.models.search import SavedSearch, SearchQueueItem
from erms.models.signature import SignatureCheck, TrustRoot
from erms.models.storage import DossierPlacement, Repository, StorageBox
from erms.models.supplementary import FieldType, RecordKind, SupplementaryField
from erms.models.transfer import Transfer, TransferItem
from erms.models.use_request import UseRequest, UseRequestItem, UseRequestState

__all__ = [
    "AccessChange",
    "AccessChangeKind",
    "AccessChangeState",
    "ApiToken",
    "ApiUpload",
    "AppraisalDecision",
    "AppraisalWorkItem",
    "CouncilOpinion",
    "DestroyedFile",
    "DestructionItem",
    "DestructionList",
    "JobRun",
    "LogInClaim",
    "LookupKind",
    "LookupValue",
    "MetadataSeal",
    "DocumentRecipient",
    "RecipientOrganisation",
    "Notification",
    "SchedulerLease",
    "AuditEvent",
    "BackgroundJob",
    "BackupSet",
    "FixityEvent",
    "FixityOutcome",
    "ClassificationHeading",
    "Document",
    "DocumentOpinion",
    "DocumentVersion",
    "Dossier",
    "DossierDocument",
    "DossierList",
    "DossierPlacement",
    "DossierListEntry",
    "EntryReview",
    "HandoverBatch",
    "HandoverItem",
    "HandoverReceipt",
    "IntakeDossier",
    "IntakeRun",
    "Hold",
    "OpinionKind",
    "Organisation",
    "Package",
    "PreservationCopy",
    "RegisterCounter",
    "RegisterEntry",
    "RemovedDocument",
    "Repository",
    "RetentionRow",
    "RetentionSchedule",
    "Role",
    "RoleMembership",
    "SavedSearch",
    "ScanCheck",
    "CertifiedCopy",
    "SearchQueueItem",
    "SignatureCheck",
    "StorageBox",
    "StoredFile",
    "SupplementaryField",
    "FieldType",
    "RecordKind",
    "UseRequest",
    "UseRequestItem",
    "UseRequestState",
    "KeepBack",
    "KeepBackState",
    "Transfer",
    "TransferItem",
    "TrustRoot",
    "Unit",
    "User",
    "WebSession",
]
