"""The directory of organisations documents are sent to ("danh bạ mã định danh cơ quan, tổ chức"), kept by the
deployment's administrator, from which an outgoing document's recipients get their codes (``filing.recipients``,
NĐ 30/2020 Phụ lục VI III.1.g, TT 02/2019 field 13.1).

A code is an OrganId as the deployment's own organisations' (``organisations.ORGAN_ID``), and those organisations
count as entries without being typed again, so no entry takes one of their codes or names. Names are compared as a
document's lines are (``filing.recipients.key``), so a line names one organisation. A code never changes and is never
deleted (documents keep it): a wrong name is corrected, an entry no longer in use is withdrawn. An import adds every
row of a CSV or XLSX file or, if any is wrong, none, each problem naming its line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from administration.organisations import ORGAN_ID
from classification import spreadsheet
from erms import audit, metadata, permissions
from erms.errors import N_, InvalidMetadata, NotFound, Problem
from erms.models import Organisation, RecipientOrganisation
from erms.permissions import Actor
from filing.recipients import key

LIMITS = {"code": 13, "name": 200}
# The columns an import reads, as agencies head them or by their keys (matched NFC, casefolded).
HEADERS = {
    **dict.fromkeys(("mã định danh", "mã", "code"), "code"),
    **dict.fromkeys(("tên cơ quan, tổ chức", "tên", "name"), "name"),
}
CODE_FORMAT = N_("A code looks like 000.00.00.G09 (OrganId).")
CODE_TAKEN = N_("The code %(code)s is already the code of %(name)s.")
NAME_TAKEN = N_("%(name)s is already in the directory: a recipient's line must name one organisation.")
EMPTY_FILE = N_("The file has no rows under its header line.")


@dataclass
class _Taken:
    """The codes ({code: name}) and names ({key: name}) a new entry may not take."""

    codes: dict[str, str]
    names: dict[str, str]

    def add(self, code: str, name: str) -> None:
        self.codes[code] = name
        self.names[key(name)] = name


def entries(session: Session, actor: Actor) -> list[RecipientOrganisation]:
    """Return every entry, in force or withdrawn, by code."""
    permissions.require_system_admin(actor)
    return list(session.scalars(select(RecipientOrganisation).order_by(RecipientOrganisation.code)))


def add(session: Session, actor: Actor, code: str, name: str, *, now: datetime) -> RecipientOrganisation:
    """Add an organisation with its code to the directory, or refuse naming every problem."""
    permissions.require_system_admin(actor)
    values, problems = _checked(code, name, _taken(session))
    if problems:
        raise InvalidMetadata(problems)
    return _added(session, actor, values, now=now)


def rename(session: Session, actor: Actor, code: str, name: str, *, now: datetime) -> RecipientOrganisation:
    """Correct the name of the entry of ``code``; its code stays. Documents keep the name they were saved with."""
    entry = _entry(session, actor, code)
    _, problems = _checked(entry.code, name, _taken(session, besides=entry), new_code=False)
    if problems:
        raise InvalidMetadata(problems)
    before, entry.name = entry.name, metadata.normalise({"name": name.strip()})["name"]
    audit.record(
        session,
        actor,
        "recipient_organisation.renamed",
        "recipient_organisation",
        entry.id,
        now=now,
        code=entry.code,
        changes={"name": [before, entry.name]},
    )
    return entry


def set_active(session: Session, actor: Actor, code: str, active: bool, *, now: datetime) -> RecipientOrganisation:
    """Withdraw the entry of ``code`` (no longer offered nor found for new documents; documents keep its code) or
    offer it again (unless another entry took its name meanwhile)."""
    entry = _entry(session, actor, code)
    if active and not entry.active:
        _, problems = _checked(entry.code, entry.name, _taken(session, besides=entry), new_code=False)
        if problems:
            raise InvalidMetadata(problems)
    if entry.active != active:
        entry.active = active
        action = "recipient_organisation.offered" if active else "recipient_organisation.withdrawn"
        audit.record(session, actor, action, "recipient_organisation", entry.id, now=now, code=entry.code)
    return entry


def import_file(session: Session, actor: Actor, filename: str, stream: BinaryIO, *, now: datetime) -> int:
    """Add every row of a CSV or XLSX file (columns "Mã định danh" and "Tên cơ quan, tổ chức"), or none if any row
    is wrong, each problem keyed "line:column"; return how many were added."""
    permissions.require_system_admin(actor)
    rows = spreadsheet.read_rows(filename, stream, HEADERS)
    if not rows:
        raise InvalidMetadata([Problem("file", EMPTY_FILE)])
    taken, checked, problems = _taken(session), [], []
    for line, row in rows.items():
        values, found = _checked(row.get("code", ""), row.get("name", ""), taken)
        problems += [Problem(f"{line}:{problem.field}", problem.template, problem.params) for problem in found]
        if not found:
            taken.add(values["code"], values["name"])
            checked.append(values)
    if problems:
        raise InvalidMetadata(problems)
    for values in checked:
        _added(session, actor, values, now=now)
    return len(checked)


def _added(session: Session, actor: Actor, values: dict, *, now: datetime) -> RecipientOrganisation:
    entry = RecipientOrganisation(code=values["code"], name=values["name"], created_at=now)
    session.add(entry)
    session.flush()
    audit.record(
        session,
        actor,
        "recipient_organisation.added",
        "recipient_organisation",
        entry.id,
        now=now,
        code=entry.code,
        name=entry.name,
    )
    return entry


def _entry(session: Session, actor: Actor, code: str) -> RecipientOrganisation:
    """Return the entry of ``code`` (the key that never changes, so the forms name it), for the administrator."""
    permissions.require_system_admin(actor)
    entry = session.scalar(select(RecipientOrganisation).where(RecipientOrganisation.code == code.strip()))
    if entry is None:
        raise NotFound()
    return entry


def _taken(session: Session, besides: RecipientOrganisation | None = None) -> _Taken:
    """Return what a new entry may not take: every code of the directory and of the deployment's organisations, and
    the names of those in force (a withdrawn entry's name may go to the organisation that replaced it)."""
    in_directory = select(RecipientOrganisation.code, RecipientOrganisation.name, RecipientOrganisation.active)
    if besides is not None:
        in_directory = in_directory.where(RecipientOrganisation.id != besides.id)
    organisations = select(Organisation.code, Organisation.name, true())
    taken = _Taken({}, {})
    for code, name, active in [*session.execute(in_directory), *session.execute(organisations)]:
        taken.codes[code] = name
        if active:
            taken.names[key(name)] = name
    return taken


def _checked(code: str, name: str, taken: _Taken, *, new_code: bool = True) -> tuple[dict, list[Problem]]:
    """Return an entry's values normalised and what is wrong with them (``new_code`` False: the code is the entry's
    own, only the name is checked)."""
    try:
        values = metadata.check_text({"code": code.strip().upper(), "name": name.strip()}, LIMITS)
    except InvalidMetadata as refused:
        return {}, list(refused.problems)
    problems = [] if values["name"] else [Problem("name", metadata.MESSAGES["required"])]
    if new_code and not ORGAN_ID.fullmatch(values["code"]):
        problems.append(Problem("code", CODE_FORMAT))
    elif new_code and values["code"] in taken.codes:
        problems.append(Problem("code", CODE_TAKEN, {"code": values["code"], "name": taken.codes[values["code"]]}))
    if values["name"] and key(values["name"]) in taken.names:
        problems.append(Problem("name", NAME_TAKEN, {"name": taken.names[key(values["name"])]}))
    return values, problems
