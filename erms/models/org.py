"""Organisations (archival fonds, "phông"), their units, users and role memberships."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erms.db import Base
from erms.models.types import UTCDateTime, enum_column


class Role(str, enum.Enum):
    """What a person does in the product (docs/design.md, "Who uses it")."""

    ADMIN = "admin"  # "Quản trị"
    HEAD = "head"  # "Người đứng đầu cơ quan"
    REGISTRY = "registry"  # "Văn thư"
    OFFICER = "officer"  # "Chuyên viên"
    UNIT_HEAD = "unit_head"  # "Lãnh đạo đơn vị"
    ARCHIVIST = "archivist"  # "Cán bộ lưu trữ"
    COUNCIL = "council"  # "Hội đồng xác định giá trị tài liệu"


class Organisation(Base):
    """An agency; its records form one archival fonds identified by ``code`` (OrganId, 13 chars)."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(13), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_name: Mapped[str] = mapped_column(String(200), default="")
    # Identifier of the historical archive that receives this fonds (TT 02/2019 "Identifier").
    archive_code: Mapped[str] = mapped_column(String(13), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    units: Mapped[list[Unit]] = relationship(back_populates="organisation", order_by="Unit.code")


class Unit(Base):
    """A department of an organisation ("đơn vị")."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    # The unit it is part of (a section of a department); None: directly under the organisation.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # A unit that was closed keeps its records and its people's authorship; no new role is granted on it.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())

    organisation: Mapped[Organisation] = relationship(back_populates="units")


class User(Base):
    """A person with an account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(50))
    position: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Raised whenever the user's sessions must end (log-out, password, deactivation, roles): a web
    # session remembers the generation it began with and is refused once it differs.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Administers the deployment ("quản trị hệ thống"): creates organisations and manages every one's units,
    # users and lookups; reads no record unless also given a role in an organisation.
    system_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # Where notices are also sent by e-mail (empty: in the app only), unless the person switched that off.
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    email_notices: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    # Set when someone else chose the password (an administrator making the account or resetting it): the person
    # replaces it with one only they know before anything else.
    password_change_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    memberships: Mapped[list[RoleMembership]] = relationship(back_populates="user", cascade="all, delete-orphan")


class RoleMembership(Base):
    """A role a user holds in an organisation, for one unit or (unit_id NULL) organisation-wide."""

    __tablename__ = "role_memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "organisation_id", "unit_id", "role"),
        Index("ix_role_memberships_org_role", "organisation_id", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))

    user: Mapped[User] = relationship(back_populates="memberships")
    unit: Mapped[Unit | None] = relationship()


class WebSession(Base):
    """One log-in in one browser ("phiên đăng nhập"): logging out ends this one only, the person's other browsers go
    on until their own log-out, the limits, or a change to the account (``User.session_generation``) ends them all."""

    __tablename__ = "web_sessions"

    # The random key the signed session cookie carries: it names the log-in, it proves nothing without the cookie.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The account's session generation at log-in: once the account changes, the log-in is over whatever ended_at says.
    generation: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LogInClaim(Base):
    """A log-in whose password is being checked: counted as a failure until its outcome is recorded, so that guesses
    sent all at once are checked no more often than the lock allows (a claim whose outcome never came, its process
    killed mid-check, counts until it leaves the lock's window)."""

    __tablename__ = "log_in_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The username tried, folded as the lock folds it (it need not be anyone's).
    username: Mapped[str] = mapped_column(String(100), index=True)
    # The trusted browser the try came from (its own count), or None: any other browser.
    browser: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
