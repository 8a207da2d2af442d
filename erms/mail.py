"""Notices by e-mail: the worker sends each new notice to its person's address over the agency's SMTP server.

Only when ``SMTP_HOST`` is set, only to people who gave an address and left e-mail notices on, and only notices
of the last day (an address given today does not receive a year of old notices). A notice is marked sent once the
server took it; a server that cannot be reached leaves the notices for the next round, and an address the server
refuses is marked too, so it is not retried forever (the log says which).
"""

from __future__ import annotations

import json
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.header import Header
from email.mime.text import MIMEText
from pathlib import Path
from typing import cast

from babel.support import NullTranslations, Translations
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from erms.db import transaction
from erms.models import Notification, User

log = logging.getLogger(__name__)

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
# Notices older than this when the worker first sees them are not mailed (told in the app only).
FRESH = timedelta(days=1)
# Notices sent in one round: a big batch waits for the next minute rather than holding the worker.
ROUND = 200
LINKS = {
    "dossier": "/dossiers/{id}",
    "dossier_list": "/dossier-lists/{id}",
    "destruction_list": "/retention/lists/{id}",
    "transfer": "/transfers/{id}",
    "handover_batch": "/handover/batches/{id}",
    "register_entry": "/registers/entries/{id}",
}


@dataclass(frozen=True)
class Outgoing:
    """One notice to send: its id, the address, the text and the link path."""

    notice_id: int
    to: str
    text: str
    path: str


def due(session: Session, *, now: datetime) -> list[Outgoing]:
    """Return the notices waiting to be mailed, oldest first, in Vietnamese (the product's language)."""
    catalogue = Translations.load(str(TRANSLATIONS), ["vi"])
    rows = session.execute(
        select(Notification, User.email)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.emailed_at.is_(None),
            Notification.created_at >= now - FRESH,
            User.email != "",
            User.email_notices.is_(True),
            User.active.is_(True),
        )
        .order_by(Notification.id)
        .limit(ROUND)
    ).all()
    return [
        Outgoing(notice.id, email, _text(catalogue, notice), _path(notice.subject_type, notice.subject_id))
        for notice, email in rows
    ]


def _text(catalogue: NullTranslations, notice: Notification) -> str:
    params = json.loads(notice.params or "{}")
    template = catalogue.gettext(notice.template)
    return template % params if params else template


def _path(subject_type: str | None, subject_id: int | None) -> str:
    return LINKS[subject_type].format(id=subject_id) if subject_type in LINKS else "/notices/"


def message(outgoing: Outgoing, settings: dict) -> MIMEText:
    """Return the e-mail of one notice: its text as the subject and the body, with a link to the page."""
    link = settings["BASE_URL"].rstrip("/") + outgoing.path if settings["BASE_URL"] else ""
    body = [outgoing.text, ""]
    if link:
        body += [f"Mở trong ERMS: {link}", ""]
    body.append("Bạn nhận thư này vì đã bật nhận thông báo qua thư điện tử trong ERMS (trang Thông báo).")
    mail = MIMEText("\n".join(body), "plain", "utf-8")
    mail["From"] = settings["MAIL_FROM"]
    mail["To"] = outgoing.to
    # Header, not a plain string: Python 3.11's default policy drops the spaces between the encoded words when it
    # folds a long Vietnamese subject ("Thiếumụclục").
    mail["Subject"] = cast(str, Header(f"[ERMS] {outgoing.text[:150]}", "utf-8"))  # typeshed allows str only
    return mail


def send_due(factory: Callable[[], Session], settings: dict, *, now: datetime) -> int:
    """Send the waiting notices; return how many the server took. Nothing is sent when SMTP_HOST is empty."""
    if not settings["SMTP_HOST"]:
        return 0
    with transaction(factory) as session:
        waiting = due(session, now=now)
    if not waiting:
        return 0
    done: list[int] = []
    try:
        with _connect(settings) as server:
            for outgoing in waiting:
                try:
                    server.send_message(message(outgoing, settings))
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, ValueError, TypeError) as error:
                    # This one message cannot go (its address, its content): marked, so it never blocks the others.
                    log.warning("notice %s to %s not sent: %s", outgoing.notice_id, outgoing.to, error)
                done.append(outgoing.notice_id)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("notices by e-mail: %s (the rest wait for the next round)", error)
    if done:
        with transaction(factory) as session:
            session.execute(update(Notification).where(Notification.id.in_(done)).values(emailed_at=now))
    return len(done)


def _connect(settings: dict) -> smtplib.SMTP:
    server = smtplib.SMTP(settings["SMTP_HOST"], int(settings["SMTP_PORT"]), timeout=20)
    if settings["SMTP_STARTTLS"]:
        server.starttls()
    if settings["SMTP_USER"]:
        server.login(settings["SMTP_USER"], settings["SMTP_PASSWORD"])
    return server
