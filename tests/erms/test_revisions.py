"""Revisions (NĐ 30 PL6 IV.2): a save made from an earlier revision is refused with who, when and what differs;
two transactions changing one dossier at once on PostgreSQL: the second fails instead of overwriting the first."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from erms import db
from erms.errors import Conflict
from erms.models import Dossier, RegisterEntry
from erms.models.register import RegisterKind
from erms.storage import FileStore
from filing import dossiers, registers
from tests.databases import own_database
from tests.factories import DOCUMENT, NOW, World, make_dossier, upload


def test_a_save_from_an_earlier_revision_names_who_saved_since_and_changes_nothing(session, world, now, make_dossier):
    dossier = make_dossier("open")
    seen = dossier.revision
    dossiers.update_dossier(session, world.actor("unithead"), dossier.id, {"title": "Bản của trưởng phòng"}, now=now)
    session.flush()
    assert dossier.revision == seen + 1
    with pytest.raises(Conflict) as refused:
        dossiers.update_dossier(
            session, world.actor("officer1"), dossier.id, {"title": "Bản của chuyên viên"}, now=now, seen_revision=seen
        )
    assert str(refused.value) == (
        "Nguyễn Văn unithead saved this record at 15/06/2026 10:00, after you opened the form, so nothing of yours "
        "was saved. Your form differs from the record now in: Tiêu đề hồ sơ. Check them and save again."
    )
    assert dossier.title == "Bản của trưởng phòng"
    dossiers.update_dossier(
        session, world.actor("officer1"), dossier.id, {"title": "Bản của chuyên viên"}, now=now, seen_revision=seen + 1
    )
    assert dossier.title == "Bản của chuyên viên"


def open_dossier(setup: Session, tmp_path) -> tuple[int, str, object, object]:
    dossier = make_dossier(setup, World(setup, NOW), FileStore(tmp_path / "files"), NOW, "open", documents=0)
    return dossier.id, "title", "Bản thứ nhất", "Bản thứ hai"


def register_line(setup: Session, tmp_path) -> tuple[int, str, object, object]:
    world = World(setup, NOW)
    registry, store = world.actor("registry"), FileStore(tmp_path / "files")
    line = registers.register_document(
        setup, registry, world.org.id, RegisterKind.INCOMING, DOCUMENT, upload(), store=store, now=NOW
    )
    return line.id, "assigned_unit_id", world.unit_a.id, world.unit_b.id


@pytest.mark.parametrize(
    "model,made", [(Dossier, open_dossier), (RegisterEntry, register_line)], ids=["dossier", "line"]
)
def test_two_transactions_changing_one_row_at_once_the_second_fails(database_url, tmp_path, model, made):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite runs writing transactions one at a time from their start: none meets a newer row")
    with own_database(database_url, tmp_path, "race") as url:
        engine = db.make_engine(url)
        with Session(engine) as setup:
            record_id, field, mine, theirs = made(setup, tmp_path)
            setup.commit()
        with Session(engine) as first, Session(engine) as second:
            setattr(first.get(model, record_id), field, mine)
            setattr(second.get(model, record_id), field, theirs)  # read before the first commits
            first.commit()
            with pytest.raises(StaleDataError):
                second.commit()
        with Session(engine) as check:
            assert getattr(check.get(model, record_id), field) == mine
        engine.dispose()
