"""Passwords: argon2id at OWASP's minimum, checked the same way whatever parameters a stored hash was made with."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from erms import accounts
from erms.errors import RuleViolation


def test_a_password_is_kept_as_argon2id_at_owasps_minimum():
    stored = accounts.hash_password("mật khẩu đủ dài")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert "mật khẩu" not in stored
    with pytest.raises(RuleViolation, match="at least 8 characters"):
        accounts.hash_password("ngắn")


def test_a_hash_made_with_other_parameters_still_logs_in(session, world, now):
    officer = world.users["officer1"]
    officer.password_hash = PasswordHasher().hash("mật khẩu cũ 2025")  # argon2-cffi's default: 64 MiB, 3 passes
    session.flush()
    assert accounts.authenticate(session, "officer1", "mật khẩu cũ 2025") is officer
    assert accounts.authenticate(session, "officer1", "mật khẩu khác") is None
