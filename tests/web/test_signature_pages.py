"""The dossier and document pages (and the API) say what the worker found of each signed file's signatures and
document timestamps, in plain Vietnamese."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from administration import trust_roots
from erms.models import DocumentVersion
from erms.web.common import local_date
from tests.filing.test_signature_evidence import YEAR, authority, file_signed, worker  # noqa: F401
from tests.signing import ORGANISATION, issue, make_ca, plain_pdf, sign, tamper, timestamp_document
from tests.web.test_api import caller


def test_a_file_changed_inside_its_signature_is_shown_as_not_valid_on_the_dossier_page(
    session,
    session_factory,
    world,
    store,
    now,
    make_dossier,
    authority,  # noqa: F811
    client,
):
    ca, signer = authority
    trust_roots.add(session, None, ca.cert_pem, now=now)
    dossier, stored = file_signed(
        session, world, store, now, make_dossier, tamper(sign(plain_pdf(), signer, [ca], when=now))
    )
    client.login("officer1")
    page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert "Đang kiểm tra chữ ký số" in page
    worker(session, session_factory, store, now)
    page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert 'class="signature signature-invalid"' in page
    assert "Chữ ký số KHÔNG hợp lệ: nội dung được ký đã bị thay đổi" in page
    assert "Nguyễn Văn Ký" in page


def test_the_document_page_and_the_api_show_each_document_timestamp_and_the_time_it_proves(
    app,
    token_of,
    session,
    session_factory,
    world,
    store,
    now,
    make_dossier,
    authority,  # noqa: F811
    client,
):
    ca, signer = authority
    trust_roots.add(session, None, ca.cert_pem, now=now)
    stranger = make_ca("CA lạ", not_before=now - YEAR, not_after=now + YEAR)
    pdf = sign(plain_pdf(), signer, [ca], when=now - timedelta(hours=1))
    life = {"not_before": now - YEAR, "not_after": now + YEAR}
    pdf = timestamp_document(pdf, issue(ca, "Máy chủ dấu thời gian", **life, timestamping=True), when=now)
    pdf = timestamp_document(pdf, issue(stranger, "Máy chủ lạ", **life, timestamping=True), when=now, field="T2")
    dossier, stored = file_signed(session, world, store, now, make_dossier, pdf)
    worker(session, session_factory, store, now)
    document_id = session.scalars(select(DocumentVersion.document_id).where(DocumentVersion.file_id == stored.id)).one()
    client.login("officer1")
    page = client.get(f"/dossiers/{dossier.id}/documents/{document_id}").get_data(as_text=True)
    when = local_date(now, True)
    assert f"đã ký trước {when}, theo dấu thời gian tài liệu" in page
    assert f"Dấu thời gian tài liệu của Máy chủ dấu thời gian, {ORGANISATION}, lúc {when}: hợp lệ, được tin cậy" in page
    assert (
        f"Dấu thời gian tài liệu của Máy chủ lạ, {ORGANISATION}, lúc {when}: chuỗi chứng thư không tin cậy, "
        "nên không chứng minh được thời điểm nào"
    ) in page
    answer = caller(app)("GET", f"/documents/{document_id}", token_of("officer1")).json
    assert answer["versions"][0]["signature"]["document_timestamps"] == [
        {
            "authority": f"{name}, {ORGANISATION}",
            "stamped_at": now.isoformat(),
            "trusted": trusted,
            "modified_after": False,
        }
        for name, trusted in (("Máy chủ dấu thời gian", True), ("Máy chủ lạ", False))
    ]
