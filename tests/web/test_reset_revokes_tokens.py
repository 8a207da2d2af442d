"""An administrator's password reset (security review: API tokens outlived it) is what they do for a compromised
account: it ends the person's API tokens with their sessions, each revocation audited as deactivation's are; the
person's own change of password keeps the tokens they lent to other systems."""

from __future__ import annotations

import json

from erms_browser import PASSWORD
from sqlalchemy import select

from erms.models import AuditEvent
from tests.web.test_api import caller

RESET = "mat-khau-moi-2026"


def test_an_administrators_reset_revokes_every_token_of_the_person_and_no_one_elses(
    app, browsers, token_of, session, world
):
    api = caller(app)
    tokens, colleague = [token_of("officer1"), token_of("officer1")], token_of("officer2")
    assert [api("GET", "/me", token).status_code for token in [*tokens, colleague]] == [200, 200, 200]

    officer = world.users["officer1"]
    reset = browsers("admin").post(f"/admin/people/{officer.id}/password", {"password": RESET}, follow_redirects=True)
    told = "các phiên làm việc đang mở của người này đã kết thúc và các mã truy cập API của họ đã bị thu hồi"
    assert told in reset.get_data(as_text=True)
    assert [api("GET", "/me", token).status_code for token in [*tokens, colleague]] == [401, 401, 200]
    session.expire_all()
    revoked = session.scalars(select(AuditEvent).where(AuditEvent.action == "api_token.revoked"))
    assert [(event.actor_name, event.subject_id, json.loads(event.details)["reason"]) for event in revoked] == [
        ("admin", officer.id, "password_reset")
    ] * 2


def test_the_persons_own_new_password_keeps_their_tokens(app, browsers, token_of):
    api = caller(app)
    token = token_of("officer1")
    assert browsers("officer1").change_password(PASSWORD, RESET).status_code == 302
    assert api("GET", "/me", token).status_code == 200
