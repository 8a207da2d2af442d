"""Signature validation at capture: what the records officer sees for PDFs signed by a CA the tests make."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from filing.signatures import (
    Finding,
    Report,
    Status,
    from_json,
    read_roots,
    report_from_json,
    to_json,
    validate,
    validate_in_child,
)
from tests.signing import Authority, issue, make_ca, modify_after_signing, plain_pdf, revoke, sign, tamper

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SIGNED_AT = NOW - timedelta(days=2)
YEAR = timedelta(days=365)


@dataclass(frozen=True)
class Pki:
    root: Authority
    other_root: Authority
    signer: Authority
    second_signer: Authority
    short_lived: Authority
    tsa: Authority


@pytest.fixture(scope="module")
def pki() -> Pki:
    root = make_ca("CA gốc thử nghiệm", not_before=NOW - 10 * YEAR, not_after=NOW + 10 * YEAR)
    other_root = make_ca("CA lạ", not_before=NOW - YEAR, not_after=NOW + YEAR)

    def person(name: str, lifetime: timedelta = YEAR) -> Authority:
        return issue(root, name, not_before=SIGNED_AT - timedelta(days=30), not_after=SIGNED_AT + lifetime)

    tsa = issue(root, "Máy chủ dấu thời gian", not_before=NOW - YEAR, not_after=NOW + 10 * YEAR, timestamping=True)
    return Pki(
        root, other_root, person("Nguyễn Văn An"), person("Trần Thị Bình"), person("Lê Văn Cường", YEAR / 12), tsa
    )


@pytest.fixture(scope="module")
def signed(pki: Pki) -> bytes:
    return sign(plain_pdf(), pki.signer, [pki.root], when=SIGNED_AT)


def only(report: Report) -> Finding:
    assert len(report.findings) == 1, report
    return report.findings[0]


def test_a_valid_signature_names_its_signer_and_its_time(pki, signed):
    finding = only(validate(signed, [pki.root.cert_pem], now=NOW))
    assert finding.status is Status.VALID
    assert (finding.intact, finding.modified_after, finding.chain) == (True, False, "trusted")
    assert finding.field == "Signature1"
    assert finding.signer == "Nguyễn Văn An, Văn phòng Chính phủ (thử nghiệm)"
    assert finding.issuer.startswith("CA gốc thử nghiệm, ")
    assert finding.serial == format(pki.signer.cert.serial_number, "x")
    assert abs(finding.signed_at - SIGNED_AT) < timedelta(seconds=1)
    assert finding.timestamp_at is None
    assert finding.revocation == "not checked"
    assert finding.reasons == ()


def test_bytes_changed_inside_the_signed_range_make_it_invalid(pki, signed):
    finding = only(validate(tamper(signed), [pki.root.cert_pem], now=NOW))
    assert finding.status is Status.INVALID
    assert finding.intact is False
    assert "digest does not match" in finding.reasons[0]


def test_a_page_added_after_signing_is_a_modification(pki, signed):
    finding = only(validate(modify_after_signing(signed), [pki.root.cert_pem], now=NOW))
    assert finding.status is Status.MODIFIED
    assert (finding.intact, finding.modified_after) == (True, True)


def test_a_certificate_expired_before_validation_without_timestamp_is_expired(pki):
    pdf = sign(plain_pdf(), pki.short_lived, [pki.root], when=SIGNED_AT)
    finding = only(validate(pdf, [pki.root.cert_der], now=SIGNED_AT + YEAR / 6))
    assert finding.status is Status.EXPIRED
    assert finding.chain == "expired"
    assert "validity period" in finding.reasons[0]


def test_a_timestamp_from_while_the_certificate_was_valid_keeps_the_signature_valid(pki):
    pdf = sign(plain_pdf(), pki.short_lived, [pki.root], when=SIGNED_AT, timestamp=pki.tsa)
    finding = only(validate(pdf, [pki.root.cert_pem], now=SIGNED_AT + YEAR / 6))
    assert finding.status is Status.VALID
    assert finding.timestamp_at == SIGNED_AT


@pytest.mark.parametrize("installed", ["another root", "no root"])
def test_a_signer_without_a_path_to_an_installed_root_is_untrusted(pki, signed, installed):
    roots = [pki.other_root.cert_pem] if installed == "another root" else []
    finding = only(validate(signed, roots, now=NOW))
    assert finding.status is Status.UNTRUSTED
    assert finding.chain == "untrusted"
    assert finding.reasons == ("The signer's certificate does not chain to an installed trust root.",)


def test_two_signers_give_two_findings_in_signing_order(pki, signed):
    twice = sign(signed, pki.second_signer, [pki.root], field="Signature2", when=SIGNED_AT + timedelta(hours=3))
    first, second = validate(twice, [pki.root.cert_pem], now=NOW).findings
    assert (first.field, first.signer.split(",")[0], first.status) == ("Signature1", "Nguyễn Văn An", Status.VALID)
    assert (second.field, second.signer.split(",")[0], second.status) == ("Signature2", "Trần Thị Bình", Status.VALID)
    assert first.modified_after is False


def test_a_crl_in_the_file_is_used_and_says_whether_the_signer_was_revoked(pki, signed):
    roots = [pki.root.cert_pem]
    revoked = only(validate(revoke(signed, pki.root, [pki.signer], when=NOW), roots, now=NOW))
    assert (revoked.status, revoked.chain, revoked.revocation) == (Status.REVOKED, "revoked", "revoked")
    good = only(validate(revoke(signed, pki.root, [pki.second_signer], when=NOW), roots, now=NOW))
    assert (good.status, good.revocation) == (Status.VALID, "good")
    stale = only(validate(revoke(signed, pki.root, [], when=NOW), roots, now=NOW + timedelta(days=30)))
    assert (stale.status, stale.revocation) == (Status.VALID, "not checked")
    assert "revocation information in the file could not be used" in stale.reasons[0]


def test_a_pdf_without_signatures_has_no_findings(pki):
    assert validate(plain_pdf(), [pki.root.cert_pem], now=NOW) == Report([], [])


def test_broken_files_raise_nothing(pki, signed):
    assert validate(b"not a PDF at all", [pki.root.cert_pem], now=NOW) == Report([], [])
    broken = only(validate(signed[:-300], [pki.root.cert_pem], now=NOW))
    assert broken.status is Status.INDETERMINATE
    assert broken.reasons[0].startswith("The file cannot be read as a PDF")


def test_findings_survive_json(pki):
    pdf = sign(plain_pdf(), pki.signer, [pki.root], when=SIGNED_AT, timestamp=pki.tsa)
    findings = validate(tamper(pdf), [], now=NOW).findings + validate(pdf, [pki.root.cert_pem], now=NOW).findings
    report = Report(findings, [])
    assert report_from_json(to_json(report)) == report
    assert from_json(to_json(report)) == findings
    assert "Nguyễn Văn An" in to_json(report)


def test_a_child_process_gives_the_same_findings(pki, signed, tmp_path: Path):
    roots = tmp_path / "roots"
    roots.mkdir()
    (roots / "goc.pem").write_bytes(pki.root.cert_pem)
    (roots / "notes.txt").write_text("not a certificate")
    pdf = tmp_path / "quyet-dinh.pdf"
    pdf.write_bytes(signed)
    assert read_roots(roots) == [pki.root.cert_pem]
    assert read_roots(tmp_path / "absent") == read_roots(None) == []
    assert validate_in_child(pdf, roots, now=NOW) == validate(signed, [pki.root.cert_pem], now=NOW)
    assert only(validate_in_child(pdf, None, now=NOW) or Report([], [])).status is Status.UNTRUSTED


def test_a_child_that_crashes_or_runs_out_of_time_gives_none(signed, tmp_path: Path):
    pdf = tmp_path / "quyet-dinh.pdf"
    pdf.write_bytes(signed)
    assert validate_in_child(tmp_path / "missing.pdf", None, now=NOW) is None
    assert validate_in_child(pdf, None, now=NOW, timeout=0.01) is None
