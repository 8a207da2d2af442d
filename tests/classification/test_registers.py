"""Registers: yearly number series without gaps (also under 8 concurrent registrations), duplicate
warnings, classified documents and filing a registered document into several dossiers."""

from __future__ import annotations

import io
import json
import threading
import unicodedata
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erms import db, migrate
from erms.demo import DemoContext
from erms.demo import registers as demo_registers
from erms.errors import Conflict, InvalidMetadata, PermissionDenied, RuleViolation
from erms.models import (
    AuditEvent,
    Document,
    DocumentVersion,
    Organisation,
    RegisterEntry,
    Role,
    RoleMembership,
    StoredFile,
    User,
)
from erms.models.register import RegisterKind, RegisterSeries
from erms.permissions import load_actor
from erms.storage import FileStore
from filing import dossiers, registers
from tests.databases import own_database
from tests.factories import DOCUMENT, upload

INCOMING = {key: value for key, value in DOCUMENT.items() if key not in ("direction", "status")}


def register(session, world, store, now, *, kind=RegisterKind.INCOMING, content=None, **changes):
    data = {**INCOMING, **{key: value for key, value in changes.items() if key not in ("allow_duplicate", "code")}}
    file = None if data.get("marking", "none") != "none" else upload(content or uuid.uuid4().bytes)
    return registers.register_document(
        session,
        world.actor("registry"),
        world.org.id,
        kind,
        data,
        file,
        store=store,
        document_code=changes.get("code", ""),
        allow_duplicate=changes.get("allow_duplicate", False),
        now=now,
    )


def test_numbers_run_per_register_and_series(session, world, store, now):
    first = register(session, world, store, now, code_number="1")
    second = register(session, world, store, now, code_number="2")
    secret = register(session, world, store, now, code_number="3", marking="mat")
    outgoing = register(session, world, store, now, kind=RegisterKind.OUTGOING, code_number="4")
    assert (first.number, second.number) == (1, 2)
    assert (secret.series, secret.number) == (RegisterSeries.CLASSIFIED, 1)
    assert (outgoing.kind, outgoing.number) == (RegisterKind.OUTGOING, 1)
    assert second.document.arrival_number == "2" and second.document.arrival_date.isoformat() == "2026-06-15"
    assert secret.document.versions == []


def test_duplicate_is_warned_and_gives_its_number_back(session, world, store, now):
    register(session, world, store, now, code="000.00.00.H26-1")
    with pytest.raises(InvalidMetadata) as refused, session.begin_nested():
        register(
            session, world, store, now, code_number="99", code_notation="KH-UBND"
        )  # same number+notation+issuer? no
        register(session, world, store, now)  # same number, notation and issuer as the first
    assert [problem.field for problem in refused.value.problems] == ["duplicate"]
    assert refused.value.problems[0].params["number"] == 1
    with pytest.raises(InvalidMetadata), session.begin_nested():
        register(session, world, store, now, code_number="77", code="000.00.00.H26-1")  # same identifier
    again = register(session, world, store, now, allow_duplicate=True)
    assert again.number == 2  # the refused attempts rolled back: no gap
    assert again.duplicate_of_id is not None


@pytest.mark.parametrize(
    "typed",
    [
        {"code_notation": "qđ-ubnd"},  # lower case: SQLite's lower() would leave the Đ as it is
        {"code_number": "15/QĐ-UBND", "code_notation": ""},  # the whole "số, ký hiệu" in the number field
        {"code_number": "15", "code_notation": "QĐ - UBND", "organ_name": "ubnd  thành phố Hà Nội"},
        {
            "code_notation": unicodedata.normalize("NFD", "QĐ-UBND"),
            "organ_name": unicodedata.normalize("NFD", "UBND thành phố Hà Nội"),
        },
    ],
)
def test_the_same_document_typed_another_way_is_warned_as_a_duplicate(session, world, store, now, typed):
    first = register(session, world, store, now)
    with pytest.raises(InvalidMetadata) as refused, session.begin_nested():
        register(session, world, store, now, **typed)
    assert [(problem.field, problem.params["number"]) for problem in refused.value.problems] == [
        ("duplicate", first.number)
    ]
    other = register(session, world, store, now, code_number="150", code_notation="QĐ-UBND")  # not the same
    assert other.duplicate_of_id is None


def test_classified_document_keeps_only_its_register_line(session, world, store, now):
    with pytest.raises(RuleViolation) as refused:
        registers.register_document(
            session,
            world.actor("registry"),
            world.org.id,
            RegisterKind.INCOMING,
            {**INCOMING, "marking": "toi_mat"},
            upload(),
            store=store,
            now=now,
        )
    assert "Article 5.5" in str(refused.value)
    with pytest.raises(InvalidMetadata) as refused:
        register(session, world, store, now, marking="mat", description="Nội dung chi tiết", keyword="mật")
    assert [problem.field for problem in refused.value.problems] == ["description", "keyword"]
    assert session.scalar(select(func.count()).select_from(RegisterEntry)) == 0


def test_top_secret_summary_only_for_the_authorised(session, world, store, now):
    entry = register(session, world, store, now, marking="tuyet_mat")
    assert not registers.summary_shown(world.actor("registry"), entry)
    assert registers.summary_shown(world.actor("head"), entry)


def test_officer_cannot_register(session, world, store, now):
    from erms.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        registers.register_document(
            session,
            world.actor("officer1"),
            world.org.id,
            RegisterKind.INCOMING,
            INCOMING,
            upload(),
            store=store,
            now=now,
        )


def test_registered_document_filed_in_two_dossiers_is_stored_once(session, world, store, now, make_dossier):
    entry = register(session, world, store, now, content=b"%PDF-registered")
    registers.assign_unit(
        session, world.actor("registry"), world.org.id, entry.year, entry.series, entry.number, world.unit_a.id, now=now
    )
    officer = world.actor("officer1")
    first, second = make_dossier(documents=0), make_dossier(documents=0)
    for dossier in (first, second):
        dossiers.link_document(session, officer, dossier.id, entry.document_id, now=now)
    assert [link.document_id for link in first.links] == [link.document_id for link in second.links]
    assert session.scalar(select(func.count()).select_from(Document)) == 1
    assert session.scalar(select(func.count()).select_from(DocumentVersion)) == 1
    assert session.scalar(select(func.count()).select_from(StoredFile)) == 1
    with pytest.raises(RuleViolation):
        dossiers.link_document(session, officer, first.id, entry.document_id, now=now)


# ---------------------------------------------------------------- concurrency


@pytest.fixture
def private_engine(database_url, tmp_path):
    """A database of its own (committed rows would leak into the other tests' shared database)."""
    with own_database(database_url, tmp_path, "registers") as url:
        engine = db.make_engine(url, pool_size=10)
        yield engine
        engine.dispose()


def test_eight_concurrent_registrations_get_numbers_without_gap_or_duplicate(private_engine, tmp_path):
    now = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)
    with private_engine.begin() as connection:
        migrate.upgrade(connection)
    factory = db.make_session_factory(private_engine)
    with db.transaction(factory) as session:
        org = Organisation(code="000.00.00.C08", name="UBND phường Cầu Dền", created_at=now)
        user = User(username="vanthu", full_name="Lê Thị Văn Thư", password_hash="!", created_at=now)
        session.add_all([org, user])
        session.flush()
        session.add(RoleMembership(user_id=user.id, organisation_id=org.id, role=Role.REGISTRY))
        session.flush()
        actor, organisation_id = load_actor(session, user.id), org.id
    store = FileStore(tmp_path / "files")
    start, failures = threading.Barrier(8), []

    def work(index: int) -> None:
        start.wait()
        try:
            with db.transaction(factory) as session:
                registers.register_document(
                    session,
                    actor,
                    organisation_id,
                    RegisterKind.INCOMING,
                    {**INCOMING, "code_number": str(index)},
                    upload(f"%PDF-{index}".encode()),
                    store=store,
                    now=now,
                )
        except Exception as error:  # noqa: BLE001 - the assertion below shows it
            failures.append(repr(error))

    threads = [threading.Thread(target=work, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with Session(private_engine) as session:
        numbers = sorted(session.scalars(select(RegisterEntry.number)))
    assert failures == []
    assert numbers == list(range(1, 9))


def test_the_handling_report_counts_each_series_by_deadline_within_the_period(session, world, store, now):
    # now is 15/06/2026 10:00 in Hà Nội; the period is the first half of 2026.
    register(
        session,
        world,
        store,
        datetime(2026, 6, 5, 3, 0, tzinfo=UTC),
        code_number="1",
        due_date="2026-06-10",
        urgency="khan",
    )
    register(session, world, store, now, code_number="2", due_date="2026-06-20")
    register(session, world, store, now, code_number="3")
    register(session, world, store, now, code_number="4", marking="mat", due_date="2026-06-01")
    # 31/12/2025 23:30 in Hà Nội: registered the day before the period starts.
    late_2025 = datetime(2025, 12, 31, 16, 30, tzinfo=UTC)
    register(session, world, store, late_2025, code_number="5", issued_date="2025-12-30", due_date="2026-01-05")
    register(session, world, store, now, kind=RegisterKind.OUTGOING, code_number="6", due_date="2026-06-01")
    for number, day in ((1, "2026-06-12"), (3, "2026-06-15")):  # no. 1 two days after its deadline
        registers.record_handled(
            session,
            world.actor("registry"),
            world.org.id,
            RegisterKind.INCOMING,
            2026,
            RegisterSeries.REGULAR,
            number,
            day,
            now=now,
        )
    report = registers.handling_report(
        session, world.actor("head"), world.org.id, RegisterKind.INCOMING, date(2026, 1, 1), date(2026, 6, 30), now=now
    )
    regular, classified = report.series[RegisterSeries.REGULAR], report.series[RegisterSeries.CLASSIFIED]
    assert (
        regular.registered,
        regular.with_due_date,
        regular.handled,
        regular.handled_late,
        regular.overdue,
        regular.due_ahead,
        regular.urgent,
    ) == (3, 2, 2, 1, 0, 1, 1)
    assert (classified.registered, classified.handled, classified.overdue) == (1, 0, 1)
    assert (report.total.registered, report.total.handled, report.total.overdue) == (4, 2, 1)
    text = "".join(
        page.extract_text()
        for page in PdfReader(
            io.BytesIO(
                registers.print_handling_report(
                    session,
                    world.actor("head"),
                    world.org.id,
                    RegisterKind.INCOMING,
                    date(2026, 1, 1),
                    date(2026, 6, 30),
                    now=now,
                )
            )
        ).pages
    )
    assert "BÁO CÁO TÌNH HÌNH GIẢI QUYẾT VĂN BẢN ĐẾN" in text
    assert "Từ ngày 01/01/2026 đến ngày 30/06/2026" in text
    assert "Tổng số 4 3 2 1 1 1 1" in text
    assert "In từ Hệ thống ERMS — 15/06/2026 10:00" in text


def test_the_handled_day_is_checked_corrected_and_audited(session, world, store, now):
    entry = register(session, world, store, now, code_number="1")  # registered 15/06/2026
    registry = world.actor("registry")

    def record(number, day, actor=registry):
        return registers.record_handled(
            session, actor, world.org.id, RegisterKind.INCOMING, 2026, RegisterSeries.REGULAR, number, day, now=now
        )

    for number, day, field, message in (
        (2, "2026-06-15", "number", "No document has number 2 in this register in 2026."),
        (None, "2026-06-15", "number", "This field is required."),
        (1, "31/06/2026", "handled_on", "Not a valid date (day/month/year)."),
        (1, "14/06/2026", "handled_on", "A document is handled on or after the day it was registered (15/06/2026)."),
        (1, "2026-06-14", "handled_on", "A document is handled on or after the day it was registered (15/06/2026)."),
        (1, "2026-06-16", "handled_on", "The day a document was handled cannot be after today."),
    ):
        with pytest.raises(InvalidMetadata) as refused:
            record(number, day)
        assert [(p.field, p.template % p.params) for p in refused.value.problems] == [(field, message)]
    with pytest.raises(PermissionDenied):
        record(1, "2026-06-15", world.actor("officer1"))
    assert entry.handled_on is None
    record(1, "2026-06-15")
    record(1, "2026-06-15")  # the same day again: nothing to correct, both kept
    with pytest.raises(Conflict, match="No. 1 was already recorded as handled on 15/06/2026, by Nguyễn Văn registry"):
        registers.record_handled(
            session,
            registry,
            world.org.id,
            RegisterKind.INCOMING,
            2026,
            RegisterSeries.REGULAR,
            1,
            "2026-06-16",
            now=now + timedelta(days=1),  # a day later, another clerk records the next day
        )
    assert entry.handled_on == date(2026, 6, 15) and entry.handled_by_id == registry.user_id
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "document.handled").order_by(AuditEvent.id)
    ).all()
    assert [(json.loads(event.details)["previous"], json.loads(event.details)["handled_on"]) for event in events] == [
        (None, "2026-06-15"),
        ("2026-06-15", "2026-06-15"),
    ]


def test_an_incoming_document_goes_to_its_unit_until_it_is_handled(session, world, store, now, make_dossier):
    entry = register(session, world, store, now, code_number="1", due_date="2026-06-20")
    registry = world.actor("registry")

    def send(number, unit_id, actor=registry):
        return registers.assign_unit(
            session, actor, world.org.id, 2026, RegisterSeries.REGULAR, number, unit_id, now=now
        )

    with pytest.raises(InvalidMetadata) as refused:
        send(2, None)
    assert [(p.field, p.template % p.params) for p in refused.value.problems] == [
        ("number", "No document has number 2 in this register in 2026."),
        ("unit_id", "Choose one of the listed values."),
    ]
    with pytest.raises(PermissionDenied):
        send(1, world.unit_a.id, world.actor("officer1"))
    send(1, world.unit_b.id)
    with pytest.raises(Conflict) as told:  # a second clerk, unaware the first sent it
        send(1, world.unit_a.id)
    assert str(told.value).startswith(
        f"No. 1 was already sent to {world.unit_b.name}, by Nguyễn Văn registry at 15/06/2026 10:00. "
    )
    registers.assign_unit(  # sent on to the right unit, deliberately: both audited
        session, registry, world.org.id, 2026, RegisterSeries.REGULAR, 1, world.unit_a.id, now=now, elsewhere=True
    )
    assert registers.assigned_to_me(session, world.actor("officer1")) == [entry]
    assert registers.assigned_to_me(session, world.actor("officer2")) == []
    register(session, world, store, now, code_number="2")  # registered later, sent nowhere
    dossier = make_dossier("open", documents=0)  # of unit A: its officers are offered what was sent there only
    assert [e.number for e in dossiers.registered_documents(session, world.actor("officer1"), dossier)] == [1]
    assert [e.number for e in dossiers.registered_documents(session, world.actor("registry"), dossier)] == [1, 2]
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "document.assigned").order_by(AuditEvent.id)
    ).all()
    assert [(json.loads(event.details)["previous"], json.loads(event.details)["unit"]) for event in events] == [
        (None, world.unit_b.name),
        (world.unit_b.name, world.unit_a.name),
    ]
    printed = "".join(
        page.extract_text()
        for page in PdfReader(
            io.BytesIO(
                registers.print_register(
                    session,
                    world.actor("head"),
                    world.org.id,
                    RegisterKind.INCOMING,
                    2026,
                    RegisterSeries.REGULAR,
                    now=now,
                )
            )
        ).pages
    )
    assert "VănphòngHĐNDvàUBND15/06/2026" in "".join(printed.split())  # the receiving unit, then the day sent
    registers.record_handled(
        session, registry, world.org.id, RegisterKind.INCOMING, 2026, RegisterSeries.REGULAR, 1, "2026-06-15", now=now
    )
    assert registers.assigned_to_me(session, world.actor("officer1")) == []


def test_the_handling_report_refuses_a_period_that_ends_before_it_starts(session, world, now):
    with pytest.raises(InvalidMetadata) as refused:
        registers.handling_report(
            session,
            world.actor("head"),
            world.org.id,
            RegisterKind.OUTGOING,
            date(2026, 6, 30),
            date(2026, 1, 1),
            now=now,
        )
    assert [problem.field for problem in refused.value.problems] == ["end"]


def test_the_demo_registers_an_urgent_document_and_a_classified_line(session, world, store, now):
    context = DemoContext(session, world.org, world.users, world.rows, store, "")
    demo_registers.seed(context, now=now)
    incoming = registers.handling_report(
        session, world.actor("head"), world.org.id, RegisterKind.INCOMING, date(2026, 1, 1), date(2026, 12, 31), now=now
    )
    assert incoming.series[RegisterSeries.REGULAR].urgent == 1
    assert incoming.series[RegisterSeries.CLASSIFIED].registered == 1
    outgoing = registers.register_entries(session, world.actor("head"), world.org.id, RegisterKind.OUTGOING, 2026)
    assert [entry.number for entry in outgoing] == [1, 2]
