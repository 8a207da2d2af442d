"""Demo part: paper records — a backlog of an earlier year arranged into two boxes, and a request to read one.

The arrangement goes through the archivist's own path (``intake.arrangement`` checks the inventory, ``intake.past``
makes each dossier and puts it in its box), all in the demo's one transaction; the request is asked by an officer of
another unit and approved by the head for two weeks, so the walk of issue 28 can be followed from the first login.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from erms.demo.context import DemoContext
from filing.dossiers import local_date
from holdings import storage, use_requests
from intake import arrangement, past, runs

YEARS_BACK = 8
TITLES = [
    ("VP", "Tập báo cáo tổng kết công tác văn phòng năm {y}", "10 năm", 48),
    ("VP", "Hồ sơ tổ chức hội nghị tiếp xúc cử tri năm {y}", "10 năm", 63),
    ("VP", "Tập công văn trao đổi về công tác thi đua, khen thưởng năm {y}", "10 năm", 35),
    ("NV", "Hồ sơ tuyển dụng công chức năm {y}", "10 năm", 120),
    ("NV", "Tập quyết định nâng bậc lương năm {y}", "10 năm", 27),
    ("NV", "Hồ sơ kiện toàn tổ chức bộ máy các phòng chuyên môn năm {y}", "10 năm", 74),
]


def inventory(year: int) -> bytes:
    """The arrangement's inventory: six paper dossiers of ``year``, three to a box on shelf unit 1."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Năm hồ sơ", "Số và ký hiệu hồ sơ", "Tiêu đề hồ sơ", "Đơn vị", "Thời hạn bảo quản",
                     "Thời gian bắt đầu", "Thời gian kết thúc", "Số tờ", "Hộp số", "Giá", "Khoang/ngăn"])  # fmt: skip
    for number, (unit, title, retention, sheets) in enumerate(TITLES, start=1):
        box = 1 if number <= 3 else 2
        writer.writerow(
            [year, f"{number:02d}.CL", title.format(y=year), unit, retention, f"02/01/{year}", f"28/12/{year}",
             sheets, box, "1", str(box)]
        )  # fmt: skip
    return out.getvalue().encode("utf-8")


def seed(context: DemoContext, *, now: datetime) -> None:
    """Paper records: a backlog arranged into two boxes of repository K1, and a request to read one of them."""
    session, organisation = context.session, context.organisation
    archivist = context.actor("archivist")
    repository = storage.create_repository(
        session, archivist, organisation.id, {"code": "K1", "name": "Kho lưu trữ tầng 1", "address": "Nhà B"}, now=now
    )
    year = now.year - YEARS_BACK
    plan = arrangement.plan(
        session, archivist, organisation.id, repository.id, f"chinh-ly-{year}.csv", inventory(year), now=now
    )
    run = runs.begin(
        session,
        archivist,
        organisation.id,
        kind=plan.kind,
        source=plan.source,
        digest=plan.digest,
        dossiers=len(plan.dossiers),
        documents=0,
        run_id=None,
        now=now,
    )
    made = [
        past.make(session, archivist, run, dossier, store=context.store, now=now, font=context.font)
        for dossier in plan.dossiers
    ]
    runs.finish(session, archivist, run.id, [], now=now)
    asked = use_requests.ask(
        session,
        context.actor("officer2"),
        organisation.id,
        use_requests.Asked(made[3].file_code, f"Đối chiếu hồ sơ tuyển dụng năm {year}"),
        now=now,
    )
    use_requests.decide(
        session, context.actor("head"), asked.id, True, local_date(now) + timedelta(days=14), "Đồng ý", now=now
    )
