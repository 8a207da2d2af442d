"""Personal API tokens ("mã truy cập API"): the credentials another system (VNPT-iOffice, a script) presents to the
JSON API on a person's behalf. Only the token's SHA-256 is kept; what it may do is the person's rights at that moment.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erms.db import Base
from erms.models.org import User
from erms.models.types import UTCDateTime


class ApiToken(Base):
    """One token of one person, live from its creation until it expires or is revoked."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))  # what the person calls it, e.g. "VNPT-iOffice"
    # The SHA-256 hex of the whole token, never the token: 32 random bytes need no slow hash (nothing to guess).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # its first characters, to tell tokens apart in a list
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # to the minute (erms.api_tokens.touch)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
