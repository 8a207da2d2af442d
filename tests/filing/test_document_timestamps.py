"""Document timestamps (PAdES-LTA ``/DocTimeStamp``): an archive's proof of when a signed file existed.

Each is reported (its authority, its time, whether it verifies and is trusted, whether the file changed after it),
and the earliest trusted one made after a signature is the time that signature is checked at when it has no
trusted timestamp of its own, so a certificate that expired since does not undo a signature it proves came first.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from administration import trust_roots
from erms.models import SignatureCheck
from filing import signature_checks
from filing.signatures import DocumentTimestamp, Report, Status, report_from_json, to_json, validate
from tests.filing.test_signature_evidence import authority, file_signed, worker  # noqa: F401
from tests.filing.test_signatures import NOW, SIGNED_AT, YEAR, Pki, only, pki, signed  # noqa: F401
from tests.signing import issue, modify_after_signing, plain_pdf, revoke, sign, timestamp_document

STAMPED_AT = SIGNED_AT + timedelta(days=1)  # while the short-lived certificate (a month) was valid
LATE = SIGNED_AT + timedelta(days=45)  # after it expired
CHECKED_AT = SIGNED_AT + YEAR / 6
TSA_NAME = "Máy chủ dấu thời gian, Văn phòng Chính phủ (thử nghiệm)"


@pytest.fixture(scope="module")
def expiring(pki: Pki) -> bytes:  # noqa: F811
    """Signed by a certificate that expired a month after, with no timestamp of its own."""
    return sign(plain_pdf(), pki.short_lived, [pki.root], when=SIGNED_AT)


def test_a_document_timestamp_is_reported_with_its_authority_and_time(pki, signed):  # noqa: F811
    report = validate(timestamp_document(signed, pki.tsa, when=STAMPED_AT), [pki.root.cert_pem], now=NOW)
    assert report.timestamps == [DocumentTimestamp("DocTimeStamp1", TSA_NAME, STAMPED_AT, True, False, "trusted", ())]
    assert report.timestamps[0].proves
    assert only(report).status is Status.VALID
    assert report_from_json(to_json(report)) == report


def test_the_earliest_trusted_document_timestamp_after_a_signature_is_the_time_it_is_checked_at(pki, expiring):  # noqa: F811
    roots = [pki.root.cert_pem]
    restamped = timestamp_document(
        timestamp_document(expiring, pki.tsa, when=STAMPED_AT), pki.tsa, when=LATE, field="DocTimeStamp2"
    )
    saved = only(validate(restamped, roots, now=CHECKED_AT))
    assert (saved.status, saved.chain, saved.reasons) == (Status.VALID, "trusted", ())
    assert (saved.timestamp_at, saved.document_timestamp_at) == (None, STAMPED_AT)

    too_late = only(validate(timestamp_document(expiring, pki.tsa, when=LATE), roots, now=CHECKED_AT))
    assert (too_late.status, too_late.document_timestamp_at) == (Status.EXPIRED, LATE)
    assert f"validity period at {LATE.isoformat()}" in too_late.reasons[0]

    stamped_first = sign(timestamp_document(plain_pdf(), pki.tsa, when=SIGNED_AT), pki.short_lived, [pki.root])
    before = only(validate(stamped_first, roots, now=CHECKED_AT))  # a timestamp older than the signature: no proof
    assert (before.status, before.document_timestamp_at) == (Status.EXPIRED, None)


def _garbled_token(pdf: bytes) -> bytes:
    """``pdf`` with the start of its last signature container (the document timestamp's token) overwritten."""
    start = pdf.rindex(b"/Contents <") + len(b"/Contents <")
    return pdf[:start] + b"30820100" + b"0" * 56 + pdf[start + 64 :]


@pytest.mark.parametrize("trouble", ["untrusted authority", "expired authority", "changed bytes", "unknown kind"])
def test_an_untrusted_or_broken_document_timestamp_is_reported_and_proves_nothing(pki, expiring, trouble):  # noqa: F811
    if trouble == "untrusted authority":
        tsa = issue(pki.other_root, "Máy chủ lạ", not_before=NOW - YEAR, not_after=NOW + YEAR, timestamping=True)
    elif trouble == "expired authority":
        tsa = issue(pki.root, "Máy chủ cũ", not_before=NOW - YEAR, not_after=SIGNED_AT, timestamping=True)
    else:
        tsa = pki.tsa
    stamped = timestamp_document(expiring, tsa, when=STAMPED_AT)
    if trouble == "changed bytes":  # inside the timestamp's revision, outside the signature's
        stamped = stamped.replace(b"(DocTimeStamp1)", b"(DocTimeStamp9)")
    elif trouble == "unknown kind":  # a token pyHanko does not take for an RFC 3161 document timestamp
        stamped = stamped.replace(b"/ETSI.RFC3161", b"/ETSI.RFC3162")
    report = validate(stamped, [pki.root.cert_pem], now=CHECKED_AT)
    [stamp] = report.timestamps
    assert not stamp.proves and stamp.reasons
    expected = {
        "untrusted authority": (True, "untrusted"),
        "expired authority": (True, "expired"),
        "changed bytes": (False, "trusted"),
        "unknown kind": (False, "error"),
    }
    assert (stamp.intact, stamp.chain) == expected[trouble]
    finding = only(report)
    assert (finding.status, finding.document_timestamp_at) == (Status.EXPIRED, None)


def test_an_older_timestamp_whose_authority_expired_counts_when_a_newer_trusted_one_covers_it(pki, expiring):  # noqa: F811
    roots = [pki.root.cert_pem]
    old_tsa = issue(
        pki.root, "Máy chủ cũ", not_before=NOW - YEAR, not_after=SIGNED_AT + timedelta(days=10), timestamping=True
    )
    first = timestamp_document(expiring, old_tsa, when=STAMPED_AT)
    alone = validate(first, roots, now=CHECKED_AT)
    assert [stamp.chain for stamp in alone.timestamps] == ["expired"]
    assert only(alone).status is Status.EXPIRED
    restamped = validate(
        timestamp_document(first, pki.tsa, when=SIGNED_AT + timedelta(days=5), field="DocTimeStamp2"),
        roots,
        now=CHECKED_AT,
    )
    assert [stamp.chain for stamp in restamped.timestamps] == ["trusted", "trusted"]
    assert (only(restamped).status, only(restamped).document_timestamp_at) == (Status.VALID, STAMPED_AT)


def test_a_file_changed_after_its_document_timestamp_says_so_but_a_later_timestamp_or_dss_does_not(pki, signed):  # noqa: F811
    roots = [pki.root.cert_pem]
    stamped = timestamp_document(signed, pki.tsa, when=STAMPED_AT)
    [changed] = validate(modify_after_signing(stamped), roots, now=NOW).timestamps
    assert changed.modified_after and changed.proves  # the file up to it still existed then
    assert "changed after" in changed.reasons[0]
    kept = revoke(timestamp_document(stamped, pki.tsa, when=NOW, field="DocTimeStamp2"), pki.root, [], when=NOW)
    assert [stamp.modified_after for stamp in validate(kept, roots, now=NOW).timestamps] == [False, False]


@pytest.mark.parametrize("damage", ["cut short", "garbled token"])
def test_a_stamped_file_that_cannot_be_read_raises_nothing(pki, signed, damage):  # noqa: F811
    stamped = timestamp_document(signed, pki.tsa, when=STAMPED_AT)
    broken = validate(stamped[:-300] if damage == "cut short" else _garbled_token(stamped), [], now=NOW)
    assert broken.timestamps == []
    assert only(broken).status is Status.INDETERMINATE
    assert only(broken).reasons[0].startswith("The file cannot be read as a PDF")


def test_a_check_kept_before_document_timestamps_were_read_reads_back_without_them(pki, signed):  # noqa: F811
    finding = only(validate(signed, [pki.root.cert_pem], now=NOW))
    [stored] = json.loads(to_json(Report([finding], [])))["signatures"]
    del stored["document_timestamp_at"]
    assert report_from_json(json.dumps([stored])) == Report([finding], [])


def test_the_worker_keeps_each_document_timestamp_with_the_check(
    session,
    session_factory,
    world,
    store,
    now,
    make_dossier,
    authority,  # noqa: F811
):
    ca, signer = authority
    tsa = issue(ca, "Máy chủ dấu thời gian", not_before=now - YEAR, not_after=now + YEAR, timestamping=True)
    trust_roots.add(session, None, ca.cert_pem, now=now)
    pdf = timestamp_document(sign(plain_pdf(), signer, [ca], when=now), tsa, when=now)
    _, stored = file_signed(session, world, store, now, make_dossier, pdf)
    worker(session, session_factory, store, now)
    shown = signature_checks.evidence(session, [stored])[stored.id]
    assert shown.status == "valid"
    [stamp] = shown.timestamps
    assert (stamp.authority.split(",")[0], stamp.stamped_at, stamp.proves) == ("Máy chủ dấu thời gian", now, True)
    summary = session.scalars(select(SignatureCheck.summary)).one()
    assert f"document timestamp by {stamp.authority} at {now.isoformat()}: trusted (chain trusted)" in summary
