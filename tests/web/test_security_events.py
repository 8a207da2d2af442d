"""Denials, refused forms and locked log-ins are security events in the audit log, bounded against floods,
and listed for the administrator and the archivist (issue 17, hole 8)."""

from __future__ import annotations

import html
import json

from erms_browser import Browser
from sqlalchemy import select

from erms import audit
from erms.models import AuditEvent, Organisation, Role, RoleMembership, User


def security_rows(session, *actions):
    query = select(AuditEvent).where(AuditEvent.action.in_(actions or audit.SECURITY_ACTIONS))
    return [
        (row.action, row.actor_name, json.loads(row.details)) for row in session.scalars(query.order_by(AuditEvent.id))
    ]


def test_a_look_at_another_units_dossier_is_recorded(client, session, world, make_dossier):
    dossier = make_dossier("closed")
    client.login("officer2")
    assert client.get(f"/dossiers/{dossier.id}").status_code == 404
    assert client.post("/archive/items/1/accept").status_code == 403
    (first, who, details), (second, _, refused) = security_rows(session)
    assert (first, who, details["status"], details["path"], details["method"]) == (
        "security.denied",
        "officer2",
        404,
        f"/dossiers/{dossier.id}",
        "GET",
    )
    assert details["source"] == f"user:{world.users['officer2'].id}"
    assert (second, refused["status"], refused["path"]) == ("security.denied", 403, "/archive/items/1/accept")
    assert audit.verify(session).ok


def test_a_form_without_its_token_is_recorded(client, session, make_dossier):
    dossier = make_dossier("open")
    client.login("officer1")
    assert client.client.post(f"/dossiers/{dossier.id}/close", data={"confirm": "yes"}).status_code == 400
    ((action, who, details),) = security_rows(session)
    assert (action, who, details["path"]) == ("security.csrf_refused", "officer1", f"/dossiers/{dossier.id}/close")


def test_a_flood_is_recorded_once_and_then_bounded(client, session, make_dossier):
    dossier = make_dossier("closed")
    client.login("officer2")
    for _ in range(audit.SECURITY_PER_SOURCE + 15):
        assert client.get(f"/dossiers/{dossier.id}").status_code == 404  # the answer never changes
    actions = [action for action, _, _ in security_rows(session)]
    assert actions == ["security.denied"] * audit.SECURITY_PER_SOURCE + ["security.flood"]
    client.logout()
    client.login("officer1")  # another source is still heard
    assert client.post("/archive/items/1/accept").status_code == 403
    assert security_rows(session)[-1][:2] == ("security.denied", "officer1")


def test_locked_log_ins_are_bounded_too(client, session):
    for _ in range(5 + audit.SECURITY_PER_SOURCE + 5):
        client.login("officer1", "sai-mật-khẩu")
    locked = [action for action, _, details in security_rows(session) if details["source"] == "username:officer1"]
    assert locked == ["user.login_locked"] * audit.SECURITY_PER_SOURCE + ["security.flood"]


def another_organisation_user(session, world, now):
    other = Organisation(code="000.00.99.H26", name="UBND quận Ba Đình", created_at=now)
    session.add(other)
    session.flush()
    stranger = User(username="stranger", full_name="Người cơ quan khác", password_hash="!", created_at=now)
    stranger.memberships.append(RoleMembership(organisation_id=other.id, unit_id=None, role=Role.OFFICER))
    session.add(stranger)
    session.flush()


def test_the_admin_and_the_archivist_list_the_events_of_their_organisation(client, session, world, now, make_dossier):
    dossier = make_dossier("closed")
    another_organisation_user(session, world, now)
    client.login("officer2")
    client.get(f"/dossiers/{dossier.id}")
    client.logout()
    client.login("stranger", "sai-mật-khẩu")  # a failed log-in naming someone of another organisation
    client.login("nobody-at-all", "sai-mật-khẩu")
    client.login("officer1")
    assert client.get("/security/events").status_code == 403
    assert "/security/events" not in client.get("/").get_data(as_text=True)
    for reader in ("admin", "archivist"):
        client.logout()
        client.login(reader)
        assert "/security/events" in client.get("/").get_data(as_text=True)
        page = html.unescape(client.get("/security/events").get_data(as_text=True))
        assert "Truy cập bị từ chối" in page and f"/dossiers/{dossier.id}" in page and "officer2" in page
        assert "nobody-at-all" in page and "stranger" not in page
        assert "officer1" in page  # the officer's refused look at this very page
        only_logins = html.unescape(
            client.get("/security/events?action=user.login_failed&days=7").get_data(as_text=True)
        )
        assert "nobody-at-all" in only_logins and f"/dossiers/{dossier.id}" not in only_logins


def test_behind_a_proxy_the_clients_address_is_recorded(make_app, session, make_dossier):
    dossier = make_dossier("closed")
    client = Browser(make_app(PROXY_COUNT=1).test_client())
    client.login("officer2")
    client.get(f"/dossiers/{dossier.id}", headers={"X-Forwarded-For": "203.0.113.9"})
    ((action, _, details),) = security_rows(session)
    assert (action, details["address"]) == ("security.denied", "203.0.113.9")


def test_the_deployments_administrator_reads_every_event_and_the_attempts_on_their_account_are_theirs(
    client, session, world, now, password_hash
):
    session.add(
        User(username="quantri", full_name="Quản trị", password_hash=password_hash, created_at=now, system_admin=True)
    )
    session.commit()
    client.login("quantri", "sai-mật-khẩu")  # a guess at the deployment's administrator
    ((_, _, guess),) = security_rows(session, "user.login_failed")
    assert guess == {"username": "quantri", "address": "127.0.0.1"}  # whence, to trace a guesser
    client.login("officer2")
    client.get("/security/events")  # refused: recorded
    client.logout()
    client.login("admin")
    page = html.unescape(client.get("/security/events").get_data(as_text=True))
    assert "officer2" in page and "quantri" not in page  # an account of no organisation of theirs
    client.logout()
    client.login("quantri")
    home = client.get("/").get_data(as_text=True)
    assert "/security/events" in home and 'id="dossiers"' not in home  # of no organisation: no dossiers to list
    page = html.unescape(client.get("/security/events").get_data(as_text=True))
    assert "Đăng nhập không thành công" in page and "quantri" in page and "officer2" in page
