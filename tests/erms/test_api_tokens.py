"""Personal API tokens (issue 26): a token opens the API as its person until it expires or is revoked, is kept only
as its hash, and is ended by its person or their organisation's administrator; nobody else learns it exists."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from erms import api_tokens, db
from erms.db import Base
from erms.errors import InvalidMetadata, NotFound, RuleViolation
from erms.models import ApiToken, AuditEvent, Organisation, Role, RoleMembership, User
from erms.permissions import load_actor


def events(session, action: str) -> list[dict]:
    found = session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
    return [{"actor": event.actor_name, "user": event.subject_id, **json.loads(event.details)} for event in found]


def every_value(session) -> str:
    """Return every value of every table as one text (to search for what must never be stored)."""
    return "\n".join(repr(row) for table in Base.metadata.sorted_tables for row in session.execute(select(table)).all())


def counts(session) -> tuple[int, int]:
    return session.scalar(select(func.count(ApiToken.id))), session.scalar(select(func.count(AuditEvent.id)))


@pytest.fixture
def foreign_admin(session, now):
    """The administrator of another organisation."""
    org = Organisation(code="000.00.00.H31", name="UBND quận Ba Đình", created_at=now)
    session.add(org)
    session.flush()
    user = User(username="admin2", full_name="Trần Thị admin2", password_hash="!", created_at=now)
    user.memberships.append(RoleMembership(organisation_id=org.id, unit_id=None, role=Role.ADMIN))
    session.add(user)
    session.flush()
    return load_actor(session, user.id)


def test_a_new_token_opens_the_api_as_its_person_and_only_its_hash_is_kept(session, world, now):
    officer = world.actor("officer1")
    row, token = api_tokens.create(session, officer, "  VNPT-iOffice ", 90, now=now)
    assert token.startswith("erms_") and len(token) >= 45
    assert (row.user_id, row.name, row.prefix) == (officer.user_id, "VNPT-iOffice", token[:12])
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert (row.created_at, row.expires_at, row.revoked_at, row.last_used_at) == (now, now + timedelta(90), None, None)
    assert api_tokens.actor_for(session, token, now=now) == officer
    session.expire_all()
    assert token not in every_value(session) and token[12:] not in every_value(session)
    assert events(session, "api_token.created") == [
        {
            "actor": "officer1",
            "user": officer.user_id,
            "token_id": row.id,
            "name": "VNPT-iOffice",
            "expires_at": (now + timedelta(90)).isoformat(),
        }
    ]
    another, second = api_tokens.create(session, officer, "Kịch bản báo cáo", 1, now=now)
    assert second != token and another.token_hash != row.token_hash


def test_expired_revoked_wrong_and_deactivated_tokens_open_nothing(session, world, now):
    officer, head = world.actor("officer1"), world.actor("head")
    _row, token = api_tokens.create(session, officer, "iOffice", 30, now=now)
    assert api_tokens.actor_for(session, token, now=now + timedelta(days=30) - timedelta(seconds=1)) == officer
    assert api_tokens.actor_for(session, token, now=now + timedelta(days=30)) is None  # expired
    for wrong in ("", token[:-1], token + "x", token.upper(), token[5:], "erms_\x00", "Bearer " + token, "erms_\udcff"):
        assert api_tokens.actor_for(session, wrong, now=now) is None, wrong
    revoked, revoked_token = api_tokens.create(session, head, "Cũ", 30, now=now)
    api_tokens.revoke(session, head, revoked.id, now=now)
    assert api_tokens.actor_for(session, revoked_token, now=now) is None
    world.users["officer1"].active = False
    session.flush()
    assert api_tokens.actor_for(session, token, now=now) is None
    world.users["officer1"].active = True
    session.flush()
    assert api_tokens.actor_for(session, token, now=now) == officer  # reactivated: the token was never revoked


def test_a_new_password_leaves_the_tokens_working(session, world, now):
    """Tokens are credentials of their own, lent to other systems: the person or the administrator revokes them."""
    officer = world.actor("officer1")
    _row, token = api_tokens.create(session, officer, "iOffice", 30, now=now)
    world.users["officer1"].password_hash = "changed"
    session.flush()
    assert api_tokens.actor_for(session, token, now=now) == officer


def test_bad_names_and_days_are_refused_all_at_once_and_nothing_is_written(session, world, now):
    officer = world.actor("officer1")
    before = counts(session)
    for name, days, fields in [
        ("", 90, ["name"]),
        ("   ", None, ["name", "days"]),
        ("x" * 101, 0, ["name", "days"]),
        ("iOffice\x07", 366, ["name", "days"]),
        ("iOffice", -1, ["days"]),
        ("iOffice", True, ["days"]),
    ]:
        with pytest.raises(InvalidMetadata) as refused:
            api_tokens.create(session, officer, name, days, now=now)
        assert [problem.field for problem in refused.value.problems] == fields, (name, days)
    assert counts(session) == before
    row, _token = api_tokens.create(session, officer, "x" * 100, 365, now=now)
    assert row.expires_at == now + timedelta(days=365)


def test_a_person_holds_at_most_twenty_live_tokens(session, world, now):
    officer = world.actor("officer1")
    made = [api_tokens.create(session, officer, f"Hệ thống {number}", 30, now=now)[0] for number in range(20)]
    before = counts(session)
    with pytest.raises(InvalidMetadata) as refused:
        api_tokens.create(session, officer, "", 30, now=now)
    assert [problem.field for problem in refused.value.problems] == ["name", ""]
    assert "20" in str(refused.value)
    assert counts(session) == before
    # Others are not limited by one person's tokens; a revoked or an expired token frees a place.
    api_tokens.create(session, world.actor("officer2"), "iOffice", 30, now=now)
    api_tokens.revoke(session, officer, made[0].id, now=now)
    api_tokens.create(session, officer, "Thay thế", 30, now=now)
    later = now + timedelta(days=31)
    assert api_tokens.create(session, officer, "Sau khi hết hạn", 30, now=later)[0].expires_at == later + timedelta(30)


def test_the_owner_and_the_organisations_administrator_revoke_nobody_else(session, world, now, foreign_admin):
    officer, admin = world.actor("officer1"), world.actor("admin")
    own, _ = api_tokens.create(session, officer, "iOffice", 30, now=now)
    by_admin, _ = api_tokens.create(session, officer, "Kịch bản", 30, now=now)
    kept, kept_token = api_tokens.create(session, officer, "Báo cáo", 30, now=now)
    for stranger in (world.actor("officer2"), world.actor("head"), world.actor("unithead"), foreign_admin):
        with pytest.raises(NotFound):
            api_tokens.revoke(session, stranger, kept.id, now=now)
        with pytest.raises(NotFound):
            api_tokens.tokens_of(session, stranger, officer.user_id)
    with pytest.raises(NotFound):
        api_tokens.revoke(session, officer, kept.id + 1000, now=now)
    assert api_tokens.actor_for(session, kept_token, now=now) == officer
    assert events(session, "api_token.revoked") == []

    later = now + timedelta(hours=1)
    assert api_tokens.revoke(session, officer, own.id, now=later).revoked_at == later
    assert api_tokens.revoke(session, admin, by_admin.id, now=later).revoked_by_id == admin.user_id
    with pytest.raises(RuleViolation, match="revoked already"):
        api_tokens.revoke(session, admin, own.id, now=later)
    assert events(session, "api_token.revoked") == [
        {"actor": "officer1", "user": officer.user_id, "token_id": own.id, "name": "iOffice"},
        {"actor": "admin", "user": officer.user_id, "token_id": by_admin.id, "name": "Kịch bản"},
    ]
    listed = [
        (token.name, api_tokens.state(token, now=later))
        for token in api_tokens.tokens_of(session, admin, officer.user_id)
    ]
    assert sorted(listed) == [
        ("Báo cáo", api_tokens.TokenState.LIVE),
        ("Kịch bản", api_tokens.TokenState.REVOKED),
        ("iOffice", api_tokens.TokenState.REVOKED),
    ]
    assert api_tokens.tokens_of(session, officer, officer.user_id) == api_tokens.tokens_of(
        session, admin, officer.user_id
    )
    assert api_tokens.tokens_of(session, world.actor("officer2"), world.users["officer2"].id) == []


def test_checking_a_token_never_writes_and_its_last_use_is_noted_once_a_minute(session, world, now):
    officer = world.actor("officer1")
    row, token = api_tokens.create(session, officer, "iOffice", 30, now=now)
    session.flush()
    reading = db.INTENT.set("read")  # as the API's read-only transactions: any write would raise
    try:
        first = api_tokens.bearer(session, token, now=now)
    finally:
        db.INTENT.reset(reading)
    assert first == api_tokens.Bearer(officer, row.id, touch_due=True)
    api_tokens.touch(session, row.id, now=now)
    session.expire_all()
    assert session.get(ApiToken, row.id).last_used_at == now
    soon = now + timedelta(seconds=59)
    assert api_tokens.bearer(session, token, now=soon).touch_due is False
    api_tokens.touch(session, row.id, now=soon)  # two requests found it due at once: the second writes nothing
    session.expire_all()
    assert session.get(ApiToken, row.id).last_used_at == now
    minute = now + timedelta(minutes=1)
    assert api_tokens.bearer(session, token, now=minute).touch_due is True
    api_tokens.touch(session, row.id, now=minute)
    session.expire_all()
    assert session.get(ApiToken, row.id).last_used_at == minute
