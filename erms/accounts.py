"""User accounts: creation, role grants, passwords (argon2id via argon2-cffi), and audited log-in/log-out."""

from __future__ import annotations

import hashlib
import itertools
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, event, func, inspect, select, text
from sqlalchemy.orm import Session

from erms import audit, metadata
from erms.errors import N_, InvalidMetadata, NotFound, Problem, RuleViolation
from erms.models import LogInClaim, Organisation, Role, RoleMembership, Unit, User, WebSession
from erms.permissions import Actor, load_actor

# Argon2id at OWASP's recommended minimum (Password Storage Cheat Sheet: 19 MiB, 2 passes, 1 lane). argon2-cffi's
# default (RFC 9106's low-memory choice: 64 MiB, 3 passes, 4 lanes) costs about seven times the CPU, so a morning's
# log-ins on a two-core server would hold every core for seconds while pages wait. A hash keeps its own parameters:
# one made with others still verifies.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

MIN_PASSWORD = 8
# After this many failed log-ins with one username within the window, the username is refused without
# a password check until the oldest of them leaves the window: guessing slows to five tries a quarter
# of an hour. Refusals are audited but not counted, so an attacker cannot keep a user locked out for
# longer than the window after their last real try. A browser the person has logged in with before (a trusted
# browser: OWASP's "device cookie") has a count of its own, so a stranger's guesses lock the name only for browsers
# it was never used in, and the person at their own computer logs in as usual.
LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Locked:
    """A log-in refused unchecked: too many recent failures with this username."""

    minutes: int  # until the username may try again, rounded up


def hash_password(password: str) -> str:
    """Return the argon2id hash of ``password``, refusing passwords that are too short or only spaces."""
    if problems := short_password(password):
        raise RuleViolation(problems[0].template, **problems[0].params)
    return _hasher.hash(password)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None (the same answer for every failure)."""
    user = _active_user(session, username)
    if not _password_matches(user.password_hash if user else None, password):
        return None
    return user


def _active_user(session: Session, username: str) -> User | None:
    # A name holding a control character is nobody's (and PostgreSQL cannot even compare a NUL).
    if metadata.FORBIDDEN_CHARACTERS.search(username):
        return None
    typed = username.strip()
    user = session.scalar(select(User).where(User.username == typed))
    if user is None:
        # "An.NV" for "an.nv": usernames are lower case, a phone's keyboard capitalises. An older account differing
        # from another only by case (made before usernames were checked) is found by its exact name only.
        folded = session.scalars(select(User).where(func.lower(User.username) == typed.lower()).limit(2)).all()
        user = folded[0] if len(folded) == 1 else None
    return user if user is not None and user.active else None


def _password_matches(password_hash: str | None, password: str) -> bool:
    """Check a password against a stored hash; with no hash, spend the same time (no username probing by timing)."""
    if password_hash is None:
        _hasher.hash(password)
        return False
    try:
        _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    return True


@dataclass(frozen=True)
class Attempt:
    """A log-in checked but not recorded yet: the username tried, and the user it proved, or why not."""

    username: str
    user_id: int | None
    locked: Locked | None
    claim_id: int | None = None  # the claim recording the outcome ends (see :func:`log_in_candidate`)
    browser: str | None = None  # the trusted browser it came from, whose own count it goes to


def log_in(
    session: Session, username: str, password: str, *, now: datetime, browser: str | None = None
) -> Actor | Locked | None:
    """Check the credentials and audit the attempt; return the user's actor, None when refused, or
    ``Locked`` when the username has failed too often lately (the password is then not checked).

    PL6 III.6.b asks for counts of accesses to the system: a failed attempt is recorded with the
    username tried (actor None, as nobody is known), so repeated guessing shows in the audit log.
    Any username can be locked, known or not: a lock tells nothing about which accounts exist.
    """
    candidate = log_in_candidate(session, username, now=now, browser=browser)
    return record_log_in(session, check_password(candidate, password), now=now)


@dataclass(frozen=True)
class Candidate:
    """What a log-in needs from the database before the password is checked: the username tried, the active user
    of that name and their password hash (None: nobody), or the lock on that name."""

    username: str
    user_id: int | None
    password_hash: str | None
    locked: Locked | None
    claim_id: int | None = None
    browser: str | None = None


def log_in_candidate(session: Session, username: str, *, now: datetime, browser: str | None = None) -> Candidate:
    """Read what a log-in is checked against and claim the try (a short write: the slow hash runs after, holding no
    connection). The claim counts as a failure until :func:`record_log_in` records the outcome, so that guesses sent
    all at once are checked no more often than LOCKOUT_FAILURES times: each one claims its try in turn.

    ``browser`` names a trusted browser of this username (proved by the caller): its tries are counted apart from
    every other browser's."""
    tried = folded_username(username)
    _one_at_a_time(session, tried)
    locked = _locked(session, tried, browser, now)
    if locked is not None:
        return Candidate(tried, None, None, locked, browser=browser)
    claim = LogInClaim(username=tried, browser=browser, claimed_at=now)
    session.add(claim)
    session.flush()
    user = _active_user(session, username)
    user_id, password_hash = (user.id, user.password_hash) if user else (None, None)
    return Candidate(tried, user_id, password_hash, None, claim.id, browser)


def folded_username(username: str) -> str:
    """The name a log-in try is counted under."""
    # A username's length: the field is free text, the audit log is kept forever. Folded, as the log-in folds it, so
    # that changing the case of a name does not give a guesser five more tries.
    # A control character no name holds (PostgreSQL cannot even store a NUL) is dropped: the variant shares the lock.
    return metadata.FORBIDDEN_CHARACTERS.sub("", username).strip()[:100].lower()


def _one_at_a_time(session: Session, username: str) -> None:
    # PostgreSQL: the tries of one name claim and record one after the other (a lock per name, to the commit), so a
    # count never sees a claim ended without its failure written; SQLite's writers already go one at a time.
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(username.encode()).digest()[:4], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(7202, :key)"), {"key": key})


def check_password(candidate: Candidate, password: str) -> Attempt:
    """Check the password of a candidate (slow on purpose, outside any transaction)."""
    if candidate.locked is not None:
        return Attempt(candidate.username, None, candidate.locked, browser=candidate.browser)
    matches = _password_matches(candidate.password_hash, password)
    proved = candidate.user_id if matches else None
    return Attempt(candidate.username, proved, None, candidate.claim_id, candidate.browser)


def end_claim(session: Session, attempt: Attempt) -> None:
    """Forget the claim of a try whose outcome is being recorded (a failure then counts from the audit log)."""
    if attempt.claim_id is not None:
        _one_at_a_time(session, attempt.username)
        session.execute(delete(LogInClaim).where(LogInClaim.id == attempt.claim_id))


def record_log_in(session: Session, attempt: Attempt, *, now: datetime, address: str = "") -> Actor | Locked | None:
    """Audit a checked log-in (a failed or locked one with the client's ``address``, to trace a guesser) and return
    what :func:`log_in` returns."""
    end_claim(session, attempt)
    if attempt.locked is not None:
        audit.record_security(
            session,
            None,
            "user.login_locked",
            now=now,
            source=f"username:{attempt.username}",
            username=attempt.username,
            address=address,
        )
        return attempt.locked
    try:
        actor = load_actor(session, attempt.user_id) if attempt.user_id is not None else None
    except NotFound:  # deactivated a moment after the check
        actor = None
    if actor is None:
        _record_failure(session, attempt, now=now, address=address)
        return None
    audit.record(session, actor, "user.logged_in", "user", attempt.user_id, now=now)
    return actor


def _record_failure(session: Session, attempt: Attempt, *, now: datetime, address: str | None = None) -> None:
    """Audit a failed try: the name tried, the client's address (to trace a guesser), the trusted browser it counts
    to."""
    where = {"address": address} if address is not None else {}
    if attempt.browser:
        where["browser"] = attempt.browser
    audit.record(session, None, "user.login_failed", "user", None, now=now, username=attempt.username, **where)


def _locked(session: Session, username: str, browser: str | None, now: datetime) -> Locked | None:
    """Return ``Locked`` when ``username`` failed LOCKOUT_FAILURES times within the window before ``now`` in
    ``browser`` (None: in any browser not trusted for it); a try being checked counts as failed."""
    since = now - LOCKOUT_WINDOW
    session.execute(delete(LogInClaim).where(LogInClaim.claimed_at <= since))  # never recorded, and now too old
    failed = [
        when
        for when, details in audit.recent(session, "user.login_failed", since)
        if details.get("username") == username and details.get("browser") == browser
    ]
    # ``== None`` is SQL's IS NULL here.
    claims = select(LogInClaim.claimed_at).where(LogInClaim.username == username, LogInClaim.browser == browser)
    claimed = session.scalars(claims).all()
    times = sorted([*failed, *claimed])
    if len(times) < LOCKOUT_FAILURES:
        return None
    free_at = times[-LOCKOUT_FAILURES] + LOCKOUT_WINDOW  # when the fifth latest failure leaves the window
    return Locked(max(1, -(-int((free_at - now).total_seconds()) // 60)))


def start_web_session(session: Session, user: User, *, now: datetime) -> str:
    """Record a log-in in one browser and return the key its session cookie carries."""
    key = secrets.token_urlsafe(32)
    session.add(WebSession(id=key, user_id=user.id, generation=user.session_generation, started_at=now))
    return key


def logged_in_user(session: Session, user_id: int, key: str) -> User | None:
    """Return the user of the browser's log-in ``key`` while it holds (not logged out, begun since the account last
    changed), else None: one query, as every page asks it."""
    live = select(User).join(WebSession, WebSession.user_id == User.id)
    return session.scalar(
        live.where(
            User.id == user_id,
            WebSession.id == key,
            WebSession.ended_at.is_(None),
            WebSession.generation == User.session_generation,
        )
    )


def log_out(session: Session, actor: Actor, key: str, *, now: datetime) -> None:
    """End this browser's log-in (a kept copy of its cookie no longer works) and audit the log-out; the person's
    other browsers go on."""
    web = session.get(WebSession, key)
    if web is not None and web.user_id == actor.user_id and web.ended_at is None:
        web.ended_at = now
    audit.record(session, actor, "user.logged_out", "user", actor.user_id, now=now)


def end_other_sessions(session: Session, actor: Actor, key: str, *, now: datetime) -> int:
    """End the person's log-ins in every other browser (a shared computer left logged in, a lost phone): the
    account's generation rises and this browser's log-in alone carries on with it; return that generation."""
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound(N_("No active user with id %(user)s."), user=actor.user_id)
    end_sessions(user)
    _carry_on(session, user, key)
    audit.record(session, actor, "user.other_sessions_ended", "user", user.id, now=now)
    return user.session_generation


def _carry_on(session: Session, user: User, key: str | None) -> None:
    """Keep this browser's log-in ``key`` after the person's own change raised the account's generation."""
    web = session.get(WebSession, key) if key else None
    if web is not None and web.user_id == user.id and web.ended_at is None:
        web.generation = user.session_generation


def forget_web_sessions(session: Session, before: datetime) -> int:
    """Delete the log-ins begun before ``before`` (past the absolute session limit, over whatever else holds)."""
    result = session.execute(delete(WebSession).where(WebSession.started_at < before))
    return int(getattr(result, "rowcount", 0) or 0)


def end_sessions(user: User) -> None:
    """End every web session of ``user``: each remembers the generation it began with (PL6 I.2, III.3.a)."""
    user.session_generation = (user.session_generation or 0) + 1


# A change to any of these ends the user's sessions, whoever makes it and from wherever (web, console).
SESSION_ENDING_FIELDS = ("password_hash", "active", "memberships")


@event.listens_for(Session, "before_flush")
def _end_sessions_on_change(session: Session, flush_context, instances) -> None:
    """Raise the session generation of users whose password, activity or roles change in this flush."""
    changed: set[User] = set()
    for user in session.dirty:
        if isinstance(user, User) and any(
            inspect(user).attrs[name].history.has_changes() for name in SESSION_ENDING_FIELDS
        ):
            changed.add(user)
    for membership in itertools.chain(session.new, session.dirty, session.deleted):
        if isinstance(membership, RoleMembership) and membership.user is not None:
            changed.add(membership.user)
    for user in changed - set(session.new):
        end_sessions(user)


def create_user(
    session: Session,
    actor: Actor | None,
    username: str,
    full_name: str,
    password: str,
    *,
    now: datetime,
    position: str = "",
    temporary: bool = False,
) -> User:
    """Create an account; ``actor`` None is the operator at the console; a ``temporary`` password is replaced by the
    person at their first log-in."""
    if session.scalar(select(User.id).where(User.username == username)):
        raise RuleViolation(N_("The username %(username)s is taken."), username=username)
    user = User(
        username=username,
        full_name=full_name,
        position=position,
        password_hash=hash_password(password),
        password_change_required=temporary,
        created_at=now,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.created", "user", user.id, now=now, username=username)
    return user


def set_password(
    session: Session, actor: Actor | None, user: User, password: str, *, now: datetime, temporary: bool = False
) -> None:
    """Replace a user's password; a ``temporary`` one (someone else chose it) must be replaced at the next log-in."""
    user.password_hash = hash_password(password)
    user.password_change_required = temporary
    audit.record(session, actor, "user.password_set", "user", user.id, now=now, temporary=temporary)


def short_password(password: str) -> list[Problem]:
    """The problem of a password too short to be set, if it is; spaces alone count for nothing (a space bar held
    down, or a field left "blank" that browsers fill with spaces)."""
    if len(password) < MIN_PASSWORD:
        return [Problem("password", N_("A password needs at least %(count)s characters."), {"count": MIN_PASSWORD})]
    if not password.strip():
        return [Problem("password", N_("A password cannot be only spaces."))]
    return []


def new_password_problems(current: str, new: str, repeat: str) -> list[Problem]:
    """What is wrong with a password a person chooses for themselves (``current`` is the one it replaces)."""
    problems = short_password(new)
    if not problems and new == current:
        problems.append(Problem("password", N_("Choose a password other than the one it replaces.")))
    if new != repeat:
        problems.append(Problem("repeat", N_("The two new passwords are not the same.")))
    return problems


def change_own_password(
    session: Session,
    actor: Actor,
    proof: Attempt,
    new: str,
    repeat: str,
    current: str,
    *,
    now: datetime,
    key: str | None = None,
) -> int | Locked | list[Problem]:
    """Replace the actor's own password once ``proof`` (their current password, checked) holds.

    Returns the session generation the person's browser (its log-in ``key``) continues with (every other session of
    theirs ends), or why not: ``Locked``, or the problems. A wrong current password counts as a failed log-in (and
    is audited as one), so a borrowed session cannot guess it more often than the log-in page allows; nothing else
    is written then.
    """
    end_claim(session, proof)
    if proof.locked is not None:
        return proof.locked
    if proof.user_id != actor.user_id:
        _record_failure(session, proof, now=now)
        return [Problem("current", N_("The current password is incorrect."))]
    if problems := new_password_problems(current, new, repeat):
        return problems
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound(N_("No active user with id %(user)s."), user=actor.user_id)
    user.password_hash = hash_password(new)
    user.password_change_required = False
    audit.record(session, actor, "user.password_changed", "user", user.id, now=now)
    session.flush()  # raises the session generation (_end_sessions_on_change)
    _carry_on(session, user, key)
    return user.session_generation


def grant(
    session: Session,
    actor: Actor | None,
    user: User,
    role: Role,
    organisation_code: str,
    unit_code: str | None = None,
    *,
    now: datetime,
) -> RoleMembership:
    """Give ``user`` a role in an organisation, for one unit or (unit_code None) organisation-wide."""
    organisation = session.scalar(select(Organisation).where(Organisation.code == organisation_code))
    if organisation is None:
        raise NotFound(N_("No organisation with code %(code)s."), code=organisation_code)
    unit = None
    if unit_code:
        unit = session.scalar(select(Unit).where(Unit.organisation_id == organisation.id, Unit.code == unit_code))
        if unit is None:
            raise NotFound(N_("No unit %(unit)s in organisation %(code)s."), unit=unit_code, code=organisation_code)
    membership = RoleMembership(organisation_id=organisation.id, unit_id=unit.id if unit else None, role=role)
    user.memberships.append(membership)
    session.flush()
    audit.record(
        session,
        actor,
        "user.role_granted",
        "user",
        user.id,
        now=now,
        role=role.value,
        organisation=organisation_code,
        unit=unit_code,
    )
    return membership


# One plain address: ASCII letters, digits and ._%+- before the @, a dotted domain after. No comma or angle bracket
# (a second recipient), no accented letter (a mail server without SMTPUTF8 refuses it, and Python's mail code fails).
EMAIL_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def person(session: Session, user_id: int) -> User:
    """Return the account of ``user_id`` (a logged-in person's own)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_("No user %(name)s."), name=user_id)
    return user


def set_notice_email(session: Session, actor: Actor, email: str, by_email: bool, *, now: datetime) -> User:
    """Save the person's own e-mail address (empty: none) and whether notices are also sent there."""
    email = metadata.check_text({"email": email.strip()}, {"email": metadata.column_length(User, "email")})["email"]
    if email and not EMAIL_ADDRESS.fullmatch(email):
        raise InvalidMetadata([Problem("email", N_("Write an e-mail address like lan.pt@example.gov.vn."))])
    user = person(session, actor.user_id)
    if (user.email, user.email_notices) != (email, by_email):
        user.email, user.email_notices = email, by_email
        audit.record(session, actor, "user.notices_set", "user", user.id, now=now, email=email, by_email=by_email)
    return user


def organisations_of(session: Session, actor: Actor) -> list[Organisation]:
    """Return the organisations the person holds a role in, by name (a person in several chooses which one they
    work in)."""
    chosen = select(Organisation).where(Organisation.id.in_(actor.organisation_ids())).order_by(Organisation.name)
    return list(session.scalars(chosen))
