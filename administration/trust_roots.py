"""The trust roots (chứng thư số gốc) PDF signatures are validated against: installed by the deployment's
administrator — the root of Ban Cơ yếu Chính phủ's government CA and those of the public CAs the agency's
correspondents use. None ships with ERMS: which authorities an agency trusts is its decision, not ours.

Adding or removing a root makes the worker check every signed file again against the new set
(``filing.signature_checks.roots_changed``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select
from sqlalchemy.orm import Session

from erms import audit, permissions
from erms.errors import N_, InvalidMetadata, NotFound, Problem, RuleViolation
from erms.models import TrustRoot
from erms.permissions import Actor
from filing import signature_checks

NOT_A_CERTIFICATE = N_("The file is not an X.509 certificate (PEM or DER).")
NOT_AN_AUTHORITY = N_("The certificate is not a certification authority's: install the root of the chain.")
ALREADY = N_("This root is installed already.")
LARGEST = 64 * 1024  # a root certificate is a few kilobytes


def roots(session: Session) -> list[TrustRoot]:
    """Return the installed roots, oldest first."""
    return list(session.scalars(select(TrustRoot).order_by(TrustRoot.id)))


def add(session: Session, actor: Actor | None, content: bytes, *, now: datetime) -> TrustRoot:
    """Install a root certificate (PEM or DER); ``actor`` None: from the console, which only the operator runs."""
    if actor is not None:
        permissions.require_system_admin(actor)
    certificate = _certificate(content)
    der = certificate.public_bytes(Encoding.DER)
    fingerprint = hashlib.sha256(der).hexdigest()
    if session.scalar(select(TrustRoot.id).where(TrustRoot.fingerprint == fingerprint)):
        raise RuleViolation(ALREADY)
    root = TrustRoot(
        fingerprint=fingerprint,
        subject=certificate.subject.rfc4514_string()[:500],
        not_after=certificate.not_valid_after_utc,
        pem=certificate.public_bytes(Encoding.PEM).decode("ascii"),
        added_by_id=actor.user_id if actor else None,
        added_at=now,
    )
    session.add(root)
    session.flush()
    signature_checks.roots_changed(session)
    audit.record(
        session,
        actor,
        "trust_root.added",
        "trust_root",
        root.id,
        now=now,
        fingerprint=fingerprint,
        subject=root.subject,
    )
    return root


def remove(session: Session, actor: Actor | None, fingerprint: str, *, now: datetime) -> None:
    """Remove an installed root; signatures are then checked again without it."""
    if actor is not None:
        permissions.require_system_admin(actor)
    root = session.scalar(select(TrustRoot).where(TrustRoot.fingerprint == fingerprint.lower()))
    if root is None:
        raise NotFound()
    audit.record(
        session,
        actor,
        "trust_root.removed",
        "trust_root",
        root.id,
        now=now,
        fingerprint=root.fingerprint,
        subject=root.subject,
    )
    session.delete(root)
    session.flush()
    signature_checks.roots_changed(session)


def _certificate(content: bytes) -> x509.Certificate:
    if len(content) > LARGEST:
        raise InvalidMetadata([Problem("file", NOT_A_CERTIFICATE)])
    try:
        certificate = (
            x509.load_pem_x509_certificate(content)
            if content.lstrip().startswith(b"-----BEGIN")
            else x509.load_der_x509_certificate(content)
        )
    except ValueError:
        raise InvalidMetadata([Problem("file", NOT_A_CERTIFICATE)]) from None
    try:
        authority = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        authority = False
    if not authority:
        raise InvalidMetadata([Problem("file", NOT_AN_AUTHORITY)])
    return certificate
