"""Who may see what: other units get 404, officers get no archive queue, strangers get the login page."""

from __future__ import annotations

import pytest


@pytest.fixture
def closed(make_dossier):
    return make_dossier("closed")


def test_an_officer_of_another_unit_cannot_find_the_dossier(client, closed):
    version_id = closed.links[0].document.versions[0].id
    client.login("officer2")
    assert client.get(f"/dossiers/{closed.id}").status_code == 404
    assert client.get(f"/dossiers/{closed.id}/versions/{version_id}").status_code == 404
    assert client.get(f"/dossiers/{closed.id}/index.pdf").status_code == 404
    page = client.get(f"/dossiers/{closed.id}")
    assert "Không tìm thấy trang" in page.get_data(as_text=True)
    assert client.post(f"/dossiers/{closed.id}/reopen", {"reason": "Bổ sung văn bản"}).status_code == 404
    assert client.post("/transfers/new", {"dossier_id": str(closed.id), "confirm": "yes"}).status_code == 404


def test_the_owner_unit_can_read_it(client, closed):
    client.login("officer1")
    assert client.get(f"/dossiers/{closed.id}").status_code == 200
    assert client.get(f"/dossiers/{closed.id}/index.pdf").status_code == 200


def test_an_officer_cannot_open_an_entry_of_another_unit(client, world):
    entry = world.approved_list(entries=1).entries[0]
    client.login("officer2")
    assert entry.title not in client.get("/").get_data(as_text=True)
    response = client.post(
        f"/dossiers/open/{entry.id}",
        {"title": entry.title, "start_date": "2026-01-05", "rights": "public", "language": "Tiếng Việt"},
    )
    assert response.status_code in (403, 404)


def test_an_officer_has_no_archive_queue(client, make_dossier):
    submitted = make_dossier("submitted")
    client.login("officer1")
    assert client.get("/archive/").status_code == 403
    assert "/archive/" not in client.get("/").get_data(as_text=True)
    assert client.post("/archive/items/1/accept").status_code == 403
    assert client.get(f"/dossiers/{submitted.id}").status_code == 200


def test_the_archivists_home_counts_the_submitted_dossiers_waiting(client, make_dossier):
    make_dossier("submitted")
    make_dossier("submitted")
    make_dossier("closed")
    client.login("archivist")
    assert "Số hồ sơ đã nộp lưu đang chờ tiếp nhận: 2." in client.get("/").get_data(as_text=True)


def test_an_archivist_cannot_file_documents(client, make_dossier):
    dossier = make_dossier("open")
    client.login("archivist")
    page = client.get(f"/dossiers/{dossier.id}")
    assert page.status_code == 200
    assert f'action="/dossiers/{dossier.id}/documents' not in page.get_data(as_text=True)  # no form offered
    assert client.post(f"/dossiers/{dossier.id}/close", {"confirm": "yes"}).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/archive/",
        "/dossiers/ad-hoc",
        "/dossiers/{id}",
        "/dossiers/{id}/index.pdf",
        "/dossiers/{id}/versions/{version}",
    ],
)
def test_anonymous_users_are_sent_to_login(client, closed, url):
    url = url.format(id=closed.id, version=closed.links[0].document.versions[0].id)
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


@pytest.mark.parametrize(
    "url",
    [
        "/dossiers/open/1",
        "/dossiers/{id}/close",
        "/transfers/new",
        "/dossiers/{id}/documents",
        "/archive/items/1/accept",
        "/auth/logout",
    ],
)
def test_anonymous_posts_are_sent_to_login(client, closed, url):
    response = client.post(url.format(id=closed.id), {"confirm": "yes"})  # with a valid CSRF token
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_a_failed_login_says_the_same_for_both_mistakes(client):
    wrong_password = client.login("officer1", "not-the-password")
    unknown_user = client.login("nobody", "not-the-password")
    for response in (wrong_password, unknown_user):
        assert response.status_code == 401
        assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_goes_home_and_shows_name_and_role(client):
    response = client.login("archivist")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    text = client.get("/").get_data(as_text=True)
    assert "Nguyễn Văn archivist" in text and "Người làm lưu trữ" in text and "Đăng xuất" in text


def test_a_post_without_the_csrf_token_is_refused(client, make_dossier):
    dossier = make_dossier("open")
    client.login("officer1")
    response = client.client.post(f"/dossiers/{dossier.id}/close", data={"confirm": "yes"})
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn" in response.get_data(as_text=True)
    assert "Đang lập" in client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert client.client.post("/auth/login", data={"username": "officer1", "password": "x"}).status_code == 400
