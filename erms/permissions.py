"""Who may do what: the actor of every service call and the pure rules ``can`` applies.

Roles are held per organisation, either for one unit or organisation-wide (unit NULL). An
officer works on the dossiers of their own unit; the archivist, registry, head and admin act
across their organisation; nobody acts across organisations (PL6 I.3, III.3.b, IV.1.b).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from erms.db import read_memo
from erms.errors import N_, NotFound, PermissionDenied
from erms.models import (
    AccessChange,
    AccessChangeKind,
    AccessChangeState,
    Document,
    Dossier,
    DossierDocument,
    OpinionKind,
    RegisterEntry,
    Role,
    User,
)


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
    # An officer's or unit head's role held for no unit (an account made before the console checked it) grants nothing:
    # read as organisation-wide, it would open every unit's dossiers.
    grants = frozenset(
        Grant(m.role, m.organisation_id, m.unit_id)
        for m in user.memberships
        if m.unit_id is not None or m.role not in UNIT_ROLES
    )
    return Actor(user.id, user.username, user.full_name, grants, user.system_admin)


# The roles held for one unit only (an officer files in their unit, its head leads it).
UNIT_ROLES = (Role.OFFICER, Role.UNIT_HEAD)


# Roles that see and act on every dossier of their organisation.
ORGANISATION_WIDE = (Role.ARCHIVIST, Role.HEAD, Role.ADMIN, Role.REGISTRY)

# action -> roles allowed, checked against the object's organisation and unit.
RULES: dict[str, tuple[Role, ...]] = {
    "dossier.read": (Role.OFFICER, Role.UNIT_HEAD, *ORGANISATION_WIDE, Role.COUNCIL),
    "dossier.open": (Role.OFFICER, Role.UNIT_HEAD),
    "dossier.edit": (Role.OFFICER, Role.UNIT_HEAD),
    "dossier.submit": (Role.OFFICER, Role.UNIT_HEAD),
    "dossier.accept": (Role.ARCHIVIST,),
    # A transfer to the agency archive: its unit's people, the registry and the archivist (who check it jointly),
    # the head; the registry's side of the joint check ("văn thư cơ quan").
    "transfer.read": (Role.OFFICER, Role.UNIT_HEAD, Role.REGISTRY, Role.ARCHIVIST, Role.HEAD),
    "transfer.check": (Role.REGISTRY,),
    # Keeping a due dossier back in its unit needs the head's written consent (NĐ 30/2020 Điều 31 k.3d).
    "keep_back.decide": (Role.HEAD,),
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
    # Who proposes a change of access to a dossier (those who form it, the head, the administrator applying the
    # agency's rules) and who confirms one: the "authorised person" of PL6 III.3.c, for the dossier's unit.
    "access.propose": (Role.OFFICER, Role.UNIT_HEAD, Role.HEAD, Role.ADMIN),
    "access.confirm": (Role.UNIT_HEAD, Role.HEAD),
    "handover.manage": (Role.ARCHIVIST,),  # hand-over batches and packages to the historical archive
    # Taking in past records (a legacy folder with its mapping, a bag from another system) as closed or archived
    # dossiers: the archivist, who answers for the archive's holdings; held organisation-wide (can_org_wide).
    "records.import": (Role.ARCHIVIST,),
    # The archive's repositories and boxes, and where each paper dossier it holds is kept (issue 28): the archivist,
    # who answers for the holdings; held organisation-wide (can_org_wide), as a box holds every unit's dossiers.
    "storage.manage": (Role.ARCHIVIST,),
    "retention.appraise": (Role.ARCHIVIST,),
    "retention.hold": (Role.ARCHIVIST, Role.HEAD),
    "destruction.opinion": (Role.COUNCIL,),
    "destruction.approve": (Role.HEAD,),
    # The reports on filing, holdings and document flow ("báo cáo, thống kê", PL6 II.3, III.4.đ, III.6.a): a unit
    # head for their unit, the head and the archivist for the whole organisation (``report_units``).
    "report.read": (Role.UNIT_HEAD, Role.HEAD, Role.ARCHIVIST),
    # Using the archive's records ("khai thác, sử dụng tài liệu lưu trữ", issue 28): any staff member asks for
    # themselves; the registry and the archivist record a citizen's request at the reading room; the head decides;
    # the archivist lends and takes back the paper; the register of requests is read by those three.
    "use.request": tuple(Role),
    "use.record": (Role.REGISTRY, Role.ARCHIVIST),
    "use.decide": (Role.HEAD,),
    "use.lend": (Role.ARCHIVIST,),
    "use.register": (Role.HEAD, Role.ARCHIVIST, Role.REGISTRY),
    # The archive digitises the paper dossiers it holds (số hóa): the archivist, organisation-wide.
    "records.digitise": (Role.ARCHIVIST,),
    # Directing a document's handling, approving its content or its form and sending a draft back (PL6 III.1.n,
    # III.5.a): the head for every unit, a unit's head ("lãnh đạo đơn vị") for the documents of their unit
    # (``opinion_kinds``). A comment needs no role: whoever reads the document's content may comment.
    "document.direct": (Role.HEAD, Role.UNIT_HEAD),
}


def can(actor: Actor, action: str, organisation_id: int, unit_id: int | None = None) -> bool:
    """Return True if ``actor`` may do ``action`` on an object of that organisation and unit."""
    return any(actor.has(role, organisation_id, unit_id) for role in RULES[action])


# The steps of appraisal and destruction: whoever takes one reads the organisation's destruction lists.
DESTRUCTION_CHAIN = ("retention.appraise", "destruction.opinion", "destruction.approve", "retention.hold")


def in_destruction_chain(actor: Actor, organisation_id: int | None = None) -> bool:
    """Return True if the actor takes part in appraisal or destruction in the organisation (None: in any of theirs)."""
    organisations = actor.organisation_ids() if organisation_id is None else [organisation_id]
    return any(can(actor, action, organisation) for action in DESTRUCTION_CHAIN for organisation in organisations)


def organisations_where(actor: Actor, action: str, *, org_wide: bool = False) -> list[int]:
    """Return the actor's organisations where they may do ``action`` (held across the whole organisation only, when
    ``org_wide``), in id order: what a list of the steps or records waiting for them is drawn from."""
    allowed = can_org_wide if org_wide else can
    return sorted(org for org in actor.organisation_ids() if allowed(actor, action, org))


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


# The opinions only a person who directs the document's handling gives ("document.direct").
LEADERS_OPINIONS = (
    OpinionKind.DIRECTION,
    OpinionKind.CONTENT_APPROVAL,
    OpinionKind.FORM_APPROVAL,
    OpinionKind.SENT_BACK,
)


def opinion_kinds(actor: Actor, organisation_id: int, unit_ids: Iterable[int]) -> tuple[OpinionKind, ...]:
    """Return the kinds of opinion the actor may give on a document of the organisation held by ``unit_ids``
    (``document_units``), once they read its content: a comment, and the leaders' opinions to the head and to the
    heads of those units — a direction or approval binds the unit that handles the document, so a head of another
    unit gives none (they may comment where they read)."""
    leads = can_org_wide(actor, "document.direct", organisation_id) or any(
        can(actor, "document.direct", organisation_id, unit_id) for unit_id in unit_ids
    )
    return (OpinionKind.COMMENT, *(LEADERS_OPINIONS if leads else ()))


def directed_lines(actor: Actor) -> ColumnElement[bool]:
    """Return the SQL condition on RegisterEntry of the register lines the actor directs (``opinion_kinds``' leaders'
    opinions): every line of an organisation where they direct every unit, the lines sent to a unit they head. A
    document filed by a unit it was not sent to is left out: it is that unit's work, not a register line's."""
    organisations = organisations_where(actor, "document.direct", org_wide=True)
    units = actor.unit_ids(*RULES["document.direct"])
    return or_(RegisterEntry.organisation_id.in_(organisations), RegisterEntry.assigned_unit_id.in_(units))


def require(actor: Actor, action: str, organisation_id: int, unit_id: int | None = None) -> None:
    """Raise PermissionDenied unless ``can`` allows the action; NotFound for another organisation's object.

    Nobody acts across organisations, so another organisation's records look like they do not exist:
    a 403 would tell that the id is in use.
    """
    if organisation_id not in actor.organisation_ids():
        raise NotFound()
    if not can(actor, action, organisation_id, unit_id):
        raise PermissionDenied()


def report_units(actor: Actor, organisation_id: int) -> frozenset[int] | None:
    """Return the units whose figures the actor reads in the organisation's reports, or None for every unit (an
    organisation-wide "report.read" role). Raise NotFound for another organisation, PermissionDenied for someone who
    reads no report there (an officer, the registry, the council)."""
    if organisation_id not in actor.organisation_ids():
        raise NotFound()
    if can_org_wide(actor, "report.read", organisation_id):
        return None
    units = frozenset(
        grant.unit_id
        for grant in actor.grants
        if grant.role in RULES["report.read"] and grant.organisation_id == organisation_id and grant.unit_id is not None
    )
    if not units:
        raise PermissionDenied()
    return units


def reads_reports(actor: Actor) -> bool:
    """Return True if the actor reads the reports of at least one of their organisations (the menu's link)."""
    return any(can(actor, "report.read", organisation) for organisation in actor.organisation_ids())


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


def manages_tokens_of(actor: Actor, user_id: int, organisation_ids: Iterable[int]) -> bool:
    """Return True if the actor may see and revoke the API tokens of the person ``user_id``, who holds roles in
    ``organisation_ids``: their own, or anyone's of an organisation they administer (who manages the person's
    account also ends the credentials it lent to other systems)."""
    return (
        user_id == actor.user_id
        or actor.system_admin
        or any(can_administer(actor, organisation) for organisation in organisation_ids)
    )


def require_system_admin(actor: Actor) -> None:
    """Raise PermissionDenied unless the actor administers the deployment (creating an organisation)."""
    if not actor.system_admin:
        raise PermissionDenied()


def can_stop_job(actor: Actor, requested_by_id: int | None) -> bool:
    """Return True if the actor may stop a background job: who asked for it, or the deployment's administrator,
    who answers for the worker process and sees every job (a backup the schedule queued has no requester)."""
    return actor.system_admin or (requested_by_id is not None and requested_by_id == actor.user_id)


def security_organisations(actor: Actor) -> set[int] | None:
    """Return the organisations whose security events the actor reads ("security.read"), or None for every one's:
    the deployment's administrator answers for the whole system, the attempts on their own account included."""
    if actor.system_admin:
        return None
    return set(organisations_where(actor, "security.read"))


def audit_organisations(actor: Actor) -> set[int] | None:
    """Return the organisations whose audit log the actor reads (an organisation-wide "audit.read" role), or None
    for every organisation's: the deployment's administrator answers for the whole log."""
    if actor.system_admin:
        return None
    return {
        organisation for organisation in actor.organisation_ids() if can_org_wide(actor, "audit.read", organisation)
    }


# ---------------------------------------------------------------- access to one dossier (shares, restriction)

# The TT 02/2019 Rights value under which only named people, the dossier's own unit and the head read it.
RESTRICTED = "restricted"


@dataclass(frozen=True)
class RecordAccess:
    """Who reads a dossier (or a document's content) besides the usual readers, from the confirmed changes in force."""

    restricted: bool = False
    units: frozenset[int] = frozenset()  # shared with
    people: frozenset[int] = frozenset()  # named


# A confirmed share is in force until ended; the worker ends those past their last day (one place for the clock).
SHARES_IN_FORCE = and_(
    AccessChange.state == AccessChangeState.CONFIRMED,
    AccessChange.kind.in_((AccessChangeKind.SHARE_UNIT, AccessChangeKind.SHARE_PERSON)),
)


def dossier_access(session: Session, dossiers: Iterable[Dossier]) -> dict[int, RecordAccess]:
    """Return the access in force on each dossier (one query)."""
    chosen = {dossier.id: dossier for dossier in dossiers}
    return _access(session, "dossier_access", chosen, AccessChange.dossier_id, AccessChange.document_id.is_(None))


def document_access(session: Session, documents: Iterable[Document]) -> dict[int, RecordAccess]:
    """Return the access in force on each document's own content (one query)."""
    chosen = {document.id: document for document in documents}
    return _access(session, "document_access", chosen, AccessChange.document_id)


def _access(session: Session, memo_name: str, chosen: dict, key_column, *which) -> dict[int, RecordAccess]:
    """Read the shares in force on the ``chosen`` records (``which`` narrows the changes to their kind), once per
    record in a read-only transaction."""
    memo = read_memo(session, memo_name)
    missing = [key for key in chosen if memo is None or key not in memo]
    units: dict[int, set[int]] = {key: set() for key in missing}
    people: dict[int, set[int]] = {key: set() for key in missing}
    if missing:
        shares = select(key_column, AccessChange.unit_id, AccessChange.user_id).where(
            key_column.in_(missing), *which, SHARES_IN_FORCE
        )
        for key, unit_id, user_id in session.execute(shares):
            if unit_id is not None:
                units[key].add(unit_id)
            if user_id is not None:
                people[key].add(user_id)
    found = {key: (frozenset(units[key]), frozenset(people[key])) for key in missing}
    if memo is not None:
        memo.update(found)
    return {
        key: RecordAccess(record.rights == RESTRICTED, *(found[key] if key in found else memo[key]))  # type: ignore[index]
        for key, record in chosen.items()
    }


def can_read_dossier(actor: Actor, dossier: Dossier, access: RecordAccess) -> bool:
    """Return True if the actor may read the dossier: its unit's and the organisation's readers and those it is
    shared with; once restricted, only the people named, those who form it in its unit and the head."""
    organisation = dossier.organisation_id
    if organisation not in actor.organisation_ids():
        return False
    if actor.user_id in access.people:
        return True
    if access.restricted:
        return actor.has(Role.HEAD, organisation) or can(actor, "dossier.edit", organisation, dossier.unit_id)
    return can(actor, "dossier.read", organisation, dossier.unit_id) or any(
        can(actor, "dossier.read", organisation, unit) for unit in access.units
    )


@dataclass(frozen=True)
class ContentAccess:
    """What decides who reads a document's content (its files, summary and handling): its own access, and the
    dossiers holding it, each with the access in force on it."""

    own: RecordAccess
    holders: tuple[tuple[Dossier, RecordAccess], ...] = ()


def can_read_content(actor: Actor, document: Document, content: ContentAccess) -> bool:
    """Return True if the actor, who reads a dossier holding the document, may also read the document's content.
    A restriction follows the document into every dossier it is filed in: held by a restricted dossier, it is read
    only by whoever reads every restricted dossier holding it; restricted on its own, only by the people and the
    units' readers named on it, those who form a dossier holding it, and the head."""
    if not all(can_read_dossier(actor, dossier, access) for dossier, access in content.holders if access.restricted):
        return False
    access = content.own
    if not access.restricted or actor.user_id in access.people:
        return True
    organisation = document.organisation_id
    forms_it = any(can(actor, "dossier.edit", organisation, dossier.unit_id) for dossier, _ in content.holders)
    named_unit = bool(actor.unit_ids(*RULES["dossier.read"]) & access.units)
    return actor.has(Role.HEAD, organisation) or forms_it or named_unit


def content_tokens(document: Document, content: ContentAccess) -> set[str] | None:
    """Return the index's rights tokens of a document read by fewer than its dossiers' readers, as
    ``can_read_content`` decides, or None when it follows its dossiers. Held by restricted dossiers, only the tokens
    every one of them gives; restricted on its own, its holding units' formers and the head (the people named read it
    from its dossier's page, never through a search the index could not narrow to those who also read the dossier).
    Keeping only the tokens all of these share may leave out a reader, never add one."""
    narrowed = [search_tokens(dossier, access) for dossier, access in content.holders if access.restricted]
    if content.own.restricted:
        formers = {f"f{dossier.unit_id}" for dossier, _ in content.holders}
        narrowed.append(formers | {f"h{document.organisation_id}"})
    return set.intersection(*narrowed) if narrowed else None


def can_read_use_request(actor: Actor, organisation_id: int, people: Iterable[int | None]) -> bool:
    """Return True if the actor reads a request to use records: the people it names (who asked, who recorded it)
    and the register's readers of its organisation (``use.register``)."""
    if organisation_id not in actor.organisation_ids():
        return False
    return actor.user_id in set(people) or can_org_wide(actor, "use.register", organisation_id)


def can_read_register_line(actor: Actor, entry: RegisterEntry) -> bool:
    """Return True if the actor reads a register line and its document: the register's readers, and the people who
    handle what was sent to their unit (the person named is one of them: ``filing.registers.assign_unit``)."""
    organisation = entry.organisation_id
    if organisation not in actor.organisation_ids():
        return False
    return can(actor, "register.read", organisation) or entry.assigned_unit_id in actor.unit_ids(*RULES["dossier.open"])


def readable_dossiers(actor: Actor) -> ColumnElement[bool]:
    """Return the SQL condition on Dossier of the dossiers an actor's lists show: the same rule as
    ``can_read_dossier`` for their units (officers, unit heads) and organisation-wide roles (ORGANISATION_WIDE)."""
    wide = [
        grant.organisation_id for grant in actor.grants if grant.role in ORGANISATION_WIDE and grant.unit_id is None
    ]
    units = actor.unit_ids(Role.OFFICER, Role.UNIT_HEAD)
    heads = [grant.organisation_id for grant in actor.grants if grant.role is Role.HEAD and grant.unit_id is None]
    in_force = select(AccessChange.dossier_id).where(SHARES_IN_FORCE)
    named = Dossier.id.in_(in_force.where(AccessChange.user_id == actor.user_id))
    shared = Dossier.id.in_(in_force.where(AccessChange.unit_id.in_(units)))
    open_to_readers = and_(
        Dossier.rights != RESTRICTED, or_(Dossier.organisation_id.in_(wide), Dossier.unit_id.in_(units), shared)
    )
    restricted = and_(Dossier.rights == RESTRICTED, or_(Dossier.organisation_id.in_(heads), Dossier.unit_id.in_(units)))
    return or_(named, open_to_readers, restricted)


def search_tokens(dossier: Dossier, access: RecordAccess) -> set[str]:
    """Return the index's rights tokens of a dossier (``search_grants`` gives a reader's): unit ids for its unit's
    and the shared units' readers, "p<user>" for the named, "f<unit>" for its formers and "h<organisation>" for the
    head once restricted (then the organisation-wide token is left out)."""
    tokens = {f"p{person}" for person in access.people}
    if access.restricted:
        return tokens | {f"f{dossier.unit_id}", f"h{dossier.organisation_id}"}
    return tokens | {str(dossier.unit_id)} | {str(unit) for unit in access.units}


def register_tokens(entry: RegisterEntry, access: RecordAccess) -> set[str]:
    """Return the index's rights tokens of a registered document filed in no dossier yet, read by whoever reads its
    register line (``can_read_register_line``): "r<organisation>" for the register's readers, "s<unit>" for those who
    handle it in the unit it was sent to. Restricted on its own (``access``), it is found by the head only, as
    ``content_tokens`` gives: no dossier holds it, so nobody forms one."""
    restricted = content_tokens(entry.document, ContentAccess(access))
    if restricted is not None:
        return restricted
    sent_to = {f"s{entry.assigned_unit_id}"} if entry.assigned_unit_id is not None else set()
    return {f"r{entry.organisation_id}"} | sent_to


def search_grants(actor: Actor) -> tuple[set[str], set[str]]:
    """Return (organisations, tokens) a reader matches in the index: organisation-wide readers match the
    organisation of an unrestricted record, everyone else the tokens of ``search_tokens`` and ``register_tokens``."""
    organisations, tokens = set(), {f"p{actor.user_id}"}
    for grant in actor.grants:
        # ``can(actor, "register.read", organisation)`` holds for a grant of any scope; "dossier.open" is a unit's.
        if grant.role in RULES["register.read"]:
            tokens.add(f"r{grant.organisation_id}")
        if grant.role in RULES["dossier.open"] and grant.unit_id is not None:
            tokens.add(f"s{grant.unit_id}")
        if grant.role in RULES["dossier.read"] and grant.unit_id is None:
            organisations.add(str(grant.organisation_id))
        elif grant.role in RULES["dossier.read"]:
            tokens.add(str(grant.unit_id))
        if grant.role is Role.HEAD and grant.unit_id is None:
            tokens.add(f"h{grant.organisation_id}")
        if grant.role in RULES["dossier.edit"] and grant.unit_id is not None:
            tokens.add(f"f{grant.unit_id}")
    return organisations, tokens
