"""A known agency for the report tests, made through the services as its people would (NOW: 15 June 2026).

Unit A (VP): officer1, unithead; unit B (TCKH): officer2. What each report must count is written beside each record;
the tests assert every figure against these comments.

Dossier lists and dossiers (D = dossier, e = list entry):
- 2023 (2-year entries of A): D11 closed, kept by its unit, due for appraisal on 1/1/2026; D12 closed, destroyed on
  15/6/2026 by decision 45/QĐ-UBND.
- 2024: D9 (A, 10 years) closed, past its hand-over deadline (31/12/2025); D10 (A, 10 years) closed, kept back with
  the head's consent until 30/6/2027; D13 (B, 2 years) closed, due for appraisal on 1/1/2027; D14 (B, permanent)
  archived on 1/3/2021, so due at the historical archive (5 years).
- 2026: e1 (A, officer1) → D1 open; e2 (A, officer1) → D2 open, its work ended 31/5/2026; e3 (A, officer1) and e4
  (A, nobody) without a dossier; e5 (B, officer2) → D5 archived; e6 (B) → D6 submitted; e7 (B) → D7 submitted and
  returned (closed); e10 (A, officer1, permanent) → D15 archived then handed over (receipt 25/BB-LTLS); an ad-hoc
  entry of the unit head (A) → D8 closed, a construction settled on 1/2/2026, so overdue since 1/5/2026.

Registered documents (r): 2026: r1 incoming 10/3 to A and officer1, deadline 20/3, handled 18/3, filed in D1;
r2 incoming 12/3 to A, deadline 1/4, not handled; r3 incoming 5/5 to B and officer2, deadline 10/5, handled 15/5;
r4 outgoing 15/6 to no unit; r5 incoming classified ("mật") 15/6 to B, deadline 30/6. 2025: r6 incoming 20/11 to
A; r7 outgoing classified 20/11.
"""

from __future__ import annotations

import contextlib
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from classification import dossier_list as dossier_lists
from erms import jobs
from erms.models import Dossier, Package, RegisterEntry
from erms.models.handover import BatchState, PackageState
from erms.models.register import RegisterKind
from erms.storage import FileStore
from exports import handover
from filing import dossiers, keep_backs, registers
from retention import destruction
from tests.factories import DOCUMENT, NOW, World, upload

REGISTERED = {key: value for key, value in DOCUMENT.items() if key not in ("direction", "status")}


def at(day: date) -> datetime:
    """Return 10:00 in Vietnam on ``day`` (03:00 UTC)."""
    return datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)


@dataclass
class Agency:
    world: World
    session: Session = field(repr=False, default=None)  # type: ignore[assignment]
    store: FileStore = field(repr=False, default=None)  # type: ignore[assignment]
    connection: object = field(repr=False, default=None)
    dossiers: dict[str, Dossier] = field(default_factory=dict)
    registered: dict[str, RegisterEntry] = field(default_factory=dict)
    entries: dict[str, int] = field(default_factory=dict)
    decision_id: int = 0
    withdrawn_id: int = 0  # a list that proposed D12 first and was withdrawn
    batch_id: int = 0


class Builder:
    def __init__(self, session: Session, world: World, store: FileStore, session_factory) -> None:
        self.session, self.world, self.store, self.factory = session, world, store, session_factory
        self.agency = Agency(world)
        self.serial = itertools.count(1)

    def approved(self, year: int, entries: list[tuple[str, object, str, str | None]]):
        """Approve the list of ``year`` with (name, unit, retention row, responsible username) entries."""
        w, registry = self.world, self.world.actor("registry")
        listed = dossier_lists.create_list(self.session, registry, w.org.id, year, now=NOW)
        heading = dossier_lists.add_heading(self.session, registry, listed.id, "I", "Tổng hợp", now=NOW)
        for name, unit, row, person in entries:
            entry = dossier_lists.add_entry(
                self.session,
                registry,
                listed.id,
                title=f"Hồ sơ {name} năm {year}",
                unit_id=unit.id,
                retention_row_id=w.rows[row].id,
                heading_id=heading.id,
                responsible_user_id=w.users[person].id if person else None,
                now=NOW,
            )
            self.agency.entries[name] = entry.id
        dossier_lists.approve(self.session, w.actor("head"), listed.id, f"0{year % 10}/QĐ-UBND", now=NOW)
        return listed

    def dossier(self, name: str, officer: str, year: int, entry_id: int | None = None, **dates) -> Dossier:
        """Open the dossier of entry ``name`` (or ``entry_id``) with one document issued in ``year``."""
        actor = self.world.actor(officer)
        entry = entry_id or self.agency.entries[name]
        opened = dossiers.open_dossier(self.session, actor, entry, {"start_date": f"{year}-01-05", **dates}, now=NOW)
        number = next(self.serial)
        data = dict(DOCUMENT, code_number=str(300 + number), issued_date=f"{year}-03-02", page_amount=number)
        content = upload(b"%PDF-report " + str(number).encode() * number)
        dossiers.add_document(self.session, actor, opened.id, data, content, store=self.store, now=NOW)
        self.agency.dossiers[name] = opened
        return opened

    def close(self, name: str, officer: str) -> None:
        dossiers.close_dossier(
            self.session, self.world.actor(officer), self.agency.dossiers[name].id, store=self.store, now=NOW
        )

    def submit(self, name: str, officer: str) -> int:
        transfer = dossiers.submit(self.session, self.world.actor(officer), [self.agency.dossiers[name].id], now=NOW)
        return transfer.items[0].id

    def register(self, name: str, kind: RegisterKind, day: date, unit=None, person=None, **values) -> RegisterEntry:
        registry, number = self.world.actor("registry"), next(self.serial)
        data = {**REGISTERED, "code_number": str(700 + number), "subject": f"Văn bản {name}", **values}
        classified = data.get("marking", "none") != "none"
        content = None if classified else upload(b"%PDF-registered " + name.encode())
        entry = registers.register_document(
            self.session, registry, self.world.org.id, kind, data, content, store=self.store, now=at(day)
        )
        if unit is not None:
            user = self.world.users[person].id if person else None
            registers.assign_unit(
                self.session, registry, self.world.org.id, entry.year, entry.series, entry.number, unit.id,
                now=at(day), user_id=user,
            )  # fmt: skip
        self.agency.registered[name] = entry
        return entry

    def handled(self, name: str, day: date) -> None:
        entry = self.agency.registered[name]
        registers.record_handled(
            self.session, self.world.actor("registry"), self.world.org.id, entry.kind, entry.year, entry.series,
            entry.number, day.isoformat(), now=NOW,
        )  # fmt: skip


@contextlib.contextmanager
def built(engine, folder: Path, password_hash: str = "!") -> Iterator[Agency]:
    """Build the agency once on a connection of its own, whose outer transaction is rolled back afterwards (a test
    module reads it; a test that changes it does so in a SAVEPOINT it rolls back)."""
    connection = engine.connect()
    outer = connection.begin()

    def factory() -> Session:
        return Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)

    session = factory()
    try:
        world = World(session, NOW)
        for user in world.users.values():
            user.password_hash = password_hash
        store = FileStore(folder / "files")
        agency = build(session, world, store, factory)
        agency.session, agency.store, agency.connection = session, store, connection
        yield agency
    finally:
        session.close()
        outer.rollback()
        connection.close()


def build(session: Session, world: World, store: FileStore, session_factory) -> Agency:
    """Build the agency of the module docstring; return its records by name."""
    b, a, unit_b = Builder(session, world, store, session_factory), world.unit_a, world.unit_b
    b.approved(2023, [("e11", a, "2y", "officer1"), ("e12", a, "2y", "officer1")])
    b.approved(
        2024,
        [("e9", a, "10y", "officer1"), ("e10", a, "10y", "officer1"), ("e13", unit_b, "2y", "officer2"),
         ("e14", unit_b, "permanent", "officer2")],
    )  # fmt: skip
    listed = b.approved(
        2026,
        [("e1", a, "10y", "officer1"), ("e2", a, "10y", "officer1"), ("e3", a, "10y", "officer1"),
         ("e4", a, "10y", None), ("e5", unit_b, "10y", "officer2"), ("e6", unit_b, "10y", "officer2"),
         ("e7", unit_b, "10y", "officer2"), ("e15", a, "permanent", "officer1")],
    )  # fmt: skip
    for name in ("D11", "D12"):
        b.dossier(name, "officer1", 2023, b.agency.entries["e" + name[1:]])
        b.close(name, "officer1")
    for name, officer in (("D9", "officer1"), ("D10", "officer1"), ("D13", "officer2"), ("D14", "officer2")):
        b.dossier(name, officer, 2024, b.agency.entries["e" + name[1:]])
        b.close(name, officer)
    kept = keep_backs.request(
        session, world.actor("officer1"), b.agency.dossiers["D10"].id, "Còn dùng", date(2027, 6, 30), now=NOW
    )
    keep_backs.decide(session, world.actor("head"), kept.id, True, "", now=NOW)
    _archive(b, "D14", "officer2")
    b.agency.dossiers["D14"].archived_at = datetime(2021, 3, 1, 3, 0, tzinfo=UTC)
    session.flush()
    b.dossier("D1", "officer1", 2026, b.agency.entries["e1"])
    b.dossier("D2", "officer1", 2026, b.agency.entries["e2"], end_date="2026-05-31")
    for name in ("D5", "D6", "D7"):
        b.dossier(name, "officer2", 2026, b.agency.entries["e" + name[1:]])
        b.close(name, "officer2")
    _archive(b, "D5", "officer2")
    b.submit("D6", "officer2")
    item = b.submit("D7", "officer2")
    dossiers.reject(session, world.actor("archivist"), item, "Thiếu văn bản", now=NOW)
    b.dossier("D15", "officer1", 2026, b.agency.entries["e15"])
    b.close("D15", "officer1")
    _archive(b, "D15", "officer1")
    ad_hoc = dossier_lists.add_ad_hoc_entry(
        session,
        world.actor("unithead"),
        listed.id,
        title="Hồ sơ xây dựng trụ sở",
        retention_row_id=world.rows["10y"].id,
        now=NOW,
    )
    b.dossier("D8", "unithead", 2026, ad_hoc.id)
    keep_backs.set_settlement(session, world.actor("unithead"), b.agency.dossiers["D8"].id, date(2026, 2, 1), now=NOW)
    b.close("D8", "unithead")
    _registers(b)
    b.agency.batch_id = _hand_over(b, "D15")
    b.agency.decision_id = _destroy(b, "D12")
    session.expire_all()
    return b.agency


def _archive(b: Builder, name: str, officer: str) -> None:
    dossiers.accept(b.session, b.world.actor("archivist"), b.submit(name, officer), store=b.store, now=NOW)


def _registers(b: Builder) -> None:
    unit_a, unit_b = b.world.unit_a, b.world.unit_b
    incoming, outgoing = RegisterKind.INCOMING, RegisterKind.OUTGOING
    r1 = b.register("r1", incoming, date(2026, 3, 10), unit_a, "officer1", due_date="2026-03-20")
    b.handled("r1", date(2026, 3, 18))
    dossiers.link_document(b.session, b.world.actor("officer1"), b.agency.dossiers["D1"].id, r1.document_id, now=NOW)
    b.register("r2", incoming, date(2026, 3, 12), unit_a, due_date="2026-04-01")
    b.register("r3", incoming, date(2026, 5, 5), unit_b, "officer2", due_date="2026-05-10")
    b.handled("r3", date(2026, 5, 15))
    b.register("r4", outgoing, date(2026, 6, 15))
    b.register("r5", incoming, date(2026, 6, 15), unit_b, marking="mat", due_date="2026-06-30")
    b.register("r6", incoming, date(2025, 11, 20), unit_a)
    b.register("r7", outgoing, date(2025, 11, 20), marking="mat")


def _hand_over(b: Builder, name: str) -> int:
    """Hand dossier ``name`` over to the historical archive: a batch, a (stand-in) package, the archive's receipt."""
    dossier, archivist = b.agency.dossiers[name], b.world.actor("archivist")
    batch = handover.create_batch(b.session, archivist, b.world.org.code, 2031, [dossier.id], now=NOW)
    b.session.add(
        Package(
            batch_id=batch.id, name=batch.name, state=PackageState.READY, path="/nonexistent", payload_oxum="0.0",
            manifest_sha256="0" * 64, audit_head="0" * 64, size=0, report="[]", built_at=NOW,
        )
    )  # fmt: skip
    batch.state = BatchState.PACKAGED
    b.session.flush()
    receipt = (
        f'<HandoverReceipt package="{batch.name}" reference="25/BB-LTLS" received_on="2026-06-15">'
        f'<Dossier code="{dossier.file_code}"/></HandoverReceipt>'
    ).encode()
    handover.import_receipt(b.session, archivist, receipt, "bien-nhan.xml", now=NOW, batch_id=batch.id)
    return batch.id


def _destroy(b: Builder, name: str) -> int:
    """Destroy dossier ``name`` through the whole chain: proposal, council, appraisal, decision, execution; a first
    list proposing it was withdrawn (it destroyed nothing, and no report may count it)."""
    w, archivist = b.world, b.world.actor("archivist")
    first = destruction.propose(
        b.session, archivist, w.org.id, [b.agency.dossiers[name].id], "Danh mục rút lại", "Hết hạn.", now=NOW
    )
    destruction.withdraw(b.session, archivist, first.id, "Hội đồng đề nghị xem lại.", now=NOW)
    b.agency.withdrawn_id = first.id
    listed = destruction.propose(
        b.session, archivist, w.org.id, [b.agency.dossiers[name].id], "Danh mục hủy", "Hết hạn.", now=NOW
    )
    destruction.record_opinion(b.session, w.actor("council1"), listed.id, True, "", now=NOW)
    appraisal_paper = destruction.Paper("12/SNV-CCVTLT", date(2026, 6, 15), io.BytesIO(b"%PDF-1.4 scan 1"), "")
    destruction.record_appraisal(b.session, archivist, listed.id, appraisal_paper, store=b.store, now=NOW)
    decision = destruction.Paper("45/QĐ-UBND", date(2026, 6, 15), io.BytesIO(b"%PDF-1.4 scan 2"), "Nguyễn Thị Thu Hà")
    destruction.approve(b.session, w.actor("head"), listed.id, decision, store=b.store, now=NOW)
    list_id, archivist_id = listed.id, w.users["archivist"].id
    # The worker's job commits step by step in sessions of its own: ours commits first and stays idle meanwhile.
    b.session.commit()
    jobs.execute_destruction(
        b.factory, archivist_id, list_id, store=b.store, settings={"PDF_FONT": ""}, clock=lambda: NOW
    )
    return list_id


def grid(table) -> list[list]:
    """Return a report table as the values of its rows, then its total (the way the tests write what they expect)."""
    return [[cell.value for cell in row] for row in (*table.rows, *([table.total] if table.total else []))]


def drills(report) -> list[tuple]:
    """Return every (cell, its drill) of a report whose count names the records behind it."""
    return [
        (cell, cell.drill)
        for table in report.tables
        for row in (*table.rows, *([table.total] if table.total else []))
        for cell in row
        if cell.drill is not None
    ]
