"""Paper in the holdings ("tài liệu giấy"): the paper and hybrid dossiers in custody, repository by repository, with
the boxes they fill and the shelf metres those make (PL6 III.6.a; issue 28's media).

One query groups the paper dossiers in custody by the repository of the box each is placed in; those the archive
has not boxed yet (a unit's closed paper dossiers, say) make a line of their own. A box counts once in its
repository however many of the reader's dossiers it holds.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erms.errors import N_
from erms.models.dossier import Dossier, Medium
from erms.models.storage import BOXES_PER_METRE, DossierPlacement, Repository, StorageBox
from reports.figures import TEXT, Cell, Column, Table, add
from reports.scope import Scope

METRES = "metres"  # a column's kind: shelf metres, one decimal

COLUMNS = (
    Column("code", N_("Code"), TEXT),
    Column("repository", N_("Repository"), TEXT),
    Column("boxes", N_("Boxes")),
    Column("metres", N_("Shelf metres"), METRES),
    Column("dossiers", N_("Paper dossiers")),
    Column("sheets", N_("Sheets")),
)
MEASURES = ("boxes", "dossiers", "sheets")
NOTE = N_(
    "Paper and hybrid dossiers in custody, by the repository of their box; a box counts once however many of them it "
    "holds. Ten standard boxes (10 cm) make a metre of shelf."
)


def table(session: Session, scope: Scope, custody) -> Table:
    """Return the paper of ``custody`` (the holdings' query of the dossiers in custody), per repository."""
    paper = (
        custody.where(Dossier.medium.in_((Medium.PAPER, Medium.HYBRID)))
        .outerjoin(DossierPlacement, DossierPlacement.dossier_id == Dossier.id)
        .outerjoin(StorageBox, StorageBox.id == DossierPlacement.box_id)
        .with_only_columns(
            StorageBox.repository_id,
            func.count(func.distinct(DossierPlacement.box_id)).label("boxes"),
            func.count(Dossier.id).label("dossiers"),
            func.coalesce(func.sum(Dossier.sheet_total), 0).label("sheets"),
        )
        .group_by(StorageBox.repository_id)
    )
    found = {row["repository_id"]: dict(row) for row in session.execute(paper).mappings()}
    repositories = session.scalars(
        select(Repository).where(Repository.organisation_id == scope.organisation.id).order_by(Repository.code)
    ).all()
    rows = [_row(Cell(r.code), Cell(r.name), found.get(r.id, {})) for r in repositories]
    if None in found:
        rows.append(_row(Cell(""), Cell(N_("Not in a box yet"), label=True), found[None]))
    total = _row(Cell(""), Cell(N_("Total"), label=True), add(found.values(), MEASURES))
    return Table("paper", N_("Paper in the repositories"), COLUMNS, tuple(rows), total, NOTE)


def _row(code: Cell, name: Cell, values) -> tuple[Cell, ...]:
    boxes = int(values.get("boxes") or 0)
    return (
        code,
        name,
        Cell(boxes),
        Cell(boxes / BOXES_PER_METRE),
        Cell(int(values.get("dossiers") or 0)),
        Cell(int(values.get("sheets") or 0)),
    )
