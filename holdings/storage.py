"""Repositories, boxes and the places of paper dossiers in the agency archive (issue 28).

A paper or hybrid dossier the archive holds (accepted, ARCHIVED) is placed in a box under a file number unique in the
box; the box stands on a shelf (giá, khoang/ngăn) of a repository (kho). The shelf is the box's: moving a box changes
one row, and each dossier in it gets an audit event of its own, so the dossier's history says where it went and who
moved it. Every service takes form values as given (strings or numbers), checks them all first and raises
``InvalidMetadata`` listing every problem, so a refused request writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from erms import audit, metadata, permissions
from erms.errors import N_, InvalidMetadata, NotFound, PermissionDenied, Problem, RuleViolation
from erms.models import Dossier, DossierPlacement, Organisation, Repository, StorageBox
from erms.models.dossier import DossierState, Medium
from erms.permissions import Actor
from exports.pdf import box_labels
from retention import destruction

REPOSITORY_TEXT = {"code": 20, "name": 200, "address": 300}
BOX_TEXT = {"shelf_unit": 30, "shelf": 30, "label": 300}
PLACE_TEXT = {"shelf_unit": 30, "shelf": 30}
# How the box form's fields are named where a conflict lists what differs (the form's own words).
BOX_TITLES = {"number": "Hộp số", "label": "Nội dung ghi trên nhãn"}
REPOSITORY_SEEN = {"code": "Mã", "name": "Tên", "address": "Địa chỉ"}
# Box numbers and file numbers in a box: what an archive writes on a label, not a database key.
LARGEST_NUMBER = 99_999
REQUIRED = N_("Required.")
NOT_OURS = N_("Choose one of the archive's repositories.")
NUMBER = N_("Give a whole number from 1 to %(limit)s.")
PAPER_MEDIA = (Medium.PAPER, Medium.HYBRID)


def require_manager(actor: Actor, organisation_id: int) -> None:
    """Raise NotFound for another organisation, PermissionDenied unless the actor manages its storage."""
    if organisation_id not in actor.organisation_ids():
        raise NotFound()
    if not permissions.can_org_wide(actor, "storage.manage", organisation_id):
        raise PermissionDenied()


def manages_any(actor: Actor) -> bool:
    """Return True if the actor manages the storage of at least one of their organisations (the area's gate)."""
    return any(permissions.can_org_wide(actor, "storage.manage", org) for org in actor.organisation_ids())


# ---------------------------------------------------------------- reading


def repositories(session: Session, actor: Actor, organisation_id: int) -> list[Repository]:
    """Return the organisation's repositories with their boxes, by code."""
    require_manager(actor, organisation_id)
    query = (
        select(Repository)
        .where(Repository.organisation_id == organisation_id)
        .options(selectinload(Repository.boxes).selectinload(StorageBox.placements))
        .order_by(Repository.code)
    )
    return list(session.scalars(query))


def get_repository(session: Session, actor: Actor, repository_id: int) -> Repository:
    """Return a repository the actor manages; another organisation's is not found."""
    repository = session.get(Repository, repository_id)
    if repository is None:
        raise NotFound()
    require_manager(actor, repository.organisation_id)
    return repository


def get_box(session: Session, actor: Actor, box_id: int) -> StorageBox:
    """Return a box the actor manages, with its dossiers; another organisation's is not found."""
    box = session.get(StorageBox, box_id, options=[selectinload(StorageBox.placements)])
    if box is None:
        raise NotFound()
    require_manager(actor, box.organisation_id)
    return box


def placeable(session: Session, actor: Actor, organisation_id: int, limit: int = 500) -> list[Dossier]:
    """Return the paper and hybrid dossiers the archive holds and has not yet placed in a box, oldest first."""
    require_manager(actor, organisation_id)
    placed = select(DossierPlacement.dossier_id)
    query = (
        select(Dossier)
        .where(
            Dossier.organisation_id == organisation_id,
            Dossier.state == DossierState.ARCHIVED,
            Dossier.medium.in_(PAPER_MEDIA),
            Dossier.id.not_in(placed),
        )
        .order_by(Dossier.year, Dossier.file_notation)
        .limit(limit)
    )
    return list(session.scalars(query))


def placement_of(session: Session, dossier_id: int) -> DossierPlacement | None:
    """Return where a dossier is kept, None if it is in no box (for pages that already showed the dossier)."""
    return session.scalar(
        select(DossierPlacement)
        .where(DossierPlacement.dossier_id == dossier_id)
        .options(selectinload(DossierPlacement.box).selectinload(StorageBox.repository))
    )


def next_file_number(box: StorageBox) -> int:
    """Return the file number the next dossier put in the box gets unless the archivist gives another."""
    return max((placement.file_number for placement in box.placements), default=0) + 1


# ---------------------------------------------------------------- checking form values


def _number(value: Any, field: str, problems: list[Problem]) -> int | None:
    text = str(value).strip() if value is not None else ""
    if not text:
        problems.append(Problem(field, REQUIRED))
        return None
    number = value if isinstance(value, int) else metadata.whole_number(text)
    if number is None or not 1 <= number <= LARGEST_NUMBER:
        problems.append(Problem(field, NUMBER, {"limit": LARGEST_NUMBER}))
        return None
    return number


def _texts(data: dict, limits: dict[str, int], required: tuple[str, ...], problems: list[Problem]) -> dict[str, str]:
    values = {key: str(data.get(key) or "") for key in limits}
    try:
        values = metadata.check_text(values, limits)
    except InvalidMetadata as refused:
        problems.extend(refused.problems)
    for key in required:
        if not values[key]:
            problems.append(Problem(key, REQUIRED))
    return values


def _repository_in(
    session: Session, organisation_id: int, value: Any, problems: list[Problem], field: str = "repository_id"
) -> Repository | None:
    """Return the organisation's repository ``value`` names; another organisation's is as one that does not exist."""
    repository_id = _number(value, field, problems)
    if repository_id is None:
        return None
    repository = own_repository(session, organisation_id, repository_id)
    if repository is None:
        problems.append(Problem(field, NOT_OURS))
    return repository


def own_repository(session: Session, organisation_id: int, repository_id: int) -> Repository | None:
    """Return the repository if it is the organisation's own: its boxes join that organisation's fonds, so another
    organisation's, even one the same person also manages, is as one that does not exist."""
    repository = session.get(Repository, repository_id)
    return repository if repository is not None and repository.organisation_id == organisation_id else None


def _refuse(problems: list[Problem]) -> None:
    if problems:
        raise InvalidMetadata(problems)


# ---------------------------------------------------------------- repositories


def create_repository(session: Session, actor: Actor, organisation_id: int, data: dict, *, now: datetime) -> Repository:
    """Add a repository ("kho") with its code, name and address."""
    require_manager(actor, organisation_id)
    problems: list[Problem] = []
    values = _texts(data, REPOSITORY_TEXT, ("code", "name"), problems)
    _unique_code(session, organisation_id, values["code"], None, problems)
    _refuse(problems)
    repository = Repository(organisation_id=organisation_id, created_at=now, **values)
    session.add(repository)
    session.flush()
    audit.record(session, actor, "repository.created", "repository", repository.id, now=now, **values)
    return repository


def edit_repository(
    session: Session, actor: Actor, repository_id: int, data: dict, *, now: datetime, seen: dict[str, str] | None = None
) -> Repository:
    """Change a repository's code, name or address (its boxes' labels print the new code from now on); ``seen``:
    the values the form showed, so a save over someone else's is refused."""
    repository = get_repository(session, actor, repository_id)
    audit.refuse_changed(session, "repository", repository, seen, REPOSITORY_SEEN)
    problems: list[Problem] = []
    values = _texts(data, REPOSITORY_TEXT, ("code", "name"), problems)
    _unique_code(session, repository.organisation_id, values["code"], repository.id, problems)
    _refuse(problems)
    changed = {key: value for key, value in values.items() if getattr(repository, key) != value}
    for key, value in changed.items():
        setattr(repository, key, value)
    if changed:
        audit.record(session, actor, "repository.updated", "repository", repository.id, now=now, **changed)
    return repository


def _unique_code(session: Session, organisation_id: int, code: str, own_id: int | None, problems: list[Problem]):
    # K1 and k1 would be two repositories in the lists and the reports, whose labels print one code: compared whatever
    # their case, in Python (an archive has a few; SQLite's lower() leaves Vietnamese letters as they are).
    if not code:
        return
    held = session.execute(select(Repository.id, Repository.code).where(Repository.organisation_id == organisation_id))
    taken = next((found for found, other in held if other.casefold() == code.casefold() and found != own_id), None)
    if taken is not None:
        problems.append(Problem("code", N_("The archive already has a repository %(code)s."), {"code": code}))


# ---------------------------------------------------------------- boxes


def create_box(session: Session, actor: Actor, organisation_id: int, data: dict, *, now: datetime) -> StorageBox:
    """Add a box on a shelf of one of the organisation's repositories, under a number not yet used in the fonds."""
    require_manager(actor, organisation_id)
    problems: list[Problem] = []
    repository = _repository_in(session, organisation_id, data.get("repository_id"), problems)
    number = _number(data.get("number"), "number", problems)
    values = _texts(data, BOX_TEXT, ("shelf_unit",), problems)
    _unique_number(session, organisation_id, number, None, problems)
    _refuse(problems)
    assert repository is not None and number is not None  # _refuse raised otherwise
    box = StorageBox(
        organisation_id=organisation_id,
        repository_id=repository.id,
        number=number,
        created_by_id=actor.user_id,
        created_at=now,
        **values,
    )
    session.add(box)
    session.flush()
    audit.record(
        session,
        actor,
        "storage_box.created",
        "storage_box",
        box.id,
        now=now,
        place=box_labels.place_line(repository.code, box.shelf_unit, box.shelf, number),
        number=number,
        label=box.label,
    )
    return box


def edit_box(
    session: Session, actor: Actor, box_id: int, data: dict, *, now: datetime, seen_revision: int | None = None
) -> StorageBox:
    """Change a box's number or the heading of its label; its place changes only by :func:`move_box`.

    A new number changes where each dossier in it is found: each gets an audit event, as when the box moves.
    ``seen_revision`` is the revision the form showed: a save over someone else's is refused, naming who saved.
    """
    box = get_box(session, actor, box_id)
    problems: list[Problem] = []
    number = _number(data.get("number"), "number", problems)
    label = _texts(data, {"label": BOX_TEXT["label"]}, (), problems)["label"]
    _unique_number(session, box.organisation_id, number, box.id, problems)
    _refuse(problems)
    assert number is not None
    changed = sorted(key for key, value in (("number", number), ("label", label)) if getattr(box, key) != value)
    if seen_revision is not None and seen_revision != box.revision:
        raise audit.conflict(session, "storage_box", box.id, [BOX_TITLES[key] for key in changed])
    before = box_place(box)
    if not changed:
        return box
    box.number, box.label = number, label
    session.flush()
    audit.record(
        session,
        actor,
        "storage_box.updated",
        "storage_box",
        box.id,
        now=now,
        place_before=before,
        place=box_place(box),
        fields=changed,
        number=number,
        label=label,
    )
    if "number" in changed:
        _relocated(session, actor, box, before, now=now, why="renumbered")
    return box


def _unique_number(session: Session, organisation_id: int, number: int | None, own_id: int | None, problems) -> None:
    if number is None:
        return
    taken = session.scalar(
        select(StorageBox.id).where(StorageBox.organisation_id == organisation_id, StorageBox.number == number)
    )
    if taken is not None and taken != own_id:
        problems.append(Problem("number", N_("Box no. %(number)s already exists in the fonds."), {"number": number}))


def move_box(
    session: Session, actor: Actor, box_id: int, data: dict, *, now: datetime, seen_revision: int | None = None
) -> StorageBox:
    """Move a box to another shelf or repository: one change of the box, and an audit event for the box and for each
    dossier in it (the dossiers are where their box is). ``seen_revision`` is the revision the form showed: a move
    over someone else's is refused."""
    box = get_box(session, actor, box_id)
    problems: list[Problem] = []
    repository = _repository_in(session, box.organisation_id, data.get("repository_id"), problems)
    values = _texts(data, PLACE_TEXT, ("shelf_unit",), problems)
    _refuse(problems)
    assert repository is not None
    if seen_revision is not None and seen_revision != box.revision:
        raise RuleViolation(N_("Someone moved or changed this box after you opened the form: look at it again."))
    if (repository.id, values["shelf_unit"], values["shelf"]) == (box.repository_id, box.shelf_unit, box.shelf):
        raise RuleViolation(N_("Box no. %(number)s is already there."), number=box.number)
    before = box_place(box)
    box.repository_id, box.shelf_unit, box.shelf = repository.id, values["shelf_unit"], values["shelf"]
    session.flush()
    session.refresh(box, ["repository"])
    audit.record(
        session,
        actor,
        "storage_box.moved",
        "storage_box",
        box.id,
        now=now,
        place_before=before,
        place=box_place(box),
        dossiers=len(box.placements),
    )
    _relocated(session, actor, box, before, now=now, why="box_moved")
    return box


def box_place(box: StorageBox) -> str:
    """Return where a box stands, in the words of the archive's lists."""
    return box_labels.place_line(box.repository.code, box.shelf_unit, box.shelf, box.number)


def _relocated(session: Session, actor: Actor, box: StorageBox, before: str, *, now: datetime, why: str) -> None:
    """Audit on each dossier of the box that it is now elsewhere: its history shows where it went."""
    after = box_place(box)
    for placement in box.placements:
        audit.record(
            session,
            actor,
            "dossier.relocated",
            "dossier",
            placement.dossier_id,
            now=now,
            place_before=f"{before}, hồ sơ số {placement.file_number:02d} trong hộp",
            place=f"{after}, hồ sơ số {placement.file_number:02d} trong hộp",
            box_id=box.id,
            reason=why,
        )


# ---------------------------------------------------------------- placing dossiers


def place_dossier(
    session: Session, actor: Actor, box_id: int, dossier_id: Any, file_number: Any = "", *, now: datetime
) -> DossierPlacement:
    """Put a paper or hybrid dossier the archive holds in a box under ``file_number`` (empty: the box's next one);
    a dossier already in a box is taken from there (audited with both places)."""
    box = get_box(session, actor, box_id)
    problems: list[Problem] = []
    dossier = _held_dossier(session, box.organisation_id, dossier_id, problems)
    number = next_file_number(box) if str(file_number).strip() == "" else _number(file_number, "file_number", problems)
    if number is not None:
        taken = next((p for p in box.placements if p.file_number == number), None)
        if taken is not None and (dossier is None or taken.dossier_id != dossier.id):
            problems.append(
                Problem(
                    "file_number",
                    N_("File no. %(number)s of box no. %(box)s is already dossier %(code)s."),
                    {"number": number, "box": box.number, "code": taken.dossier.file_code},
                )
            )
    _refuse(problems)
    assert dossier is not None and number is not None
    placement = placement_of(session, dossier.id)
    before = "" if placement is None else dossier_place(placement)
    left = None if placement is None else placement.box
    if placement is None:
        placement = DossierPlacement(dossier_id=dossier.id, box_id=box.id, file_number=number)
        session.add(placement)
    elif (placement.box_id, placement.file_number) == (box.id, number):
        raise RuleViolation(N_("Dossier %(code)s is already there."), code=dossier.file_code)
    placement.box_id, placement.file_number = box.id, number
    placement.placed_by_id, placement.placed_at = actor.user_id, now
    session.flush()
    session.refresh(placement, ["box"])
    for changed in {box, left} - {None}:
        session.expire(changed, ["placements"])
    audit.record(
        session,
        actor,
        "dossier.placed",
        "dossier",
        dossier.id,
        now=now,
        place_before=before,
        place=dossier_place(placement),
        box_id=box.id,
        file_number=number,
        file_code=dossier.file_code,
    )
    return placement


def take_out(session: Session, actor: Actor, box_id: int, dossier_id: Any, *, now: datetime) -> Dossier:
    """Take a dossier out of a box (put there by mistake, or the box is being emptied): it is then in no box until
    placed again, audited on the dossier with the place it left."""
    box = get_box(session, actor, box_id)
    number = _number(dossier_id, "dossier_id", [])
    placement = next((placed for placed in box.placements if placed.dossier_id == number), None)
    if placement is None:
        raise RuleViolation(N_("That dossier is not in box no. %(box)s."), box=box.number)
    dossier = placement.dossier
    destruction.unshelve(session, actor, dossier, now=now, why="taken_out")
    return dossier


def _held_dossier(session: Session, organisation_id: int, value: Any, problems: list[Problem]) -> Dossier | None:
    dossier_id = _number(value, "dossier_id", problems)
    if dossier_id is None:
        return None
    dossier = session.get(Dossier, dossier_id)
    # Another organisation's dossier is as one that does not exist.
    if dossier is None or dossier.organisation_id != organisation_id:
        problems.append(Problem("dossier_id", N_("No dossier of the archive has this number.")))
        return None
    if dossier.state is not DossierState.ARCHIVED:
        problems.append(
            Problem(
                "dossier_id",
                N_(
                    "Dossier %(code)s is not held by the archive (it is %(state)s): only accepted dossiers are shelved."
                ),
                {"code": dossier.file_code, "state": dossier.state.value},
            )
        )
    elif dossier.medium not in PAPER_MEDIA:
        problems.append(
            Problem(
                "dossier_id",
                N_("Dossier %(code)s is electronic: only paper and hybrid dossiers are kept in boxes."),
                {"code": dossier.file_code},
            )
        )
    return dossier


def dossier_place(placement: DossierPlacement) -> str:
    """Return where a placed dossier is, in the words of the archive's lists."""
    box = placement.box
    return box_labels.place_line(box.repository.code, box.shelf_unit, box.shelf, box.number, placement.file_number)


# ---------------------------------------------------------------- labels


@dataclass(frozen=True)
class Labels:
    """A labels PDF and the name to download it under."""

    pdf: bytes
    name: str


def labels(
    session: Session, actor: Actor, organisation_id: int, box_ids: list[int], *, now: datetime, font: str = ""
) -> Labels:
    """Return the labels of the chosen boxes (all the organisation's boxes when none is chosen), by box number."""
    require_manager(actor, organisation_id)
    query = (
        select(StorageBox)
        .where(StorageBox.organisation_id == organisation_id)
        .options(
            selectinload(StorageBox.repository),
            selectinload(StorageBox.placements).selectinload(DossierPlacement.dossier),
        )
        .order_by(StorageBox.number)
    )
    if box_ids:
        query = query.where(StorageBox.id.in_(box_ids))
    boxes = list(session.scalars(query))
    if box_ids and len(boxes) != len(set(box_ids)):
        raise NotFound()
    organisation = session.get(Organisation, organisation_id)
    assert organisation is not None
    printed = [_label(organisation, box) for box in boxes]
    name = f"nhan-hop-{boxes[0].number:02d}.pdf" if len(boxes) == 1 else "nhan-hop.pdf"
    return Labels(box_labels.render(printed, now, font=font), name)


def _label(organisation: Organisation, box: StorageBox) -> box_labels.BoxLabel:
    placements = box.placements  # by file number
    return box_labels.BoxLabel(
        parent_name=organisation.parent_name,
        agency_name=organisation.name,
        fonds=organisation.code,
        box_number=box.number,
        first=placements[0].dossier.file_notation if placements else "",
        last=placements[-1].dossier.file_notation if placements else "",
        years=box_labels.years_of([placement.dossier.year for placement in placements]),
        place=box_place(box),
        heading=box.label,
    )
