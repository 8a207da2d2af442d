"""A change of access for many dossiers at once, when the agency's rules change (NĐ 30 PL6 IV.1.d: "thay đổi quyền
truy cập đối với hồ sơ … khi có sự thay đổi quy định của cơ quan").

A choice of dossiers (a unit's, some years', or all the proposer may change) gets one change each — restrict, open,
or share with a unit — proposed together under one rule with its reason (the new regulation) and decided together:
each change is still proposed and confirmed by ``filing.access`` with its own rights, so nothing takes effect before
an authorised person other than the proposer confirms, and a dossier the confirmer may not confirm stays proposed.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from erms import audit, metadata, permissions
from erms.errors import N_, InvalidMetadata, NotFound, PermissionDenied, Problem, RuleViolation
from erms.models import AccessChange, AccessChangeKind, AccessChangeState, Dossier, Unit
from erms.permissions import Actor
from filing import access

# What ``propose`` names a rule: its moment, the proposer's id and a random tail.
RULE_KEY = re.compile(r"\d{14}-\d{1,10}-[0-9a-f]{6}")
# A rule names at most this many dossiers: more is a narrower choice, or a second rule.
MAX_DOSSIERS = 500
KINDS = (AccessChangeKind.RESTRICT, AccessChangeKind.OPEN, AccessChangeKind.SHARE_UNIT)
# Gone from the agency: their access no longer changes here (``filing.access`` refuses each of them).
GONE = access.GONE


@dataclass(frozen=True)
class Choice:
    """Which dossiers: of one unit (None: every unit the proposer may change), of some years (None: every year)."""

    unit_id: int | None
    first_year: int | None
    last_year: int | None


@dataclass(frozen=True)
class Proposed:
    """A rule proposed: its key, the changes made, and the dossiers left as they were (their codes)."""

    rule: str
    changes: list[AccessChange]
    unchanged: list[str]


def choice_of(form: dict[str, str]) -> Choice:
    """Read the choice of dossiers from a form, refusing what is not a unit or a year."""
    values, problems = {}, []
    for name in ("unit_id", "first_year", "last_year"):
        text = form.get(name, "").strip()
        if text and not (text.isascii() and text.isdigit() and len(text) < 10):
            problems.append(Problem(name, metadata.MESSAGES["format"]))
        values[name] = int(text) if text and not problems else None
    first, last = values["first_year"], values["last_year"]
    if first is not None and last is not None and first > last:
        problems.append(Problem("last_year", N_("The last year cannot come before the first.")))
    if problems:
        raise InvalidMetadata(problems)
    return Choice(values["unit_id"], first, last)


def matching(session: Session, actor: Actor, organisation_id: int, choice: Choice) -> list[Dossier]:
    """Return the dossiers of the choice the actor reads and whose access they may propose to change, by year and
    code (a dossier restricted to others is not theirs to change)."""
    query = select(Dossier).where(Dossier.organisation_id == organisation_id, Dossier.state.not_in(GONE))
    if choice.unit_id is not None:
        query = query.where(Dossier.unit_id == choice.unit_id)
    if choice.first_year is not None:
        query = query.where(Dossier.year >= choice.first_year)
    if choice.last_year is not None:
        query = query.where(Dossier.year <= choice.last_year)
    found = [
        dossier
        for dossier in session.scalars(query.order_by(Dossier.year, Dossier.file_code))
        if permissions.can(actor, "access.propose", organisation_id, dossier.unit_id)
    ]
    grants = permissions.dossier_access(session, found)
    return [dossier for dossier in found if permissions.can_read_dossier(actor, dossier, grants[dossier.id])]


def propose(session: Session, actor: Actor, organisation_id: int, form: dict[str, str], *, now: datetime) -> Proposed:
    """Propose the change of ``form`` (kind, unit_id of a share, reason) for every dossier the choice (``form``'s
    of_unit, first_year, last_year) matches; a dossier under that regime already, or shared with its own unit, is
    left as it is."""
    permissions.require(actor, "access.propose", organisation_id)
    choice = choice_of({**form, "unit_id": form.get("of_unit", "")})
    kind = next((kind for kind in KINDS if kind.value == form.get("kind", "")), None)
    reason = metadata.check_text({"reason": form.get("reason", "")}, {"reason": 500})["reason"]
    problems = [] if kind else [Problem("kind", metadata.MESSAGES["enum"])]
    problems += [] if reason else [Problem("reason", metadata.MESSAGES["required"])]
    target = session.get(Unit, access.form_number(form.get("unit_id"))) if kind is AccessChangeKind.SHARE_UNIT else None
    if kind is AccessChangeKind.SHARE_UNIT and (target is None or target.organisation_id != organisation_id):
        problems.append(Problem("unit_id", N_("Choose another unit of the organisation.")))
    if problems:
        raise InvalidMetadata(problems)
    assert kind is not None  # refused above
    chosen = matching(session, actor, organisation_id, choice)
    if not chosen:
        raise RuleViolation(N_("No dossier whose access you may change matches this choice."))
    if len(chosen) > MAX_DOSSIERS:
        raise RuleViolation(
            N_("%(count)s dossiers match; a rule changes at most %(most)s: choose a unit or fewer years."),
            count=len(chosen),
            most=MAX_DOSSIERS,
        )
    rule = f"{now:%Y%m%d%H%M%S}-{actor.user_id}-{secrets.token_hex(3)}"  # two rules of one second stay apart
    single = {"kind": kind.value, "reason": reason, "unit_id": str(target.id) if target else ""}
    changes, unchanged = [], []
    for dossier in chosen:
        change = (
            None if target is not None and dossier.unit_id == target.id else _one(session, actor, dossier, single, now)
        )
        if change is None:
            unchanged.append(dossier.file_code)
            continue
        change.rule = rule
        changes.append(change)
    if not changes:
        raise RuleViolation(N_("Every dossier of this choice is under this regime already."))
    audit.record(
        session,
        actor,
        "access.rule_proposed",
        "organisation",
        organisation_id,
        now=now,
        rule=rule,
        kind=kind.value,
        reason=reason,
        dossiers=len(changes),
        unchanged=len(unchanged),
        choice={"unit_id": choice.unit_id, "first_year": choice.first_year, "last_year": choice.last_year},
    )
    return Proposed(rule, changes, unchanged)


def _one(session: Session, actor: Actor, dossier: Dossier, form: dict[str, str], now: datetime) -> AccessChange | None:
    """Propose the change for one dossier; None when it is under that regime already (nothing of it is kept)."""
    try:
        with session.begin_nested():
            return access.propose(session, actor, dossier.id, form, now=now)
    except InvalidMetadata as refused:
        if {problem.field for problem in refused.problems} != {"kind"}:
            raise
        return None


def decide(session: Session, actor: Actor, organisation_id: int, rule: str, confirm: bool, *, now: datetime) -> int:
    """Confirm or reject every change of a rule still proposed that the actor may decide; return how many. A rule
    none of whose dossiers the actor reads is not found; one they read but may not decide is refused."""
    if not RULE_KEY.fullmatch(rule):
        raise NotFound()  # no key this module makes (and a NUL or a letter no database column holds)
    waiting = session.scalars(
        select(AccessChange)
        .where(
            AccessChange.organisation_id == organisation_id,
            AccessChange.rule == rule,
            AccessChange.state == AccessChangeState.PROPOSED,
        )
        .options(selectinload(AccessChange.dossier))
        .order_by(AccessChange.id)
    ).all()
    grants = permissions.dossier_access(session, [change.dossier for change in waiting])
    seen = [
        change for change in waiting if permissions.can_read_dossier(actor, change.dossier, grants[change.dossier_id])
    ]
    if not seen:
        raise NotFound()
    mine = [
        change for change in seen if permissions.can(actor, "access.confirm", organisation_id, change.dossier.unit_id)
    ]
    if not mine:
        raise PermissionDenied()
    if confirm:  # a dossier gone since the rule was proposed keeps its change proposed (to be rejected)
        staying = [change for change in mine if change.dossier.state not in GONE]
        if not staying:
            raise RuleViolation(access.LEFT, code=mine[0].dossier.file_code)
        mine = staying
    for change in mine:
        access.decide(session, actor, change.id, confirm, now=now)
    return len(mine)
