"""Helpers of the web tests: a browser-like client that posts forms with their CSRF token, test files."""

from __future__ import annotations

import io
import re

from fpdf import FPDF

PASSWORD = "mật-khẩu-thử-123"

# Filled in the way a person fills the document form (strings, as a browser posts them).
DOCUMENT_FORM = {
    "direction": "incoming",
    "status": "final",
    "type_name": "Quyết định",
    "code_number": "15",
    "code_notation": "QĐ-UBND",
    "issued_date": "2026-03-02",
    "organ_name": "UBND thành phố Hà Nội",
    "subject": "Về việc ban hành quy chế làm việc",
    "language": "Tiếng Việt",
    "page_amount": "3",
    "urgency": "normal",
    "marking": "none",
}

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A test client that posts forms with the CSRF token of the last page it read, like a browser."""

    def __init__(self, client) -> None:
        self.client = client
        self.token = ""

    def get(self, url: str, **kwargs):
        response = self.client.get(url, **kwargs)
        found = TOKEN.search(response.get_data(as_text=True)) if response.mimetype == "text/html" else None
        if found:
            self.token = found.group(1)
        return response

    def post(self, url: str, data: dict | None = None, **kwargs):
        if not self.token:
            self.get("/auth/login")
        data = {"csrf_token": self.token, **(data or {})}
        if any(isinstance(value, tuple) for value in data.values()):
            kwargs.setdefault("content_type", "multipart/form-data")
        return self.client.post(url, data=data, **kwargs)

    def login(self, username: str, password: str = PASSWORD):
        self.get("/auth/login")
        response = self.post("/auth/login", {"username": username, "password": password})
        self.get("/")  # the session was renewed at login: read the new token
        return response

    def logout(self):
        return self.post("/auth/logout")


def make_pdf(text: str = "Quyet dinh so 15/QD-UBND") -> bytes:
    """Return a small real PDF."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 10, text)
    return bytes(pdf.output())


def file_field(content: bytes, name: str, media_type: str = "application/pdf") -> tuple:
    return (io.BytesIO(content), name, media_type)


def dossier_id_from(response) -> int:
    return int(re.search(r"/dossiers/(\d+)", response.headers["Location"]).group(1))


def stored_files(store) -> list:
    """Return the files in the store, ignoring the (empty) incoming folder."""
    if not store.root.exists():
        return []
    return [path for path in store.root.rglob("*") if path.is_file() and "incoming" not in path.parts]


def run_background_jobs(app) -> list:
    """Do what the worker process would: run every queued background job with the app's services."""
    from erms import background, jobs  # noqa: F401 - jobs registers the handlers

    services = app.extensions["erms"]
    return background.run_pending(
        services.session_factory, services.store, services.settings, services.clock, "test-worker"
    )
