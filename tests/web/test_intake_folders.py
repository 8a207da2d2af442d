"""The legacy import's folders belong to one organisation each (security review: one deployment, several agencies):
the administrator copies an agency's folders into INTAKE_DIR/<its code>/, and its archivist is offered those only.
Another agency's folder — by its name, through ``..``, an absolute path or a link — is refused on the form and in the
worker alike, and nothing is written; an agency's own folder still imports."""

from __future__ import annotations

import shutil

import pytest
from erms_browser import Browser, run_background_jobs
from sqlalchemy import select

from erms.models import Dossier
from tests.factories import another_agency
from tests.intake.test_legacy_import import make_folder, mapping
from tests.web.test_intake_mixed_ids import records

NOT_OFFERED = "Hãy chọn một trong các thư mục được liệt kê."
ROUTES = ("/archive/intake/check", "/archive/intake/start")


@pytest.fixture
def intake_dir(tmp_path):
    return tmp_path / "intake"


@pytest.fixture
def agency(session, world, store, now, password_hash):
    agency = another_agency(session, world, store, now, password_hash)
    session.commit()
    return agency


@pytest.fixture
def login(make_app, intake_dir, agency):
    """Return a factory of browsers logged in on one app that reads ``intake_dir``."""
    app = make_app(INTAKE_DIR=str(intake_dir))

    def browser(name: str) -> Browser:
        opened = Browser(app.test_client())
        opened.login(name)
        return opened

    return browser


def place(root, name: str = "scans") -> str:
    """Copy a folder of six scans with its mapping file into ``root`` as ``name``, as the administrator does."""
    folder, rows = make_folder(root, 6, 3)
    (folder / "ho-so.csv").write_bytes(mapping(rows))
    if name != folder.name:
        folder.rename(root / name)
    return f"{name}/ho-so.csv"


def page_of(browser: Browser) -> str:
    return browser.get("/archive/intake/").get_data(as_text=True)


def test_each_archivist_is_offered_only_their_own_organisations_folders(login, intake_dir, world, agency):
    ours, theirs = intake_dir / world.org.code, intake_dir / agency.org.code
    place(ours)
    place(theirs, "ba-dinh")
    place(intake_dir, "chung")  # the old layout: a folder left in no organisation's folder is no one's

    page = page_of(login("archivist"))
    assert f"{ours}" in page and 'value="scans/ho-so.csv"' in page
    assert "ba-dinh" not in page and "chung" not in page and f"{theirs}" not in page

    page = page_of(login("archivist2"))
    assert f"{theirs}" in page and 'value="ba-dinh/ho-so.csv"' in page
    assert "scans/ho-so.csv" not in page and "chung" not in page


def test_another_organisations_folder_is_refused_and_nothing_is_written(login, intake_dir, session, world, agency):
    ours, theirs = intake_dir / world.org.code, intake_dir / agency.org.code
    place(ours)
    place(theirs, "ba-dinh")
    place(intake_dir, "chung")
    (ours / "lien-ket").symlink_to(theirs / "ba-dinh", target_is_directory=True)  # a link out of our folder
    archivist, before = login("archivist"), records(session)
    hostile = (
        "ba-dinh/ho-so.csv",
        f"../{agency.org.code}/ba-dinh/ho-so.csv",
        f"{agency.org.code}/ba-dinh/ho-so.csv",
        "../chung/ho-so.csv",
        "chung/ho-so.csv",
        f"{theirs}/ba-dinh/ho-so.csv",
        "lien-ket/ho-so.csv",
    )
    for route in ROUTES:
        for name in hostile:
            refused = archivist.post(route, {"source": name})
            assert refused.status_code == 422, (route, name)
            assert NOT_OFFERED in refused.get_data(as_text=True)
    assert records(session) == before


def test_an_organisations_folder_that_is_a_link_offers_nothing(login, intake_dir, session, world, agency):
    theirs = intake_dir / agency.org.code
    place(theirs, "ba-dinh")
    (intake_dir / world.org.code).symlink_to(theirs, target_is_directory=True)
    archivist, before = login("archivist"), records(session)
    assert "ba-dinh" not in page_of(archivist)
    refused = archivist.post("/archive/intake/check", {"source": "ba-dinh/ho-so.csv"})
    assert refused.status_code == 422 and NOT_OFFERED in refused.get_data(as_text=True)
    assert records(session) == before


def test_the_worker_imports_from_the_organisations_own_folder_only(login, intake_dir, session, world, agency):
    """Queued, then the folder is taken away before the worker runs: another agency's folder of the same name is not
    imported in its place."""
    ours, theirs = intake_dir / world.org.code, intake_dir / agency.org.code
    name = place(ours)
    place(theirs)
    archivist = login("archivist")
    assert archivist.post("/archive/intake/start", {"source": name}).status_code == 302
    shutil.rmtree(ours / "scans")
    run_background_jobs(archivist.client.application)
    page = page_of(archivist)
    assert "Việc nhập đã dừng" in page and NOT_OFFERED in page
    assert session.scalars(select(Dossier.organisation_id)).all() == [agency.dossier.organisation_id]


def test_an_organisations_own_folder_still_imports(login, intake_dir, session, world, agency):
    name = place(intake_dir / world.org.code)
    archivist = login("archivist")
    checked = archivist.post("/archive/intake/check", {"source": name}).get_data(as_text=True)
    assert "Lần nhập sẽ tạo 2 hồ sơ với 6 văn bản" in checked
    assert archivist.post("/archive/intake/start", {"source": name}).status_code == 302
    run_background_jobs(archivist.client.application)
    assert "Đã nhập xong: 6 văn bản." in page_of(archivist)
    made = session.scalars(select(Dossier.organisation_id).where(Dossier.organisation_id == world.org.id)).all()
    assert len(made) == 2


@pytest.mark.parametrize("code", ["..", ".", "...", "../ngoai", "ngoai/..", "..\\ngoai"])
def test_a_code_that_could_name_another_folder_offers_nothing(login, intake_dir, session, world, code):
    """Codes are checked when an organisation is made (000.00.00.G09); one stored otherwise never leads out of the
    intake folder."""
    place(intake_dir.parent, "ngoai")  # what ".." would reach
    place(intake_dir, "chung")  # what "." and "ngoai/.." would reach
    world.org.code = code
    session.commit()
    archivist, before = login("archivist"), records(session)
    page = page_of(archivist)
    assert "Mã của cơ quan này không dùng làm tên thư mục được" in page and 'ho-so.csv"' not in page
    for name in ("ngoai/ho-so.csv", "chung/ho-so.csv"):
        refused = archivist.post("/archive/intake/check", {"source": name})
        assert refused.status_code == 422 and NOT_OFFERED in refused.get_data(as_text=True)
    assert records(session) == before
