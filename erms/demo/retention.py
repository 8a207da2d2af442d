"""Demo part: dossiers of 2014 whose 10-year period has run out, so the due list and a hold can be shown."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from classification import dossier_list as dossier_lists
from erms.demo.context import DemoContext
from filing import dossiers
from retention import holds

PAST_YEAR = 2014
# Titles of past dossiers under the 10-year row "Tập thông báo ý kiến, kết luận cuộc họp" (due 1 January 2025).
TITLES = [
    "Tập thông báo ý kiến, kết luận các cuộc họp giao ban của lãnh đạo UBND quận năm 2014",
    "Tập thông báo kết luận các cuộc họp chuyên đề về xây dựng nông thôn mới năm 2014",
    "Tập thông báo ý kiến chỉ đạo của Chủ tịch UBND quận về công tác cải cách hành chính năm 2014",
]


def seed(context: DemoContext, *, now: datetime) -> None:
    """Dossiers of 2014 due for appraisal (retention), one of them under an inspection hold."""
    session = context.session
    past = now.replace(year=PAST_YEAR, month=6, day=2)  # the services act as they did in 2014
    registry, officer, archivist = context.actor("registry"), context.actor("officer1"), context.actor("archivist")
    dossier_list = dossier_lists.create_list(session, registry, context.organisation.id, PAST_YEAR, now=past)
    heading = dossier_lists.add_heading(
        session, registry, dossier_list.id, "I", "Tổng hợp", abbreviation="TH", now=past
    )
    entries = [
        dossier_lists.add_entry(
            session,
            registry,
            dossier_list.id,
            title=title,
            unit_id=context.unit_id("VP"),
            retention_row_id=context.rows["1-14"].id,
            heading_id=heading.id,
            now=past,
        )
        for title in TITLES
    ]
    dossier_lists.approve(
        session, context.actor("head"), dossier_list.id, "03/QĐ-UBND", now=past, decision_date=date(PAST_YEAR, 1, 6)
    )
    archived = []
    for entry in entries:
        dossier = dossiers.open_dossier(session, officer, entry.id, {"start_date": f"{PAST_YEAR}-01-06"}, now=past)
        context.add_documents(dossier, entry.title, date(PAST_YEAR, 1, 6), now=past)
        dossiers.close_dossier(session, officer, dossier.id, store=context.store, now=past, font=context.font)
        transfer = dossiers.submit(session, officer, [dossier.id], now=past)
        context.hand_over(transfer, now=past + timedelta(days=1))
        archived.append(dossier)
    holds.place_hold(
        session,
        archivist,
        archived[-1].id,
        "inspection",
        "Thanh tra quận đang kiểm tra công tác cải cách hành chính",
        now=now,
    )
