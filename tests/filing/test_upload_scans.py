"""Digitisation intake at an officer's upload (issue 27): a file uploaded as a scan is held to TT 02/2019's rules
(refused when it cannot be checked, kept with a warning the archivist accepts when it misses a rule, and a dossier
with an unaccepted warning is not taken into the archive); a document asked to be a certified copy is one only once
the worker finds its file validly signed by the agency."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from PIL import Image
from pypdf import PdfWriter
from sqlalchemy import func, select

from administration import trust_roots
from erms.errors import InvalidMetadata, NotFound, PermissionDenied, RuleViolation
from erms.models import (
    AuditEvent,
    CertifiedCopy,
    Document,
    DossierDocument,
    Organisation,
    Role,
    RoleMembership,
    ScanCheck,
    User,
)
from erms.models.dossier import DossierState
from erms.permissions import load_actor
from filing import certified_copies, dossiers, scan_checks, scans, uploads
from tests.factories import DOCUMENT, NOW
from tests.filing.test_scans import a4, fpdf_pdf, pillow_pdf
from tests.filing.test_signature_evidence import worker
from tests.signing import ORGANISATION, issue, make_ca, plain_pdf, sign

YEAR = timedelta(days=365)


def colour_scan() -> bytes:
    return pillow_pdf(a4(200), resolution=200)


def grey_low_scan() -> bytes:
    """Two pages: the first meets the rules, the second is greyscale at 150 dpi."""
    return fpdf_pdf([(a4(200), 0, 210)], [(a4(150, "L"), 0, 210)])


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "white").save(buffer, "PNG")
    return buffer.getvalue()


def written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def locked() -> bytes:
    """A scan that opens only with a password."""
    writer = PdfWriter(clone_from=io.BytesIO(colour_scan()))
    writer.encrypt("mat-khau")
    return written(writer)


def add(session, world, store, now, dossier, content: bytes, name: str = "ban-so-hoa.pdf", **flags):
    return dossiers.add_document(
        session,
        world.actor("officer1"),
        dossier.id,
        dict(DOCUMENT),
        dossiers.Upload(name, io.BytesIO(content), 10**8),
        store=store,
        now=now,
        **flags,
    )


def archivist_abroad(session, now):
    """Return the archivist of another organisation."""
    other = Organisation(code="000.00.00.H27", name="UBND quận Ba Đình", created_at=now)
    session.add(other)
    session.flush()
    user = User(username="bd.archivist", full_name="Trần Thị Lưu", password_hash="!", created_at=now)
    user.memberships.append(RoleMembership(organisation_id=other.id, unit_id=None, role=Role.ARCHIVIST))
    session.add(user)
    session.flush()
    return load_actor(session, user.id)


def documents_in(session, dossier) -> int:
    return session.scalar(select(func.count()).where(DossierDocument.dossier_id == dossier.id))


@pytest.mark.parametrize(
    ("content", "template"),
    [
        (png(), scans.NOT_A_PDF),
        (b"%PDF-1.7\n\x00\x01 garbage that is no PDF at all", scans.UNREADABLE),
        (locked(), scans.ENCRYPTED),
        (written(PdfWriter()), scans.NO_PAGES),
    ],
    ids=["png", "unreadable", "password", "no-pages"],
)
def test_a_file_that_is_not_a_readable_pdf_is_refused_as_a_scan_and_nothing_is_kept(
    session, world, store, now, make_dossier, content, template
):
    dossier = make_dossier("open", documents=0)
    with pytest.raises(InvalidMetadata) as refused, session.begin_nested():
        add(session, world, store, now, dossier, content, name="anh.png", scan=True)
    assert [(problem.field, problem.template) for problem in refused.value.problems] == [("file", template)]
    assert documents_in(session, dossier) == 0
    assert session.scalar(select(func.count()).select_from(ScanCheck)) == 0


def test_a_scan_that_meets_the_rules_is_kept_without_a_warning(session, world, store, now, make_dossier):
    dossier = make_dossier("open", documents=0)
    document = add(session, world, store, now, dossier, colour_scan(), scan=True)
    checked = scan_checks.of_versions(session, [document.versions[0].id])[document.versions[0].id]
    assert (checked.pdf_version, checked.pages, checked.lowest_dpi, checked.colour_modes) == ("1.4", 1, 200, "colour")
    assert scan_checks.problems_of(checked) == [] and not scan_checks.warning(checked)
    added = session.scalars(select(AuditEvent).where(AuditEvent.action == "document.added")).all()[-1]
    assert json.loads(added.details)["scan_problems"] == 0


def test_a_scan_missing_a_rule_is_kept_with_a_warning_that_blocks_acceptance_until_the_archivist_accepts_it(
    session, world, store, now, make_dossier
):
    dossier = make_dossier("open", documents=0)
    document = add(session, world, store, now, dossier, grey_low_scan(), scan=True)
    version = document.versions[0]
    checked = scan_checks.of_versions(session, [version.id])[version.id]
    assert [(problem.template, problem.params.get("page")) for problem in scan_checks.problems_of(checked)] == [
        (scans.LOW_DPI, 2),
        (scans.IN_GREYSCALE, 2),
    ]
    assert scan_checks.warning(checked)
    officer, archivist = world.actor("officer1"), world.actor("archivist")
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    item = dossiers.submit(session, officer, [dossier.id], now=now).items[0]
    assert [row.version_id for row in scan_checks.unaccepted(session, [dossier.id])[dossier.id]] == [version.id]

    with pytest.raises(RuleViolation) as refused:
        dossiers.accept(session, archivist, item.id, store=store, now=now)
    assert refused.value.template == scan_checks.UNACCEPTED and refused.value.params == {"count": 1}
    assert dossier.state is DossierState.SUBMITTED

    with pytest.raises(PermissionDenied):
        scan_checks.accept(session, officer, version.id, now=now)  # the officer who uploaded it cannot
    scan_checks.accept(session, archivist, version.id, now=now)
    assert checked.accepted_by_id == archivist.user_id and checked.accepted_at == now
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "scan_warning.accepted")).one()
    assert (event.actor_name, event.subject_type, event.subject_id) == ("archivist", "document", document.id)
    assert "Page 2 is in greyscale" in " ".join(json.loads(event.details)["problems"])
    with pytest.raises(RuleViolation):
        scan_checks.accept(session, archivist, version.id, now=now)  # once is enough

    assert scan_checks.unaccepted(session, [dossier.id]) == {}
    dossiers.accept(session, archivist, item.id, store=store, now=now)
    assert dossier.state is DossierState.ARCHIVED


def test_only_an_archivist_of_the_organisation_accepts_a_warning(session, world, store, now, make_dossier):
    dossier = make_dossier("open", documents=0)
    version = add(session, world, store, now, dossier, grey_low_scan(), scan=True).versions[0]
    with pytest.raises(NotFound):  # another organisation's archivist: no such file
        scan_checks.accept(session, archivist_abroad(session, now), version.id, now=now)
    plain = add(session, world, store, now, dossier, colour_scan(), name="dat-chuan.pdf", scan=True).versions[0]
    with pytest.raises(RuleViolation) as refused:
        scan_checks.accept(session, world.actor("archivist"), plain.id, now=now)
    assert refused.value.template == scan_checks.NOTHING_TO_ACCEPT


def test_a_batch_of_scans_is_checked_file_by_file(session, world, store, now, make_dossier):
    dossier = make_dossier("open", documents=0)
    files = [
        dossiers.Upload(f"trang-{n}.pdf", io.BytesIO(content), 10**8)
        for n, content in enumerate([colour_scan(), grey_low_scan()])
    ]
    added = dossiers.add_documents(
        session, world.actor("officer1"), dossier.id, dict(DOCUMENT), files, store=store, now=now, scan=True
    )
    found = scan_checks.of_versions(session, [document.versions[0].id for document in added])
    assert [scan_checks.warning(found[document.versions[0].id]) for document in added] == [False, True]


def test_the_api_takes_the_scan_flag_and_refuses_on_upload_id(session, world, store, now, make_dossier, tmp_path):
    dossier = make_dossier("open", documents=0)
    officer = world.actor("officer1")
    content = png()
    upload = uploads.start(session, officer, "anh.png", len(content), None, now=now)
    part = uploads.part_path(tmp_path, upload.id)
    part.write_bytes(content)
    upload.received = len(content)
    with pytest.raises(InvalidMetadata) as refused, session.begin_nested():
        uploads.add_document(
            session,
            officer,
            dossier.id,
            dict(DOCUMENT),
            upload.id,
            folder=tmp_path,
            store=store,
            max_size=10**8,
            now=now,
            scan=True,
        )
    assert [(problem.field, problem.template) for problem in refused.value.problems] == [("upload_id", scans.NOT_A_PDF)]
    assert documents_in(session, dossier) == 0


# ---------------------------------------------------------------- certified copies


@pytest.fixture(scope="module")
def pki():
    """A CA installed as trusted in some tests; a seal of the agency (CN its name) and a person it certified."""
    ca = make_ca("Ban Cơ yếu thử nghiệm", not_before=NOW - 5 * YEAR, not_after=NOW + 10 * YEAR)
    return {
        "ca": ca,
        "agency": issue(ca, "UBND quận Đống Đa", not_before=NOW - YEAR, not_after=NOW + 2 * YEAR),
        "person": issue(ca, "Nguyễn Văn Ký", not_before=NOW - YEAR, not_after=NOW + 2 * YEAR),
    }


def certified(session, world, store, now, make_dossier, pdf: bytes):
    dossier = make_dossier("open", documents=0)
    document = add(session, world, store, now, dossier, pdf, name="ban-sao-y.pdf", certified_copy=True)
    return document, certified_copies.of_documents(session, [document.id])[document.id]


def test_a_document_signed_by_the_agency_is_confirmed_as_a_certified_copy_once_the_worker_checks_it(
    session, session_factory, world, store, now, make_dossier, pki
):
    trust_roots.add(session, None, pki["ca"].cert_pem, now=now)
    document, copy = certified(
        session, world, store, now, make_dossier, sign(plain_pdf(), pki["agency"], [pki["ca"]], when=now)
    )
    assert copy.outcome == certified_copies.PENDING
    worker(session, session_factory, store, now)
    copy = session.get(CertifiedCopy, copy.id)
    assert (copy.outcome, copy.reason) == (certified_copies.CONFIRMED, "")
    assert copy.detail.startswith("UBND quận Đống Đa")
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == document.id)).all()
    assert "certified_copy.requested" in actions and "certified_copy.confirmed" in actions


def test_a_signer_whose_certificate_names_the_agency_as_its_organisation_belongs_to_it(
    session, session_factory, world, store, now, make_dossier, pki
):
    world.org.name = ORGANISATION  # the O of every certificate the tests issue
    session.flush()
    trust_roots.add(session, None, pki["ca"].cert_pem, now=now)
    _, copy = certified(
        session, world, store, now, make_dossier, sign(plain_pdf(), pki["person"], [pki["ca"]], when=now)
    )
    worker(session, session_factory, store, now)
    assert session.get(CertifiedCopy, copy.id).outcome == certified_copies.CONFIRMED


def test_a_signature_of_another_organisation_an_untrusted_one_or_none_makes_no_certified_copy(
    session, session_factory, world, store, now, make_dossier, pki
):
    untrusted_document, untrusted = certified(
        session, world, store, now, make_dossier, sign(plain_pdf(), pki["agency"], [pki["ca"]], when=now)
    )
    worker(session, session_factory, store, now)  # no root installed yet: the chain leads nowhere trusted
    untrusted = session.get(CertifiedCopy, untrusted.id)
    assert (untrusted.outcome, untrusted.reason, untrusted.detail) == ("refused", "not_valid", "untrusted")

    trust_roots.add(session, None, pki["ca"].cert_pem, now=now)
    _, other = certified(
        session, world, store, now, make_dossier, sign(plain_pdf("Khác"), pki["person"], [pki["ca"]], when=now)
    )
    worker(session, session_factory, store, now)
    other = session.get(CertifiedCopy, other.id)
    assert (other.outcome, other.reason) == ("refused", "not_the_agency")
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "certified_copy.refused")).all()
    assert "Nguyễn Văn Ký" in other.detail
    # Installing the root checked the first file again: the agency's seal now makes it a certified copy.
    assert session.get(CertifiedCopy, untrusted.id).outcome == "confirmed"

    _, unsigned = certified(session, world, store, now, make_dossier, plain_pdf("Chưa ký"))
    assert (unsigned.outcome, unsigned.reason) == ("refused", "unsigned")  # decided at once: nothing to wait for


def test_only_a_final_document_is_a_certified_copy(session, world, store, now, make_dossier):
    dossier = make_dossier("open", documents=0)
    with pytest.raises(InvalidMetadata) as refused, session.begin_nested():
        dossiers.add_document(
            session,
            world.actor("officer1"),
            dossier.id,
            {**DOCUMENT, "status": "draft"},
            dossiers.Upload("du-thao.pdf", io.BytesIO(plain_pdf()), 10**8),
            store=store,
            now=now,
            certified_copy=True,
        )
    assert [problem.template for problem in refused.value.problems] == [certified_copies.ONLY_FINAL]
    assert (
        session.scalar(select(func.count()).select_from(Document).where(Document.subject == DOCUMENT["subject"])) == 0
    )


@pytest.mark.parametrize(
    ("signer", "name", "belongs"),
    [
        ("UBND quận Đống Đa, Văn phòng Chính phủ", "UBND quận Đống Đa", True),
        ("Nguyễn Văn A, UBND QUẬN  Đống Đa", "UBND quận Đống Đa", True),
        ("UBND quận Đống Đa", "ubnd quận đống đa", True),
        ("Nguyễn Văn A, UBND quận Hoàn Kiếm", "UBND quận Đống Đa", False),
        ("Nguyễn Văn A, UBND quận Đống Đa mở rộng", "UBND quận Đống Đa", False),
        ("Nguyễn Văn A", "", False),
    ],
)
def test_a_signer_belongs_to_the_agency_by_its_o_or_its_cn(signer, name, belongs):
    assert certified_copies.belongs_to(signer, name) is belongs
