"""All tables of ERMS, one module per aggregate. No Flask and no business rules here.

Importing this package registers every table on ``erms.db.Base.metadata`` (Alembic reads it).
"""

from erms.models.audit import AuditEvent
from erms.models.dossier import Document, DocumentVersion, Dossier, DossierDocument, StoredFile
from erms.models.dossier_list import ClassificationHeading, DossierList, DossierListEntry
from erms.models.org import Organisation, Role, RoleMembership, Unit, User
from erms.models.retention import Hold, RetentionRow, RetentionSchedule
from erms.models.transfer import Transfer, TransferItem

__all__ = [
    "AuditEvent",
    "ClassificationHeading",
    "Document",
    "DocumentVersion",
    "Dossier",
    "DossierDocument",
    "DossierList",
    "DossierListEntry",
    "Hold",
    "Organisation",
    "RetentionRow",
    "RetentionSchedule",
    "Role",
    "RoleMembership",
    "StoredFile",
    "Transfer",
    "TransferItem",
    "Unit",
    "User",
]
