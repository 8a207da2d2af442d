"""The ceiling for bench/load_bench.py: a bare Flask + SQLAlchemy page, served like ERMS.

One route, ``/``: one ORM query on a small table (``bare_items``, 25 rows) and a ~20 KB Jinja
template (a page shell like ERMS's with a table of the rows), nothing else: no session, no login,
no CSRF, no audit, no translations. gunicorn serves it with ERMS's own ``gunicorn.conf.py`` (same
worker class, workers and threads), only the application differs:

    BARE_DATABASE_URL=sqlite:////tmp/x/bare.sqlite3 ERMS_BIND=127.0.0.1:5001 \
        .venv/bin/gunicorn --config gunicorn.conf.py --pythonpath bench load_bare:application

``prepare(url)`` creates and fills the table (the bench calls it before starting gunicorn).
"""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import String, create_engine, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

ROWS = 25

UNITS = ["Văn phòng HĐND và UBND quận", "Phòng Tài chính - Kế hoạch", "Phòng Nội vụ"]
TITLES = [
    "Hồ sơ hội nghị tổng kết công tác năm 2026 của UBND quận",
    "Kế hoạch, báo cáo công tác năm 2026",
    "Tập thông báo ý kiến, kết luận các cuộc họp của lãnh đạo UBND quận năm 2026",
    "Hồ sơ xây dựng kế hoạch phát triển kinh tế - xã hội năm 2026",
    "Báo cáo thống kê tổng hợp năm 2026",
]
STATES = [("open", "Đang lập"), ("closed", "Đã kết thúc"), ("archived", "Đã vào Lưu trữ cơ quan")]


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "bare_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20))
    state_label: Mapped[str] = mapped_column(String(60))


# A page shell shaped like ERMS's (header, navigation, a panel of text, a table, a footer). The
# static paragraphs are part of the template source, so the rendered page is ~20 KB like the
# officer's home page.
_PARAGRAPH = (
    "<p>Cán bộ, công chức lập hồ sơ công việc theo Danh mục hồ sơ của cơ quan; văn bản được đưa vào hồ sơ "
    "theo thứ tự thời gian ban hành, hồ sơ kết thúc khi công việc đã giải quyết xong và được nộp lưu "
    "vào Lưu trữ cơ quan đúng thời hạn (Nghị định 30/2020/NĐ-CP, Điều 28-31).</p>\n"
)
TEMPLATE = (
    """<!doctype html>
<html lang="vi">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · ERMS</title><link rel="stylesheet" href="/static/erms.css"></head>
<body>
<a class="skip" href="#main">Chuyển đến nội dung chính</a>
<header class="site"><div class="brand"><a href="/">ERMS</a> Quản lý hồ sơ, tài liệu điện tử</div>
<nav><a href="/">Trang chủ</a> <a href="/dossier-lists/">Danh mục hồ sơ</a> <a href="/search/">Tìm</a></nav>
<form method="get" action="/search/" class="search-box" role="search"><input type="search" name="q"
 aria-label="Tìm kiếm hồ sơ, văn bản" placeholder="Tìm kiếm hồ sơ, văn bản"><button type="submit">Tìm</button></form>
</header>
<main id="main">
<h1>Xin chào, {{ user }}</h1>
<section class="panel"><h2>Hướng dẫn</h2>
"""
    + _PARAGRAPH * 22
    + """</section>
<section class="panel" id="dossiers"><h2>Hồ sơ</h2>
<div class="table-wrap"><table class="cards">
<thead><tr><th scope="col">Mã hồ sơ</th><th scope="col">Tiêu đề hồ sơ</th><th scope="col">Đơn vị</th>
<th scope="col">Thời gian</th><th scope="col">Trạng thái</th></tr></thead>
<tbody>
{% for item in items %}
<tr>
  <td data-label="Mã hồ sơ"><a href="/dossiers/{{ item.id }}">{{ item.code }}</a></td>
  <td data-label="Tiêu đề hồ sơ">{{ item.title }}</td>
  <td data-label="Đơn vị">{{ item.unit }}</td>
  <td data-label="Thời gian" class="nowrap">{{ item.period }}</td>
  <td data-label="Trạng thái"><span class="state state-{{ item.state }}">{{ item.state_label }}</span></td>
</tr>
{% endfor %}
</tbody></table></div>
<p>{{ items|length }} hồ sơ</p>
</section>
</main>
<footer class="site">Ủy ban nhân dân quận Đống Đa · ERMS</footer>
</body>
</html>
"""
)


def prepare(url: str) -> None:
    """Create ``bare_items`` and fill it with ROWS rows (once)."""
    engine = create_engine(url)
    try:
        Base.metadata.create_all(engine)
        with Session(engine) as session, session.begin():
            if session.scalar(select(func.count()).select_from(Item)):
                return
            for number in range(1, ROWS + 1):
                state, label = STATES[number % len(STATES)]
                session.add(
                    Item(
                        code=f"000.00.12.H26.2026.{number:02d}.TH",
                        title=TITLES[number % len(TITLES)],
                        unit=UNITS[number % len(UNITS)],
                        period=f"01/01/2026 – {number:02d}/02/2026",
                        state=state,
                        state_label=label,
                    )
                )
    finally:
        engine.dispose()


def create_app(url: str) -> Flask:
    engine = create_engine(url)
    app = Flask(__name__)
    page = app.jinja_env.from_string(TEMPLATE)

    @app.get("/")
    def index():
        with Session(engine) as session:
            items = session.scalars(select(Item).order_by(Item.id)).all()
            return page.render(title="Trang chủ", user="Phạm Thị Lan", items=items)

    return app


application = create_app(os.environ["BARE_DATABASE_URL"]) if os.environ.get("BARE_DATABASE_URL") else None
