"""Validation of a PDF's digital signatures (chữ ký số) at capture, kept as evidence with the file.

For every signature: are the signed bytes intact, was the file changed afterwards (other than by another signature,
a document security store or a timestamp), does the signer's certificate (chứng thư số) chain to a root the
administrator installed, was it valid at the time we can trust, and does revocation information embedded in the
file say it was revoked. The time we can trust is that of the signature's own timestamp or, failing one, that of the
earliest document timestamp (PAdES-LTA ``/DocTimeStamp``) made after it that verifies and chains to an installed root:
an archive re-stamps its files so that a signature stays provably made while its certificate was valid. Each document
timestamp is reported too, as pyHanko's LTA validation reads them: the newest checked now, each older one at the time
a newer trusted one proves. Nothing is fetched over the network: a capture must not depend on, or reveal documents to,
a CA's servers, so revocation is "not checked" unless the file carries its own CRL or OCSP response.

Files come from users, so ``validate_in_child`` parses them in a fresh interpreter killed after a timeout, as
erms.extract does for text.
"""

from __future__ import annotations

import enum
import io
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import EmbeddedPdfSignature, validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
from pyhanko.sign.validation.errors import ValidationInfoReadingError
from pyhanko.sign.validation.ltv import retrieve_adobe_revocation_info
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import (
    DocumentTimestampStatus,
    ModificationInfo,
    PdfSignatureStatus,
    SignatureCoverageLevel,
    SignatureStatus,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy, RevocationCheckingRule

ROOT_SUFFIXES = (".pem", ".crt", ".cer", ".der")
TIMEOUT_SECONDS = 20.0
# Agencies' signing certificates carry digitalSignature, nonRepudiation or both; either one is a signing key.
_KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})
_OUT_OF_BOUNDS = {
    AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
    AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED,
    AdESIndeterminate.EXPIRED,
    AdESIndeterminate.NOT_YET_VALID,
}
# What a CRL or OCSP response that is stale, badly signed or silent about the certificate leads to.
_REVINFO_PROBLEMS = {AdESIndeterminate.TRY_LATER, AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE}


class Status(str, enum.Enum):
    """The verdict on one signature; the first that applies, in this order, wins."""

    INVALID = "invalid"
    MODIFIED = "modified"
    REVOKED = "revoked"
    EXPIRED = "expired"
    UNTRUSTED = "untrusted"
    VALID = "valid"
    INDETERMINATE = "indeterminate"


@dataclass(frozen=True)
class Finding:
    """What was found about one signature; ``reasons`` say why in plain English."""

    field: str
    signer: str
    issuer: str
    serial: str
    signed_at: datetime | None
    timestamp_at: datetime | None
    # When the signature has no trusted timestamp of its own: the earliest trusted document timestamp after it.
    document_timestamp_at: datetime | None
    intact: bool
    modified_after: bool
    chain: str
    revocation: str
    status: Status
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class DocumentTimestamp:
    """One document timestamp: a time-stamping authority's word that the file up to it existed at ``stamped_at``.

    ``chain`` is judged as a signer's is; the timestamp proves its time only when it verifies and is trusted.
    """

    field: str
    authority: str
    stamped_at: datetime | None
    intact: bool
    modified_after: bool
    chain: str
    reasons: tuple[str, ...]

    @property
    def proves(self) -> bool:
        return self.intact and self.chain == "trusted"


@dataclass(frozen=True)
class Report:
    """What one check of a file found: its signatures and its document timestamps, each in signing order."""

    findings: list[Finding]
    timestamps: list[DocumentTimestamp]


@dataclass(frozen=True)
class _Revinfo:
    """The revocation information a file carries (its DSS and the signature's adobe-revinfo attribute)."""

    crls: list[asn1_crl.CertificateList]
    ocsps: list[asn1_ocsp.OCSPResponse]
    certs: list[x509.Certificate]


def validate(pdf: bytes | Path, roots: Sequence[bytes], *, now: datetime) -> Report:
    """Every signature and document timestamp of ``pdf`` in signing order, checked against the trust ``roots``.

    ``roots`` are PEM or DER. Never raises on a user's file: a file that cannot be read gives no finding when it
    shows no sign of a signature and one INDETERMINATE finding when it does, so a broken signed file is not mistaken
    for an unsigned one.
    """
    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    anchors = [cert for root in roots for cert in _certificates(root)]
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = reader.embedded_regular_signatures  # pyHanko sorts them by the revision each signed
        stamps = reader.embedded_timestamp_signatures
        stored = _stored_revinfo(reader)
        signature_fields = {sig.field_name for sig in reader.embedded_signatures}
    except Exception as error:  # a hostile or broken file: any parser error means "cannot be read"
        if b"/ByteRange" not in data:
            return Report([], [])
        return Report([_indeterminate("", f"The file cannot be read as a PDF: {error}.")], [])
    timestamps = _document_timestamps(stamps, anchors, stored, signature_fields, now)
    findings = [
        _finding(sig, anchors, stored, signature_fields, now, _proven_time(sig, timestamps)) for sig in embedded
    ]
    return Report(findings, [timestamp for _, timestamp in timestamps])


def _document_timestamps(
    stamps: list[EmbeddedPdfSignature],
    anchors: list[x509.Certificate],
    stored: _Revinfo,
    signature_fields: set[str],
    now: datetime,
) -> list[tuple[int, DocumentTimestamp]]:
    """Each document timestamp with the revision it stamped, in signing order.

    As in pyHanko's LTA validation, the newest is checked now and each older one at the earliest time a newer
    trusted one proves, so a TSA certificate that expired after a newer timestamp covered it still counts.
    """
    moment = now
    checked = []
    for stamp in reversed(stamps):
        timestamp = _document_timestamp(stamp, anchors, stored, signature_fields, moment)
        if timestamp.proves and timestamp.stamped_at is not None:
            moment = min(moment, timestamp.stamped_at)
        checked.append((stamp.signed_revision, timestamp))
    return checked[::-1]


def _document_timestamp(
    stamp: EmbeddedPdfSignature,
    anchors: list[x509.Certificate],
    stored: _Revinfo,
    signature_fields: set[str],
    moment: datetime,
) -> DocumentTimestamp:
    try:
        status = validate_pdf_timestamp(stamp, _context(anchors, stored, moment))
        modified, modification_reason = _modification(status, signature_fields)
        chain, chain_reasons = _chain(status)
        return DocumentTimestamp(
            field=stamp.field_name,
            authority=_person(status.signing_cert.subject),
            stamped_at=_utc(status.timestamp),
            intact=bool(status.intact and status.valid),
            modified_after=modified,
            chain=chain,
            reasons=(*_integrity_reasons(status), *modification_reason, *chain_reasons),
        )
    except Exception as error:  # a malformed timestamp proves nothing, and says why
        reason = f"The document timestamp cannot be evaluated: {error}."
        return DocumentTimestamp(stamp.field_name, _authority(stamp), None, False, False, "error", (reason,))


def _authority(stamp: EmbeddedPdfSignature) -> str:
    """The TSA of a timestamp that could not be evaluated, when its certificate can at least be read."""
    try:
        return _person(stamp.signer_cert.subject)
    except Exception:  # the certificate is what could not be read
        return ""


def _proven_time(sig: EmbeddedPdfSignature, timestamps: list[tuple[int, DocumentTimestamp]]) -> datetime | None:
    """The earliest time a trusted document timestamp made after ``sig`` proves the file existed, if any."""
    proven = [
        timestamp.stamped_at
        for revision, timestamp in timestamps
        if revision > sig.signed_revision and timestamp.proves and timestamp.stamped_at is not None
    ]
    return min(proven, default=None)


def _finding(
    sig: EmbeddedPdfSignature,
    anchors: list[x509.Certificate],
    stored: _Revinfo,
    signature_fields: set[str],
    now: datetime,
    covered_at: datetime | None,
) -> Finding:
    try:
        revinfo = _with_adobe_revinfo(stored, sig)
        status, revocation, notes = _status(sig, anchors, revinfo, now, covered_at)
        return _judge(sig.field_name, status, revocation, notes, signature_fields, covered_at)
    except Exception as error:  # unsupported or malformed signature: say so rather than fail the capture
        return _describe_signer(_indeterminate(sig.field_name, f"The signature cannot be evaluated: {error}."), sig)


def _status(
    sig: EmbeddedPdfSignature,
    anchors: list[x509.Certificate],
    revinfo: _Revinfo,
    now: datetime,
    covered_at: datetime | None,
) -> tuple[PdfSignatureStatus, str, list[str]]:
    """Validate at ``now``; again at the time a trusted timestamp proves it was signed by: the signature's own, else
    ``covered_at``, that of a document timestamp after it."""
    checked = _check(sig, anchors, revinfo, now, now)
    proven = _trusted_timestamp(checked[0]) or covered_at
    return checked if proven is None else _check(sig, anchors, revinfo, proven, now)


def _check(
    sig: EmbeddedPdfSignature, anchors: list[x509.Certificate], revinfo: _Revinfo, moment: datetime, now: datetime
) -> tuple[PdfSignatureStatus, str, list[str]]:
    """The status at ``moment``, the revocation verdict and a note when the file's revocation info was unusable.

    pyHanko's soft-fail mode reads a CRL or OCSP response only for a certificate that names where to fetch one,
    and ignores one it cannot use; so when the file carries information about the signer's certificate it is
    required for that certificate, and "good" means it was actually used.
    """
    covered = _covers(revinfo, sig.signer_cert)
    status = _validate(sig, _context(anchors, revinfo, moment, required=covered), _context(anchors, revinfo, now))
    if status.revoked:
        return status, "revoked", []
    if not covered:
        return status, "not checked", []
    if status.trusted:
        return status, "good", []
    if status.trust_problem_indic not in _REVINFO_PROBLEMS:
        return status, "not checked", []
    softly = _validate(sig, _context(anchors, revinfo, moment), _context(anchors, revinfo, now))
    if softly.trust_problem_indic == status.trust_problem_indic:  # the chain fails for another reason
        return softly, "not checked", []
    problem = status.trust_problem_indic.standard_name
    return softly, "not checked", [f"The revocation information in the file could not be used ({problem})."]


def _validate(
    sig: EmbeddedPdfSignature, signer_context: ValidationContext, timestamp_context: ValidationContext
) -> PdfSignatureStatus:
    return validate_pdf_signature(
        sig, signer_context, ts_validation_context=timestamp_context, key_usage_settings=_KEY_USAGE
    )


def _context(
    anchors: list[x509.Certificate], revinfo: _Revinfo, moment: datetime, *, required: bool = False
) -> ValidationContext:
    rules = RevocationCheckingPolicy(
        RevocationCheckingRule.CRL_OR_OCSP_REQUIRED if required else RevocationCheckingRule.CHECK_IF_DECLARED_SOFT,
        RevocationCheckingRule.CHECK_IF_DECLARED_SOFT,
    )
    return ValidationContext(
        trust_roots=list(anchors),
        other_certs=revinfo.certs,
        crls=revinfo.crls,
        ocsps=revinfo.ocsps,
        moment=moment,
        allow_fetching=False,
        # A CRL issued after the moment that does not list the certificate proves it was not revoked then.
        revinfo_policy=CertRevTrustPolicy(rules, retroactive_revinfo=True),
    )


def _covers(revinfo: _Revinfo, cert: x509.Certificate) -> bool:
    """Does the file carry a CRL from the certificate's issuer or an OCSP response about it?"""
    by_crl = any(crl["tbs_cert_list"]["issuer"] == cert.issuer for crl in revinfo.crls)
    return by_crl or any(cert.serial_number in _ocsp_serials(response) for response in revinfo.ocsps)


def _trusted_timestamp(status: PdfSignatureStatus) -> datetime | None:
    stamp = status.timestamp_validity
    if stamp is not None and stamp.intact and stamp.valid and stamp.trusted:
        return _utc(stamp.timestamp)
    return None


def _judge(
    field: str,
    status: PdfSignatureStatus,
    revocation: str,
    notes: list[str],
    signature_fields: set[str],
    covered_at: datetime | None,
) -> Finding:
    """Turn pyHanko's status into our verdict, with a reason for every check that did not pass."""
    intact = bool(status.intact and status.valid)
    own_timestamp = _trusted_timestamp(status)
    modified, modification_reason = _modification(status, signature_fields)
    chain, chain_reasons = _chain(status)
    reasons = [*_integrity_reasons(status), *modification_reason, *chain_reasons, *notes, *_timing_reasons(status)]
    if not intact:
        verdict = Status.INVALID
    elif modified:
        verdict = Status.MODIFIED
    else:
        verdict = {"revoked": Status.REVOKED, "expired": Status.EXPIRED, "trusted": Status.VALID}.get(
            chain, Status.UNTRUSTED
        )
    finding = Finding(
        field=field,
        signer="",
        issuer="",
        serial="",
        signed_at=_utc(status.signer_reported_dt),
        timestamp_at=own_timestamp,
        document_timestamp_at=None if own_timestamp else covered_at,
        intact=intact,
        modified_after=modified,
        chain=chain,
        revocation=revocation,
        status=verdict,
        reasons=tuple(reasons),
    )
    return _named(finding, status.signing_cert)


def _integrity_reasons(status: SignatureStatus) -> list[str]:
    if not status.intact:
        return ["The signed bytes were changed: their digest does not match the one that was signed."]
    if not status.valid:
        return ["The signature value does not verify with the signer's certificate."]
    return []


def _modification(status: ModificationInfo, signature_fields: set[str]) -> tuple[bool, list[str]]:
    """Was the document changed after signing by anything but signatures, a DSS or a document timestamp?

    pyHanko files a later signature under FORM_FILLING, as it does a text field filled in; only the former leaves
    the signed document as it was, so the changed fields are compared with the document's signature fields.
    """
    level = status.modification_level
    if status.coverage is None or status.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        return True, ["The signature does not cover the whole revision of the file it was made in."]
    if level is None or level > ModificationLevel.FORM_FILLING or status.docmdp_ok is False:
        return True, ["The file was changed after signing, by more than later signatures or timestamps."]
    filled = set(getattr(status.diff_result, "changed_form_fields", ())) - signature_fields
    if level == ModificationLevel.FORM_FILLING and filled:
        return True, [f"Form fields were filled after signing: {', '.join(sorted(filled))}."]
    return False, []


def _chain(status: PdfSignatureStatus | DocumentTimestampStatus) -> tuple[str, list[str]]:
    moment = _utc(status.validation_time)
    when = f"at {moment.isoformat()}" if moment else "now"
    if not status.valid:  # pyHanko looks at the chain only once the signature value verifies
        return "error", []
    if status.trust_problem_indic is None and status.validation_path is not None:
        return "trusted", []
    if status.revoked and status.revocation_details is not None:
        details = status.revocation_details
        whose = "A CA certificate of the chain" if details.ca_revoked else "The signer's certificate"
        revoked_at = _utc(details.revocation_date)
        since = revoked_at.isoformat() if revoked_at else "an unknown time"
        return "revoked", [f"{whose} was revoked on {since} ({details.revocation_reason.native})."]
    if status.trust_problem_indic in _OUT_OF_BOUNDS or _outside_validity(status, moment):
        return "expired", [f"A certificate of the chain was not within its validity period {when}."]
    if status.trust_problem_indic in (None, AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND):
        return "untrusted", ["The signer's certificate does not chain to an installed trust root."]
    problem = status.trust_problem_indic.standard_name
    return "error", [f"The signer's certificate chain could not be validated {when} ({problem})."]


def _outside_validity(status: SignatureStatus, moment: datetime | None) -> bool:
    """True when a certificate we know of was expired or not yet valid at the validation time.

    pyHanko reports a CA certificate's expiry only as a general chain failure, and an untrusted path is rejected
    before any dates are looked at, so the dates are checked here too.
    """
    if moment is None:
        return False
    path = list(status.validation_path.iter_certs(include_root=True)) if status.validation_path else []
    for cert in [status.signing_cert, *path]:
        validity = cert["tbs_certificate"]["validity"]
        if not validity["not_before"].native <= moment <= validity["not_after"].native:
            return True
    return False


def _ocsp_serials(response: asn1_ocsp.OCSPResponse) -> set[int]:
    basic = response.basic_ocsp_response
    if basic is None:
        return set()
    return {single["cert_id"]["serial_number"].native for single in basic["tbs_response_data"]["responses"]}


def _timing_reasons(status: PdfSignatureStatus) -> list[str]:
    stamp = status.timestamp_validity
    if stamp is None or _trusted_timestamp(status) is not None:
        return []
    return ["The embedded timestamp does not verify or is not trusted: the signing time is only the signer's claim."]


def _stored_revinfo(reader: PdfFileReader) -> _Revinfo:
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return _Revinfo([], [], [])
    crls = [asn1_crl.CertificateList.load(ref.get_object().data) for ref in dss.crls]
    ocsps = [asn1_ocsp.OCSPResponse.load(ref.get_object().data) for ref in dss.ocsps]
    return _Revinfo(crls, ocsps, list(dss.load_certs()))


def _with_adobe_revinfo(stored: _Revinfo, sig: EmbeddedPdfSignature) -> _Revinfo:
    try:
        ocsps, crls = retrieve_adobe_revocation_info(sig.signer_info)
    except ValidationInfoReadingError:
        return stored
    return _Revinfo([*stored.crls, *crls], [*stored.ocsps, *ocsps], stored.certs)


def _indeterminate(field: str, reason: str) -> Finding:
    return Finding(
        field=field,
        signer="",
        issuer="",
        serial="",
        signed_at=None,
        timestamp_at=None,
        document_timestamp_at=None,
        intact=False,
        modified_after=False,
        chain="error",
        revocation="not checked",
        status=Status.INDETERMINATE,
        reasons=(reason,),
    )


def _describe_signer(finding: Finding, sig: EmbeddedPdfSignature) -> Finding:
    """Name the signer of a signature that could not be evaluated, when its certificate can at least be read."""
    try:
        cert = sig.signer_cert
    except Exception:  # the certificate is what could not be read
        return finding
    return _named(finding, cert)


def _named(finding: Finding, cert: x509.Certificate) -> Finding:
    return replace(
        finding,
        signer=_person(cert.subject),
        issuer=_person(cert.issuer),
        serial=format(cert.serial_number, "x"),
    )


def _person(name: x509.Name) -> str:
    """ "CN, O" as a person reads it; the whole name when it has neither."""
    parts = name.native
    shown = [str(parts[key]) for key in ("common_name", "organization_name") if key in parts]
    return ", ".join(shown) or name.human_friendly


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None


def _certificates(data: bytes) -> list[x509.Certificate]:
    """The certificates in one root file (PEM, possibly several, or DER); none when it holds no certificate."""
    try:
        ders = [der for _, _, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
        certs = [x509.Certificate.load(der) for der in ders]
        return [cert for cert in certs if cert.native]  # asn1crypto parses lazily: .native finds a broken one
    except ValueError:
        return []


def read_roots(folder: Path | None) -> list[bytes]:
    """The contents of every certificate file in ``folder`` (none when it is None or absent)."""
    if folder is None or not folder.is_dir():
        return []
    return [path.read_bytes() for path in sorted(folder.iterdir()) if path.suffix.lower() in ROOT_SUFFIXES]


_MOMENTS = ("signed_at", "timestamp_at", "document_timestamp_at", "stamped_at")


def to_json(report: Report) -> str:
    """A check's findings and document timestamps as JSON text, to be stored as evidence beside the file."""
    findings = [{**_jsonable(finding), "status": finding.status.value} for finding in report.findings]
    timestamps = [_jsonable(timestamp) for timestamp in report.timestamps]
    return json.dumps({"signatures": findings, "document_timestamps": timestamps}, ensure_ascii=False)


def _jsonable(item: Finding | DocumentTimestamp) -> dict:
    data = asdict(item)
    return {**data, **{key: data[key].isoformat() if data[key] else None for key in _MOMENTS if key in data}}


def report_from_json(text: str) -> Report:
    """The report ``to_json`` wrote; a check kept before document timestamps were read is a list of findings."""
    data = json.loads(text)
    if isinstance(data, list):
        data = {"signatures": data, "document_timestamps": []}
    findings = [Finding(**{**_parsed(Finding, item), "status": Status(item["status"])}) for item in data["signatures"]]
    timestamps = [DocumentTimestamp(**_parsed(DocumentTimestamp, item)) for item in data["document_timestamps"]]
    return Report(findings, timestamps)


def from_json(text: str) -> list[Finding]:
    """The signatures' findings ``to_json`` wrote."""
    return report_from_json(text).findings


def _parsed(kind: type, data: dict) -> dict:
    """``data``'s fields of ``kind`` with their times read back (absent from older checks: None)."""
    names = {field.name for field in fields(kind)}
    moments = {key: datetime.fromisoformat(data[key]) if data.get(key) else None for key in _MOMENTS if key in names}
    return {**data, **moments, "reasons": tuple(data["reasons"])}


def validate_in_child(
    path: Path, roots_dir: Path | None, *, now: datetime, timeout: float = TIMEOUT_SECONDS
) -> Report | None:
    """``validate`` in a fresh interpreter killed after ``timeout`` seconds; None when it failed or timed out.

    A plain subprocess, for the reasons erms.extract gives: no re-import of the web app, no fork of a
    multi-threaded process.
    """
    command = [sys.executable, "-m", "filing.signatures", str(path), str(roots_dir or ""), now.isoformat()]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:  # run() has killed the child
        return None
    if done.returncode != 0:
        return None
    try:
        return report_from_json(done.stdout.decode("utf-8"))
    except (ValueError, TypeError, KeyError):
        return None


def _child_main(path: str, roots_dir: str, now: str) -> None:
    roots = read_roots(Path(roots_dir) if roots_dir else None)
    report = validate(Path(path), roots, now=datetime.fromisoformat(now))
    sys.stdout.buffer.write(to_json(report).encode("utf-8"))


if __name__ == "__main__":
    _child_main(*sys.argv[1:4])
