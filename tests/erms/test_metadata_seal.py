"""A dossier's metadata is sealed when it closes (PL6 III.7.đ): a change made in the database itself, outside ERMS,
is found and named — never with the values — and the archive does not accept the dossier; reopening unseals it,
closing again seals what it then holds; what changes after closing by an audited decision is not sealed."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from erms import metadata_seal, supplementary
from erms.errors import RuleViolation
from erms.models import AuditEvent, MetadataSeal
from erms.models.dossier import DossierState
from filing import dossiers
from tests.erms.test_dossiers import dossier_item
from tests.factories import supplementary_field


def outside(session, sql: str, **params) -> None:
    """Change a row as someone with the database in hand would, past ERMS, then read it afresh."""
    session.execute(text(sql), params)
    session.expire_all()


def test_closing_seals_the_metadata_and_writes_its_digest_in_the_audit_log(session, make_dossier):
    dossier = make_dossier("closed", documents=2)
    kept = session.get(MetadataSeal, dossier.id)
    closed = session.scalar(select(AuditEvent).where(AuditEvent.action == "dossier.closed"))
    assert json.loads(closed.details)["metadata_sha256"] == kept.sha256
    sealed = json.loads(kept.content)
    assert sealed["dossier"]["title"] == dossier.title and [d["ordinal"] for d in sealed["documents"]] == [1, 2]
    assert metadata_seal.changes(kept, dossier) == []


def test_a_change_made_outside_erms_is_named_without_its_values_and_the_archive_refuses_it(
    session, world, store, now, make_dossier
):
    supplementary_field(session, world.org.id, "dossier", "ma_du_an", "Mã dự án")
    dossier = make_dossier("submitted", documents=2)
    document_id = dossier.links[1].document_id
    outside(
        session,
        "update dossiers set title = 'Hồ sơ khác', supplementary = :extra where id = :id",
        extra='{"ma_du_an": "X"}',
        id=dossier.id,
    )
    outside(session, "update documents set subject = 'Trích yếu khác' where id = :id", id=document_id)
    with pytest.raises(RuleViolation) as refused:
        dossiers.accept(session, world.actor("archivist"), dossier_item(session, dossier).id, store=store, now=now)
    said = str(refused.value.params)
    assert "Tiêu đề hồ sơ" in said and "Dữ liệu đặc tả bổ sung" in said and "văn bản số 2: Trích yếu nội dung" in said
    assert "Hồ sơ khác" not in said and "Trích yếu khác" not in said
    assert dossier.state is DossierState.SUBMITTED


def test_a_file_swapped_or_a_document_removed_outside_erms_is_found(session, make_dossier):
    dossier = make_dossier("closed", documents=2)
    first, second = dossier.links
    outside(
        session,
        "update document_versions set file_id = :other where document_id = :id",
        other=second.document.versions[0].file_id,
        id=first.document_id,
    )
    outside(session, "delete from dossier_documents where document_id = :id", id=second.document_id)
    found = metadata_seal.changes(session.get(MetadataSeal, dossier.id), dossier)
    assert found == [metadata_seal.Change("files", 1), metadata_seal.Change("documents", 2)]


def test_what_changes_by_an_audited_decision_after_closing_leaves_the_seal_whole(session, make_dossier):
    dossier = make_dossier("closed")
    outside(session, "update dossiers set rights = 'restricted', state = 'submitted' where id = :id", id=dossier.id)
    outside(session, "update documents set marking = 'mat' where id = :id", id=dossier.links[0].document_id)
    assert metadata_seal.changes(session.get(MetadataSeal, dossier.id), dossier) == []


def test_reopening_unseals_and_closing_again_seals_the_new_metadata(session, world, store, now, make_dossier):
    supplementary_field(session, world.org.id, "dossier", "ma_du_an", "Mã dự án")
    dossier = make_dossier("closed")
    officer = world.actor("officer1")
    dossiers.reopen_dossier(session, officer, dossier.id, "Bổ sung văn bản", now=now)
    session.flush()
    assert session.get(MetadataSeal, dossier.id) is None
    dossiers.update_dossier(session, officer, dossier.id, {"supplementary.ma_du_an": "DA-01"}, now=now)
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    session.flush()
    kept = session.get(MetadataSeal, dossier.id)
    assert json.loads(kept.content)["dossier"]["supplementary"] == {"ma_du_an": "DA-01"}
    assert supplementary.values_of(dossier) == {"ma_du_an": "DA-01"} and metadata_seal.changes(kept, dossier) == []


def test_a_hand_over_of_a_dossier_changed_outside_erms_aborts_naming_it_and_writes_nothing(
    session, world, store, now, make_dossier, tmp_path
):
    from exports import handover
    from tests.exports.test_handover import EARK_TOOL, build

    settings = handover.BuildSettings(store=store, out_dir=tmp_path / "out", eark_tool=EARK_TOOL)
    intact, changed = (make_dossier("archived", row="permanent") for _ in range(2))
    outside(session, "update documents set issued_date = '2026-03-09' where id = :id", id=changed.links[0].document_id)
    with pytest.raises(RuleViolation) as refused:
        build(session, world, settings, now, [intact.id, changed.id])
    assert refused.value.params == {"code": changed.file_code, "changes": "văn bản số 1: Ngày, tháng, năm văn bản"}
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
