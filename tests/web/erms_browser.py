"""Helpers of the web tests: a browser-like client that posts forms with their CSRF token, test files."""

from __future__ import annotations

import io
import re

from fpdf import FPDF

from tests.factories import DOCUMENT

PASSWORD = "mật-khẩu-thử-123"

# The factories' document as a browser posts its form: every value a string.
DOCUMENT_FORM = {key: str(value) for key, value in DOCUMENT.items()}
# The registry's form: the register sets the direction, and a registered document is final.
REGISTER_FORM = {key: value for key, value in DOCUMENT_FORM.items() if key not in ("direction", "status")}

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

    def change_password(self, current: str, new: str, repeat: str | None = None):
        """Change the logged-in person's password on its page (as anyone whose password an administrator chose must)."""
        self.get("/account/password?lang=en")
        data = {"current": current, "password": new, "repeat": new if repeat is None else repeat}
        return self.post("/account/password", data)

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


def closing_form(client: Browser, dossier_id: int) -> dict:
    """Return the closing wizard's confirmation as a person sends it: ticked, with the dates the page showed."""
    page = client.get(f"/dossiers/{dossier_id}/close").get_data(as_text=True)
    return {"confirm": "yes", "dates": re.search(r'name="dates" value="([^"]+)"', page).group(1)}
