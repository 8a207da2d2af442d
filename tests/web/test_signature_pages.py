"""The dossier page says what the worker found of each signed file's signatures, in plain Vietnamese."""

from __future__ import annotations

from administration import trust_roots
from tests.filing.test_signature_evidence import authority, file_signed, worker  # noqa: F401
from tests.signing import plain_pdf, sign, tamper


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
