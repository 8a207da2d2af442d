"""Signed PDFs checked by the worker after capture, the check kept as evidence with the file, shown on the dossier
page, checked again when the trust roots change, and carried into the hand-over package (PREMIS, CITS ERMS)."""

from __future__ import annotations

import dataclasses
import io
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from sqlalchemy import delete, select

from administration import trust_roots
from erms import jobs
from erms.cli import erms_group
from erms.errors import InvalidMetadata, PermissionDenied, RuleViolation
from erms.models import SearchQueueItem, SignatureCheck, StoredFile
from exports.bagging import verify
from filing import dossiers, signature_checks
from tests.exports.test_handover import build, settings  # noqa: F401
from tests.factories import DOCUMENT, NOW
from tests.signing import issue, make_ca, plain_pdf, sign

YEAR = timedelta(days=365)


@pytest.fixture(scope="module")
def authority():
    """A government CA of the tests' own, and a signer it certified."""
    ca = make_ca("Ban Cơ yếu thử nghiệm", not_before=NOW - 5 * YEAR, not_after=NOW + 10 * YEAR)
    return ca, issue(ca, "Nguyễn Văn Ký", not_before=NOW - YEAR, not_after=NOW + 2 * YEAR)


def file_signed(session, world, store, now, make_dossier, pdf: bytes, row: str = "10y"):
    """Add ``pdf`` as a document of a new open dossier; return the dossier and the stored file."""
    dossier = make_dossier("open", row=row, documents=0)
    upload = dossiers.Upload("quyet-dinh-ky-so.pdf", io.BytesIO(pdf), 10**7)
    document = dossiers.add_document(
        session, world.actor("officer1"), dossier.id, dict(DOCUMENT), upload, store=store, now=now
    )
    return dossier, document.versions[0].file


def worker(session, session_factory, store, now) -> int:
    """Do what the worker does every 2 s, then read afresh what it wrote."""
    session.commit()
    checked = jobs.check_signatures(session_factory, store, clock=lambda: now)
    session.expire_all()
    return checked


def test_a_signed_file_is_checked_by_the_worker_and_again_once_its_root_is_installed(
    session, session_factory, world, store, now, make_dossier, authority
):
    ca, signer = authority
    _, stored = file_signed(session, world, store, now, make_dossier, sign(plain_pdf(), signer, [ca], when=now))
    assert stored.has_pdf_signature
    assert signature_checks.evidence(session, [stored])[stored.id].status == signature_checks.PENDING
    assert worker(session, session_factory, store, now) == 1
    first = signature_checks.evidence(session, [stored])[stored.id]
    assert first.status == "untrusted"  # no root installed: the chain leads nowhere trusted
    assert worker(session, session_factory, store, now) == 0  # checked once against these roots

    session.execute(delete(SearchQueueItem))
    trust_roots.add(session, None, ca.cert_pem, now=now)
    assert signature_checks.evidence(session, [stored])[stored.id].status == signature_checks.PENDING
    session.commit()
    queued = set(session.scalars(select(SearchQueueItem.key)))
    assert f"file!{stored.id}" in queued  # the search index hears the verdict is pending again
    assert worker(session, session_factory, store, now) == 1
    shown = signature_checks.evidence(session, [stored])[stored.id]
    assert shown.status == "valid"
    [finding] = shown.findings
    assert "Nguyễn Văn Ký" in finding.signer and finding.chain == "trusted" and finding.revocation == "not checked"
    checks = session.scalars(select(SignatureCheck).where(SignatureCheck.stored_file_id == stored.id)).all()
    assert [check.status for check in checks] == ["untrusted", "valid"]  # both kept, each with its roots
    assert checks[0].roots == "" and checks[1].roots == trust_roots.roots(session)[0].fingerprint


def test_the_hand_over_package_carries_each_check_in_premis_and_cits(
    session,
    session_factory,
    world,
    store,
    now,
    make_dossier,
    authority,
    settings,  # noqa: F811
):
    ca, signer = authority
    trust_roots.add(session, None, ca.cert_pem, now=now)
    signed = sign(plain_pdf(), signer, [ca], when=now)
    dossier, _ = file_signed(session, world, store, now, make_dossier, signed, row="permanent")
    worker(session, session_factory, store, now)
    archived = _archive(session, world, store, now, dossier)
    quick = dataclasses.replace(settings, eark_tool=None)
    _, package = build(session, world, quick, now, [archived.id])
    assert package.report and all(check.status != "failed" for check in verify.from_json(package.report))
    root = verify.package_root(Path(package.path))
    premis = etree.parse(str(root / "metadata/preservation/PREMIS.xml"))
    ns = {"p": "http://www.loc.gov/premis/v3"}
    [event] = premis.xpath("//p:event[p:eventType='validation']", namespaces=ns)
    assert event.xpath("string(p:eventOutcomeInformation/p:eventOutcome)", namespaces=ns) == "valid"
    assert "Nguyễn Văn Ký" in event.xpath("string(.//p:eventOutcomeDetailNote)", namespaces=ns)
    cits = etree.parse(str(root / "metadata/descriptive/ERMS.xml"))
    verified = cits.xpath(
        "//e:eSignature[@present='true']/@dateeSignatureIsVerified", namespaces={"e": "https://DILCIS.eu/XML/ERMS"}
    )
    assert len(verified) == 1 and verified[0].startswith(now.astimezone().strftime("%Y"))


def _archive(session, world, store, now, dossier):
    """Walk the open dossier to the agency archive, as the factories' archived dossiers are."""
    officer = world.actor("officer1")
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    transfer = dossiers.submit(session, officer, [dossier.id], now=now)
    dossiers.accept(session, world.actor("archivist"), transfer.items[0].id, store=store, now=now)
    return dossier


def test_only_a_certification_authority_is_installed_and_only_by_the_deployment_administrator(
    session, world, now, authority
):
    ca, signer = authority
    with pytest.raises(InvalidMetadata, match="not a certification authority"):
        trust_roots.add(session, None, signer.cert_pem, now=now)
    with pytest.raises(InvalidMetadata, match="not an X.509 certificate"):
        trust_roots.add(session, None, b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", now=now)
    with pytest.raises(PermissionDenied):
        trust_roots.add(session, world.actor("admin"), ca.cert_pem, now=now)
    trust_roots.add(session, None, ca.cert_der, now=now)  # DER as well as PEM
    with pytest.raises(RuleViolation, match="installed already"):
        trust_roots.add(session, None, ca.cert_pem, now=now)
    assert session.scalar(select(StoredFile.id).limit(1)) is None  # nothing else was written


def test_the_console_installs_lists_and_removes_a_root(tmp_path, authority):
    ca, _ = authority
    runner = CliRunner(env={"ERMS_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": ""})
    assert runner.invoke(erms_group, ["db", "upgrade"]).exit_code == 0
    (tmp_path / "root.pem").write_bytes(ca.cert_pem)
    added = runner.invoke(erms_group, ["trust", "add", str(tmp_path / "root.pem")])
    assert added.exit_code == 0, added.output
    fingerprint = added.output.split()[1]
    listed = runner.invoke(erms_group, ["trust", "list"]).output
    assert listed.startswith(fingerprint) and "Ban Cơ yếu thử nghiệm" in listed
    assert runner.invoke(erms_group, ["trust", "remove", fingerprint]).exit_code == 0
    assert runner.invoke(erms_group, ["trust", "list"]).output == ""
    (tmp_path / "not.pem").write_bytes(b"hello")
    refused = runner.invoke(erms_group, ["trust", "add", str(tmp_path / "not.pem")])
    assert (
        refused.exit_code == 1 and "error: file: The file is not an X.509 certificate (PEM or DER)." in refused.output
    )
