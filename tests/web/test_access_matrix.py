"""The access matrix, generated: every route × every role × own unit / other unit / other organisation.

The expected answers come from one declared table (``access_matrix.py``); this module only builds a
world with a record of every kind in every relation, asks each route as each actor and compares.
The world is built once for the module on one connection whose outer transaction is rolled back at
the end; every request runs inside a SAVEPOINT rolled back after it, so a POST that succeeded does not
change the next answer. Each person logs in once (argon2 is slow on purpose).
"""

from __future__ import annotations

import contextlib
import html
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from access_matrix import (
    ABROAD,
    ALLOWED,
    IGNORED_ENDPOINTS,
    IGNORED_METHODS,
    LOGIN,
    ORG,
    OTHER,
    OWN,
    PLAYERS,
    ROLES,
    ROWS,
    Row,
    expected,
)
from erms_browser import DOCUMENT_FORM, Browser, file_field, make_pdf
from flask import Flask, url_for
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from classification import dossier_list as dossier_lists
from erms import api_tokens, background, jobs, search
from erms.app import create_app
from erms.models import (
    BackgroundJob,
    Dossier,
    IntakeRun,
    LookupKind,
    LookupValue,
    Organisation,
    Package,
    Role,
    RoleMembership,
    StoredFile,
    TransferItem,
    Unit,
    User,
)
from erms.models.dossier import Medium
from erms.models.handover import BatchState, PackageState
from erms.models.register import RegisterKind
from erms.permissions import load_actor
from erms.storage import FileStore
from exports import handover
from filing import (
    access,
    access_rules,
    dossiers,
    keep_backs,
    preservation,
    registers,
    removals,
    saved_searches,
    transfers,
    uploads,
)
from holdings import storage as holdings_storage
from holdings import use_requests
from intake import arrangement
from retention import destruction, holds
from tests.factories import DOCUMENT, NOW, World, supplementary_field, upload

ACTORS = (*ROLES, None)  # None: a visitor who is not logged in
# Values of URL parts that are not records.
URL_VALUES = {"kind": "incoming", "role": "officer", "report": "compliance", "figure": "opened"}
# The CSRF failure page: a POST refused for its token says nothing about access.
CSRF_REFUSAL = "Biểu mẫu đã hết hạn"
HANDOVER_YEAR = 2031
DUE_YEAR = 2020  # 2-year dossiers of 2020 are due for appraisal since 1 January 2023


# ---------------------------------------------------------------- a second organisation


class OtherOrganisation(World):
    """Another organisation with its own two units and one user per role; the retention schedule is shared.

    Usernames are prefixed ("bd.officer1"); ``users`` and ``actor`` take the plain names, as in ``World``.
    """

    def __init__(self, session: Session, now, rows: dict) -> None:
        self.session, self.now, self.rows = session, now, rows
        self.org = Organisation(
            code="000.00.00.H27", name="UBND quận Ba Đình", parent_name="UBND thành phố Hà Nội", created_at=now
        )
        session.add(self.org)
        session.flush()
        self.unit_a = Unit(organisation_id=self.org.id, code="VP", name="Văn phòng UBND quận Ba Đình")
        self.unit_b = Unit(organisation_id=self.org.id, code="TP", name="Phòng Tư pháp")
        session.add_all([self.unit_a, self.unit_b])
        session.flush()
        self.users = {}
        for name, role, unit in (
            ("admin", Role.ADMIN, None),
            ("head", Role.HEAD, None),
            ("registry", Role.REGISTRY, None),
            ("archivist", Role.ARCHIVIST, None),
            ("council1", Role.COUNCIL, None),
            ("officer1", Role.OFFICER, self.unit_a),
            ("unithead", Role.UNIT_HEAD, self.unit_a),
            ("officer2", Role.OFFICER, self.unit_b),
        ):
            self.user(name, role, unit)
        session.flush()

    def user(self, username, role, unit):
        user = super().user(f"bd.{username}", role, unit)
        self.users[username] = self.users.pop(f"bd.{username}")
        return user


# ---------------------------------------------------------------- building records through the services


class Builder:
    """Make the records of one organisation through the services, as its people would."""

    def __init__(self, world: World, store: FileStore) -> None:
        self.world, self.session, self.store = world, world.session, store
        self.serial = 0
        self.items: dict[int, int] = {}  # dossier id -> its pending transfer item
        self.lists = {year: self.planned_list(year) for year in (DUE_YEAR, 2026)}
        self.draft = self.draft_list(2027)
        self.submitted = self.draft_list(2028)
        dossier_lists.submit_for_approval(self.session, self.world.actor("registry"), self.submitted.id, now=NOW)

    def next(self) -> int:
        """Return a new number: every document differs from every other (no shared stored file)."""
        self.serial += 1
        return self.serial

    def planned_list(self, year: int):
        """Return an approved list of ``year`` with one planned entry for each unit."""
        w, registry = self.world, self.world.actor("registry")
        planned = dossier_lists.create_list(self.session, registry, w.org.id, year, now=NOW)
        heading = dossier_lists.add_heading(
            self.session, registry, planned.id, "I", "Tổng hợp", abbreviation="TH", now=NOW
        )
        for unit in (w.unit_a, w.unit_b):
            dossier_lists.add_entry(
                self.session,
                registry,
                planned.id,
                title=f"Kế hoạch công tác năm {year}",
                unit_id=unit.id,
                retention_row_id=w.rows["10y"].id,
                heading_id=heading.id,
                now=NOW,
            )
        dossier_lists.approve(self.session, w.actor("head"), planned.id, "01/QĐ-UBND", now=NOW)
        return planned

    def draft_list(self, year: int):
        """Return a draft list of ``year`` with one heading and one entry (ready to be approved)."""
        registry = self.world.actor("registry")
        draft = dossier_lists.create_list(self.session, registry, self.world.org.id, year, now=NOW)
        heading = dossier_lists.add_heading(
            self.session, registry, draft.id, "I", "Tổng hợp", abbreviation="TH", now=NOW
        )
        dossier_lists.add_entry(
            self.session,
            registry,
            draft.id,
            title="Hồ sơ hội nghị tổng kết",
            unit_id=self.world.unit_a.id,
            retention_row_id=self.world.rows["10y"].id,
            heading_id=heading.id,
            now=NOW,
        )
        return draft

    def transfer_of(self, dossier_id: int) -> int:
        """Return the transfer a dossier was submitted in."""
        return self.session.get(TransferItem, self.items[dossier_id]).transfer_id

    def draft_entry(self, unit) -> int:
        """Return an entry of ``unit`` in next year's draft list (added if it has none)."""
        found = next((entry.id for entry in self.draft.entries if entry.unit_id == unit.id), None)
        if found is not None:
            return found
        registry = self.world.actor("registry")
        entry = dossier_lists.add_entry(
            self.session, registry, self.draft.id, title=f"Hồ sơ dự kiến của {unit.code}", unit_id=unit.id,
            retention_row_id=self.world.rows["10y"].id, now=NOW,
        )  # fmt: skip
        return entry.id

    def planned_entry(self, unit) -> int:
        """Return the planned entry of ``unit`` in this year's approved list (it has no dossier)."""
        return next(entry.id for entry in self.lists[2026].entries if entry.unit_id == unit.id)

    def ad_hoc_entry(self, officer: str, year: int = 2026, row: str = "10y") -> int:
        """Return a new ad-hoc entry of the officer's unit in the approved list of ``year``, not yet reviewed."""
        entry = dossier_lists.add_ad_hoc_entry(
            self.session,
            self.world.actor(officer),
            self.lists[year].id,
            title="Hồ sơ phát sinh về công tác văn thư",
            retention_row_id=self.world.rows[row].id,
            now=NOW,
        )
        return entry.id

    def add_document(self, officer: str, dossier_id: int, year: int, status: str = "final"):
        """Add a document with its own file to an open dossier."""
        number = self.next()
        data = dict(DOCUMENT, status=status, code_number=str(100 + number), issued_date=f"{year}-03-02")
        return dossiers.add_document(
            self.session,
            self.world.actor(officer),
            dossier_id,
            data,
            upload(b"%PDF-matrix " + str(number).encode()),
            store=self.store,
            now=NOW,
        )

    def dossier(self, officer: str, state: str, row: str = "10y", year: int = 2026, draft: bool = False):
        """Return a dossier of the officer's unit walked to ``state`` (open, closed, submitted, archived)."""
        actor = self.world.actor(officer)
        entry_id = self.ad_hoc_entry(officer, year, row)
        dossier = dossiers.open_dossier(self.session, actor, entry_id, {"start_date": f"{year}-01-05"}, now=NOW)
        self.add_document(officer, dossier.id, year)
        if draft:
            self.add_document(officer, dossier.id, year, status="draft")
        if state == "open":
            return dossier
        dossiers.close_dossier(self.session, actor, dossier.id, store=self.store, now=NOW)
        if state == "closed":
            return dossier
        transfer = dossiers.submit(self.session, actor, [dossier.id], now=NOW)
        self.items[dossier.id] = transfer.items[0].id
        if state == "submitted":
            return dossier
        dossiers.accept(self.session, self.world.actor("archivist"), transfer.items[0].id, store=self.store, now=NOW)
        return dossier

    def registered(self, unit):
        """Return an incoming document registered by the registry and sent to ``unit``."""
        registry, number = self.world.actor("registry"), self.next()
        data = dict(DOCUMENT, code_number=str(500 + number), subject="Về việc kiểm tra công tác lưu trữ")
        entry = registers.register_document(
            self.session,
            registry,
            self.world.org.id,
            RegisterKind.INCOMING,
            data,
            upload(b"%PDF-registered " + str(number).encode()),
            store=self.store,
            now=NOW,
        )
        registers.assign_unit(
            self.session, registry, self.world.org.id, entry.year, entry.series, entry.number, unit.id, now=NOW
        )
        return entry

    def paper(self, number: str, signer: str = "") -> destruction.Paper:
        """Return a decision on paper with an attached scan of its own."""
        scan = io.BytesIO(b"%PDF-1.4 signed scan " + number.encode() + str(self.next()).encode())
        return destruction.Paper(number, NOW.date(), scan, signer)

    def destruction_list(self, step: str) -> int:
        """Return a destruction list of one due dossier, walked to ``step`` of the chain."""
        w, archivist = self.world, self.world.actor("archivist")
        due = self.dossier("officer1", "closed", row="2y", year=DUE_YEAR)
        listed = destruction.propose(
            self.session,
            archivist,
            w.org.id,
            [due.id],
            "Danh mục tài liệu hết giá trị",
            "Hết thời hạn bảo quản 2 năm.",
            now=NOW,
        )
        if step == "proposed":
            return listed.id
        destruction.record_opinion(self.session, w.actor("council1"), listed.id, True, "", now=NOW)
        if step == "with_opinion":
            return listed.id
        destruction.record_appraisal(
            self.session, archivist, listed.id, self.paper("12/SNV-CCVTLT"), store=self.store, now=NOW
        )
        if step == "appraised":
            return listed.id
        destruction.approve(
            self.session,
            w.actor("head"),
            listed.id,
            self.paper("45/QĐ-UBND", "Nguyễn Thị Thu Hà"),
            store=self.store,
            now=NOW,
        )
        return listed.id

    def packaged_batch(self, out_dir) -> dict:
        """Return a hand-over batch of one permanent dossier whose (stand-in) package is ready to download."""
        w = self.world
        dossier = self.dossier("officer1", "archived", row="permanent")
        batch = handover.create_batch(
            self.session, w.actor("archivist"), w.org.code, HANDOVER_YEAR, [dossier.id], now=NOW
        )
        bag = out_dir / batch.name
        bag.mkdir(parents=True)
        (bag / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
        self.session.add(
            Package(
                batch_id=batch.id,
                name=batch.name,
                state=PackageState.READY,
                path=str(bag),
                payload_oxum="0.0",
                manifest_sha256="0" * 64,
                audit_head="0" * 64,
                size=0,
                report="[]",
                built_at=NOW,
            )
        )
        batch.state = BatchState.PACKAGED
        self.session.flush()
        return {"batch_id": batch.id, "batch_name": batch.name, "codes": [dossier.file_code]}


# ---------------------------------------------------------------- the world of the matrix


@dataclass
class Matrix:
    """The module's world: the app, its connection, every record in every relation, logged-in browsers."""

    app: Flask
    connection: Connection
    targets: dict[str, dict[str, dict]]  # record -> relation -> URL parts and form values
    own: dict[str, dict[str, dict]]  # kind -> role -> that person's own record of the kind (saved search, API token)
    page: dict  # what the pages without a record need (this organisation's values)
    clients: dict[str | None, Browser]
    tokens: dict[str, str]  # role -> the API token of the person who plays it

    def target(self, row: Row, role: str | None, relation: str) -> dict | None:
        """Return the record ``row`` is asked about in ``relation``, as seen by ``role``."""
        if row.record is None:
            return self.page
        found = self.targets.get(row.record, {}).get(relation)
        if row.kind in self.own and relation == OWN and role is not None:
            found = self.own[row.kind][role]
        return found


def _use_requests(builder: Builder, reader: str) -> dict:
    """Return three requests of ``reader`` for paper dossiers of the archive: one waiting for the head, one refused,
    and one approved whose first dossier waits to be lent and whose second is lent."""
    world, session = builder.world, builder.session
    paper = [builder.dossier("officer1", "archived") for _ in range(2)]
    for dossier in paper:
        dossier.medium = Medium.PAPER
    session.flush()
    codes = " ".join(dossier.file_code for dossier in paper)

    def asked(purpose: str) -> use_requests.Asked:  # a request like one still waiting is refused: each its own purpose
        return use_requests.Asked(codes, purpose)

    waiting = use_requests.ask(session, world.actor(reader), world.org.id, asked("Nghiên cứu"), now=NOW)
    approved = use_requests.ask(session, world.actor(reader), world.org.id, asked("Đối chiếu"), now=NOW)
    use_requests.decide(session, world.actor("head"), approved.id, True, date(2026, 7, 1), "", now=NOW)
    use_requests.lend(session, world.actor("archivist"), approved.items[1].id, now=NOW)
    refused = use_requests.ask(session, world.actor(reader), world.org.id, asked("Tra cứu"), now=NOW)
    use_requests.decide(session, world.actor("head"), refused.id, False, None, "Không", now=NOW)
    return {
        "use_request:requested": {"request_id": waiting.id},
        "use_request:refused": {"request_id": refused.id},
        "use_request:approved": {"request_id": approved.id},
        "use_item:approved": {"item_id": approved.items[0].id},
        "use_item:lent": {"item_id": approved.items[1].id},
    }


def _own_use_requests(builder: Builder) -> dict:
    """Return {kind: {role: target}}: each role's own approved request, and its dossier waiting to be lent."""
    own: dict[str, dict] = {"use_request": {}, "use_item": {}}
    for role, name in PLAYERS.items():
        made = _use_requests(builder, name)
        own["use_request"][role] = made["use_request:approved"]
        own["use_item"][role] = made["use_item:approved"]
    return own


def _job(session: Session, user_id: int, subject: str) -> BackgroundJob:
    """Queue a background job for ``user_id`` (a search rebuild: no page shows it, so only its requester reads it)."""
    return background.enqueue(session, user_id, jobs.SEARCH_REBUILD_JOB, subject, {}, now=NOW)


def _preservation_copy(session: Session, store: FileStore, stored: StoredFile) -> None:
    """Give a version's file a PDF/A copy, as the worker would, so the copy's download route has one to refuse."""
    waiting = preservation.Waiting(stored.id, stored.sha256, "fmt/412")
    attempt = preservation.Attempt(waiting, store.put(io.BytesIO(make_pdf("PDF/A"))))
    preservation.record(session, attempt, "LibreOffice (test)", now=NOW)


def build_world(session: Session, factory: Callable[[], Session], store: FileStore, out_dir, password: str):
    """Build both organisations; return {record: {relation: target}}, each person's saved search, page values.

    A target holds the record's URL parts (named as the routes name them) and what its forms need.
    """
    home = World(session, NOW)
    abroad = OtherOrganisation(session, NOW, home.rows)
    for user in (*home.users.values(), *abroad.users.values()):
        user.password_hash = password
    session.flush()
    built = {OWN: Builder(home, store), ABROAD: Builder(abroad, store)}
    built[OTHER] = built[ORG] = built[OWN]
    # The unit and the filing officer of each relation: unit A of home for "own", its unit B for "other".
    places = {
        OWN: (home, home.unit_a, "officer1"),
        OTHER: (home, home.unit_b, "officer2"),
        ABROAD: (abroad, abroad.unit_a, "officer1"),
    }
    targets: dict[str, dict[str, dict]] = {}
    # The unit each relation's rule shares its dossiers with: the other unit of the same organisation.
    other_unit = {OWN: home.unit_b, OTHER: home.unit_a, ABROAD: abroad.unit_b}

    def put(record: str, relation: str, **target) -> None:
        targets.setdefault(record, {})[relation] = target

    for relation, (world, unit, officer) in places.items():
        builder = built[relation]
        common = {"unit_id": unit.id, "unit_code": unit.code, "list_id": builder.lists[2026].id}
        # An open dossier ready to close, and one with a final and a draft document for the document routes.
        put("dossier:open", relation, dossier_id=builder.dossier(officer, "open").id, **common)
        filing = builder.dossier(officer, "open", draft=True)
        final, draft = (link.document for link in sorted(filing.links, key=lambda link: link.ordinal))
        put("document:final", relation, dossier_id=filing.id, document_id=final.id)
        put("document:draft", relation, dossier_id=filing.id, document_id=draft.id)
        emptied = builder.dossier(officer, "open")
        taken = removals.remove(
            session, world.actor(officer), emptied.id, emptied.links[0].document_id, "Nhầm hồ sơ", now=NOW
        )
        put("removal", relation, dossier_id=emptied.id, removal_id=taken.id)
        put("version", relation, dossier_id=filing.id, version_id=final.versions[0].id, document_id=final.id)
        _preservation_copy(session, store, final.versions[0].file)
        put("dossier:closed", relation, dossier_id=builder.dossier(officer, "closed").id)
        shared = builder.dossier(officer, "open")
        proposed = access.propose(
            session, world.actor(officer), shared.id, {"kind": "restrict", "reason": "Tài liệu nhạy cảm"}, now=NOW
        )
        put("access_change", relation, change_id=proposed.id, dossier_id=shared.id)
        ruled = access_rules.propose(
            session,
            world.actor(officer),
            world.org.id,
            {
                "of_unit": str(unit.id),
                "kind": "share_unit",
                "unit_id": str(other_unit[relation].id),
                "reason": "Quy chế",
            },
            now=NOW,
        )
        put("access_rule", relation, rule=ruled.rule)
        submitted = builder.dossier(officer, "submitted")
        put("transfer_item", relation, item_id=builder.items[submitted.id])
        put("transfer:submitted", relation, transfer_id=builder.transfer_of(submitted.id))
        put("transfer:completed", relation, transfer_id=builder.transfer_of(builder.dossier(officer, "archived").id))
        signed = builder.transfer_of(builder.dossier(officer, "archived").id)
        for signer in ("registry", "archivist"):
            transfers.sign(session, world.actor(signer), signed, store=builder.store, now=NOW)
        put("transfer:recorded", relation, transfer_id=signed)
        kept = builder.dossier(officer, "closed")
        asked = keep_backs.request(session, world.actor(officer), kept.id, "Còn dùng", date(2028, 6, 1), now=NOW)
        put("keep_back:requested", relation, keep_back_id=asked.id, dossier_id=kept.id)
        put("dossier:archived", relation, dossier_id=builder.dossier(officer, "archived").id)
        held = builder.dossier(officer, "archived")
        hold = holds.place_hold(session, world.actor("archivist"), held.id, "legal", "Phục vụ thanh tra", now=NOW)
        put("hold", relation, hold_id=hold.id, dossier_id=held.id)
        put("entry:planned", relation, entry_id=builder.planned_entry(unit), **common)
        put("entry:draft", relation, entry_id=builder.draft_entry(unit), **common)
        put("entry:ad_hoc", relation, entry_id=builder.ad_hoc_entry(officer), **common)
        registered = builder.registered(unit)
        put("register_entry", relation, entry_id=registered.id, number=registered.number)
        put("document:registered", relation, document_id=registered.document_id)
        # Linking: the URL names unit A's open dossier of the home organisation; the document varies.
        put(
            "registered_document",
            relation,
            dossier_id=targets["dossier:open"][OWN]["dossier_id"],
            document_id=registered.document_id,
        )
        # "Other unit" for a saved search: another person's of the same organisation.
        searcher = world.actor("officer2" if relation == OTHER else "officer1")
        put(
            "saved_search",
            relation,
            saved_id=saved_searches.save(session, searcher, f"Tìm {relation}", "q=ho+so", now=NOW).id,
        )
        # The same for an API token: another person's of the same organisation is "other unit".
        made, _token = api_tokens.create(session, searcher, f"Hệ thống {relation}", 30, now=NOW)
        put("api_token", relation, token_id=made.id)
        # And for an API upload.
        put("upload", relation, upload_id=uploads.start(session, searcher, f"Tệp {relation}.pdf", 10, None, now=NOW).id)
        # And for a background job (a search rebuild, which no page shows: its requester's only).
        put("job", relation, job_id=_job(session, searcher.user_id, f"matrix:{relation}").id)
        # And for a request to use archived records: another person's of the same organisation is "other unit".
        for record, target in _use_requests(builder, searcher.username.removeprefix("bd.")).items():
            put(record, relation, **target)

    for relation in (ORG, ABROAD):
        builder = built[relation]
        common = {"unit_id": builder.world.unit_a.id, "unit_code": builder.world.unit_a.code}
        put("dossier_list:approved", relation, list_id=builder.lists[2026].id, **common)
        put("dossier_list:draft", relation, list_id=builder.draft.id, **common)
        put("dossier_list:submitted", relation, list_id=builder.submitted.id, **common)
        for step in ("proposed", "with_opinion", "appraised", "approved", "executed"):
            put(f"destruction_list:{step}", relation, list_id=builder.destruction_list(step))
        put("batch", relation, **builder.packaged_batch(out_dir))
        arranged = IntakeRun(
            organisation_id=builder.world.org.id,
            kind=arrangement.KIND,
            source="chinh-ly.csv",
            digest="0" * 64,
            dossiers_total=0,
            documents_total=0,
            started_by_id=builder.world.users["archivist"].id,
            started_at=NOW,
            finished_at=NOW,
        )
        session.add(arranged)
        session.flush()
        put("intake_run", relation, run_id=arranged.id)
        world = builder.world
        # The archive's storage: a repository with one box (an organisation's record, as a hand-over batch).
        keeper = world.actor("archivist")
        repository = holdings_storage.create_repository(
            session, keeper, world.org.id, {"code": "K1", "name": "Kho"}, now=NOW
        )
        box = holdings_storage.create_box(
            session, keeper, world.org.id, {"repository_id": repository.id, "number": "1", "shelf_unit": "1"}, now=NOW
        )
        put("repository", relation, repository_id=repository.id)
        put("box", relation, box_id=box.id, repository_id=repository.id)
        put("organisation", relation, organisation_id=world.org.id, **common)
        put("unit", relation, unit_id=world.unit_b.id)
        issuer = LookupValue(organisation_id=world.org.id, kind=LookupKind.ISSUER, value="Sở Nội vụ", created_at=NOW)
        session.add(issuer)
        session.flush()
        put("lookup", relation, value_id=issuer.id)
        field = supplementary_field(session, world.org.id, "dossier", "project_code", "Mã dự án")
        put("supplementary_field", relation, field_id=field.id)
        staff = world.user(f"{world.org.code}.staff", Role.OFFICER, world.unit_a)
        staff.memberships.append(RoleMembership(organisation_id=world.org.id, unit_id=None, role=Role.REGISTRY))
        session.flush()
        put(
            "person",
            relation,
            user_id=staff.id,
            membership_id=staff.memberships[1].id,
            organisation_id=world.org.id,
            unit_id=world.unit_b.id,
            full_name=staff.full_name,
        )

    # Each person's own saved search and API token: "own" differs per actor.
    own = {
        "saved_search": {
            role: {"saved_id": saved_searches.save(session, home.actor(name), "Tìm của tôi", "q=ke+hoach", now=NOW).id}
            for role, name in PLAYERS.items()
        },
        "api_token": {
            role: {"token_id": api_tokens.create(session, home.actor(name), "Hệ thống của tôi", 30, now=NOW)[0].id}
            for role, name in PLAYERS.items()
        },
        "upload": {
            role: {"upload_id": uploads.start(session, home.actor(name), "Tệp của tôi.pdf", 10, None, now=NOW).id}
            for role, name in PLAYERS.items()
        },
        "job": {
            role: {"job_id": _job(session, home.actor(name).user_id, f"matrix:own:{role}").id}
            for role, name in PLAYERS.items()
        },
        # Each person's own requests to use records: the same two requests answer for every variant.
        **_own_use_requests(built[OWN]),
    }
    # What the pages without a record need: the home organisation's values, and records nobody else uses.
    page = {
        "kind": "incoming",
        "unit_id": home.unit_a.id,
        "other_unit_id": home.unit_b.id,
        "list_id": built[OWN].lists[2026].id,
        "row_id": home.rows["10y"].id,
        "register_number": targets["register_entry"][OWN]["number"],
        "due_dossier_id": built[OWN].dossier("officer1", "closed", row="2y", year=DUE_YEAR).id,
        "permanent_dossier_id": built[OWN].dossier("officer1", "archived", row="permanent").id,
        "repository_id": targets["repository"][ORG]["repository_id"],
    }
    session.commit()
    # The executed lists get their destruction record the way production makes it: one commit per step.
    for relation in (ORG, ABROAD):
        jobs.execute_destruction(
            factory,
            built[relation].world.users["archivist"].id,
            targets["destruction_list:executed"][relation]["list_id"],
            store=store,
            settings={"PDF_FONT": ""},
            clock=lambda: NOW,
        )
    return targets, own, page


@pytest.fixture(scope="module")
def matrix(engine, password_hash, tmp_path_factory) -> Iterator[Matrix]:
    """Build the world once for the module, on one connection whose outer transaction is rolled back after."""
    root = tmp_path_factory.mktemp("access-matrix")
    connection = engine.connect()
    outer = connection.begin()

    def factory() -> Session:
        return Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)

    store = FileStore(root / "files")
    app = create_app(
        {
            "TESTING": True,
            "SESSION_FACTORY": factory,
            "DATA_DIR": str(root),
            "STORAGE_ROOT": str(store.root),
            "SECRET_KEY": "test",
            "CLOCK": lambda: NOW,
        }
    )
    # A build is only queued by the page (the worker builds it): no request here starts one.
    session = factory()
    targets, own, page = build_world(session, factory, store, root / "packages", password_hash)
    session.close()
    clients: dict[str | None, Browser] = {None: Browser(app.test_client())}
    clients[None].get("/auth/login")  # a visitor's session and CSRF token, as a browser has them
    for role, name in PLAYERS.items():
        clients[role] = Browser(app.test_client())
        clients[role].login(name)
    yield Matrix(app, connection, targets, own, page, clients, api_tokens_of(factory))
    search.install(None)
    outer.rollback()
    connection.close()


def api_tokens_of(factory: Callable[[], Session]) -> dict[str, str]:
    """Give each player an API token: the API's routes are asked with it instead of a logged-in browser."""
    session = factory()
    users = {user.username: user for user in session.scalars(select(User))}
    tokens = {}
    for role, name in PLAYERS.items():
        actor = load_actor(session, users[name].id)
        tokens[role] = api_tokens.create(session, actor, "access matrix", 30, now=NOW)[1]
    session.commit()
    session.close()
    return tokens


# ---------------------------------------------------------------- the forms each POST sends


def _file(name: str, content: bytes | None = None, media_type: str = "application/pdf") -> tuple:
    """Return an upload field: a small real PDF unless ``content`` is given (a fresh stream each call)."""
    return file_field(content if content is not None else make_pdf("ERMS access matrix"), name, media_type)


def _receipt(target: dict) -> tuple:
    rows = "".join(f'<Dossier code="{code}"/>' for code in target["codes"])
    xml = (
        f'<HandoverReceipt package="{target["batch_name"]}" reference="25/BB-LTLS" received_on="2026-06-15">'
        f"{rows}</HandoverReceipt>"
    ).encode()
    return _file("bien-nhan.xml", xml, "application/xml")


RETENTION_TABLE = '[{"code": "1", "title_vi": "Hồ sơ tổng kết năm", "permanent": true, "period_years": null}]'
DOCUMENT_EDIT = {key: value for key, value in DOCUMENT_FORM.items() if key != "status"}
BATCH = {
    key: DOCUMENT_FORM[key]
    for key in ("direction", "status", "type_name", "issued_date", "organ_name", "language", "urgency", "marking")
}
REGISTRATION = {
    "type_name": "Công văn",
    "code_number": "777",
    "code_notation": "SNV-VP",
    "issued_date": "2026-06-01",
    "organ_name": "Sở Nội vụ",
    "subject": "Về việc kiểm tra công tác văn thư",
    "page_amount": "1",
    "urgency": "normal",
    "marking": "none",
    "language": "Tiếng Việt",
}
DOSSIER_FORM = {
    "title": "Hồ sơ kế hoạch công tác",
    "start_date": "2026-01-05",
    "rights": "public",
    "language": "Tiếng Việt",
}

# A complete form for every POST: an incomplete one could be answered (422) before any access check.
FORMS: dict[str, Callable[[dict], dict]] = {
    "auth.login": lambda t: {"username": "nobody", "password": "not-the-password"},
    "archive.accept": lambda t: {"confirm": "yes"},
    "archive.reject": lambda t: {"reason": "Thiếu văn bản", "confirm": "yes"},
    "dossier_lists.create": lambda t: {"year": "2031", "source": "new"},
    "dossier_lists.add_heading": lambda t: {"label": "II", "title": "Tài chính", "abbreviation": "TC"},
    "dossier_lists.add_entry": lambda t: {"title": "Hồ sơ bổ sung", "unit_id": t["unit_id"], "retention": "10 năm"},
    "dossier_lists.import_entries": lambda t: {
        "file": _file(
            "danh-muc.csv", f"title,unit,retention\nHồ sơ nhập,{t['unit_code']},10 năm\n".encode(), "text/csv"
        )
    },
    "dossier_lists.approve": lambda t: {"decision_ref": "05/QĐ-UBND", "decision_date": "05/01/2026", "confirm": "yes"},
    "dossier_lists.submit": lambda t: {"confirm": "yes"},
    "transfers.submit": lambda t: {"dossier_id": t["dossier_id"], "confirm": "yes"},
    "transfers.sign": lambda t: {"confirm": "yes"},
    "transfers.settle": lambda t: {"settled_on": "01/03/2026"},
    "transfers.ask_keep_back": lambda t: {"until": "01/06/2028", "reason": "Còn dùng để thanh tra"},
    "transfers.decide_keep_back": lambda t: {"decision": "approve", "note": ""},
    "use_requests.decide": lambda t: {"decision": "approve", "until": "01/07/2026", "note": ""},
    "dossier_lists.return_list": lambda t: {"comment": "Bổ sung hồ sơ của Phòng Tài chính"},
    "dossier_lists.assign": lambda t: {"list_id": t["list_id"], "unit_id": t["unit_id"], "responsible_user_id": ""},
    "dossier_lists.review": lambda t: {"list_id": t["list_id"], "decision": "accept", "note": ""},
    "dossiers.ad_hoc": lambda t: {"list_id": t["list_id"], "title": "Hồ sơ phát sinh", "retention_row_id": t["row_id"]},
    "dossiers.open_from_entry": lambda t: dict(DOSSIER_FORM),
    "dossiers.edit": lambda t: dict(DOSSIER_FORM, title="Tên hồ sơ đã sửa"),
    "dossiers.add_document": lambda t: dict(DOCUMENT_FORM, code_number="901", file=_file("văn bản.pdf")),
    "dossiers.add_documents": lambda t: dict(BATCH, files=_file("văn bản kèm.pdf")),
    "dossiers.link_document": lambda t: {"document_id": t["document_id"]},
    "dossiers.edit_document": lambda t: dict(DOCUMENT_EDIT, subject="Trích yếu đã sửa"),
    "dossiers.add_version": lambda t: {"file": _file("dự thảo lần 2.pdf")},
    "dossiers.close": lambda t: {"confirm": "yes"},
    "dossiers.reopen": lambda t: {"reason": "Bổ sung văn bản"},
    "documents.remove": lambda t: {"reason": "Nhầm hồ sơ"},
    "registers.register": lambda t: dict(REGISTRATION, file=_file("công văn.pdf")),
    "registers.record_handled": lambda t: {
        "series": "regular",
        "number": t["register_number"],
        "handled_on": "2026-06-15",
    },
    "registers.assign_unit": lambda t: {
        "series": "regular",
        "number": t["register_number"],
        "unit_id": t["other_unit_id"],
    },
    "retention.preview": lambda t: {"dossier_id": t["due_dossier_id"]},
    "retention.keep": lambda t: {"dossier_id": t["due_dossier_id"], "years": "5", "reason": "Còn giá trị tra cứu"},
    "retention.propose": lambda t: {
        "dossier_id": t["due_dossier_id"],
        "title": "Danh mục hủy",
        "explanation": "Hết thời hạn bảo quản.",
    },
    "retention.opinion": lambda t: {"agrees": "yes", "comment": ""},
    "retention.record_appraisal": lambda t: {
        "number": "12/SNV-CCVTLT",
        "on": "2026-06-01",
        "attachment": _file("thẩm định.pdf"),
    },
    "retention.approve": lambda t: {
        "number": "45/QĐ-UBND",
        "on": "2026-06-10",
        "signer": "Nguyễn Thị Thu Hà",
        "attachment": _file("quyết định.pdf"),
    },
    "retention.execute": lambda t: {"confirm": "yes"},
    "retention.place_hold": lambda t: {"kind": "legal", "reason": "Phục vụ thanh tra"},
    "retention.release_hold": lambda t: {"dossier_id": t["dossier_id"], "reason": "Kết thúc thanh tra"},
    "retention.record_event": lambda t: {"event_on": "2026-05-01"},
    "retention.change_period": lambda t: {"years": "20", "reason": "Còn giá trị tra cứu"},
    "handover.build": lambda t: {"confirm": "yes"},
    "handover.create": lambda t: {"year": str(HANDOVER_YEAR), "dossier": str(t["permanent_dossier_id"])},
    "handover.receipt": lambda t: {"receipt": _receipt(t)},
    "markings.decide": lambda t: {"marking": "mat", "reason": "Theo quyết định của người đứng đầu cơ quan"},
    "search.save": lambda t: {"name": "Tìm hồ sơ", "query": "q=ho+so"},
    "account.create_token": lambda t: {"name": "VNPT-iOffice", "days": "30"},
    "storage.create_repository": lambda t: {"code": "K9", "name": "Kho mới", "address": ""},
    "storage.edit_repository": lambda t: {"code": "K8", "name": "Kho (tên mới)", "address": ""},
    "storage.create_box": lambda t: {"repository_id": t["repository_id"], "number": "99", "shelf_unit": "5"},
    "storage.edit_box": lambda t: {"number": "98", "label": "Hồ sơ tổ chức cán bộ"},
    # No paper dossier waits in the world: the archivist's request is answered with the form's problem (422).
    "storage.place": lambda t: {"dossier_id": "1", "file_number": ""},
    "storage.move": lambda t: {"repository_id": t["repository_id"], "shelf_unit": "9", "shelf": "2"},
    "admin.create_organisation": lambda t: {"code": "000.00.00.H99", "name": "UBND quận mới", "parent_name": ""},
    "admin.edit_organisation": lambda t: {"name": "UBND quận (tên mới)", "parent_name": "", "archive_code": ""},
    "admin.add_unit": lambda t: {"code": "MOI", "name": "Phòng mới", "parent": ""},
    "admin.add_person": lambda t: {
        "full_name": "Người Mới",
        "username": "nguoi.moi",
        "password": "mat-khau-moi-2026",
        "role": "officer",
        "unit_id": t["unit_id"],
    },
    "admin.preview_table": lambda t: {
        "code": "BANG-1",
        "title": "Bảng thời hạn",
        "legal_basis": "",
        "file": _file("bang.json", RETENTION_TABLE.encode(), "application/json"),
    },
    "admin.import_table": lambda t: {"rows": RETENTION_TABLE, "code": "BANG-1", "title": "Bảng thời hạn"},
    "access.propose": lambda t: {"kind": "restrict", "reason": "Tài liệu nhạy cảm"},
    "access.decide": lambda t: {"decision": "confirm"},
    "admin.add_lookup": lambda t: {"kind": "issuer", "value": "Văn phòng Chính phủ"},
    "admin.offer_lookup": lambda t: {"active": "no"},
    "admin.add_supplementary_field": lambda t: {"label": "Nguồn vốn", "applies_to": "dossier", "data_type": "text"},
    "admin.change_supplementary_field": lambda t: {"label": "Mã dự án đầu tư", "position": "2"},
    "admin.offer_supplementary_field": lambda t: {"active": "no"},
    "admin.edit_unit": lambda t: {"name": "Phòng (tên mới)", "parent": "", "active": "yes"},
    "admin.edit_person": lambda t: {
        "full_name": "Tên Mới",
        "position": "",
        "seen_full_name": t["full_name"],
        "seen_position": "",
    },
    "admin.add_role": lambda t: {"organisation_id": t["organisation_id"], "role": "archivist", "unit_id": ""},
    "admin.move": lambda t: {"unit_id": t["unit_id"]},
    "admin.password": lambda t: {"password": "mat-khau-moi-2026"},
    "admin.active": lambda t: {"active": "no"},
}


# ---------------------------------------------------------------- asking


@contextlib.contextmanager
def rolled_back(connection) -> Iterator[None]:
    """Run a request inside a SAVEPOINT and undo whatever it wrote."""
    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()


@contextlib.contextmanager
def same_session(client: Browser) -> Iterator[None]:
    """Give the browser its session cookie and CSRF token back after a request (no flash messages pile up)."""
    kept, token = client.client.get_cookie("session"), client.token
    try:
        yield
    finally:
        if kept is None:
            client.client.delete_cookie("session")
        else:
            client.client.set_cookie("session", kept.value)
        client.token = token


LANDS_ON_LOGIN = {"auth.logout", "typed.login"}


def classify(response, row: Row) -> str:
    """Return what a response means for access: allowed, 403, 404, 401, login, or the error."""
    status = response.status_code
    location = response.headers.get("Location", "")
    if status == 302 and urlsplit(location).path == "/auth/login":
        # Logging out and the typed /login end on the login page too; the login_required redirect carries ?next=.
        if row.endpoint not in LANDS_ON_LOGIN or "next=" in location:
            return LOGIN
    if status in (401, 403, 404):
        return str(status)
    if status >= 500:
        return f"{status} server error"
    if status == 400 and CSRF_REFUSAL in response.get_data(as_text=True):
        return "400 CSRF refusal (the test lost its token)"
    return ALLOWED


def url_of(matrix: Matrix, row: Row, target: dict) -> str:
    """Return the URL of ``row``'s route for the record ``target``."""
    rule = next(rule for rule in matrix.app.url_map.iter_rules() if rule.endpoint == row.endpoint)
    missing = rule.arguments - {*target, *URL_VALUES}
    assert not missing, f"{row.endpoint}: the world's {row.record!r} lacks {sorted(missing)}"
    with matrix.app.test_request_context():
        return url_for(row.endpoint, **{name: target.get(name, URL_VALUES.get(name)) for name in rule.arguments})


def ask(matrix: Matrix, row: Row, role: str | None, relation: str) -> str:
    """Send ``row``'s request as ``role`` about the record in ``relation``; return what the answer means."""
    target = matrix.target(row, role, relation)
    assert target is not None, f"the world has no {row.record!r} for {relation!r}: add it to build_world"
    url = url_of(matrix, row, target)
    if row.endpoint == "auth.logout" and role is not None:
        return ask_logout(matrix, row, role, url)
    if row.endpoint.startswith("api."):
        return ask_api(matrix, row, role, url, target)
    client = matrix.clients[role]
    form = FORMS.get(row.endpoint, lambda _target: {})(target)
    with rolled_back(matrix.connection), same_session(client):
        try:
            response = client.get(url) if row.method == "GET" else client.post(url, form)
        except Exception as error:  # TESTING propagates a view's exception: that is a server error
            return f"500 server error ({type(error).__name__}: {error})"
        try:
            response.get_data()  # a streamed download runs to its end inside the savepoint
            return classify(response, row)
        finally:
            response.close()


# The JSON bodies the API's changes send, and the record whose ETag goes in If-Match.
API_BODIES: dict[str, Callable[[dict], dict]] = {
    "api.open_dossier": lambda t: {"entry_id": t["entry_id"]},
    "api.change_dossier": lambda t: {"description": "Đã rà soát"},
    "api.register": lambda t: {"metadata": dict(REGISTRATION, page_amount=1)},
    "api.start_upload": lambda t: {"filename": "Tờ trình.pdf", "size": 10},
    # Metadata only: the rights are decided before the missing file is named (422, which the matrix counts allowed).
    "api.add_document": lambda t: {"metadata": {"subject": "Tờ trình"}},
    "api.submit_transfer": lambda t: {"dossier_ids": [t["dossier_id"]]},
    "api.give_opinion": lambda t: {"kind": "comment", "text": "Xem giúp"},
    "api.give_line_opinion": lambda t: {"kind": "comment", "text": "Xem giúp"},
}
API_ETAGS = {"api.change_dossier", "api.close_dossier"}


def ask_api(matrix: Matrix, row: Row, role: str | None, url: str, target: dict) -> str:
    """Send an API request with ``role``'s token (none for a visitor) and the body and If-Match a system would."""
    headers = {"Authorization": f"Bearer {matrix.tokens[role]}"} if role is not None else {}
    if row.endpoint in API_ETAGS:
        with Session(bind=matrix.connection) as session:
            revision = session.get(Dossier, target["dossier_id"]).revision
            documents = dossiers.documents_seen_of(session, target["dossier_id"])
        headers["If-Match"] = f'"dossier-{target["dossier_id"]}-r{revision}-d{documents}"'
    body = API_BODIES[row.endpoint](target) if row.endpoint in API_BODIES else None
    client = matrix.app.test_client(use_cookies=False)
    with rolled_back(matrix.connection):
        response = client.open(url, method=row.method, headers=headers, json=body)
        return classify(response, row)


def ask_logout(matrix: Matrix, row: Row, role: str, url: str) -> str:
    """Log out a browser of its own (the shared one stays logged in); allowed means the session then ends."""
    client = Browser(matrix.app.test_client())
    with rolled_back(matrix.connection):
        client.login(PLAYERS[role])
        outcome = classify(client.post(url), row)
        after = client.get("/")
        if outcome == ALLOWED and urlsplit(after.headers.get("Location", "")).path != "/auth/login":
            return f"the session still works after logout (GET / answers {after.status_code})"
    return outcome


# ---------------------------------------------------------------- the tests


def routes(app) -> set[tuple[str, str]]:
    """Return every (endpoint, method) of the app the matrix must cover."""
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in IGNORED_ENDPOINTS
        for method in rule.methods - IGNORED_METHODS
    }


def test_every_route_has_a_row(matrix):
    declared = {(row.endpoint, row.method) for row in ROWS}
    missing = sorted(routes(matrix.app) - declared)
    assert not missing, "add a row to the access matrix (tests/web/access_matrix.py) for: " + ", ".join(
        f"{method} {endpoint}" for endpoint, method in missing
    )
    stale = sorted(declared - routes(matrix.app))
    assert not stale, "rows of the access matrix for routes that do not exist: " + ", ".join(
        f"{method} {endpoint}" for endpoint, method in stale
    )
    assert len(declared) == len(ROWS), "one row per route and method"


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row.method} {row.endpoint}")
def test_route_answers_as_the_table_says(matrix, row):
    """Ask the route as every role and anonymously, about a record in each relation; compare with the table."""
    assert (row.endpoint, row.method) in routes(matrix.app), f"no route {row.method} {row.endpoint}"
    wrong = []
    for role in ACTORS:
        for relation in row.relations():
            want, got = expected(row, role, relation), ask(matrix, row, role, relation)
            if got != want:
                wrong.append(
                    f"  {row.method} {row.endpoint} as {role or 'anonymous'} on {relation}: expected {want}, got {got}"
                )
    assert not wrong, "answers that differ from the access matrix:\n" + "\n".join(wrong)


class Links(HTMLParser):
    """Collect the links of the header's navigation and of the page's main content."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # inside <nav> or <main>
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("nav", "main"):
            self.depth += 1
        href = dict(attrs).get("href")
        if self.depth and tag == "a" and href:
            self.links.append(html.unescape(href))

    def handle_endtag(self, tag):
        if tag in ("nav", "main"):
            self.depth -= 1


def menu_links(page: str) -> list[str]:
    """Return the site's own links of the menu and the home page, without fragments, once each."""
    parser = Links()
    parser.feed(page)
    found = [re.sub(r"#.*$", "", link) for link in parser.links]
    return list(dict.fromkeys(link for link in found if link.startswith("/") and not link.startswith("//")))


@pytest.mark.parametrize("role", ROLES)
def test_every_menu_link_answers_200(matrix, role):
    """Whatever the menu and the home page offer a role, that role may open."""
    client = matrix.clients[role]
    with rolled_back(matrix.connection), same_session(client):
        home = client.get("/")
        assert home.status_code == 200
        links = menu_links(home.get_data(as_text=True))
    assert links, "the home page offers no link"
    broken = []
    for link in links:
        with rolled_back(matrix.connection), same_session(client):
            response = client.get(link)
            response.close()
        if response.status_code != 200:
            broken.append(f"  {link}: {response.status_code}")
    assert not broken, f"links {PLAYERS[role]} ({role}) is offered that do not open:\n" + "\n".join(broken)
