"""Time every report page as a user waits for it, at 100,000 dossiers and 1,000,000 documents (issue 25).

Usage: ``.venv/bin/python bench/reports_bench.py [--dossiers 100000] [--documents 1000000]
[--databases sqlite,postgresql] [--pg URL] [--repeat 3] [--explain] [--keep DIR]``. ``--keep`` keeps the SQLite
database in DIR and reuses it on the next run of the same sizes, as ``--pg`` does with a database this bench filled.

The goal: each report page answers in < 1 s at 100,000 dossiers / 1,000,000 documents on SQLite and on PostgreSQL,
by set-based SQL with no per-row Python loop. For each database the bench:

1. migrates a fresh database (SQLite: a file in a temp folder; PostgreSQL: a throwaway cluster of
   ``scripts/pg-cluster.sh`` through ``search_bench.pg_database``, or ``--pg`` naming an empty database) and fills it
   with one synthetic agency (seeded RNG, Core ``insert`` executemany in batches of 20,000, one transaction per
   table): 12 units, ~200 people with their roles, an approved dossier list per year 2017-2026 (and a draft for 2027)
   whose entries are partly without a dossier, the dossiers spread over those years, units and creators in every
   state (open, some past their end; closed, some past their hand-over day or kept back; submitted; archived; destroyed
   by executed destruction lists; transferred by received hand-over batches, a few left out of their receipt; a
   pending batch; holds), retention periods (a quarter permanent, some conditional, some under 5 years kept by their
   unit), the documents filed in them (a few in two dossiers) with page counts and versions whose stored files have
   sizes (rows only, no bytes on disk), and the registers: incoming and outgoing, ~20 % classified, deadlines met,
   missed and pending, some documents never filed. Then ANALYZE (PostgreSQL: VACUUM ANALYZE, what autovacuum does
   after a load), as a deployment has statistics;
2. builds the app (``erms.app.create_app``) on that database with the clock fixed at NOW, logs in by a real POST of
   the login form as the head (organisation-wide) and as the head of unit VP, and requests each page through Flask's
   test client: the dashboard, compliance (this year and a past year), holdings (every year and one year), flow (last
   year), one drill-down of each report (first page), each report's XLSX and the yearly PDF; the unit head asks for
   the dashboard, compliance, holdings and flow of their unit. Each page is requested once to warm up, then
   ``--repeat`` times; the wall time includes reading the whole response;
3. counts the SQL statements each page runs (``before_cursor_execute`` on the app's engine): a count that grows with
   the data is a per-row loop. Pages over the goal get their slowest statements printed (with ``--explain``, the plan
   of the slowest one). A statement's time runs to its first row: SQLite does the rest of a streamed query's work
   while the rows are fetched, so there the page's time is the figure, the statements' only a pointer.

It prints a markdown table per database (Page | Reader | p50 ms | max ms | SQL statements | status) and a verdict.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from random import Random

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search_bench import pg_database  # noqa: E402  (bench/ is on sys.path when this file runs)
from sqlalchemy import event, insert, text  # noqa: E402

from erms import lifecycle, metadata, migrate  # noqa: E402
from erms.accounts import hash_password  # noqa: E402
from erms.app import create_app  # noqa: E402
from erms.config import LOCAL_TZ  # noqa: E402
from erms.db import make_engine, make_session_factory  # noqa: E402
from erms.models import (  # noqa: E402
    ClassificationHeading,
    DestructionItem,
    DestructionList,
    Document,
    DocumentVersion,
    Dossier,
    DossierDocument,
    DossierList,
    DossierListEntry,
    HandoverBatch,
    HandoverItem,
    HandoverReceipt,
    Hold,
    KeepBack,
    Organisation,
    RegisterCounter,
    RegisterEntry,
    RetentionRow,
    RetentionSchedule,
    RoleMembership,
    StoredFile,
    Unit,
    User,
)

# The moment the pages are asked at (10:00 in Vietnam): the app's clock is fixed to it, so "this year" is 2026.
NOW = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)
TODAY = NOW.astimezone(LOCAL_TZ).date()
YEARS = range(2017, 2027)
BATCH = 20_000
GOAL_MS = 1000
PASSWORD = "mật-khẩu-bench-25"
ORG_CODE = "000.00.00.H25"
UNITS = [
    ("VP", "Văn phòng HĐND và UBND", 3.0),  # the office files the most
    ("TCKH", "Phòng Tài chính - Kế hoạch", 1.5),
    ("NV", "Phòng Nội vụ", 1.2),
    ("TNMT", "Phòng Tài nguyên và Môi trường", 1.5),
    ("TP", "Phòng Tư pháp", 0.8),
    ("QLDT", "Phòng Quản lý đô thị", 1.2),
    ("KT", "Phòng Kinh tế", 0.8),
    ("VHTT", "Phòng Văn hóa và Thông tin", 0.6),
    ("GDDT", "Phòng Giáo dục và Đào tạo", 1.0),
    ("YT", "Phòng Y tế", 0.5),
    ("LDTBXH", "Phòng Lao động - Thương binh và Xã hội", 0.9),
    ("TTR", "Thanh tra quận", 0.7),
]
OFFICERS_PER_UNIT = 15
# (code, permanent, years, condition, weight): the retention rows the entries and dossiers take their period from.
PERIODS = [
    ("VV", True, None, "", 0.25),
    ("20", False, 20, "", 0.10),
    ("10", False, 10, "", 0.30),
    ("05", False, 5, "", 0.15),
    ("02", False, 2, "", 0.15),
    ("HD", False, 5, "5 năm sau khi chấm dứt Hợp đồng", 0.05),
]
# How the dossiers of a year stand today, by its age in years: (open, closed, submitted, archived).
STATES = {0: (0.62, 0.22, 0.04, 0.12), 1: (0.08, 0.37, 0.08, 0.47)}
OLD_STATES = (0.02, 0.15, 0.02, 0.81)
TOPICS = [
    "kế hoạch công tác",
    "cải cách hành chính",
    "chuyển đổi số",
    "giải phóng mặt bằng",
    "dự toán ngân sách",
    "thi đua khen thưởng",
    "tuyển dụng công chức",
    "quản lý đô thị",
    "phòng chống lụt bão",
    "xây dựng nông thôn mới",
    "an toàn giao thông",
    "thanh tra, kiểm tra",
]
TYPES = ["Quyết định", "Công văn", "Kế hoạch", "Báo cáo", "Tờ trình", "Thông báo", "Biên bản"]


# ---------------------------------------------------------------- the agency's plan (in memory, compact)


@dataclass(slots=True)
class Planned:
    """A dossier as it will be inserted, and what its documents add up to (for the destruction items)."""

    id: int
    entry_id: int
    unit: int
    creator: int
    year: int
    number: int
    state: str
    period: int  # index into PERIODS
    start: date
    end: date | None = None
    closed_at: datetime | None = None
    submitted_at: datetime | None = None
    archived_at: datetime | None = None
    due_on: date | None = None
    settled_on: date | None = None
    gone_in: int = 0  # the year it was destroyed or its receipt came
    documents: int = 0
    pages: int = 0
    size: int = 0


@dataclass
class People:
    users: list[dict] = field(default_factory=list)
    memberships: list[dict] = field(default_factory=list)
    officers: dict[int, list[int]] = field(default_factory=dict)  # unit id -> officer ids
    heads: dict[int, int] = field(default_factory=dict)  # unit id -> unit head id
    named: dict[str, int] = field(default_factory=dict)  # username -> id of the organisation-wide people


@dataclass
class Documents:
    """One slot per document (id = index + 1): its dossier (-1: never filed), register and sizes."""

    dossier: array = field(default_factory=lambda: array("i"))
    kind: bytearray = field(default_factory=bytearray)  # 0 internal, 1 incoming, 2 outgoing
    secret: bytearray = field(default_factory=bytearray)  # 1: classified ("mật")
    day: array = field(default_factory=lambda: array("i"))  # ordinal of the day issued (and registered)
    pages: array = field(default_factory=lambda: array("h"))
    versions: bytearray = field(default_factory=bytearray)
    size: array = field(default_factory=lambda: array("q"))
    deadline: bytearray = field(default_factory=bytearray)  # days from registering to the handling deadline, 0: none
    second: list[tuple[int, int]] = field(default_factory=list)  # (document index, dossier index) filed twice


def at(day: date, rng: Random) -> datetime:
    """Return a moment of working hours on a Vietnamese ``day``, in UTC, never after NOW."""
    moment = datetime(day.year, day.month, day.day, 8, tzinfo=LOCAL_TZ) + timedelta(minutes=rng.randrange(540))
    return min(moment.astimezone(UTC), NOW)


def day_in(year: int, rng: Random, first: int = 0, last: int = 364) -> date:
    """Return a day of ``year`` between day numbers ``first`` and ``last``, never after TODAY."""
    day = date(year, 1, 1) + timedelta(days=rng.randint(first, last))
    return min(day, date(year, 12, 31), TODAY)


def plan_people(rng: Random) -> People:
    people = People()

    def person(username: str, name: str, role: str, unit: int | None) -> int:
        user_id = len(people.users) + 1
        people.users.append(
            {
                "id": user_id,
                "username": username,
                "full_name": name[:50],
                "position": "",
                "password_hash": "!",
                "active": True,
                "created_at": NOW - timedelta(days=3000),
            }
        )
        people.memberships.append(
            {"id": len(people.memberships) + 1, "user_id": user_id, "organisation_id": 1, "unit_id": unit, "role": role}
        )
        return user_id

    families, given = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"], ["An", "Bình", "Chi", "Dũng"]
    for role, username in [("head", "head"), ("head", "deputy"), ("archivist", "archivist"), ("registry", "registry")]:
        people.named[username] = person(username, f"{rng.choice(families)} Văn {username}", role, None)
    people.named["archivist2"] = person("archivist2", "Lê Thị Lưu", "archivist", None)
    people.named["registry2"] = person("registry2", "Phạm Thị Thư", "registry", None)
    people.named["admin"] = person("admin", "Quản trị", "admin", None)
    for number in range(3):
        person(f"council{number}", f"Hội đồng {number}", "council", None)
    for unit_id, (code, _, _) in enumerate(UNITS, start=1):
        people.heads[unit_id] = person(f"head-{code.lower()}", f"Trưởng phòng {code}", "unit_head", unit_id)
        people.officers[unit_id] = [
            person(f"{code.lower()}{n}", f"{rng.choice(families)} {rng.choice(given)} {code} {n}", "officer", unit_id)
            for n in range(OFFICERS_PER_UNIT)
        ]
    return people


def plan_dossiers(rng: Random, count: int, people: People) -> tuple[list[Planned], list[dict]]:
    """Return the dossiers and the list entries (every dossier's, and those still without one)."""
    year_weights = [0.6 if year == TODAY.year else 1.0 for year in YEARS]
    unit_weights = [weight for _, _, weight in UNITS]
    period_weights = [weight for *_, weight in PERIODS]
    numbers: Counter[int] = Counter()
    dossiers, entries = [], []
    for dossier_id in range(1, count + 1):
        year = rng.choices(YEARS, year_weights)[0]
        unit = rng.choices(range(1, len(UNITS) + 1), unit_weights)[0]
        creator = people.heads[unit] if rng.random() < 0.05 else rng.choice(people.officers[unit])
        numbers[year] += 1
        planned = Planned(
            dossier_id,
            dossier_id,
            unit,
            creator,
            year,
            numbers[year],
            "open",
            rng.choices(range(len(PERIODS)), period_weights)[0],
            day_in(year, rng, 0, 150),
        )
        _walk(planned, rng)
        dossiers.append(planned)
        entries.append(_entry(planned.id, planned, planned.creator if rng.random() < 0.9 else None, rng))
    # Entries nobody has opened a dossier for: many this year, a few left over from each past year.
    for year in [*YEARS, TODAY.year + 1]:
        share = 0.10 if year >= TODAY.year else 0.03
        for _ in range(int(count / len(YEARS) * share)):
            unit = rng.choices(range(1, len(UNITS) + 1), unit_weights)[0]
            numbers[year] += 1
            period = rng.choices(range(len(PERIODS)), period_weights)[0]
            ghost = Planned(0, 0, unit, 0, year, numbers[year], "", period, TODAY)
            person = rng.choice(people.officers[unit]) if rng.random() < 0.8 else None
            entries.append(_entry(len(entries) + 1, ghost, person, rng))
    return dossiers, entries


def _entry(entry_id: int, planned: Planned, person: int | None, rng: Random) -> dict:
    code, permanent, years, condition, _ = PERIODS[planned.period]
    notation = f"{planned.number:02d}.{UNITS[planned.unit - 1][0]}"
    return {
        "id": entry_id,
        "dossier_list_id": planned.year - YEARS[0] + 1,
        "heading_id": (planned.year - YEARS[0]) * len(UNITS) + planned.unit,
        "number": planned.number,
        "file_notation": notation,
        "title": f"Hồ sơ {rng.choice(TOPICS)} năm {planned.year} ({notation})",
        "retention_row_id": planned.period + 1,
        "retention_permanent": permanent,
        "retention_years": years,
        "retention_condition": condition,
        "unit_id": planned.unit,
        "responsible_user_id": person,
        "ad_hoc": rng.random() < 0.05,
        "created_at": at(date(planned.year - 1, 12, 15), rng),
    }


def _to_archive(planned: Planned) -> bool:
    """Return True when the period sends the dossier to the agency archive (5 years or more, permanent, conditional)."""
    _, permanent, years, condition, _ = PERIODS[planned.period]
    return permanent or bool(condition) or (years or 0) >= 5


def _walk(planned: Planned, rng: Random) -> None:
    """Walk a dossier from open to where it stands today, with the dates each step leaves on it."""
    _, permanent, years, condition, _ = PERIODS[planned.period]
    age = TODAY.year - planned.year
    state = rng.choices(("open", "closed", "submitted", "archived"), STATES.get(age, OLD_STATES))[0]
    if state in ("submitted", "archived") and not _to_archive(planned):
        state = "closed"  # kept under 5 years: the unit keeps it (NĐ 30 Điều 31 k.3c)
    if state == "open":
        if rng.random() < 0.25:  # a planned end, which may have passed
            planned.end = min(planned.start + timedelta(days=rng.randint(30, 300)), date(planned.year, 12, 31))
        return
    planned.end = min(planned.start + timedelta(days=rng.randint(30, 300)), date(planned.year, 12, 31), TODAY)
    planned.closed_at = at(min(planned.end + timedelta(days=rng.randint(0, 20)), TODAY), rng)
    if rng.random() < 0.01:
        planned.settled_on = planned.end  # a construction settled: due at the archive three months later
    if not permanent and not condition:
        planned.due_on = date(planned.end.year + (years or 0) + 1, 1, 1)
    if state in ("submitted", "archived"):
        planned.submitted_at = min(planned.closed_at + timedelta(days=rng.randint(10, 300)), NOW)
    if state == "archived":
        planned.archived_at = min(planned.submitted_at + timedelta(days=rng.randint(1, 30)), NOW)
    planned.state = state
    if planned.due_on is not None and planned.due_on <= TODAY and state in ("closed", "archived"):
        if rng.random() < 0.6:  # most of what fell due was appraised and destroyed
            planned.state, planned.gone_in = "destroyed", rng.randint(planned.due_on.year, TODAY.year)
    elif permanent and state == "archived" and planned.archived_at < datetime(2022, 1, 1, tzinfo=UTC):
        if rng.random() < 0.6:  # handed over to the historical archive after its five years
            planned.state = "transferred"
            planned.gone_in = rng.randint(max(planned.archived_at.year + 5, 2019), TODAY.year)


def plan_documents(rng: Random, count: int, dossiers: list[Planned]) -> Documents:
    """Spread ``count`` documents over the dossiers; 4 % are registered and never filed.

    Each document goes to a dossier drawn at random, so a dossier's documents and links are scattered over their
    tables as when many dossiers fill at once over months: a report joining through the links reads them at random,
    as it will in an agency's database (numbered dossier by dossier, the same joins read neighbouring rows and run
    several times faster than they will there)."""
    docs = Documents()
    unfiled = count // 25
    for index in range(count):
        filed = index >= unfiled
        dossier = rng.randrange(len(dossiers)) if filed else -1
        year = dossiers[dossier].year if filed else rng.choices(YEARS, [1] * (len(YEARS) - 2) + [2, 4])[0]
        kind = rng.choices((0, 1, 2), (0.63, 0.25, 0.12))[0] if filed else rng.choices((1, 2), (0.75, 0.25))[0]
        docs.dossier.append(dossier)
        docs.kind.append(kind)
        docs.secret.append(1 if kind and rng.random() < 0.2 else 0)
        docs.day.append(day_in(year, rng).toordinal())
        pages = min(int(rng.lognormvariate(1.2, 0.9)) + 1, 500)
        docs.pages.append(pages)
        # A classified document is registered on paper, without a file (as the register form takes it).
        versions = 0 if docs.secret[-1] else (rng.choice((2, 2, 3)) if rng.random() < 0.08 else 1)
        docs.versions.append(versions)
        size = int(rng.lognormvariate(12.3, 1.1)) if versions else 0  # ~200 kB, a long tail
        docs.size.append(size)
        with_deadline = (kind == 1 and rng.random() < 0.7) or (kind == 2 and rng.random() < 0.1)
        docs.deadline.append(rng.randint(5, 30) if with_deadline else 0)
        if filed:
            planned = dossiers[dossier]
            planned.documents, planned.pages, planned.size = (
                planned.documents + 1,
                planned.pages + pages,
                planned.size + size,
            )
            other = rng.randrange(len(dossiers))
            if rng.random() < 0.01 and other != dossier:  # filed in a second dossier too (PL6 III.4.e)
                docs.second.append((index, other))
    return docs


# ---------------------------------------------------------------- the tables' rows


def organisation_rows(rng: Random, people: People) -> list[tuple[type, list[dict]]]:
    """Return the small tables: the organisation, its units and people, the retention table, the lists' heads."""
    created = NOW - timedelta(days=3650)
    lists = [
        {
            "id": year - YEARS[0] + 1,
            "organisation_id": 1,
            "year": year,
            "state": "approved" if year <= TODAY.year else "draft",
            "decision_ref": f"{year % 100:02d}/QĐ-UBND" if year <= TODAY.year else "",
            "decision_date": date(year - 1, 12, 28) if year <= TODAY.year else None,
            "approved_by_id": people.named["head"] if year <= TODAY.year else None,
            "approved_at": at(date(year - 1, 12, 28), rng) if year <= TODAY.year else None,
            "created_at": at(date(year - 1, 12, 1), rng),
        }
        for year in [*YEARS, TODAY.year + 1]
    ]
    headings = [
        {
            "id": (listed["id"] - 1) * len(UNITS) + number,
            "dossier_list_id": listed["id"],
            "label": str(number),
            "abbreviation": code,
            "title": name,
            "sort_order": number,
        }
        for listed in lists
        for number, (code, name, _) in enumerate(UNITS, start=1)
    ]
    organisation = {
        "id": 1,
        "code": ORG_CODE,
        "name": "UBND quận Đống Đa",
        "parent_name": "UBND thành phố Hà Nội",
        "archive_code": "",
        "created_at": created,
    }
    rows = [
        {
            "id": n,
            "schedule_id": 1,
            "code": code,
            "title": f"Nhóm {code}",
            "permanent": permanent,
            "period_years": years,
            "condition": condition,
        }
        for n, (code, permanent, years, condition, _) in enumerate(PERIODS, start=1)
    ]
    return [
        (Organisation, [organisation]),
        (Unit, [{"id": n, "organisation_id": 1, "code": c, "name": name} for n, (c, name, _) in enumerate(UNITS, 1)]),
        (User, people.users),
        (RoleMembership, people.memberships),
        (RetentionSchedule, [{"id": 1, "code": "TT10-2022", "title": "Bảng thời hạn", "imported_at": created}]),
        (RetentionRow, rows),
        (DossierList, lists),
        (ClassificationHeading, headings),
    ]


def dossier_rows(dossiers: list[Planned], rng: Random) -> Iterator[dict]:
    schema = metadata.schema_id("dossier")
    for planned in dossiers:
        _, permanent, years, condition, _ = PERIODS[planned.period]
        notation = f"{planned.number:02d}.{UNITS[planned.unit - 1][0]}"
        yield {
            "id": planned.id,
            "organisation_id": 1,
            "entry_id": planned.entry_id,
            "unit_id": planned.unit,
            "creator_id": planned.creator,
            "state": planned.state,
            "file_code": f"{ORG_CODE}.{planned.year}.{notation}",
            "year": planned.year,
            "file_notation": notation,
            "title": f"Hồ sơ {rng.choice(TOPICS)} năm {planned.year}",
            "retention_permanent": permanent,
            "retention_years": years,
            "retention_condition": condition,
            "rights": "restricted" if rng.random() < 0.03 else "public",
            "language": "Tiếng Việt",
            "start_date": planned.start,
            "end_date": planned.end,
            "description": "",
            "keyword": "",
            "schema_id": schema,
            "opened_at": at(planned.start, rng),
            "closed_at": planned.closed_at,
            "submitted_at": planned.submitted_at,
            "archived_at": planned.archived_at,
            "appraisal_due_on": planned.due_on,
            "settled_on": planned.settled_on,
        }


def document_rows(docs: Documents, dossiers: list[Planned], people: People, rng: Random) -> Iterator[dict]:
    schema = metadata.schema_id("document")
    directions = ("internal", "incoming", "outgoing")
    for index in range(len(docs.dossier)):
        kind, day = docs.kind[index], date.fromordinal(docs.day[index])
        dossier = docs.dossier[index]
        creator = dossiers[dossier].creator if dossier >= 0 else people.named["registry"]
        draft = docs.versions[index] > 1 and dossiers[dossier].state == "open"
        deadline = day + timedelta(days=docs.deadline[index]) if docs.deadline[index] else None
        yield {
            "id": index + 1,
            "organisation_id": 1,
            "direction": directions[kind],
            "status": "draft" if draft else "final",
            "type_name": rng.choice(TYPES),
            "code_number": str(index % 9999 + 1),
            "code_notation": "QĐ-UBND",
            "issued_date": day,
            "organ_name": "UBND thành phố Hà Nội" if kind == 1 else "UBND quận Đống Đa",
            "subject": f"Về {rng.choice(TOPICS)}",
            "language": "Tiếng Việt",
            "page_amount": docs.pages[index],
            "urgency": "normal",
            "marking": "mat" if docs.secret[index] else "none",
            "rights": "public",
            "due_date": deadline,
            "schema_id": schema,
            "created_by_id": creator,
            "created_at": at(day, rng),
        }


def filing_rows(docs: Documents, dossiers: list[Planned], rng: Random) -> Iterator[dict]:
    """Yield the dossier_documents: each filed document at the next position of its dossier (a few in two)."""
    ordinals: Counter[int] = Counter()
    firsts = ((index, docs.dossier[index]) for index in range(len(docs.dossier)) if docs.dossier[index] >= 0)
    for link_id, (index, dossier) in enumerate([*firsts, *docs.second], start=1):
        ordinals[dossier] += 1
        yield {
            "id": link_id,
            "dossier_id": dossiers[dossier].id,
            "document_id": index + 1,
            "ordinal": ordinals[dossier],
            "added_by_id": dossiers[dossier].creator,
            "added_at": at(date.fromordinal(docs.day[index]), rng),
        }


def file_rows(docs: Documents, rng: Random) -> Iterator[dict]:
    """Yield a stored file per document version: unique digests, the sizes planned (no bytes are written)."""
    file_id = 0
    for index in range(len(docs.dossier)):
        for number in range(docs.versions[index]):
            file_id += 1
            yield {
                "id": file_id,
                "sha256": f"{file_id:064x}",
                "sha512": f"{file_id:0128x}",
                "size": docs.size[index] + number * 4096,
                "media_type": "application/pdf",
                "created_at": at(date.fromordinal(docs.day[index]), rng),
            }


def version_rows(docs: Documents, dossiers: list[Planned], people: People, rng: Random) -> Iterator[dict]:
    file_id = 0
    for index in range(len(docs.dossier)):
        dossier = docs.dossier[index]
        creator = dossiers[dossier].creator if dossier >= 0 else people.named["registry"]
        for number in range(1, docs.versions[index] + 1):
            file_id += 1
            yield {
                "id": file_id,
                "document_id": index + 1,
                "number": number,
                "file_id": file_id,
                "filename": f"van-ban-{index + 1}-v{number}.pdf",
                "created_by_id": creator,
                "created_at": at(date.fromordinal(docs.day[index]), rng),
            }


def register_rows(
    docs: Documents, dossiers: list[Planned], people: People, rng: Random, counters: Counter
) -> Iterator[dict]:
    """Yield the register lines in the order they were registered, numbered per register, year and series; count
    the numbers given in ``counters``."""
    registered = sorted((index for index in range(len(docs.kind)) if docs.kind[index]), key=lambda i: docs.day[i])
    registry = people.named["registry"]
    for entry_id, index in enumerate(registered, start=1):
        kind = "incoming" if docs.kind[index] == 1 else "outgoing"
        day, dossier = date.fromordinal(docs.day[index]), docs.dossier[index]
        series = "classified" if docs.secret[index] else "regular"
        counters[(kind, day.year, series)] += 1
        if kind == "incoming":  # sent to the unit that filed it; a few not sent on yet
            unit = dossiers[dossier].unit if dossier >= 0 else rng.randint(1, len(UNITS))
            unit = unit if rng.random() < 0.9 else None
        else:  # an outgoing document is sent to no unit, unless the registry named its drafting unit
            unit = dossiers[dossier].unit if dossier >= 0 and rng.random() < 0.1 else None
        person = rng.choice(people.officers[unit]) if unit and rng.random() < 0.6 else None
        registered_at = at(day, rng)
        yield {
            "id": entry_id,
            "organisation_id": 1,
            "kind": kind,
            "year": day.year,
            "series": series,
            "number": counters[(kind, day.year, series)],
            "document_id": index + 1,
            "document_code": f"{ORG_CODE}.{day.year}.{index + 1}"[:25],
            "registered_by_id": registry,
            "registered_at": registered_at,
            "handled_on": _handled(day, docs.deadline[index], rng),
            "handled_by_id": registry,
            "assigned_unit_id": unit,
            "assigned_at": registered_at + timedelta(hours=2) if unit else None,
            "assigned_user_id": person,
        }


def _handled(registered: date, deadline_days: int, rng: Random) -> date | None:
    """Return the day a document was handled: by its deadline (60 %), after it (20 %), or not yet."""
    if deadline_days:
        roll = rng.random()
        if roll < 0.6:
            handled = registered + timedelta(days=rng.randint(0, deadline_days))
        elif roll < 0.8:
            handled = registered + timedelta(days=deadline_days + rng.randint(1, 40))
        else:
            return None
    elif rng.random() < 0.7:
        handled = registered + timedelta(days=rng.randint(0, 30))
    else:
        return None
    return handled if handled <= TODAY else None


def disposal_rows(dossiers: list[Planned], people: People, rng: Random) -> list[tuple[type, list[dict]]]:
    """Return the destruction lists and items, the hand-over batches, receipts and items, holds and keep-backs."""
    archivist, head = people.named["archivist"], people.named["head"]
    destroyed, received = defaultdict(list), defaultdict(list)
    for planned in dossiers:
        if planned.state == "destroyed":
            destroyed[planned.gone_in].append(planned)
        elif planned.state == "transferred":
            received[planned.gone_in].append(planned)
    lists, items = [], []
    for list_id, year in enumerate(sorted(destroyed), start=1):
        decided = date(year, rng.randint(3, 5), rng.randint(1, 28))
        lists.append(
            {"id": list_id, "organisation_id": 1, "state": "executed", "title": f"Danh mục tài liệu hủy năm {year}",
             "explanation": "Hết thời hạn bảo quản.", "proposed_by_id": archivist,
             "proposed_at": at(decided - timedelta(days=60), rng), "appraisal_number": f"{list_id}/SNV-CCVTLT",
             "appraisal_date": decided - timedelta(days=20), "decision_number": f"{list_id}/QĐ-UBND",
             "decision_date": decided, "decision_signer": "Chủ tịch UBND", "decided_by_id": head,
             "executed_by_id": archivist, "executed_at": at(min(decided + timedelta(days=30), TODAY), rng)}
        )  # fmt: skip
        items.extend(
            {"id": n, "destruction_list_id": list_id, "dossier_id": planned.id,
             "documents": planned.documents, "pages": planned.pages, "size": planned.size, "done": True, "held": False}
            for n, planned in enumerate(destroyed[year], start=len(items) + 1)
        )  # fmt: skip
    batches, receipts, handed = [], [], []

    def batch(year: int, state: str, members: Iterable[Planned], outcome: str) -> int:
        batch_id = len(batches) + 1
        batches.append({"id": batch_id, "organisation_id": 1, "year": year, "seq": batch_id, "state": state,
                        "created_by_id": archivist, "created_at": at(date(year, 1, 10), rng)})  # fmt: skip
        handed.extend(
            {"id": n, "batch_id": batch_id, "dossier_id": planned.id, "outcome": outcome}
            for n, planned in enumerate(members, start=len(handed) + 1)
        )
        return batch_id

    eligible = [
        planned
        for planned in dossiers
        if planned.state == "archived" and PERIODS[planned.period][1] and planned.archived_at.year < 2022
    ]
    rng.shuffle(eligible)
    left_out, pending = eligible[: len(eligible) // 20], eligible[len(eligible) // 20 : len(eligible) // 10]
    for year in sorted(received):
        batch_id = batch(year, "received", received[year], "received")
        receipts.append(
            {"id": batch_id, "batch_id": batch_id, "reference": f"{batch_id}/BB-LTLS",
             "received_on": date(year, rng.randint(6, 12) if year < TODAY.year else 6, 10).isoformat(),
             "sha256": "0" * 64, "imported_by_id": archivist, "imported_at": at(date(year, 6, 12), rng)}
        )  # fmt: skip
    if received:  # a receipt that left a few out: their items say so, the dossiers stayed archived
        batch(max(received), "received", left_out, "not_received")
    batch(TODAY.year, "packaged", pending, "pending")  # waiting for its receipt: it holds its dossiers
    archived = [planned for planned in dossiers if planned.state == "archived"]
    holds = [
        {"id": n, "dossier_id": planned.id, "kind": "legal", "reason": "Thanh tra", "placed_by_id": head,
         "placed_at": at(date(2025, 3, 1), rng), "released_at": at(TODAY, rng) if n % 3 == 0 else None,
         "released_by_id": head if n % 3 == 0 else None}
        for n, planned in enumerate(rng.sample(archived, len(archived) // 100), start=1)
    ]  # fmt: skip
    # Closed, due at the agency archive and past the day: some units asked to keep them longer.
    late = [
        planned
        for planned in dossiers
        if planned.state == "closed" and _to_archive(planned) and planned.end.year < TODAY.year - 1
    ]
    keep_backs = [
        {"id": n, "organisation_id": 1, "dossier_id": planned.id, "state": state, "reason": "Còn sử dụng",
         "until": date(TODAY.year + 1, 6, 30), "requested_by_id": people.heads[planned.unit],
         "requested_at": at(date(TODAY.year, 1, 15), rng), "decided_by_id": head,
         "decided_at": at(date(TODAY.year, 1, 20), rng)}
        for n, (planned, state) in enumerate(
            ((planned, rng.choice(("approved", "approved", "refused"))) for planned in late if rng.random() < 0.12),
            start=1,
        )
    ]  # fmt: skip
    return [
        (DestructionList, lists),
        (DestructionItem, items),
        (HandoverBatch, batches),
        (HandoverReceipt, receipts),
        (HandoverItem, handed),
        (Hold, holds),
        (KeepBack, keep_backs),
    ]


# ---------------------------------------------------------------- filling the database


def fill(engine, dossier_count: int, document_count: int) -> None:
    """Fill a migrated, empty database with the agency; print what each table took."""
    started = time.perf_counter()
    rng = Random(25)
    people = plan_people(rng)
    dossiers, entries = plan_dossiers(rng, dossier_count, people)
    docs = plan_documents(rng, document_count, dossiers)
    counters: Counter = Counter()
    print(f"  planned in {time.perf_counter() - started:.0f} s", flush=True)
    # Each table's rows come from a generator with an RNG of its own: the same agency whatever is timed in between.
    tables = [
        *organisation_rows(Random(1), people),
        (DossierListEntry, entries),
        (Dossier, dossier_rows(dossiers, Random(2))),
        (Document, document_rows(docs, dossiers, people, Random(3))),
        (DossierDocument, filing_rows(docs, dossiers, Random(4))),
        (StoredFile, file_rows(docs, Random(5))),
        (DocumentVersion, version_rows(docs, dossiers, people, Random(6))),
        (RegisterEntry, register_rows(docs, dossiers, people, Random(7), counters)),
        *disposal_rows(dossiers, people, Random(8)),
    ]
    timings = []
    for model, rows in tables:
        timings.append(insert_table(engine, model, rows))
    numbers = [
        {"id": n, "organisation_id": 1, "kind": kind, "year": year, "series": series, "last_number": last}
        for n, ((kind, year, series), last) in enumerate(sorted(counters.items()), start=1)
    ]  # the registers' counters, known only once the register lines were numbered
    timings.append(insert_table(engine, RegisterCounter, numbers))
    if engine.dialect.name == "postgresql":
        _restart_sequences(engine, [model.__tablename__ for model, _ in tables] + [RegisterCounter.__tablename__])
    # The rows went in around the services: each dossier's extent is stored as closing it would have (migration 0028).
    measured = time.perf_counter()
    with engine.begin() as connection:
        lifecycle.measure_all(connection)
    timings.append(("dossier extents", dossier_count, time.perf_counter() - measured))
    filled = time.perf_counter() - started
    started = time.perf_counter()
    analyse(engine)
    print(
        f"  filled in {filled:.0f} s, analysed in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{name} {count:,} ({seconds:.0f} s)" for name, count, seconds in timings if count >= 1000),
        flush=True,
    )


def insert_table(engine, model, rows: Iterable[dict]) -> tuple[str, int, float]:
    """Insert ``rows`` in batches of BATCH, one transaction for the table; return its name, count and seconds."""
    started, count, batch = time.perf_counter(), 0, []
    with engine.begin() as connection:
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                connection.execute(insert(model), batch)
                count, batch = count + len(batch), []
        if batch:
            connection.execute(insert(model), batch)
            count += len(batch)
    return model.__tablename__, count, time.perf_counter() - started


def _restart_sequences(engine, tables: list[str]) -> None:
    """Move PostgreSQL's id sequences past the ids given here, so the app's own inserts (the log-in's) get new ones."""
    with engine.begin() as connection:
        for table in dict.fromkeys(tables):
            connection.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )


def analyse(engine) -> None:
    """Give the planner statistics, as a deployment has (PostgreSQL: VACUUM too, as autovacuum does after a load)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")


def filled_already(engine, dossier_count: int, document_count: int) -> bool:
    """Return True if an earlier run filled this database with the same sizes (``--keep``, or ``--pg`` reused);
    refuse a database holding anything else."""
    with engine.connect() as connection:
        found = [
            connection.scalar(text(f"SELECT count(*) FROM {table}"))
            for table in ("dossiers", "documents", "register_counters")
        ]
    if found == [0, 0, 0]:
        return False
    if found[:2] == [dossier_count, document_count] and found[2]:
        return True  # register_counters is the last table filled: the run that filled it finished
    raise SystemExit(f"the database is not empty ({found[0]:,} dossiers, {found[1]:,} documents): give an empty one")


def database_mb(engine) -> float:
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            return connection.scalar(text("SELECT pg_database_size(current_database())")) / 1e6
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
        return pages * connection.exec_driver_sql("PRAGMA page_size").scalar() / 1e6


# ---------------------------------------------------------------- asking for the pages


def pages_of_head() -> list[tuple[str, str]]:
    year, last, past = TODAY.year, TODAY.year - 1, TODAY.year - 3
    period = f"start={last}-01-01&end={last}-12-31"
    return [
        ("Dashboard", "/reports/"),
        (f"Compliance {year}", f"/reports/compliance?year={year}"),
        (f"Compliance {past}", f"/reports/compliance?year={past}"),
        ("Holdings, every year", "/reports/holdings"),
        (f"Holdings {past - 3}", f"/reports/holdings?year={past - 3}"),
        (f"Flow {last}", f"/reports/flow?{period}"),
        (f"Drill: compliance, never filed {year}", f"/reports/compliance/unfiled_documents?year={year}"),
        ("Drill: holdings, in custody", "/reports/holdings/custody"),
        (f"Drill: flow, registered {last}", f"/reports/flow/registered?{period}"),
        (f"XLSX compliance {year}", f"/reports/compliance?year={year}&format=xlsx"),
        ("XLSX holdings", "/reports/holdings?format=xlsx"),
        (f"XLSX flow {last}", f"/reports/flow?{period}&format=xlsx"),
        (f"Yearly PDF {last}", f"/reports/yearly.pdf?year={last}"),
    ]


def pages_of_unit_head() -> list[tuple[str, str]]:
    wanted = ("Dashboard", "Compliance", "Holdings", "Flow")
    return [(name, url) for name, url in pages_of_head() if name.startswith(wanted)]


READERS = (("head", "head", pages_of_head), ("unit head (VP)", "head-vp", pages_of_unit_head))


@dataclass
class Result:
    page: str
    reader: str
    times: list[float]  # ms
    statements: int
    status: int
    slowest: list[tuple[float, str, object]]  # (ms, statement, parameters)


class Statements:
    """Every SQL statement the app's engine runs, with its time: cleared before each request."""

    def __init__(self, engine) -> None:
        self.log: list[tuple[float, str, object]] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, connection, cursor, statement, parameters, context, executemany) -> None:
        connection.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, connection, cursor, statement, parameters, context, executemany) -> None:
        started = connection.info["bench_started"].pop()
        self.log.append(((time.perf_counter() - started) * 1000, statement, parameters))

    def slowest(self, count: int) -> list[tuple[float, str, object]]:
        return sorted(self.log, key=lambda item: item[0], reverse=True)[:count]


def logged_in(app, username: str):
    """Return a test client logged in as ``username`` through the login form (its CSRF token included)."""
    client = app.test_client()
    form = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token, "no CSRF token on the login page"
    answer = client.post("/auth/login", data={"csrf_token": token.group(1), "username": username, "password": PASSWORD})
    if answer.status_code != 302 or "/auth/login" in answer.headers.get("Location", ""):
        raise SystemExit(f"logging in as {username} failed: {answer.status_code}")
    return client


def measure(url: str, folder: Path, repeat: int) -> tuple[list[Result], object]:
    """Ask for every page as each reader, once to warm up and ``repeat`` times timed; return the results."""
    engine = make_engine(url)
    statements = Statements(engine)
    readers = User.username.in_([username for _, username, _ in READERS])
    with engine.begin() as connection:  # the readers get a real password, hashed once (argon2 is slow on purpose)
        connection.execute(User.__table__.update().where(readers).values(password_hash=hash_password(PASSWORD)))
    settings = {
        "DATABASE_URL": url,
        "SESSION_FACTORY": make_session_factory(engine),
        "DATA_DIR": str(folder / "data"),
        "SECRET_KEY": "reports-bench",
        "CLOCK": lambda: NOW,
    }
    app = create_app(settings)
    results = []
    for reader, username, pages in READERS:
        client = logged_in(app, username)
        for name, path in pages():
            client.get(path).get_data()  # warm: templates compiled, statements cached, pages in the cache
            times = []
            for _ in range(repeat):
                statements.log.clear()
                started = time.perf_counter()
                response = client.get(path)
                response.get_data()  # the whole body, as the browser must read it
                times.append((time.perf_counter() - started) * 1000)
            count = len(statements.log)
            results.append(Result(name, reader, times, count, response.status_code, statements.slowest(3)))
            print(f"    {name} ({reader}): {statistics.median(times):,.0f} ms, {count} statements", flush=True)
    return results, engine


def explain(engine, statement: str, parameters) -> str:
    """Return the plan of a captured statement (PostgreSQL: as it ran, with its timings)."""
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement, parameters).all()
    return "\n".join(str(row[-1]) for row in rows)


def table(database: str, results: list[Result]) -> str:
    lines = [
        "| Page | Reader | p50 ms | max ms | SQL statements | status |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for result in results:
        p50, most = statistics.median(result.times), max(result.times)
        lines.append(
            f"| {result.page} | {result.reader} | {p50:,.0f} | {most:,.0f} | {result.statements} | {result.status} |"
        )
    slowest = max(results, key=lambda result: statistics.median(result.times))
    worst = max(results, key=lambda result: max(result.times))
    failed = [f"{result.page} ({result.reader}): {result.status}" for result in results if result.status != 200]
    met = max(worst.times) < GOAL_MS and not failed
    lines.append("")
    lines.append(
        f"**{database}: every page < 1 s: {'met' if met else 'NOT met'}** (slowest p50: "
        f"{slowest.page}, {slowest.reader}, {statistics.median(slowest.times):,.0f} ms; slowest single request: "
        f"{worst.page}, {worst.reader}, {max(worst.times):,.0f} ms"
        + (f"; not answered 200: {', '.join(failed)}" if failed else "")
        + ")."
    )
    return "\n".join(lines)


def run(database: str, url: str, folder: Path, options) -> str:
    engine = make_engine(url)
    with engine.begin() as connection:
        migrate.upgrade(connection)
    if filled_already(engine, options.dossiers, options.documents):
        print(f"{database}: reusing the filled database at {url}", flush=True)
    else:
        print(f"{database}: filling {options.dossiers:,} dossiers, {options.documents:,} documents", flush=True)
        fill(engine, options.dossiers, options.documents)
    print(f"  database: {database_mb(engine):,.0f} MB", flush=True)
    engine.dispose()
    results, app_engine = measure(url, folder, options.repeat)
    report = table(database, results)
    print("\n" + report + "\n", flush=True)
    for result in results:
        if statistics.median(result.times) < GOAL_MS:
            continue
        print(f"  {result.page} ({result.reader}): slowest statements")
        for milliseconds, statement, _ in result.slowest:
            print(f"    {milliseconds:,.0f} ms: {' '.join(statement.split())[:400]}")
        if options.explain:
            _, statement, parameters = result.slowest[0]
            print("    plan:\n      " + explain(app_engine, statement, parameters).replace("\n", "\n      "))
    app_engine.dispose()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql", help="which of sqlite,postgresql")
    parser.add_argument("--pg", help="an empty PostgreSQL database (SQLAlchemy URL); default: a throwaway cluster")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="print the plan of a slow page's slowest statement")
    parser.add_argument("--keep", type=Path, help="keep the SQLite database in this folder and reuse it next time")
    options = parser.parse_args()
    for database in options.databases.split(","):
        with tempfile.TemporaryDirectory(prefix="erms-reports-bench-") as scratch:
            folder = Path(scratch)
            if database == "sqlite":
                where = options.keep or folder
                where.mkdir(parents=True, exist_ok=True)
                name = f"reports-{options.dossiers}-{options.documents}.sqlite3"
                run(database, f"sqlite:///{where.resolve() / name}", folder, options)
            else:
                with pg_database(options.pg) as url:
                    run(database, url, folder, options)


if __name__ == "__main__":
    main()
