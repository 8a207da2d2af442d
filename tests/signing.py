"""A throwaway PKI and signed PDFs for tests: CAs, signers and a time-stamping authority made on the spot.

Keys are EC P-256 (fast to make), but RSA for a time-stamping authority (pyHanko's test TSA signs only with
RSA). PDFs are signed with pyHanko as incremental updates, so signing a signed PDF adds a second signature that
leaves the first intact, as a second signer's software does.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from fpdf import FPDF
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator.registry import SimpleCertificateStore

from exports.pdf import find_font

ORGANISATION = "Văn phòng Chính phủ (thử nghiệm)"


@dataclass(frozen=True)
class Authority:
    """A key and its certificate; ``issuer`` is None for a self-signed root."""

    name: str
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    cert: x509.Certificate
    issuer: Authority | None = None

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    @property
    def asn1_cert(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.cert_der)

    @property
    def asn1_key(self) -> asn1_keys.PrivateKeyInfo:
        der = self.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return asn1_keys.PrivateKeyInfo.load(der)

    def chain(self) -> list[Authority]:
        """This authority and its issuers, up to the root."""
        return [self, *(self.issuer.chain() if self.issuer else [])]


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
        ]
    )


def _certificate(
    name: str,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    issuer: Authority | None,
    not_before: datetime,
    not_after: datetime,
) -> x509.CertificateBuilder:
    public = key.public_key()
    issuer_key = issuer.key.public_key() if issuer else public
    return (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(issuer.cert.subject if issuer else _name(name))
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key), critical=False)
    )


def _usage(*, signing: bool = False, certs: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=certs,
        crl_sign=certs,
        encipher_only=False,
        decipher_only=False,
    )


def make_ca(name: str, *, not_before: datetime, not_after: datetime) -> Authority:
    """A self-signed root CA, as an agency's administrator would install it."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        _certificate(name, key, None, not_before, not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(certs=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    return Authority(name, key, cert)


def issue(
    ca: Authority, name: str, *, not_before: datetime, not_after: datetime, timestamping: bool = False
) -> Authority:
    """An end-entity certificate from ``ca``: a signer's, or a time-stamping authority's when ``timestamping``."""
    key = rsa.generate_private_key(65537, 2048) if timestamping else ec.generate_private_key(ec.SECP256R1())
    builder = _certificate(name, key, ca, not_before, not_after).add_extension(
        x509.BasicConstraints(ca=False, path_length=None), critical=True
    )
    builder = builder.add_extension(_usage(signing=True), critical=True)
    if timestamping:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return Authority(name, key, builder.sign(ca.key, hashes.SHA256()), issuer=ca)


def plain_pdf(text: str = "Quyết định") -> bytes:
    """A one-page PDF with ``text`` in a font that has Vietnamese glyphs."""
    regular, _ = find_font()
    document = FPDF()
    document.add_font("body", "", str(regular))
    document.add_page()
    document.set_font("body", size=14)
    document.cell(text=text)
    return bytes(document.output())


class _SignerAt(signers.PdfSigner):
    """A PdfSigner whose claimed signing time is given: pyHanko 0.28 offers no parameter for it."""

    def __init__(self, *args, when: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self._when = when

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._when
        return session


def sign(
    pdf: bytes,
    signer: Authority,
    chain: list[Authority],
    *,
    field: str = "Signature1",
    when: datetime | None = None,
    timestamp: Authority | None = None,
) -> bytes:
    """``pdf`` with one more signature by ``signer`` (``chain``: the CA certificates embedded with it).

    ``when`` is the signing time the signer claims (now by default); ``timestamp`` a time-stamping authority
    whose RFC 3161 token, dated ``when``, is embedded in the signature.
    """
    when = when or datetime.now(UTC)
    registry = SimpleCertificateStore.from_certs([authority.asn1_cert for authority in chain])
    cms_signer = signers.SimpleSigner(signer.asn1_cert, signer.asn1_key, registry)
    stamper = _time_stamper(timestamp, when) if timestamp is not None else None
    meta = signers.PdfSignatureMetadata(field_name=field)
    pdf_signer = _SignerAt(meta, cms_signer, timestamper=stamper, when=when)
    output = pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)))
    return output.getvalue()


def timestamp_document(pdf: bytes, tsa: Authority, *, when: datetime, field: str = "DocTimeStamp1") -> bytes:
    """``pdf`` with a document timestamp (PAdES-LTA ``/DocTimeStamp``) by ``tsa``, dated ``when``, added as an
    incremental update, as an archive re-stamps the files it keeps."""
    stamper = signers.PdfTimeStamper(_time_stamper(tsa, when), field_name=field)
    output = stamper.timestamp_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), "sha256")
    return output.getvalue()


def _time_stamper(tsa: Authority, when: datetime) -> DummyTimeStamper:
    """pyHanko's test TSA answering as ``tsa`` at ``when``, its certificate chain embedded in each token."""
    embedded = SimpleCertificateStore.from_certs([authority.asn1_cert for authority in tsa.chain()])
    return DummyTimeStamper(tsa.asn1_cert, tsa.asn1_key, embedded, fixed_dt=when)


def modify_after_signing(pdf: bytes) -> bytes:
    """An incremental update that adds a page: the signed bytes stay as they were, the document does not."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Page"),
            generic.NameObject("/MediaBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)]),
        }
    )
    writer.insert_page(page)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def tamper(pdf: bytes) -> bytes:
    """``pdf`` with one digit of the first page's size changed: inside the signed bytes, same length, still a PDF."""
    position = pdf.index(b"/MediaBox")
    position += next(offset for offset, byte in enumerate(pdf[position:]) if byte in b"123456789")
    changed = bytearray(pdf)
    changed[position] = ord("1") if changed[position] != ord("1") else ord("2")
    return bytes(changed)


def revoke(pdf: bytes, ca: Authority, revoked: list[Authority], *, when: datetime) -> bytes:
    """``pdf`` with a CRL from ``ca`` (listing ``revoked``, issued at ``when``) in its document security store."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(when)
        .next_update(when + timedelta(days=7))
    )
    for authority in revoked:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(authority.cert.serial_number)
            .revocation_date(when - timedelta(hours=1))
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    crl = builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    output = io.BytesIO(pdf)
    DocumentSecurityStore.add_dss(output, None, crls=[asn1_crl.CertificateList.load(crl)])
    return output.getvalue()
