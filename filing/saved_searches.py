"""Saved searches: a user names the search they ran and runs it again later (PL6 III.6.e).

A saved search is the search page's query string (text, filters, sort, chosen columns), so it
reopens exactly as it was saved and keeps working if the form gains fields.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from erms import audit, metadata
from erms.errors import N_, InvalidMetadata, NotFound, Problem
from erms.models import SavedSearch
from erms.permissions import Actor

NAME_LENGTH = 100
# What the search page's address carries after "?": percent-encoded, so printable ASCII without spaces, and bounded.
QUERY_STRING = re.compile(r"[\x21-\x7e]{1,2000}")


def save(session: Session, actor: Actor, name: str, query_string: str, *, now: datetime) -> SavedSearch:
    """Save (or overwrite, by name) the actor's search ``query_string`` under ``name``."""
    name = name.strip()
    problems = metadata.text_problems({"name": name, "query": query_string})
    if "name" not in {problem.field for problem in problems} and (not name or len(name) > NAME_LENGTH):
        problems.append(
            Problem("name", N_("Give the search a name of 1 to %(length)s characters."), {"length": NAME_LENGTH})
        )
    if not query_string.strip():
        problems.append(Problem("query", N_("Run a search before saving it.")))
    elif not QUERY_STRING.fullmatch(query_string):
        problems.append(Problem("query", N_("This is not a search of the search page: run it again, then save it.")))
    if problems:
        raise InvalidMetadata(problems)
    saved = session.scalar(select(SavedSearch).where(SavedSearch.user_id == actor.user_id, SavedSearch.name == name))
    if saved is None:
        saved = SavedSearch(user_id=actor.user_id, name=name, created_at=now, query_string=query_string)
        session.add(saved)
    saved.query_string = query_string
    session.flush()
    audit.record(session, actor, "search.saved", "saved_search", saved.id, now=now, name=name)
    return saved


def mine(session: Session, actor: Actor) -> list[SavedSearch]:
    """Return the actor's saved searches by name."""
    return list(
        session.scalars(select(SavedSearch).where(SavedSearch.user_id == actor.user_id).order_by(SavedSearch.name))
    )


def delete(session: Session, actor: Actor, saved_id: int, *, now: datetime) -> None:
    """Delete one of the actor's saved searches (another user's is NotFound)."""
    saved = session.get(SavedSearch, saved_id)
    if saved is None or saved.user_id != actor.user_id:
        raise NotFound()
    audit.record(session, actor, "search.deleted", "saved_search", saved.id, now=now, name=saved.name)
    session.delete(saved)
