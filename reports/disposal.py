"""What left the organisation's custody: dossiers destroyed ("tiêu hủy") per decision, and handed over to the
historical archive ("nộp lưu vào Lưu trữ lịch sử") per receipt, each line naming the decision or the receipt.

One GROUP BY query per kind, over the dossiers in scope: a destruction list counts the dossiers it destroyed (the
extent recorded when they were proposed: their content is gone); a received batch counts the dossiers its receipt
listed, with the extent each dossier kept from its closing. The year is the one the destruction was carried out,
or the receipt's date.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from erms.config import LOCAL_TZ
from erms.errors import N_
from erms.models import (
    DestructionItem,
    DestructionList,
    HandoverBatch,
    HandoverItem,
    HandoverReceipt,
)
from erms.models.dossier import Dossier, DossierState
from erms.models.handover import HandoverOutcome
from reports.figures import DAY, TEXT, Cell, Column, Drill, Record, Table
from reports.scope import Scope

NAME = "holdings"
COLUMNS = (
    Column("year", N_("Year"), TEXT),
    Column("kind", N_("Outcome"), TEXT),
    Column("paper", N_("Decision or receipt"), TEXT),
    Column("on", N_("Date"), DAY),
    Column("dossiers", N_("Dossiers")),
    Column("documents", N_("Documents")),
    Column("pages", N_("Pages")),
)


def _dossiers(scope: Scope, year: int | None, state: DossierState):
    narrow = [*scope.narrow(Dossier.unit_id), *([Dossier.year == year] if year is not None else [])]
    return [Dossier.organisation_id == scope.organisation.id, Dossier.state == state, *narrow]


def destroyed(scope: Scope, year: int | None) -> Select:
    """Return, per executed destruction list, the dossiers it destroyed within the scope and their recorded extent."""
    return (
        select(
            DestructionList.id,
            DestructionList.decision_number,
            DestructionList.decision_date,
            DestructionList.executed_at,
            func.count(DestructionItem.id).label("dossiers"),
            func.coalesce(func.sum(DestructionItem.documents), 0).label("documents"),
            func.coalesce(func.sum(DestructionItem.pages), 0).label("pages"),
        )
        .join(DestructionItem, DestructionItem.destruction_list_id == DestructionList.id)
        .join(Dossier, Dossier.id == DestructionItem.dossier_id)
        .where(*_destroyed_by_its_list(), *_dossiers(scope, year, DossierState.DESTROYED))
        .group_by(
            DestructionList.id,
            DestructionList.decision_number,
            DestructionList.decision_date,
            DestructionList.executed_at,
        )
    )


def _destroyed_by_its_list() -> tuple:
    # A destroyed dossier may have been on a list withdrawn before (it destroyed nothing), or kept back on one by a
    # hold: the list that destroyed it is its one item neither withdrawn nor held.
    return DestructionItem.withdrawn.is_(False), DestructionItem.held.is_(False)


def transferred(scope: Scope, year: int | None) -> Select:
    """Return, per received hand-over batch, the dossiers its receipt listed within the scope and their extent (the
    one each kept from its closing: a batch holds a dossier once)."""
    return (
        select(
            HandoverBatch.id,
            HandoverReceipt.reference,
            HandoverReceipt.received_on,
            func.count(Dossier.id).label("dossiers"),
            func.coalesce(func.sum(Dossier.extent_documents), 0).label("documents"),
            func.coalesce(func.sum(Dossier.extent_pages), 0).label("pages"),
        )
        .join(HandoverReceipt, HandoverReceipt.batch_id == HandoverBatch.id)
        .join(HandoverItem, HandoverItem.batch_id == HandoverBatch.id)
        .join(Dossier, Dossier.id == HandoverItem.dossier_id)
        .where(HandoverItem.outcome == HandoverOutcome.RECEIVED, *_dossiers(scope, year, DossierState.TRANSFERRED))
        .group_by(HandoverBatch.id, HandoverReceipt.reference, HandoverReceipt.received_on)
    )


def table(session: Session, scope: Scope, year: int | None) -> Table:
    """Return the destroyed and transferred dossiers, a line per decision or receipt, oldest first."""
    base = (*((("year", str(year)),) if year is not None else ()), *scope.filters())
    lines = []
    for list_id, number, decided_on, executed_at, dossiers, documents, pages in session.execute(destroyed(scope, year)):
        when = executed_at.astimezone(LOCAL_TZ).date() if executed_at else decided_on
        drill = Drill(NAME, "destroyed", (*base, ("decision", str(list_id))))
        paper = Cell(number or N_("Destruction list"), label=not number, record=Record("destruction_list", list_id))
        lines.append((when, Cell(N_("Destroyed"), label=True), paper, decided_on, dossiers, documents, pages, drill))
    for batch_id, reference, received_on, dossiers, documents, pages in session.execute(transferred(scope, year)):
        drill = Drill(NAME, "transferred", (*base, ("batch", str(batch_id))))
        paper = Cell(reference, record=Record("handover_batch", batch_id))
        day = _day(received_on)
        lines.append((day, Cell(N_("Handed over"), label=True), paper, day, dossiers, documents, pages, drill))
    rows = tuple(
        (Cell(when.year if when else ""), kind, paper, Cell(on), Cell(dossiers, drill), Cell(documents), Cell(pages))
        for when, kind, paper, on, dossiers, documents, pages, drill in sorted(lines, key=_order)
    )
    note = N_(
        "Destroyed: the dossiers an executed destruction list destroyed, with the extent recorded when they were "
        "proposed, in the year the destruction was carried out. Handed over: the dossiers the historical archive's "
        "receipt listed, in the year of the receipt."
    )
    return Table("disposal", N_("Destroyed and handed over"), COLUMNS, rows, None, note)


def _order(line: tuple):
    when = line[0]
    return (when is None, when.toordinal() if when else 0, str(line[2].value))


def _day(text: str) -> date | None:
    """Return the receipt's ISO date (as the historical archive wrote it), or None if it names no day."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def drill_query(figure: str, scope: Scope, year: int | None, paper_id: int) -> Select:
    """Return the dossiers of one decision ("destroyed") or one receipt ("transferred") within the scope."""
    if figure == "destroyed":
        decided = select(DestructionItem.dossier_id).where(
            DestructionItem.destruction_list_id == paper_id, *_destroyed_by_its_list()
        )
        return select(Dossier).where(*_dossiers(scope, year, DossierState.DESTROYED), Dossier.id.in_(decided))
    received = select(HandoverItem.dossier_id).where(
        HandoverItem.batch_id == paper_id, HandoverItem.outcome == HandoverOutcome.RECEIVED
    )
    return select(Dossier).where(*_dossiers(scope, year, DossierState.TRANSFERRED), Dossier.id.in_(received))
