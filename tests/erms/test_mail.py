"""Notices by e-mail, caught by a local SMTP server (aiosmtpd): sent once to those who gave an address and left
e-mail on, in Vietnamese with a link; nothing without a mail server; a server that is down loses nothing."""

from datetime import timedelta

import pytest

from erms import mail, notices
from erms.config import DEFAULTS
from erms.models import Notification
from tests.local_smtp import free_port, listening


@pytest.fixture
def smtp():
    with listening() as (inbox, port):
        yield inbox, dict(DEFAULTS, SMTP_HOST="127.0.0.1", SMTP_PORT=port, BASE_URL="https://erms.example.gov.vn")


@pytest.fixture
def people(world, session, now):
    """officer1 wants e-mail, officer2 switched it off, unithead gave no address; each has one notice."""
    world.users["officer1"].email = "lan.pt@example.gov.vn"
    world.users["officer2"].email, world.users["officer2"].email_notices = "minh@example.gov.vn", False
    users = [world.users[name].id for name in ("officer1", "officer2", "unithead")]
    notices.tell(
        session,
        users,
        "dossier_returned",
        "7",
        "Dossier %(code)s was returned by the agency archive: %(reason)s",
        now=now,
        subject=("dossier", 42),
        code="VP.01",
        reason="Thiếu mục lục",
    )
    return users


def test_a_notice_is_mailed_once_to_who_asked_for_it_in_vietnamese_with_its_link(
    smtp, people, session, session_factory, now
):
    inbox, settings = smtp
    assert mail.send_due(session_factory, settings, now=now) == 1
    (received,) = inbox.messages
    assert received["To"] == "lan.pt@example.gov.vn"
    assert received["Subject"] == "[ERMS] Hồ sơ VP.01 bị Lưu trữ cơ quan trả lại: Thiếu mục lục"
    assert "https://erms.example.gov.vn/dossiers/42" in received.get_content()
    assert mail.send_due(session_factory, settings, now=now + timedelta(minutes=1)) == 0  # sent once
    assert len(inbox.messages) == 1
    session.expire_all()
    assert session.get(Notification, notices.newest(session, people[0])[0].id).emailed_at == now


def test_no_mail_server_sends_nothing_and_a_server_down_loses_nothing(smtp, people, session_factory, now):
    inbox, settings = smtp
    assert mail.send_due(session_factory, dict(settings, SMTP_HOST=""), now=now) == 0
    assert mail.send_due(session_factory, dict(settings, SMTP_PORT=free_port()), now=now) == 0  # nobody listens
    assert inbox.messages == []
    assert mail.send_due(session_factory, settings, now=now) == 1  # the next round sends it


def test_a_notice_older_than_a_day_is_not_mailed(smtp, people, session_factory, now):
    inbox, settings = smtp
    assert mail.send_due(session_factory, settings, now=now + timedelta(days=2)) == 0
    assert inbox.messages == []


def test_a_message_that_cannot_go_never_holds_back_the_others(
    smtp, people, world, session, session_factory, now, monkeypatch
):
    inbox, settings = smtp
    world.users["unithead"].email = "truong.phong@example.gov.vn"
    session.flush()
    built = mail.message

    def refuse_the_first(outgoing, settings):
        if outgoing.to == "lan.pt@example.gov.vn":
            raise TypeError("'utf8' is an invalid keyword argument for Compat32")  # what an accented address gave
        return built(outgoing, settings)

    monkeypatch.setattr(mail, "message", refuse_the_first)
    assert mail.send_due(session_factory, settings, now=now) == 2  # both marked: neither is tried forever
    assert [message["To"] for message in inbox.messages] == ["truong.phong@example.gov.vn"]
    assert mail.send_due(session_factory, settings, now=now + timedelta(minutes=1)) == 0
