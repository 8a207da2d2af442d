"""People ("người dùng") of an organisation: accounts, their roles per unit, a change of post, deactivation.

An account is never deleted: its name stays on every record it made. A change of roles, unit, password or
activity ends the person's open sessions at once (``erms.accounts`` raises their session generation), so a
person moved to another unit loses the old unit's rights on their next click (NĐ 30 PL6 IV.1.đ).
Every refusal names every problem; nothing is written then.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from erms import accounts, api_tokens, audit, metadata, permissions
from erms.errors import N_, InvalidMetadata, NotFound, PermissionDenied, Problem, RuleViolation
from erms.models import Dossier, Notification, Organisation, RegisterEntry, Role, RoleMembership, Unit, User
from erms.permissions import Actor
from holdings import use_requests

# Log-in names: lower-case letters, digits, dots, hyphens and underscores (typed on any keyboard, no accents).
# 2 to 64 characters beginning and ending with a letter or digit: "an.nv." beside "an.nv" is a look-alike.
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}[a-z0-9]")
# Roles held for one unit: an officer or unit head for the whole organisation would read every unit's dossiers.


# An organisation keeps an administrator: without one, only the deployment's could manage its people again.
# Separation of duties: a role, the head's above all (tuyệt mật summaries, markings), is given by another person.
SELF_GRANT = N_("Nobody gives themselves a role: another administrator gives it.")
LAST_ADMINISTRATOR = N_("This is the organisation's only administrator: give the role to another person first.")


def _only_administrator(session: Session, user: User, organisation_id: int) -> bool:
    """Return True if no other active person administers the organisation organisation-wide."""
    others = (
        select(RoleMembership.id)
        .join(User)
        .where(
            RoleMembership.organisation_id == organisation_id,
            RoleMembership.role == Role.ADMIN,
            RoleMembership.unit_id.is_(None),
            RoleMembership.user_id != user.id,
            User.active.is_(True),
        )
        .limit(1)
    )
    return session.scalar(others) is None


def people_of(session: Session, organisation_id: int) -> list[User]:
    """Return the people holding a role in the organisation (active first, then by name), roles loaded."""
    members = select(RoleMembership.user_id).where(RoleMembership.organisation_id == organisation_id)
    query = (
        select(User)
        .where(User.id.in_(members))
        .options(selectinload(User.memberships).selectinload(RoleMembership.unit))
        .order_by(User.active.desc(), User.full_name, User.username)
    )
    return list(session.scalars(query))


def get_person(session: Session, actor: Actor, user_id: int) -> User:
    """Return a person the actor administers: one with a role in an organisation the actor manages."""
    user = session.get(User, user_id)
    if user is None or not _administered(actor, user):
        raise NotFound()
    return user


def _changeable(session: Session, actor: Actor, user_id: int) -> User:
    """Return a person the actor may change: a deployment administrator's account is changed only by another
    one (an organisation's administrator could otherwise take over the whole deployment through it)."""
    user = get_person(session, actor, user_id)
    if user.system_admin and not actor.system_admin:
        raise PermissionDenied()
    return user


def _administered(actor: Actor, user: User) -> bool:
    return actor.system_admin or any(
        permissions.can_administer(actor, membership.organisation_id) for membership in user.memberships
    )


def _require_whole_account(actor: Actor, user: User) -> None:
    """Account-wide changes (name, password, activity) need the administrator of every organisation of the person."""
    if not actor.system_admin and not all(
        permissions.can_administer(actor, membership.organisation_id) for membership in user.memberships
    ):
        raise RuleViolation(N_("This person works in another organisation too: ask the system administrator."))


def create_person(
    session: Session,
    actor: Actor | None,
    organisation: Organisation,
    form: dict[str, str],
    *,
    now: datetime,
) -> User:
    """Create an account with its first role in ``organisation``.

    ``form`` holds username, full_name, position, password, role and unit_id (the unit's id, or "" for an
    organisation-wide role).
    """
    if actor is not None:
        permissions.require_administer(actor, organisation.id)
    values = metadata.check_text(
        {key: form.get(key, "") for key in ("username", "full_name", "position")},
        {"username": 64, "full_name": 50, "position": 100},
        one_line=("full_name", "position"),
    )
    password = form.get("password", "")
    problems = _new_account_problems(session, values, password)
    role, unit = _role_and_unit(session, organisation.id, form, problems)
    if problems:
        raise InvalidMetadata(problems)
    assert role is not None  # a missing or unknown role was a problem above
    user = accounts.create_user(
        session,
        actor,
        values["username"],
        values["full_name"],
        password,
        now=now,
        position=values["position"],
        temporary=True,
    )
    _grant(session, actor, user, organisation, role, unit, now=now)
    return user


def create_at_console(
    session: Session,
    organisation_code: str,
    account: dict[str, str],
    roles: Sequence[str],
    unit_code: str | None,
    *,
    now: datetime,
    keep_password: bool = False,
) -> User:
    """``erms user create``: an account (``account``: username, full_name, password) with ``roles`` in the organisation,
    each for ``unit_code`` (None: organisation-wide), under the administration page's checks (a username like lan.pt,
    an officer's or unit head's one unit). ``keep_password``: the person keeps it instead of choosing their own."""
    organisation = session.scalar(select(Organisation).where(Organisation.code == organisation_code))
    if organisation is None:
        raise NotFound(N_("No organisation with code %(code)s."), code=organisation_code)
    unit_id = ""
    if unit_code:
        unit = session.scalar(select(Unit).where(Unit.organisation_id == organisation.id, Unit.code == unit_code))
        if unit is None:
            raise NotFound(N_("No unit %(unit)s in organisation %(code)s."), unit=unit_code, code=organisation_code)
        unit_id = str(unit.id)
    first, *more = dict.fromkeys(roles)  # a role given twice is granted once
    user = create_person(session, None, organisation, {**account, "role": first, "unit_id": unit_id}, now=now)
    for role in more:
        problems: list[Problem] = []
        chosen, unit = _role_and_unit(session, organisation.id, {"role": role, "unit_id": unit_id}, problems)
        if problems or chosen is None:
            raise InvalidMetadata(problems)
        _grant(session, None, user, organisation, chosen, unit, now=now)
    user.password_change_required = not keep_password
    return user


def _new_account_problems(session: Session, values: dict[str, str], password: str) -> list[Problem]:
    """What is wrong with a new account's username (stripped in ``values``), full name and password."""
    values["username"] = values["username"].strip()
    problems = [Problem(name, metadata.MESSAGES["required"]) for name in ("username", "full_name") if not values[name]]
    if values["username"] and not USERNAME.fullmatch(values["username"]):
        problems.append(
            Problem("username", N_("A username is lower-case letters, digits, dots and hyphens, like lan.pt."))
        )
    elif session.scalar(select(User.id).where(User.username == values["username"])):
        problems.append(
            Problem("username", N_("The username %(username)s is taken."), {"username": values["username"]})
        )
    return problems + accounts.short_password(password)


def _role_and_unit(
    session: Session, organisation_id: int, form: dict[str, str], problems: list[Problem]
) -> tuple[Role | None, Unit | None]:
    """Parse the role and the unit it is held for, adding what is wrong with them to ``problems``."""
    role = next((role for role in Role if role.value == form.get("role", "")), None)
    if role is None:
        problems.append(Problem("role", metadata.MESSAGES["enum"]))
    unit_text = form.get("unit_id", "").strip()
    unit = (
        session.get(Unit, int(unit_text))
        if unit_text.isascii() and unit_text.isdigit() and len(unit_text) < 10
        else None
    )
    if unit_text and (unit is None or unit.organisation_id != organisation_id or not unit.active):
        problems.append(Problem("unit_id", N_("Choose an open unit of this organisation.")))
        unit = None
    elif not unit_text and role in permissions.UNIT_ROLES:
        problems.append(Problem("unit_id", N_("An officer or a unit head works in one unit: choose it.")))
    elif unit is not None and role in WHOLE_ORGANISATION_ROLES:
        problems.append(Problem("unit_id", N_("This role is held for the whole organisation: choose no unit.")))
    return role, unit


# The roles whose work is the whole organisation's (the register, the archive, administration): held for one unit,
# such a role would give some of its rights and not others.
WHOLE_ORGANISATION_ROLES = (Role.ADMIN, Role.REGISTRY, Role.ARCHIVIST)


def _grant(
    session: Session, actor: Actor | None, user: User, organisation: Organisation, role: Role, unit: Unit | None, *, now
) -> RoleMembership:
    return accounts.grant(session, actor, user, role, organisation.code, unit.code if unit else None, now=now)


def update_person(
    session: Session,
    actor: Actor,
    user_id: int,
    full_name: str,
    position: str,
    *,
    now: datetime,
    seen: dict[str, str] | None = None,
) -> User:
    """Change the name shown on records from now on and the position; earlier records keep the name they bear.
    ``seen`` holds the values the form showed: if someone saved others since, the save is refused (PL6 IV.2)."""
    user = _changeable(session, actor, user_id)
    _require_whole_account(actor, user)
    audit.refuse_changed(session, "user", user, seen, {"full_name": "Họ và tên", "position": "Chức vụ"})
    values = metadata.check_text(
        {"full_name": full_name, "position": position},
        {"full_name": 50, "position": 100},
        required=("full_name",),
        one_line=("full_name", "position"),
    )
    changed = {key: value for key, value in values.items() if getattr(user, key) != value}
    for key, value in changed.items():
        setattr(user, key, value)
    if changed:
        audit.record(session, actor, "user.updated", "user", user.id, now=now, **changed)
    return user


def add_role(session: Session, actor: Actor, user_id: int, organisation_id: int, form: dict[str, str], *, now) -> None:
    """Give the person one more role in an organisation the actor administers (never the actor themselves)."""
    user = _changeable(session, actor, user_id)
    if user.id == actor.user_id:
        raise RuleViolation(SELF_GRANT)
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound()
    permissions.require_administer(actor, organisation.id)
    problems: list[Problem] = []
    role, unit = _role_and_unit(session, organisation.id, form, problems)
    if role is not None and any(
        (membership.organisation_id, membership.unit_id, membership.role)
        == (organisation.id, unit.id if unit else None, role)
        for membership in user.memberships
    ):
        problems.append(Problem("role", N_("The person holds this role there already.")))
    if problems:
        raise InvalidMetadata(problems)
    assert role is not None
    _grant(session, actor, user, organisation, role, unit, now=now)


def remove_role(session: Session, actor: Actor, user_id: int, membership_id: int, *, now: datetime) -> None:
    """Take a role away; the last one is kept (deactivate the account instead, so it stays listed)."""
    user = _changeable(session, actor, user_id)
    membership = next((membership for membership in user.memberships if membership.id == membership_id), None)
    if membership is None:
        raise NotFound()
    permissions.require_administer(actor, membership.organisation_id)
    if len(user.memberships) == 1:
        raise RuleViolation(N_("This is the person's last role: deactivate the account instead."))
    if membership.role is Role.ADMIN and _only_administrator(session, user, membership.organisation_id):
        raise RuleViolation(LAST_ADMINISTRATOR)
    user.memberships.remove(membership)
    session.flush()
    audit.record(
        session,
        actor,
        "user.role_removed",
        "user",
        user.id,
        now=now,
        role=membership.role.value,
        organisation_id=membership.organisation_id,
        unit_id=membership.unit_id,
    )


def move_person(session: Session, actor: Actor, user_id: int, unit_id: int, *, now: datetime) -> User:
    """Move a person to another unit of the same organisation: every role they held for their old unit is now
    held for the new one, the old unit's rights end with their sessions, their authorship stays (PL6 IV.1.đ)."""
    user = _changeable(session, actor, user_id)
    unit = session.get(Unit, unit_id)
    if unit is None or not unit.active:
        raise InvalidMetadata([Problem("unit_id", N_("Choose an open unit of this organisation."))])
    permissions.require_administer(actor, unit.organisation_id)
    moving = [m for m in user.memberships if m.organisation_id == unit.organisation_id and m.unit_id is not None]
    if not moving or all(membership.unit_id == unit.id for membership in moving):
        raise InvalidMetadata([Problem("unit_id", N_("The person has no role in another unit to move."))])
    old = sorted({membership.unit.code for membership in moving if membership.unit and membership.unit_id != unit.id})
    left = {membership.unit_id for membership in moving if membership.unit_id != unit.id}
    held = {membership.role for membership in user.memberships if membership.unit_id == unit.id}
    for membership in moving:
        if membership.unit_id == unit.id:
            continue
        if membership.role in held:
            user.memberships.remove(membership)  # the same role in the new unit is held already
        else:
            membership.unit_id = unit.id
            held.add(membership.role)
    session.flush()
    _forget_notices_of(session, user.id, left)
    audit.record(session, actor, "user.moved", "user", user.id, now=now, from_units=old, to_unit=unit.code)
    return user


def _forget_notices_of(session: Session, user_id: int, unit_ids: set[int | None]) -> None:
    """Delete the person's notices about the dossiers and incoming documents of the units they left: they named
    records the person no longer reads, and linked to pages that now answer "not found"."""
    about = {
        "dossier": select(Dossier.id).where(Dossier.unit_id.in_(unit_ids)),
        "register_entry": select(RegisterEntry.id).where(RegisterEntry.assigned_unit_id.in_(unit_ids)),
    }
    for subject_type, ids in about.items():
        session.execute(
            delete(Notification).where(
                Notification.user_id == user_id,
                Notification.subject_type == subject_type,
                Notification.subject_id.in_(ids),
            )
        )


def set_active(session: Session, actor: Actor, user_id: int, active: bool, *, now: datetime) -> User:
    """Deactivate (the person can no longer log in, their sessions end, their API tokens are revoked) or reactivate
    an account."""
    user = _changeable(session, actor, user_id)
    _require_whole_account(actor, user)
    if user.id == actor.user_id and not active:
        raise RuleViolation(N_("You cannot deactivate your own account."))
    if not active and any(
        m.role is Role.ADMIN and _only_administrator(session, user, m.organisation_id) for m in user.memberships
    ):
        raise RuleViolation(LAST_ADMINISTRATOR)
    if user.active != active:
        user.active = active
        audit.record(session, actor, "user.activated" if active else "user.deactivated", "user", user.id, now=now)
        if not active:  # the paper the person still has is the archivists' to ask back
            use_requests.tell_of_leaver(session, user.id, user.full_name, now=now)
    if not active:  # the credentials lent to other systems end with the account, and stay ended if it comes back
        api_tokens.revoke_live(session, actor, user.id, now=now, reason="deactivated")
    return user


def reset_password(session: Session, actor: Actor, user_id: int, password: str, *, now: datetime) -> User:
    """Set a new password the administrator hands over; the person's sessions end, and they replace it with their own
    at the next log-in. A reset is what an administrator does for a compromised account, so the API tokens it lent
    are revoked too (the person's own change of password keeps them)."""
    user = _changeable(session, actor, user_id)
    _require_whole_account(actor, user)
    if problems := accounts.short_password(password):
        raise InvalidMetadata(problems)
    accounts.set_password(session, actor, user, password, now=now, temporary=True)
    api_tokens.revoke_live(session, actor, user.id, now=now, reason="password_reset")
    return user


ANOTHER_ADMINISTRATOR = N_(
    "An administrator of the deployment exists already (%(username)s): give --another to make one more, or set a new "
    "password for them with erms admin reset-password %(username)s."
)


def create_system_admin(
    session: Session, username: str, full_name: str, password: str, *, now: datetime, another: bool = False
) -> User:
    """Make an administrator of the deployment from the console: the first one, or with ``another`` one more (a
    second person to answer for the system; the way back in when the only one has left)."""
    existing = session.scalar(
        select(User.username).where(User.system_admin.is_(True), User.active.is_(True)).order_by(User.id).limit(1)
    )
    if existing and not another:
        raise RuleViolation(ANOTHER_ADMINISTRATOR, username=existing)
    values = metadata.check_text({"username": username, "full_name": full_name}, {"username": 64, "full_name": 50})
    problems = _new_account_problems(session, values, password)
    if problems:
        raise InvalidMetadata(problems)
    user = accounts.create_user(session, None, values["username"], values["full_name"], password, now=now)
    user.system_admin = True
    audit.record(session, None, "user.made_system_admin", "user", user.id, now=now)
    return user


def reset_system_admin_password(session: Session, username: str, password: str, *, now: datetime) -> User:
    """Give an administrator of the deployment a password to replace at the next log-in, from the console (the way
    back in for one who lost theirs: nobody in the web app may); their sessions end. An organisation's people get
    theirs from its administrator, in the web app."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.system_admin:
        raise RuleViolation(
            N_(
                "%(username)s is not an administrator of the deployment: an organisation's people get a new password "
                "from its administrator, in the web app."
            ),
            username=username.strip(),
        )
    if problems := accounts.short_password(password):
        raise InvalidMetadata(problems)
    accounts.set_password(session, None, user, password, now=now, temporary=True)
    return user
