"""Who may do what: the actor of every service call and the pure rules ``can`` applies.

Roles are held per organisation, either for one unit or organisation-wide (unit NULL). An
officer works on the dossiers of their own unit; the archivist, registry, head and admin act
across their organisation; nobody acts across organisations (PL6 I.3, III.3.b, IV.1.b).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from erms.errors import N_, NotFound, PermissionDenied
from erms.models import Document, Dossier, DossierDocument, RegisterEntry, Role, User


@dataclass(frozen=True)
class Grant:
    role: Role
    organisation_id: int
    unit_id: int | None  # None: organisation-wide


@dataclass(frozen=True)
class Actor:
    """The person a service acts for, with the roles they hold."""

    user_id: int
    username: str
    full_name: str
    grants: frozenset[Grant]
    # Administers the deployment (User.system_admin): organisations, units and people of every organisation.
    system_admin: bool = False

    def has(self, role: Role, organisation_id: int, unit_id: int | None = None) -> bool:
        """Return True if the actor holds ``role`` in the organisation, for ``unit_id`` or org-wide."""
        return any(
            grant.role is role
            and grant.organisation_id == organisation_id
            and (grant.unit_id is None or unit_id is None or grant.unit_id == unit_id)
            for grant in self.grants
        )

    def organisation_ids(self) -> set[int]:
        return {grant.organisation_id for grant in self.grants}

    def unit_ids(self, *roles: Role) -> set[int]:
        """Return the units the actor holds any of ``roles`` for (org-wide grants are not listed)."""
        return {grant.unit_id for grant in self.grants if grant.role in roles and grant.unit_id is not None}


def load_actor(session: Session, user_id: int) -> Actor:
    """Return the Actor for an active user, or raise NotFound."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound(N_("No active user with id %(user)s."), user=user_id)
    grants = frozenset(Grant(m.role, m.organisation_id, m.unit_id) for m in user.memberships)
    return Actor(user.id, user.username, user.full_name, grants, user.system_admin)


# Roles that see and act on every dossier of their organisation.
ORGANISATION_WIDE = (Role.ARCHIVIST, Role.HEAD, Role.ADMIN, Role.REGISTRY)

# action -> roles allowed, checked against the object's organisation and unit.
RULES: dict[str, tuple[Role, ...]] = {
    "dossier.read": (Role.OFFICER, Role.UNIT_HEAD, *ORGANISATION_WIDE, Role.COUNCIL),
    "dossier.open": (Role.OFFICER, Role.UNIT_HEAD),
    "dossier.edit": (Role.OFFICER, Role.UNIT_HEAD),
    "dossier.submit": (Role.OFFICER, Role.UNIT_HEAD),
    "dossier.accept": (Role.ARCHIVIST,),
    "dossier_list.manage": (Role.REGISTRY, Role.ADMIN),
    "dossier_list.approve": (Role.HEAD,),
    "dossier_list.review": (Role.UNIT_HEAD,),
    "register.write": (Role.REGISTRY,),
    "register.read": (Role.REGISTRY, Role.HEAD, Role.ADMIN, Role.ARCHIVIST),
    # Who may read the summary of a "tuyệt mật" document (Luật BVBMNN 2018: only those authorised).
    "register.read_top_secret": (Role.HEAD,),
    # Changing a document's security marking ("độ mật") after registration is the head's decision
    # (Luật BVBMNN 2018 Điều 11-13: the one who decides on state secrets decides on declassifying them).
    "document.change_marking": (Role.HEAD,),
    # The security events (denials, CSRF failures, lockouts) are read by those who answer for the system.
    "security.read": (Role.ADMIN, Role.ARCHIVIST),
    # The audit log and the access statistics counted from it (PL6 II.3, III.5.a, III.6): the administrator (who
    # answers for the system), the archivist (who answers for the records) and the head (who answers for the
    # agency); held organisation-wide only (audit_organisations), as the log names every unit's records and people.
    "audit.read": (Role.ADMIN, Role.ARCHIVIST, Role.HEAD),
    # Units, people, their roles and the lookups of an organisation: its administrator, org-wide.
    "user.manage": (Role.ADMIN,),
    "handover.manage": (Role.ARCHIVIST,),  # hand-over batches and packages to the historical archive
    "retention.appraise": (Role.ARCHIVIST,),
    "retention.hold": (Role.ARCHIVIST, Role.HEAD),
    "destruction.opinion": (Role.COUNCIL,),
    "destruction.approve": (Role.HEAD,),
}


def can(actor: Actor, action: str, organisation_id: int, unit_id: int | None = None) -> bool:
    """Return True if ``actor`` may do ``action`` on an object of that organisation and unit."""
    return any(actor.has(role, organisation_id, unit_id) for role in RULES[action])


def can_org_wide(actor: Actor, action: str, organisation_id: int) -> bool:
    """Return True if the actor holds a role for ``action`` across the whole organisation (not for one unit)."""
    return any(
        grant.role in RULES[action] and grant.organisation_id == organisation_id and grant.unit_id is None
        for grant in actor.grants
    )


def document_units(session: Session, document: Document) -> set[int]:
    """Return the units a document belongs to: those whose dossiers hold it, and the unit it was sent to."""
    held_by = select(Dossier.unit_id).join(DossierDocument).where(DossierDocument.document_id == document.id)
    sent_to = select(RegisterEntry.assigned_unit_id).where(
        RegisterEntry.document_id == document.id, RegisterEntry.assigned_unit_id.is_not(None)
    )
    return set(session.scalars(held_by.union(sent_to)))


def can_read_document(actor: Actor, organisation_id: int, unit_ids: Iterable[int]) -> bool:
    """Return True if the actor may read a document of that organisation held by ``unit_ids``.

    A document belongs to the units whose dossiers hold it and to the unit a registered document
    was sent to; an officer reads those of their units only, organisation-wide readers all.
    """
    return can_org_wide(actor, "dossier.read", organisation_id) or any(
        can(actor, "dossier.read", organisation_id, unit_id) for unit_id in unit_ids
    )


def require(actor: Actor, action: str, organisation_id: int, unit_id: int | None = None) -> None:
    """Raise PermissionDenied unless ``can`` allows the action; NotFound for another organisation's object.

    Nobody acts across organisations, so another organisation's records look like they do not exist:
    a 403 would tell that the id is in use.
    """
    if organisation_id not in actor.organisation_ids():
        raise NotFound()
    if not can(actor, action, organisation_id, unit_id):
        raise PermissionDenied()


def can_administer(actor: Actor, organisation_id: int) -> bool:
    """Return True if the actor manages the organisation's units, people and lookups."""
    return actor.system_admin or can_org_wide(actor, "user.manage", organisation_id)


def administers_any(actor: Actor) -> bool:
    """Return True if the actor administers at least one organisation, or may create the first."""
    return actor.system_admin or any(can_administer(actor, organisation) for organisation in actor.organisation_ids())


def require_administer(actor: Actor, organisation_id: int) -> None:
    """Raise unless the actor administers the organisation (another organisation's looks absent, as in require)."""
    if actor.system_admin:
        return
    require(actor, "user.manage", organisation_id)
    if not can_administer(actor, organisation_id):
        raise PermissionDenied()  # an administrator of one unit only does not manage the organisation


def require_system_admin(actor: Actor) -> None:
    """Raise PermissionDenied unless the actor administers the deployment (creating an organisation)."""
    if not actor.system_admin:
        raise PermissionDenied()


def audit_organisations(actor: Actor) -> set[int] | None:
    """Return the organisations whose audit log the actor reads (an organisation-wide "audit.read" role), or None
    for every organisation's: the deployment's administrator answers for the whole log."""
    if actor.system_admin:
        return None
    return {
        organisation for organisation in actor.organisation_ids() if can_org_wide(actor, "audit.read", organisation)
    }
