"""Registers of incoming and outgoing documents ("sổ đăng ký văn bản đến/đi", NĐ 30/2020 Điều 15-16, 22).

This module owns registration: the number a document gets in its register's yearly series (no
gap, no duplicate, even when several registry officers register at once), the warning when the
same document seems to be registered twice (PL6 III.1.h), and the separate series and reduced
fields of classified documents (NĐ 30 Điều 15 k.2; Luật BVBMNN 2018 Điều 5), the follow-up of each
document — the unit an incoming one is sent to and the day it was handled (PL6 III.1.l, III.1.m) —
and the report on how the registered documents are being handled (PL6 V.2, V.4). The registered
document is an ordinary document, filed into dossiers by reference (``filing.dossiers.link_document``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import BinaryIO

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, contains_eager

from classification import dossier_list, markings
from erms import audit, metadata, notices, permissions
from erms.config import LOCAL_TZ
from erms.errors import N_, Conflict, InvalidMetadata, NotFound, Problem, RuleViolation
from erms.models import Organisation, RecordKind, RegisterCounter, RegisterEntry, Role, RoleMembership, Unit, User
from erms.models.dossier import Document, DocumentVersion
from erms.models.register import RegisterKind, RegisterSeries
from erms.permissions import Actor
from erms.storage import FileStore
from exports.pdf import register_pdf
from exports.pdf.register_pdf import HandlingCounts, HandlingReport
from filing import supplementary as supplementary_values
from filing.dossiers import Upload, local_date, new_document, unreadable_content

# A classified document keeps only its register line: free-text fields that could carry its content
# are not recorded (Luật BVBMNN 2018 Điều 5 k.5; docs/standards.md product decision 8).
CLASSIFIED_FORBIDDEN = ("description", "keyword", "signer_position", "signer_name")

# The document's identifier ("mã định danh văn bản") is kept in a column this long.
DOCUMENT_CODE_LIMIT = {"document_code": metadata.column_length(RegisterEntry, "document_code")}

DUPLICATE = N_(
    "This document looks already registered: no. %(number)s of %(year)s (%(notation)s). "
    "Tick the box to register it again."
)


def check_arrival(values: dict, today: date) -> None:
    """Refuse an arrival date ("ngày đến") after the registry's today (the one its clock keeps; metadata already
    refused one before the document's own date)."""
    arrival = values.get("arrival_date")
    if arrival is not None and date.fromisoformat(arrival) > today:
        raise InvalidMetadata([Problem("arrival_date", N_("The arrival date cannot be after today."))])


def next_number(session: Session, organisation_id: int, kind: RegisterKind, year: int, series: RegisterSeries) -> int:
    """Take the next number of a yearly series, holding the series' counter row until the transaction ends.

    NĐ 30/2020 Điều 15 k.1, Điều 22 k.2: numbers run from 01 each year, unique and without gaps.
    The counter row is created if missing, then locked: PostgreSQL by SELECT … FOR UPDATE; SQLite by
    this being the transaction's first write (its write lock is held to the end, and waiting writers
    queue on the busy timeout). A rolled-back registration gives its number back with the lock.
    """
    key = {"organisation_id": organisation_id, "kind": kind, "year": year, "series": series}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(RegisterCounter).values(**key, last_number=0).on_conflict_do_nothing())
    where = and_(*(getattr(RegisterCounter, column) == value for column, value in key.items()))
    # The row exists: it was inserted just above if it was missing.
    current = session.execute(select(RegisterCounter.last_number).where(where).with_for_update()).scalar_one()
    session.execute(update(RegisterCounter).where(where).values(last_number=current + 1))
    return current + 1


def series_of(values: dict) -> RegisterSeries:
    """Return the series a document is numbered in: classified ones have their own."""
    marking = markings.SecurityMarking(values["marking"])
    return RegisterSeries.REGULAR if markings.may_store_content(marking) else RegisterSeries.CLASSIFIED


def check_classified(values: dict) -> None:
    """Refuse, field by field, what a classified register entry may not record."""
    if series_of(values) is RegisterSeries.REGULAR:
        return
    problems = [
        Problem(name, N_("Not recorded for a classified document: leave it empty."))
        for name in CLASSIFIED_FORBIDDEN
        if values.get(name)
    ]
    if problems:
        raise InvalidMetadata(problems)


def register_document(
    session: Session,
    actor: Actor,
    organisation_id: int,
    kind: RegisterKind,
    data: dict,
    upload: Upload | None,
    *,
    store: FileStore,
    document_code: str = "",
    allow_duplicate: bool = False,
    now: datetime,
) -> RegisterEntry:
    """Register a document in the incoming or outgoing register and give it the next number of its series.

    A document that matches an earlier one (same identifier, or same number, notation and issuer)
    is refused with a warning unless ``allow_duplicate`` says the registry confirmed it.
    """
    permissions.require(actor, "register.write", organisation_id)
    document_code = metadata.check_text({"document_code": document_code}, DOCUMENT_CODE_LIMIT)["document_code"]
    own, given = supplementary_values.split(data)
    values, extra = supplementary_values.checked_for(
        session,
        organisation_id,
        RecordKind.DOCUMENT,
        None,
        given,
        lambda: metadata.check("document", {**own, "direction": kind.value, "status": "final"}),
    )
    check_classified(values)
    today = local_date(now)
    check_arrival(values, today)
    series = series_of(values)
    if upload is not None and series is RegisterSeries.CLASSIFIED:
        raise RuleViolation(markings.REFUSAL)
    number = next_number(session, organisation_id, kind, today.year, series)
    values = with_numbers(values, kind, number, today)
    earlier = find_duplicate(session, organisation_id, document_code, values)
    if earlier is not None and not allow_duplicate:
        notation = "/".join(part for part in (earlier.document.code_number, earlier.document.code_notation) if part)
        raise InvalidMetadata(
            [Problem("duplicate", DUPLICATE, {"number": earlier.number, "year": earlier.year, "notation": notation})]
        )
    document = new_document(
        session, actor, organisation_id, values, upload, store=store, now=now, supplementary_values=extra
    )
    entry = RegisterEntry(
        organisation_id=organisation_id,
        kind=kind,
        year=today.year,
        series=series,
        number=number,
        document_id=document.id,
        document_code=document_code,
        registered_by_id=actor.user_id,
        registered_at=now,
        duplicate_of_id=earlier.id if earlier else None,
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        actor,
        "document.registered",
        "document",
        document.id,
        now=now,
        register=kind.value,
        series=series.value,
        number=number,
        year=today.year,
        duplicate_of=entry.duplicate_of_id,
    )
    return entry


def with_numbers(values: dict, kind: RegisterKind, number: int, today: date) -> dict:
    """Return the document's values with what its register number gives it.

    An incoming document gets its "số đến" and arrives today unless the registry dates it. An outgoing document
    with no số typed takes the register's number as its số, as Phụ lục I writes it: two digits below 10 ("01").
    A số the registry typed is kept: some documents are numbered in a series of their own (NĐ 30/2020 Điều 15 k.2).
    """
    if kind is RegisterKind.INCOMING:
        return {"arrival_date": today.isoformat(), **values, "arrival_number": str(number)}
    return {**values, "code_number": values.get("code_number") or f"{number:02d}"}


def find_duplicate(session: Session, organisation_id: int, document_code: str, values: dict) -> RegisterEntry | None:
    """Return an earlier entry with the same identifier, or the same number + notation + issuer in the same year of
    issue (PL6 III.1.h): numbers start again from 01 each year (NĐ 30/2020 Điều 15 k.1), so last year's 01/QĐ-UBND
    is another document. Number, notation and issuer are compared as ``metadata.document_identity`` folds them
    (SQLite's lower() knows only ASCII letters, so the few lines whose number starts alike are compared here)."""
    number = values.get("code_number", "")
    issued = date.fromisoformat(values["issued_date"]).year
    matches = []
    if number:
        leading = number.split("/")[0].strip() or number
        matches.append(
            and_(
                Document.code_number.startswith(leading, autoescape=True),
                Document.issued_date.between(date(issued, 1, 1), date(issued, 12, 31)),
            )
        )
    if document_code:
        matches.append(RegisterEntry.document_code == document_code)
    if not matches:
        return None
    query = (
        select(RegisterEntry)
        .join(RegisterEntry.document)
        .where(RegisterEntry.organisation_id == organisation_id, or_(*matches))
        .order_by(RegisterEntry.id)
        .options(contains_eager(RegisterEntry.document))
    )
    wanted = metadata.document_identity(number, values.get("code_notation", ""), values["organ_name"])
    for entry in session.scalars(query):
        found = entry.document
        same_code = bool(document_code) and entry.document_code == document_code
        same_year = found.issued_date.year == issued
        if same_code or (number and same_year and _identity(found) == wanted):
            return entry
    return None


def _identity(document: Document) -> tuple[str, str]:
    return metadata.document_identity(document.code_number, document.code_notation, document.organ_name)


def register_entries(
    session: Session,
    actor: Actor,
    organisation_id: int,
    kind: RegisterKind,
    year: int,
    series: RegisterSeries = RegisterSeries.REGULAR,
) -> list[RegisterEntry]:
    """Return one register's entries of a year in number order."""
    permissions.require(actor, "register.read", organisation_id)
    return list(session.scalars(_lines(organisation_id, kind, year, series).order_by(RegisterEntry.number)))


def _lines(organisation_id: int, kind: RegisterKind, year: int, series: RegisterSeries):
    return select(RegisterEntry).where(
        RegisterEntry.organisation_id == organisation_id,
        RegisterEntry.kind == kind,
        RegisterEntry.year == year,
        RegisterEntry.series == series,
    )


def register_page(
    session: Session,
    actor: Actor,
    organisation_id: int,
    kind: RegisterKind,
    year: int,
    series: RegisterSeries,
    page: int,
    per_page: int,
) -> tuple[list[RegisterEntry], int]:
    """Return one page of a register's lines of a year in number order, and how many it has."""
    permissions.require(actor, "register.read", organisation_id)
    query = _lines(organisation_id, kind, year, series)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(RegisterEntry.number).offset((page - 1) * per_page).limit(per_page)
    return list(session.scalars(ordered)), total


def summary_shown(actor: Actor, entry: RegisterEntry) -> bool:
    """Return True if the actor may read the entry's summary (hidden for "tuyệt mật" unless authorised)."""
    authorised = permissions.can(actor, "register.read_top_secret", entry.organisation_id)
    return markings.summary_visible(markings.SecurityMarking(entry.document.marking), authorised)


def withheld_summaries(session: Session, actor: Actor, entries: list[RegisterEntry]) -> dict[int, str]:
    """Return the register lines whose summary the actor may not read, each with why (snapshot.WITHHELD): a tuyệt
    mật one's unless authorised, and a document restricted on its own unless the actor reads its content, as from its
    dossier's page (``open_file`` refuses its file alike). Two queries for any number of lines."""
    unreadable = unreadable_content(session, actor, [entry.document for entry in entries])
    withheld = {}
    for entry in entries:
        if not summary_shown(actor, entry):
            withheld[entry.id] = "top_secret"
        elif entry.document_id in unreadable:
            withheld[entry.id] = "restricted"
    return withheld


def print_register(
    session: Session,
    actor: Actor,
    organisation_id: int,
    kind: RegisterKind,
    year: int,
    series: RegisterSeries,
    *,
    now: datetime,
    font: str = "",
) -> bytes:
    """Return the register of a year as a PDF in the Phụ lục IV layout (NĐ 30/2020 Điều 16: printable)."""
    entries = register_entries(session, actor, organisation_id, kind, year, series)
    withheld = withheld_summaries(session, actor, entries)
    return register_pdf.render(
        _organisation(session, organisation_id),
        kind,
        year,
        series,
        [(entry, withheld.get(entry.id)) for entry in entries],
        now.astimezone(LOCAL_TZ),
        font=font,
    )


def handling_report(
    session: Session, actor: Actor, organisation_id: int, kind: RegisterKind, start: date, end: date, *, now: datetime
) -> HandlingReport:
    """Count the documents registered from ``start`` to ``end`` (local dates, inclusive): handled, overdue, due."""
    permissions.require(actor, "register.read", organisation_id)
    if end < start:
        raise InvalidMetadata([Problem("end", N_("The end date is before the start date."))])
    today = local_date(now)
    query = select(RegisterEntry).where(
        RegisterEntry.organisation_id == organisation_id,
        RegisterEntry.kind == kind,
        RegisterEntry.registered_at >= _local_midnight(start),
        RegisterEntry.registered_at < _local_midnight(end + timedelta(days=1)),
    )
    entries = list(session.scalars(query))
    series = {item: _counts([entry for entry in entries if entry.series is item], today) for item in RegisterSeries}
    return HandlingReport(_organisation(session, organisation_id), kind, start, end, today, series)


def _organisation(session: Session, organisation_id: int) -> Organisation:
    """Return the organisation the actor was just allowed to read in (``permissions.require``: one of theirs)."""
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound()
    return organisation


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), LOCAL_TZ)


def _counts(entries: list[RegisterEntry], today: date) -> HandlingCounts:
    """Count one series' entries: handled (late if after the deadline), overdue or not yet due while pending."""
    handled = [(entry.handled_on, entry.document.due_date) for entry in entries if entry.handled_on]
    pending = [entry.document.due_date for entry in entries if not entry.handled_on and entry.document.due_date]
    return HandlingCounts(
        registered=len(entries),
        with_due_date=sum(1 for entry in entries if entry.document.due_date),
        handled=len(handled),
        handled_late=sum(1 for day, due in handled if due and day > due),
        overdue=sum(1 for due in pending if due < today),
        due_ahead=sum(1 for due in pending if due >= today),
        urgent=sum(1 for entry in entries if entry.document.urgency != "normal"),
    )


def record_handled(
    session: Session,
    actor: Actor,
    organisation_id: int,
    kind: RegisterKind,
    year: int,
    series: RegisterSeries,
    number: int | None,
    handled_on: str,
    *,
    now: datetime,
    correct: bool = False,
) -> RegisterEntry:
    """Record the day the document with ``number`` in a register's yearly series was handled ("ngày giải quyết").

    The registry records it (NĐ 30/2020 Điều 24: the văn thư follows up the handling). Another day than the one
    recorded is taken only when the clerk says it ``correct``s it, so two clerks recording at once are told about
    each other (PL6 IV.2); both days are audited.
    """
    permissions.require(actor, "register.write", organisation_id)
    entry, problems = _numbered(session, organisation_id, kind, year, series, number)
    day = _handled_day(handled_on, entry, local_date(now), problems)
    if problems:
        raise InvalidMetadata(problems)
    assert entry is not None and day is not None  # _numbered and _handled_day report a problem when they give None
    if entry.handled_on not in (None, day) and not correct:
        raise _set_before(
            session,
            entry,
            N_(
                "No. %(number)s was already recorded as handled on %(day)s, by %(who)s at %(when)s. "
                "To correct the day, tick “Correct the day recorded” and record again."
            ),
            day=f"{entry.handled_on:%d/%m/%Y}",
        )
    return _set_handled(session, actor, entry, day, now=now)


def _set_before(session: Session, entry: RegisterEntry, template: str, **params) -> Conflict:
    """The refusal of a register line's value that someone already set otherwise: who set it, and when (PL6 IV.2)."""
    who, when = audit.changed_by(session, "document", entry.document_id)
    return Conflict(template, number=entry.number, who=who, when=when, **params)


def _set_handled(
    session: Session, actor: Actor, entry: RegisterEntry, day: date | None, *, now: datetime
) -> RegisterEntry:
    """Record ``day`` as the entry's handled day (None: not handled) and audit it with the day it replaces."""
    before = entry.handled_on
    entry.handled_on, entry.handled_by_id = day, actor.user_id if day else None
    audit.record(
        session,
        actor,
        "document.handled" if day else "document.handled_undone",
        "document",
        entry.document_id,
        now=now,
        register=entry.kind.value,
        series=entry.series.value,
        number=entry.number,
        year=entry.year,
        previous=before.isoformat() if before else None,
        handled_on=day.isoformat() if day else None,
    )
    return entry


def _numbered(
    session: Session, organisation_id: int, kind: RegisterKind, year: int, series: RegisterSeries, number: int | None
) -> tuple[RegisterEntry | None, list[Problem]]:
    """Return the entry with ``number`` in a register's yearly series, or None and the problem naming the number."""
    if number is None:
        return None, [Problem("number", metadata.MESSAGES["required"])]
    entry = session.scalar(
        select(RegisterEntry).where(
            RegisterEntry.organisation_id == organisation_id,
            RegisterEntry.kind == kind,
            RegisterEntry.year == year,
            RegisterEntry.series == series,
            RegisterEntry.number == number,
        )
    )
    if entry is None:
        return None, [
            Problem(
                "number",
                N_("No document has number %(number)s in this register in %(year)s."),
                {"number": number, "year": year},
            )
        ]
    return entry, []


def assign_unit(
    session: Session,
    actor: Actor,
    organisation_id: int,
    year: int,
    series: RegisterSeries,
    number: int | None,
    unit_id: int | None,
    *,
    now: datetime,
    elsewhere: bool = False,
    user_id: int | None = None,
) -> RegisterEntry:
    """Send incoming document ``number`` to the unit that handles it ("phân phối văn bản đến", PL6 III.1.m), and to
    one of its people (``user_id``) when the registry names one: only a person who files in that unit.

    Its officers then see it on their workspace until it is handled. A document already sent to another unit moves
    only when the clerk says to send it ``elsewhere``, so two clerks sending it at once are told about each other
    (PL6 IV.2); both are audited. The printed register shows the unit and the day it was sent.
    """
    permissions.require(actor, "register.write", organisation_id)
    entry, problems = _numbered(session, organisation_id, RegisterKind.INCOMING, year, series, number)
    unit = session.get(Unit, unit_id) if unit_id else None
    if unit is None or unit.organisation_id != organisation_id:
        problems.append(Problem("unit_id", metadata.MESSAGES["enum"]))
    elif not unit.active:
        problems.append(Problem("unit_id", dossier_list.CLOSED_UNIT))
    elif user_id is not None and user_id not in notices.unit_people(session, organisation_id, unit.id):
        problems.append(Problem("user_id", N_("Choose a person who works in that unit.")))
    if problems:
        raise InvalidMetadata(problems)
    assert entry is not None and unit is not None  # each None was reported as a problem just above
    if entry.assigned_unit is not None and entry.assigned_unit.id != unit.id and not elsewhere:
        raise _set_before(
            session,
            entry,
            N_(
                "No. %(number)s was already sent to %(unit)s, by %(who)s at %(when)s. "
                "To send it elsewhere, tick “Send it elsewhere instead” and send again."
            ),
            unit=entry.assigned_unit.name,
        )
    previous = entry.assigned_unit.name if entry.assigned_unit else None
    entry.assigned_unit, entry.assigned_at, entry.assigned_user_id = unit, now, user_id
    audit.record(
        session,
        actor,
        "document.assigned",
        "document",
        entry.document_id,
        now=now,
        number=entry.number,
        year=year,
        series=series.value,
        previous=previous,
        unit=unit.name,
        person=user_id,
    )
    told = {user_id} if user_id is not None else notices.unit_people(session, organisation_id, unit.id)
    notices.tell(
        session,
        told,
        "document_assigned",
        f"{entry.id}:{unit.id}",
        N_("Incoming document no. %(number)s was sent to %(unit)s for handling."),
        now=now,
        subject=("register_entry", entry.id),
        number=entry.number,
        unit=unit.name,
    )
    return entry


def mark_handled(session: Session, actor: Actor, entry_id: int, *, now: datetime) -> RegisterEntry:
    """Record that an incoming document sent to the actor's unit was handled today, from the unit's own list.

    The officer who handled it says so (PL6 III.1.m: units and people follow their documents up); the
    registry can still correct the day on the register. Audited like the registry's record.
    """
    entry = _sent_to_my_unit(session, actor, entry_id)
    if entry.handled_on is not None:
        raise RuleViolation(
            N_("No. %(number)s was already recorded as handled on %(day)s."),
            number=entry.number,
            day=f"{entry.handled_on:%d/%m/%Y}",
        )
    return _set_handled(session, actor, entry, local_date(now), now=now)


def undo_handled(session: Session, actor: Actor, entry_id: int, *, now: datetime) -> RegisterEntry:
    """Clear today's handled mark of an incoming document sent to the actor's unit: it is back on the unit's list.

    The unit's button acts in one click, so a mis-click is undone in one too, by whoever may mark it, on the same day
    only: an earlier day is the register's record, which the registry corrects there. Audited like the mark.
    """
    entry = _sent_to_my_unit(session, actor, entry_id)
    if entry.handled_on != local_date(now):
        raise RuleViolation(N_("No. %(number)s has no record of being handled today to undo."), number=entry.number)
    return _set_handled(session, actor, entry, None, now=now)


def _sent_to_my_unit(session: Session, actor: Actor, entry_id: int) -> RegisterEntry:
    """Return the register line with ``entry_id`` if it was sent to one of the units the actor forms dossiers in."""
    entry = session.get(RegisterEntry, entry_id)
    if entry is None or entry.assigned_unit_id not in actor.unit_ids(*permissions.RULES["dossier.open"]):
        raise NotFound()
    return entry


def assigned_to_me(session: Session, actor: Actor) -> list[RegisterEntry]:
    """Return the incoming documents sent to the actor's units and not handled yet, earliest deadline first."""
    units = actor.unit_ids(*permissions.RULES["dossier.open"])
    if not units:
        return []
    query = (
        select(RegisterEntry)
        .join(RegisterEntry.document)
        .where(RegisterEntry.assigned_unit_id.in_(units), RegisterEntry.handled_on.is_(None))
        .order_by(Document.due_date.is_(None), Document.due_date, RegisterEntry.assigned_at, RegisterEntry.id)
        .options(contains_eager(RegisterEntry.document))
    )
    return list(session.scalars(query))


def unit_people(session: Session, organisation_id: int) -> dict[int, list[User]]:
    """Return, for each unit of the organisation, the people who file in it: whom a document may be sent to."""
    people: dict[int, list[User]] = {}
    query = (
        select(RoleMembership.unit_id, User)
        .join(User, User.id == RoleMembership.user_id)
        .where(
            RoleMembership.organisation_id == organisation_id,
            RoleMembership.unit_id.is_not(None),
            RoleMembership.role.in_((Role.OFFICER, Role.UNIT_HEAD)),
            User.active.is_(True),
        )
        .order_by(User.full_name)
    )
    for unit_id, user in session.execute(query):
        assert unit_id is not None  # the query asks for unit grants only
        if user not in people.setdefault(unit_id, []):
            people[unit_id].append(user)
    return people


def readable_line(session: Session, actor: Actor, entry_id: int) -> RegisterEntry:
    """Return a register line its readers see: the register's readers and the unit it was sent to; else 404."""
    entry = session.get(RegisterEntry, entry_id)
    if entry is None or not permissions.can_read_register_line(actor, entry):
        raise NotFound()
    return entry


def line_ids(session: Session, document_ids: list[int]) -> dict[int, int]:
    """Return the register line of each of ``document_ids`` that has one, by document (a search links to it)."""
    query = select(RegisterEntry.document_id, RegisterEntry.id).where(RegisterEntry.document_id.in_(document_ids))
    return {document_id: entry_id for document_id, entry_id in session.execute(query)}


def open_file(
    session: Session, actor: Actor, entry_id: int, *, store: FileStore, now: datetime
) -> tuple[BinaryIO, DocumentVersion]:
    """Open the scanned file of a register line for the register's readers and the unit it was sent to, unless the
    document is restricted on its own to others (as from its dossier's page); audited."""
    entry = readable_line(session, actor, entry_id)
    if unreadable_content(session, actor, [entry.document]):
        raise NotFound()  # its file looks absent to the others, as on the dossier's page
    if not entry.document.versions:
        raise NotFound(N_("This register line keeps no file (a classified document keeps the register line only)."))
    version = entry.document.versions[-1]
    stream = store.open(version.file.sha256)
    audit.record(session, actor, "document.downloaded", "document", entry.document_id, now=now, version=version.number)
    return stream, version


def _handled_day(raw: str, entry: RegisterEntry | None, today: date, problems: list[Problem]) -> date | None:
    """Parse the handled day; it falls between the day of registration and today (each refusal a problem)."""
    day = metadata.parse_day(raw)
    if day is None:
        problems.append(Problem("handled_on", metadata.MESSAGES["format"]))
        return None
    registered = entry.registered_at.astimezone(LOCAL_TZ).date() if entry else day
    if day < registered:
        problems.append(
            Problem(
                "handled_on",
                N_("A document is handled on or after the day it was registered (%(day)s)."),
                {"day": f"{registered:%d/%m/%Y}"},
            )
        )
    elif day > today:
        problems.append(Problem("handled_on", N_("The day a document was handled cannot be after today.")))
    return day


def print_handling_report(
    session: Session,
    actor: Actor,
    organisation_id: int,
    kind: RegisterKind,
    start: date,
    end: date,
    *,
    now: datetime,
    font: str = "",
) -> bytes:
    """Return the handling report as a PDF marked as printed from the system (PL6 III.6.k)."""
    report = handling_report(session, actor, organisation_id, kind, start, end, now=now)
    return register_pdf.render_handling_report(report, now.astimezone(LOCAL_TZ), font=font)
