"""The audit log read by those entitled to it: their organisation's events only, filtered, a page at a time, exported
formula-safe, and the hash chain's last verification with its head (issue 21, item 6; PL6 III.5.a, III.6.l)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from administration import audit_log
from administration.audit_log import Filter
from erms import audit
from erms.errors import InvalidMetadata, PermissionDenied, RuleViolation
from erms.models import AuditEvent, Role, RoleMembership, Transfer, User
from erms.models.transfer import TransferState
from erms.permissions import load_actor
from filing import dossiers
from tests.factories import another_agency
from tests.web.test_leak_review import restrict

HEADINGS = ["id", "time", "user", "action", "kind", "record", "before", "after", "details", "hash"]


EVERYTHING = Filter()


def shown(session, actor, wanted=EVERYTHING) -> list[audit_log.Event]:
    return audit_log.events(session, actor, wanted).events


def person(session, now, username: str, *, system_admin: bool = False, **membership) -> User:
    user = User(
        username=username, full_name="Lê Văn Quản", password_hash="!", created_at=now, system_admin=system_admin
    )
    if membership:
        user.memberships.append(RoleMembership(**membership))
    session.add(user)
    session.flush()
    return user


@pytest.fixture
def two_agencies(session, world, store, now, make_dossier):
    """Events of both organisations: records, a log-in and a refusal by each one's people, and an anonymous one."""
    ours = make_dossier("open")
    theirs = another_agency(session, world, store, now)
    for who, organisation in ((world.actor("officer1"), "ours"), (theirs.actors["officer3"], "theirs")):
        audit.record(session, who, "user.logged_in", "user", who.user_id, now=now)
        audit.record_security(session, who, "security.denied", now=now, source=f"user:{who.user_id}", path=organisation)
    audit.record_security(session, None, "security.csrf_refused", now=now, source="address:203.0.113.9")
    return ours, theirs


def test_a_reader_sees_the_events_of_their_own_organisation_only(session, world, now, two_agencies):
    ours, theirs = two_agencies
    events = shown(session, world.actor("admin"))
    assert {(event.subject_type, event.subject_id) for event in events if event.subject_type == "dossier"} == {
        ("dossier", ours.id)
    }
    assert "officer1" in {event.actor_name for event in events}
    assert not {"officer3", "registry2", "head2", "system"} & {event.actor_name for event in events}
    assert [event.details["path"] for event in events if event.action == "security.denied"] == ["ours"]
    # The other agency's administrator sees the mirror image.
    theirs_seen = shown(session, theirs.actors["admin2"])
    assert {event.subject_id for event in theirs_seen if event.subject_type == "dossier"} == {theirs.dossier.id}
    assert "officer1" not in {event.actor_name for event in theirs_seen}
    # The deployment's administrator reads the whole log, anonymous refusals included.
    deployment = load_actor(session, person(session, now, "quantri", system_admin=True).id)
    assert {"officer1", "officer3", "system"} <= {event.actor_name for event in shown(session, deployment)}


def test_the_systems_events_about_an_organisations_records_are_its_readers(session, world, now, two_agencies):
    """The hand-over record stored by the system (no actor) after the joint check is the organisation's, as any event
    about its transfers, use requests, repositories and boxes: every kind the filter offers is one it accepts."""
    theirs = two_agencies[1]
    transfers = {}
    for name, organisation, unit, submitter in (
        ("ours", world.org, world.unit_a, world.users["officer1"].id),
        ("theirs", theirs.org, theirs.unit, theirs.actors["officer3"].user_id),
    ):
        transfer = Transfer(
            organisation_id=organisation.id, unit_id=unit.id, year=2026, state=TransferState.COMPLETED,
            submitted_by_id=submitter, submitted_at=now,
        )  # fmt: skip
        session.add(transfer)
        session.flush()
        audit.record(session, None, "transfer.recorded", "transfer", transfer.id, now=now, sha256=name)
        transfers[name] = transfer.id
    seen = shown(session, world.actor("admin"), Filter(subject_type="transfer"))
    assert [(event.actor_name, event.subject_id) for event in seen] == [("system", transfers["ours"])]
    assert [event.subject_id for event in shown(session, theirs.actors["admin2"], Filter(subject_type="transfer"))] == [
        transfers["theirs"]
    ]
    for kind in ("use_request", "repository", "storage_box", "intake_run", "recipient_organisation", "trust_root"):
        assert shown(session, world.actor("admin"), Filter(subject_type=kind)) == []  # a filter, not a refusal


def test_only_organisation_wide_readers_read_the_log(session, world, now):
    for reader in ("admin", "archivist", "head"):
        assert audit_log.chain(session, world.actor(reader)).head == audit.head_hash(session)
    unit_admin = person(session, now, "qtdonvi", organisation_id=world.org.id, unit_id=world.unit_a.id, role=Role.ADMIN)
    for refused in (world.actor("officer1"), world.actor("registry"), load_actor(session, unit_admin.id)):
        with pytest.raises(PermissionDenied):
            audit_log.events(session, refused, Filter())
        with pytest.raises(PermissionDenied):
            audit_log.chain(session, refused)


def test_filters_by_user_action_record_and_local_days(session, world, now, make_dossier):
    first, second = make_dossier("open"), make_dossier("closed")
    admin = world.actor("admin")
    # 23:30 on 20 June in Hà Nội is 16:30 UTC: the event belongs to the 20th, not the 21st.
    late = datetime(2026, 6, 20, 16, 30, tzinfo=now.tzinfo)
    audit.record(session, world.actor("officer2"), "dossier.viewed", "dossier", first.id, now=late)

    assert {event.actor_name for event in shown(session, admin, Filter(username="officer2"))} == {"officer2"}
    family = {event.action for event in shown(session, admin, Filter(action="dossier"))}
    assert {"dossier.opened", "dossier.closed", "dossier.viewed"} <= family
    assert not any(action.startswith("dossier_list") for action in family)
    assert {event.action for event in shown(session, admin, Filter(action="dossier.closed"))} == {"dossier.closed"}
    about_first = shown(session, admin, Filter(subject_type="dossier", subject_id=first.id))
    assert about_first and {event.subject_id for event in about_first} == {first.id} != {second.id}
    assert [
        event.occurred_at for event in shown(session, admin, Filter(start=date(2026, 6, 20), end=date(2026, 6, 20)))
    ] == [late]
    assert shown(session, admin, Filter(start=date(2026, 6, 21))) == []
    # The first and the last days a date can name bound nothing, and break nothing.
    assert len(shown(session, admin, Filter(start=date.min, end=date.max))) == len(shown(session, admin))


def test_bad_filters_are_named_every_one(session, world, store, now):
    theirs = another_agency(session, world, store, now)
    with pytest.raises(InvalidMetadata) as refused:
        audit_log.events(
            session,
            world.actor("admin"),
            Filter(
                action="x'; DROP TABLE", subject_id=7, start=date(2026, 6, 2), end=date(2026, 6, 1), username="nobody"
            ),
        )
    assert {problem.field for problem in refused.value.problems} == {"action", "subject_type", "end", "user"}
    # Someone of another organisation is as unknown as nobody.
    with pytest.raises(InvalidMetadata) as stranger:
        audit_log.events(session, world.actor("admin"), Filter(username=theirs.actors["officer3"].username))
    assert stranger.value.problems[0].template == "No user of your organisation is called %(username)s."
    with pytest.raises(InvalidMetadata):
        audit_log.events(session, world.actor("admin"), Filter(subject_type="password"))


def test_pages_follow_one_another_without_gap_or_overlap(session, world, now):
    officer = world.actor("officer1")
    for minute in range(audit_log.PAGE * 2 + 7):
        audit.record(session, officer, "search.saved", "saved_search", minute, now=now + timedelta(minutes=minute))
    wanted, seen, before, pages = Filter(action="search.saved"), [], None, 0
    while True:
        page = audit_log.events(session, world.actor("head"), wanted, before=before)
        seen += [event.subject_id for event in page.events]
        pages += 1
        if page.older is None:
            break
        before = page.older
    assert pages == 3
    assert seen == list(reversed(range(audit_log.PAGE * 2 + 7)))  # newest first, each once


def test_the_exports_are_formula_safe_and_bounded(session, world, now, monkeypatch):
    trap = person(session, now, '=HYPERLINK("http://x")', organisation_id=world.org.id, unit_id=None, role=Role.HEAD)
    audit.record(session, load_actor(session, trap.id), "user.logged_in", "user", trap.id, now=now)
    wanted = Filter(action="user.logged_in")
    text = audit_log.export(session, world.actor("admin"), wanted, HEADINGS, form="csv").decode("utf-8-sig")
    (heading, line) = list(csv.reader(io.StringIO(text)))
    assert heading == HEADINGS and line[2] == '\'=HYPERLINK("http://x")' and line[3] == "user.logged_in"
    sheet = load_workbook(
        io.BytesIO(audit_log.export(session, world.actor("admin"), wanted, HEADINGS, form="xlsx"))
    ).active
    (heading, line) = list(sheet.iter_rows(values_only=True))
    assert heading == tuple(HEADINGS)
    assert line[2] == '\'=HYPERLINK("http://x")' and line[3] == "user.logged_in" and line[1].endswith("+07:00")
    monkeypatch.setattr(audit_log, "EXPORT_LIMIT", 0)
    with pytest.raises(RuleViolation):
        audit_log.export(session, world.actor("admin"), wanted, HEADINGS, form="csv")


def test_the_chain_is_verified_on_demand_and_its_last_result_shown_with_the_head(
    session, world, store, now, make_dossier
):
    make_dossier("open")
    theirs = another_agency(session, world, store, now)
    archivist = world.actor("archivist")
    assert audit_log.chain(session, archivist).last_check is None
    head = audit.head_hash(session)
    report, walked_from = audit_log.check_chain(session, archivist, now=now)
    audit_log.record_check(session, archivist, report, walked_from, now=now)
    chain = audit_log.chain(session, world.actor("head"))
    assert report.ok and walked_from == head
    assert (chain.last_check.by, chain.last_check.broken_id, chain.last_check.head) == ("archivist", None, head)
    assert chain.last_check.checked == report.checked > 0 and chain.head == audit.head_hash(session) != head
    # The other agency's reader sees the same head, but not that our archivist checked it; nor may they walk it again
    # within the minute (the walk costs the whole deployment).
    assert audit_log.chain(session, theirs.actors["admin2"]) == audit_log.Chain(chain.head, None)
    with pytest.raises(RuleViolation):
        audit_log.check_chain(session, theirs.actors["head2"], now=now + timedelta(seconds=30))

    altered = session.scalar(select(AuditEvent.id).where(AuditEvent.action == "dossier.opened"))
    session.execute(update(AuditEvent).where(AuditEvent.id == altered).values(actor_name="someone"))
    later = now + audit_log.VERIFY_INTERVAL
    report, walked_from = audit_log.check_chain(session, archivist, now=later)
    audit_log.record_check(session, archivist, report, walked_from, now=later)
    assert audit_log.chain(session, archivist).last_check.broken_id == altered


def test_a_restricted_documents_changed_values_are_withheld_but_the_fields_named(session, world, now, make_dossier):
    """The archivist reads the log but not a restricted dossier: an edit of its document names the fields changed and
    withholds every value (its note and keyword say what its summary does); the head, who reads it, reads them all."""
    kept_close = make_dossier("open", documents=1)
    document_id = kept_close.links[0].document_id
    restrict(session, world, "officer1", kept_close.id, None, now)
    dossiers.update_document(
        session, world.actor("officer1"), kept_close.id, document_id,
        {"description": "Ghi chú về phương án nhạy cảm", "keyword": "phương án"}, now=now,
    )  # fmt: skip
    wanted = Filter(action="document.updated", subject_type="document", subject_id=document_id)
    (archivists,) = shown(session, world.actor("archivist"), wanted)
    assert archivists.details["changes"] == {"description": audit_log.WITHHELD, "keyword": audit_log.WITHHELD}
    (heads,) = shown(session, world.actor("head"), wanted)
    assert heads.details["changes"]["description"][1] == "Ghi chú về phương án nhạy cảm"
