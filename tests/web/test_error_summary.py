"""A form sent back with problems starts with a summary that takes the focus (see macros.html ``error_summary``): each
of its links must lead to something on the page, or a keyboard user following it is left where they were."""

from __future__ import annotations

import inspect
import re
from functools import cached_property

import pytest
from erms_browser import REGISTER_FORM, Browser, file_field, make_pdf

from holdings import storage
from tests.factories import supplementary_field
from tests.web.test_hostile_input import (
    CLOCKS,
    DEPLOYMENT_ROUTES,
    HOSTILE,
    MAP_APP,
    ROUTES,
    USER_OF_BLUEPRINT,
    USER_OF_ENDPOINT,
    Route,
    Scene,
    send,
)

SUMMARY = re.compile(r'<div class="form-error" role="alert" tabindex="-1" autofocus>(.*?)</div>', re.S)


def summary_targets(response) -> tuple[list[str], list[str]]:
    """The ids the summary's links name, and those of them that no element of the page carries."""
    page = response.get_data(as_text=True)
    summary = SUMMARY.search(page)
    assert summary, "the page has no summary taking the focus"
    named = re.findall(r'href="#([^"]+)"', summary.group(1))
    return named, [target for target in named if f'id="{target}"' not in page]


def unlabelled_items(response) -> list[str]:
    """The summary's links to a field of the page (its input, list, text box or group of boxes) whose words do not
    start with a label and ": ", as "Trích yếu nội dung: Trường này là bắt buộc." does. A problem of the whole form
    leads to the form and has no field to name."""
    page = response.get_data(as_text=True)
    summary = SUMMARY.search(page)
    assert summary, "the page has no summary taking the focus"
    links = re.findall(r'<a href="#([^"]+)"[^>]*>([^<]*)</a>', summary.group(1))
    return [
        words
        for target, words in links
        if re.search(rf'<(input|select|textarea|fieldset)\b[^>]*\bid="{re.escape(target)}"', page)
        and not re.match(r"\S[^<]*?: \S", words)
    ]


def test_every_link_of_the_registers_summaries_leads_to_its_field(client):
    client.login("registry")
    client.post("/registers/incoming", {**REGISTER_FORM, "file": file_field(make_pdf(), "cv-15.pdf")})
    again = client.post("/registers/incoming", {**REGISTER_FORM, "file": file_field(make_pdf("2"), "cv-15b.pdf")})
    unsent = client.post("/registers/incoming/assign?year=2026", {"series": "regular", "number": "1", "unit_id": ""})
    assert (again.status_code, unsent.status_code) == (422, 422)
    assert summary_targets(again) == (["allow_duplicate"], [])  # "Register it anyway", the one way forward
    assert summary_targets(unsent) == (["assign-target"], [])


# ---------------------------------------------------------------- every form sent back, found by walking the routes


# The hostile-input attack's visitor of each part of the product, except where the administrator is refused before
# any form is read: the archive's storage and intake are the archivist's, a submission is the officer's.
USER_OF_FORM = {**USER_OF_BLUEPRINT, "storage": "archivist", "intake": "archivist", "transfers": "officer1"}
# The deployment's administrator's forms (the attack's, and adding an organisation): "admin" is made one for them.
SYSTEM_FORMS = DEPLOYMENT_ROUTES | {"admin.create_organisation"}


class FormScene(Scene):
    """The hostile-input attack's records, and those of the forms it does not reach (storage, a closed dossier)."""

    own_records = {
        ("storage", "repository_id"): "repository_id",
        ("storage", "box_id"): "box_id",
        ("transfers", "dossier_id"): "closed_dossier_id",
        ("admin", "field_id"): "field_id",
    }

    def record(self, blueprint: str, part: str):
        name = self.own_records.get((blueprint, part))
        return getattr(self, name) if name else super().record(blueprint, part)

    @cached_property
    def repository_id(self) -> int:
        data = {"code": "K1", "name": "Kho"}
        return storage.create_repository(self.session, self.keeper, self.world.org.id, data, now=self.now).id

    @cached_property
    def box_id(self) -> int:
        data = {"repository_id": self.repository_id, "number": "1", "shelf_unit": "1"}
        return storage.create_box(self.session, self.keeper, self.world.org.id, data, now=self.now).id

    @property
    def keeper(self):
        return self.world.actor("archivist")

    @cached_property
    def closed_dossier_id(self) -> int:
        return self.make_dossier("closed").id

    @cached_property
    def field_id(self) -> int:
        return supplementary_field(self.session, self.world.org.id, "dossier", "ma_du_an", "Mã dự án").id


def form_browser(make_app, route: Route) -> Browser:
    """Return a browser on an app with the route's clock, logged in as a user who may send the route's form."""
    clock = CLOCKS.get(route.blueprint)
    client = Browser((make_app(CLOCK=lambda: clock) if clock else make_app()).test_client())
    user = USER_OF_ENDPOINT.get(route.endpoint, USER_OF_FORM.get(route.blueprint, "admin"))
    if user:
        client.login(user)
    return client


def sends_a_form_back(route: Route) -> bool:
    """True if the route's view says how its form comes back with problems (``on_invalid``) or answers 422 itself."""
    view = MAP_APP.view_functions[route.endpoint]
    return route.blueprint != "api" and bool(re.search(r"on_invalid\(|\b422\b", inspect.getsource(view)))


FORM_ROUTES = [route for route in ROUTES if sends_a_form_back(route)]
# The routes among them that the walk's values never bring back with 422, and why (each checked to stay so).
NOT_SENT_BACK = {
    **dict.fromkeys(
        (
            "GET /use/new",
            "GET /dossiers/<int:dossier_id>/documents/<int:document_id>/edit",
            "GET /dossiers/ad-hoc",
            "GET /dossiers/open/<int:entry_id>",
            "GET /markings/documents/<int:document_id>",
        ),
        "the page showing the form: the POST that sends it back is walked on its own",
    ),
    "POST /access/dossiers/<int:dossier_id>": "its problems are said on the page it returns to",
    "POST /use/<int:request_id>/decision": (
        "the walk names no request waiting for a decision (web/test_use_request_pages.py sends it back)"
    ),
    **dict.fromkeys(
        ("POST /admin/recipients/name", "POST /admin/recipients/offered"),
        "an entry is named by its code in the form: the walk's values name none, so it is not found first",
    ),
    "POST /dossier-lists/<int:list_id>/return": "the walk's list is not one its user may send back",
    "POST /dossiers/<int:dossier_id>/documents/<int:document_id>/remove": (
        "its first value is a reason: the document is taken out and not found for the next ones "
        "(web/test_removal_pages.py sends it back)"
    ),
    "POST /transfers/keep-backs/<int:keep_back_id>/decide": "the walk's record is no keep-back waiting for a decision",
}
# The organisation (the list a review returns to) is a value of these forms, not of their URL: the walk's values name
# it only where its id is 1, as on SQLite; on PostgreSQL (sequences run on across tests) it is not found before the
# form is read. A review's first value, a note, records the review; web/test_lists_and_registers.py sends back its
# refusal without one.
SENT_BACK_ON_SQLITE = {"POST /admin/people/<int:user_id>/roles", "POST /dossier-lists/entries/<int:entry_id>/review"}


def sent_back(client: Browser, route: Route, url: str, scene: FormScene):
    """Send the hostile values in every field the views read until the form comes back (422 with a page), else None."""
    for value in HOSTILE:
        try:
            response = send(client, route, url, value)
        finally:
            scene.settle(client)
        if response.status_code == 422 and response.mimetype == "text/html":
            return response
    return None


@pytest.mark.parametrize("route", FORM_ROUTES, ids=str)
def test_every_form_sent_back_starts_with_its_focused_summary_whose_links_lead_on_the_page_naming_their_field(
    route, make_app, world, make_dossier, session, store, now
):
    world.users["admin"].system_admin = route.endpoint in SYSTEM_FORMS
    session.flush()
    scene = FormScene(world, make_dossier, session, store, now)
    url = scene.url(route)
    response = sent_back(form_browser(make_app, route), route, url, scene)
    if str(route) in NOT_SENT_BACK:
        assert response is None, f"{route} now sends its form back: take it out of NOT_SENT_BACK"
        return
    if response is None and str(route) in SENT_BACK_ON_SQLITE:
        return
    assert response is not None, f"{route}: no value sent brings its form back (list it in NOT_SENT_BACK, and why)"
    named, missing = summary_targets(response)
    assert named and missing == [], f"{route}: the summary links to {named}, of which the page lacks {missing}"
    unlabelled = unlabelled_items(response)
    assert unlabelled == [], f"{route}: these problems do not name their field first: {unlabelled}"
