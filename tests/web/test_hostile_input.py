"""No input reaches a 500: every route answers hostile values with a page or a 4xx, never a server error.

Nothing here is listed by hand. The fields are read from the views' source with ``ast`` (every
``request.form.get("x")``, ``request.files.getlist("x")``, the field tuples the views iterate, the
helpers a field name is passed to), and the routes come from ``app.url_map``: a new field or a new
route is attacked as soon as it exists. Each route is visited by a user who may use it, with the
records its URL names made once per route by the shared factories.
"""

from __future__ import annotations

import ast
import html
import io
import re
import tempfile
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from erms_browser import DOCUMENT_FORM, PASSWORD, Browser, file_field, make_pdf, run_background_jobs, stored_files
from sqlalchemy import func, select

import erms.web
from classification import dossier_list as dossier_lists
from erms.app import create_app
from erms.models import DestructionList, Document, DocumentVersion, DossierList, RegisterEntry, TransferItem
from erms.models.register import RegisterKind
from erms.web.common import FILENAME_LENGTH
from exports import handover
from filing import registers, saved_searches
from retention import destruction, holds
from tests.factories import DOCUMENT, upload

WEB = Path(erms.web.__file__).parent
REQUEST_SOURCES = {"form", "args", "values", "files"}
# A field read from a mapping a helper was given (request.args or request.form): sent in both.
GIVEN = "given"
IN_QUERY, IN_FORM = {"args", "values", GIVEN}, {"form", "values", GIVEN}
READS = {"get", "getlist"}

# Sent in turn in every field at once; REPEATED sends every field twice (what getlist sees).
REPEATED = ("1", "²")
HOSTILE = (
    "²",
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "",
    " ",
    "\x00",
    "\r\n",
    "x" * 100_000,
    "<script>alert(1)</script>",
    "'; DROP TABLE users;--",
    "../../etc/passwd",
    "2026-02-30",
    "31/12/99999",
    '{"a":1}',
    REPEATED,
)
# Ids no record can have (the database's INTEGER ends at 2**31 - 1), and path parts no route knows.
HOSTILE_IDS = (0, 2**31, 2**63, 2**64)
HOSTILE_PARTS = ("nope", "%00", "..%2F..%2Fetc")

# Retention pages work on dossiers whose 10-year period has run out: their clock reads 2 March 2037.
LATER = datetime(2037, 3, 2, 3, 0, tzinfo=UTC)
CLOCKS = {"retention": LATER}

# Who uses each part of the product, and the few pages another role uses (None: nobody logged in).
USER_OF_BLUEPRINT = {
    "home": "officer1",
    "dossiers": "officer1",
    "documents": "officer1",  # a document's page and the opinions given on it
    "transfers": "officer1",
    "storage": "archivist",
    "intake": "archivist",
    "search": "officer1",
    "archive": "archivist",
    "handover": "archivist",
    "retention": "archivist",
    "dossier_lists": "registry",
    "registers": "registry",
    "markings": "head",
    "reports": "head",
    "auth": None,
    "static": None,
}
USER_OF_ENDPOINT = {
    "dossier_lists.approve": "head",
    "dossier_lists.review": "unithead",
    "registers.mark_handled": "officer1",
    "registers.undo_handled": "officer1",
    "retention.opinion": "council1",
    "retention.approve": "head",
    "auth.logout": "officer1",
}
# The record each URL part names, by blueprint and part (a Scene property); anything else gets 1.
RECORD_OF = {
    ("dossiers", "dossier_id"): "open_dossier_id",
    ("dossiers", "document_id"): "document_id",
    ("dossiers", "version_id"): "version_id",
    ("documents", "dossier_id"): "open_dossier_id",
    ("documents", "document_id"): "document_id",
    ("dossiers", "entry_id"): "list_entry_id",
    ("markings", "document_id"): "document_id",
    ("dossier_lists", "list_id"): "draft_list_id",
    ("dossier_lists", "entry_id"): "ad_hoc_entry_id",
    ("registers", "entry_id"): "register_entry_id",
    ("registers", "kind"): "register_kind",
    ("reports", "report"): "report_name",
    ("reports", "figure"): "report_figure",
    ("archive", "item_id"): "transfer_item_id",
    ("retention", "dossier_id"): "archived_dossier_id",
    ("retention", "hold_id"): "hold_id",
    ("retention", "list_id"): "destruction_list_id",
    ("handover", "batch_id"): "batch_id",
    ("search", "saved_id"): "saved_search_id",
    ("static", "filename"): "stylesheet",
    # The administration's records by their ids, which are not 1 on PostgreSQL (its sequences run on across tests).
    ("admin", "organisation_id"): "organisation_id",
    ("admin", "unit_id"): "unit_id",
    ("admin", "user_id"): "officer_id",
}


# ---------------------------------------------------------------- the fields the views read


@dataclass(frozen=True)
class Field:
    """A request field a view reads: its name, and where from (a REQUEST_SOURCES name, or GIVEN)."""

    name: str
    source: str


def _source(node: ast.AST) -> str | None:
    """Return "form", "args", "values" or "files" for ``request.<that>``, else None."""
    if (
        isinstance(node, ast.Attribute)
        and node.attr in REQUEST_SOURCES
        and isinstance(node.value, ast.Name)
        and node.value.id == "request"
    ):
        return node.attr
    return None


def _loop_variable(target: ast.AST) -> str | None:
    """Return the variable a loop binds to its items (the first of ``for name, value in mapping.items()``)."""
    if isinstance(target, ast.Tuple) and target.elts:
        target = target.elts[0]
    return target.id if isinstance(target, ast.Name) else None


class FieldCollector:
    """Read the field names out of the views' source.

    A key is a string constant, a loop variable over a tuple of them (resolved through any
    assignment of that name in erms/web), or a parameter of the function reading it: then every
    string passed to that function (or its default) is a field too, followed through helpers.
    """

    def __init__(self, trees: list[ast.Module]) -> None:
        self.trees = trees
        self.constants: dict[str, set[str]] = {}
        self.key_parameters: dict[str, set[tuple[int, str, str]]] = {}  # function → (index, name, source)
        self.calls: list[tuple[ast.Call, list[ast.FunctionDef]]] = []  # every call, with its enclosing functions
        self.fields: set[Field] = set()

    def collect(self) -> set[Field]:
        for tree in self.trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    self.constants.setdefault(node.targets[0].id, set()).update(self.strings(node.value))
        for tree in self.trees:
            self.visit(tree, [], {})
        while self.follow_helpers():
            pass
        return self.fields

    def strings(self, node: ast.AST) -> set[str]:
        """Return the strings a tuple/list/set literal (or a name bound to one, or a filter of one) holds."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return set().union(*(self.strings(element) for element in node.elts))
        if isinstance(node, ast.Dict):
            return set().union(*(self.strings(key) for key in node.keys if key is not None))
        if isinstance(node, ast.Starred):
            return self.strings(node.value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("items", "keys"):
            return self.strings(node.func.value)
        if isinstance(node, ast.Name):
            return self.constants.get(node.id, set())
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.GeneratorExp):
            return self.strings(node.args[0].generators[0].iter)
        return set()

    def visit(self, node: ast.AST, functions: list[ast.FunctionDef], loops: dict[str, ast.AST]) -> None:
        """Walk the tree, knowing the enclosing functions and the loop variables in scope."""
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions = [*functions, node]
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.For)):
            generators = [node] if isinstance(node, ast.For) else node.generators
            loops = {
                **loops,
                **{name: generator.iter for generator in generators if (name := _loop_variable(generator.target))},
            }
        if isinstance(node, ast.Call):
            self.calls.append((node, functions))
        read = self.read(node, functions)
        if read is not None:
            key, source = read
            self.key(key, source, functions, loops)
        for child in ast.iter_child_nodes(node):
            self.visit(child, functions, loops)

    @staticmethod
    def read(node: ast.AST, functions: list[ast.FunctionDef]) -> tuple[ast.AST, str] | None:
        """Return (key, source) if ``node`` reads a request field or a mapping the function was given."""
        parameters = {argument.arg for function in functions for argument in function.args.args}
        if isinstance(node, ast.Subscript) and _source(node.value):
            return node.slice, _source(node.value)
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in READS
            and node.args
        ):
            return None
        receiver = node.func.value
        if _source(receiver):
            return node.args[0], _source(receiver)
        if isinstance(receiver, ast.Name) and receiver.id in parameters:
            return node.args[0], GIVEN
        return None

    def key(self, key: ast.AST, source: str, functions: list[ast.FunctionDef], loops: dict[str, ast.AST]) -> None:
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            self.fields.add(Field(key.value, source))
        elif isinstance(key, ast.Name) and key.id in loops:
            self.fields.update(Field(name, source) for name in self.strings(loops[key.id]))
        elif isinstance(key, ast.Name) and functions:
            self.parameter(functions[-1], key.id, source)

    def parameter(self, function: ast.FunctionDef, name: str, source: str) -> None:
        """Record that ``function`` reads the field named by its parameter ``name``; its default is a field."""
        names = [argument.arg for argument in function.args.args]
        if name not in names:
            return
        index = names.index(name)
        self.key_parameters.setdefault(function.name, set()).add((index, name, source))
        defaults = function.args.defaults
        offset = index - (len(names) - len(defaults))
        if offset >= 0:
            self.key(defaults[offset], source, [], {})

    def follow_helpers(self) -> bool:
        """Add the strings passed to the helpers that read a field by parameter; True if anything was new."""
        before = (len(self.fields), sum(map(len, self.key_parameters.values())))
        for call, functions in self.calls:
            called = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", None)
            for index, name, source in self.key_parameters.get(called, set()).copy():
                argument = self.argument(call, index, name)
                if argument is not None:
                    self.key(argument, source, functions, {})
        return before != (len(self.fields), sum(map(len, self.key_parameters.values())))

    @staticmethod
    def argument(call: ast.Call, index: int, name: str) -> ast.AST | None:
        if index < len(call.args):
            return call.args[index]
        return next((keyword.value for keyword in call.keywords if keyword.arg == name), None)


def view_fields() -> set[Field]:
    sources = [*sorted(WEB.glob("*.py")), WEB.parent / "auth.py", WEB.parent / "app.py"]
    trees = [ast.parse(path.read_text(encoding="utf-8")) for path in sources]
    return FieldCollector(trees).collect()


FIELDS = view_fields()


# ---------------------------------------------------------------- the routes

PART = re.compile(r"<(?:(\w+):)?(\w+)>")  # a rule's variable part: <converter:name> or <name>


@dataclass(frozen=True)
class Route:
    """One rule of the URL map and one method it answers."""

    endpoint: str
    rule: str
    method: str

    @property
    def blueprint(self) -> str:
        return self.endpoint.partition(".")[0]

    def parts(self) -> dict[str, str]:
        """Return the rule's variable parts and their converters ("int", "default", "path")."""
        return {name: converter or "default" for converter, name in PART.findall(self.rule)}

    def url(self, values: dict) -> str:
        return PART.sub(lambda found: str(values[found.group(2)]), self.rule)

    def __str__(self) -> str:
        return f"{self.method} {self.rule}"


def _map_app():
    """Return an app made only to read its URL map and its views (its data directory is gone once it is made)."""
    with tempfile.TemporaryDirectory(prefix="erms-routes-") as data_dir:
        return create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "routes",
                "DATA_DIR": data_dir,
                "DATABASE_URL": f"sqlite:///{data_dir}/routes.sqlite3",
            }
        )


MAP_APP = _map_app()
# Every rule and method the app answers.
ROUTES = sorted(
    (
        Route(rule.endpoint, rule.rule, method)
        for rule in MAP_APP.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    ),
    key=str,
)


class Scene:
    """The records the routes name, each made the first time a route needs it."""

    register_kind = RegisterKind.INCOMING.value
    # The list behind a number of the document flow: the one that reads the most filters (period, register, month).
    report_name, report_figure = "flow", "registered"
    stylesheet = "erms.css"

    def __init__(self, world, make_dossier, session, store, now) -> None:
        self.world, self.make_dossier, self.session, self.store, self.now = world, make_dossier, session, store, now

    def approved_list(self) -> DossierList:
        return self.session.scalar(select(DossierList).where(DossierList.year == 2026)) or self.world.approved_list()

    @cached_property
    def open_dossier(self):
        return self.make_dossier("open")

    @cached_property
    def open_dossier_id(self) -> int:
        return self.open_dossier.id

    @cached_property
    def document_id(self) -> int:
        return self.open_dossier.links[0].document_id

    @cached_property
    def version_id(self) -> int:
        return self.open_dossier.links[0].document.versions[0].id

    @cached_property
    def list_entry_id(self) -> int:
        return self.approved_list().entries[0].id

    @cached_property
    def draft_list_id(self) -> int:
        registry, now = self.world.actor("registry"), self.now
        draft = dossier_lists.create_list(self.session, registry, self.world.org.id, 2027, now=now)
        heading = dossier_lists.add_heading(
            self.session, registry, draft.id, "I", "Tổng hợp", abbreviation="TH", now=now
        )
        dossier_lists.add_entry(
            self.session,
            registry,
            draft.id,
            title="Hồ sơ kế hoạch năm 2027",
            unit_id=self.world.unit_a.id,
            retention_row_id=self.world.rows["10y"].id,
            heading_id=heading.id,
            now=now,
        )
        return draft.id

    @cached_property
    def ad_hoc_entry_id(self) -> int:
        return dossier_lists.add_ad_hoc_entry(
            self.session,
            self.world.actor("officer1"),
            self.approved_list().id,
            title="Hồ sơ phát sinh về tiếp dân",
            retention_row_id=self.world.rows["10y"].id,
            now=self.now,
        ).id

    @cached_property
    def register_entry_id(self) -> int:
        registry, organisation_id = self.world.actor("registry"), self.world.org.id
        entry = registers.register_document(
            self.session,
            registry,
            organisation_id,
            RegisterKind.INCOMING,
            DOCUMENT,
            upload(),
            store=self.store,
            now=self.now,
        )
        registers.assign_unit(
            self.session,
            registry,
            organisation_id,
            entry.year,
            entry.series,
            entry.number,
            self.world.unit_a.id,
            now=self.now,
        )
        return entry.id

    @cached_property
    def transfer_item_id(self) -> int:
        dossier = self.make_dossier("submitted")
        return self.session.scalar(select(TransferItem.id).where(TransferItem.dossier_id == dossier.id))

    @cached_property
    def archived_dossier_id(self) -> int:
        return self.make_dossier("archived").id

    @cached_property
    def hold_id(self) -> int:
        return holds.place_hold(
            self.session,
            self.world.actor("archivist"),
            self.archived_dossier_id,
            "legal",
            "Thanh tra năm 2037",
            now=LATER,
        ).id

    @cached_property
    def destruction_list_id(self) -> int:
        return destruction.propose(
            self.session,
            self.world.actor("archivist"),
            self.world.org.id,
            [self.archived_dossier_id],
            "Danh mục hủy 2037",
            "Hết thời hạn bảo quản",
            now=LATER,
        ).id

    @cached_property
    def batch_id(self) -> int:
        dossier = self.make_dossier("archived", row="permanent")
        return handover.create_batch(
            self.session, self.world.actor("archivist"), self.world.org.code, 2031, [dossier.id], now=self.now
        ).id

    @cached_property
    def saved_search_id(self) -> int:
        return saved_searches.save(self.session, self.world.actor("officer1"), "Đất đai", "q=dat+dai", now=self.now).id

    def url(self, route: Route) -> str:
        """Return the route's URL naming the scene's records (made now, before any request)."""
        return route.url({name: self.record(route.blueprint, name) for name in route.parts()})

    @property
    def organisation_id(self) -> int:
        return self.world.org.id

    @property
    def unit_id(self) -> int:
        return self.world.unit_a.id

    @property
    def officer_id(self) -> int:
        return self.world.users["officer1"].id

    def record(self, blueprint: str, part: str):
        """Return the value of a URL part: the record RECORD_OF names, else 1."""
        name = RECORD_OF.get((blueprint, part))
        return getattr(self, name) if name else 1

    @staticmethod
    def settle(client: Browser) -> None:
        """Run the background work a request may have queued (a package build), as the worker would."""
        run_background_jobs(client.client.application)


@pytest.fixture(scope="module")
def password_hash() -> str:
    """A cheap argon2 hash of the test password: this module logs in once per route, not once per file."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


def user_of(route: Route) -> str | None:
    return USER_OF_ENDPOINT.get(route.endpoint, USER_OF_BLUEPRINT.get(route.blueprint, "admin"))


def browser(make_app, route: Route) -> Browser:
    """Return a browser on an app with the route's clock, logged in as a user who may use the route."""
    clock = CLOCKS.get(route.blueprint)
    client = Browser((make_app(CLOCK=lambda: clock) if clock else make_app()).test_client())
    if user_of(route):
        client.login(user_of(route))
    return client


# ---------------------------------------------------------------- the attack


def _text(value) -> str | list[str]:
    return list(value) if isinstance(value, tuple) else value


def _files(value) -> tuple | list[tuple]:
    """Return the value as a file named and filled with it (two files for REPEATED)."""
    if isinstance(value, tuple):
        return [(io.BytesIO(text.encode()), text) for text in value]
    return io.BytesIO(value.encode()), value


def send(client: Browser, route: Route, url: str, value):
    """Send ``value`` in every field the views read, where they read it: the query, the form, the files."""
    query = {field.name: _text(value) for field in FIELDS if field.source in IN_QUERY}
    if route.method == "GET":
        return client.get(url, query_string=query)
    form = {field.name: _text(value) for field in FIELDS if field.source in IN_FORM}
    files = {field.name: _files(value) for field in FIELDS if field.source == "files"}
    return client.post(url, {**form, **files}, query_string=query, content_type="multipart/form-data")


def shown(value) -> str:
    text = repr(value)
    return text if len(text) < 40 else text[:30] + f"… ({len(value)} chars)"


def attack(client: Browser, route: Route, url: str, scene: Scene) -> dict[str, list[str]]:
    """Send every hostile value; return each server error (status, or exception and where) with its values."""
    failures: dict[str, list[str]] = {}
    for value in HOSTILE:
        try:
            status = send(client, route, url, value).status_code
            problem = f"HTTP {status}" if status >= 500 else None
        except Exception as error:  # the app propagates exceptions in testing: each one is a 500 in production
            frames = traceback.extract_tb(error.__traceback__)
            ours = [frame for frame in frames if "/site-packages/" not in frame.filename] or frames
            problem = f"{type(error).__name__}: {str(error)[:200]} at " + " ← ".join(
                f"{Path(frame.filename).name}:{frame.lineno} {frame.name}" for frame in reversed(ours[-3:])
            )
        finally:
            scene.settle(client)
        if problem:
            failures.setdefault(problem, []).append(shown(value))
    return failures


# Routes only the deployment's administrator uses: attacked as one ("admin" made so for the test), not refused.
DEPLOYMENT_ROUTES = {
    f"admin.{name}" for name in ("add_recipient", "import_recipients", "rename_recipient", "offer_recipient")
}


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_no_hostile_value_in_any_field_gives_a_server_error(route, make_app, world, make_dossier, session, store, now):
    world.users["admin"].system_admin = route.endpoint in DEPLOYMENT_ROUTES
    session.flush()
    scene = Scene(world, make_dossier, session, store, now)
    url = scene.url(route)
    failures = attack(browser(make_app, route), route, url, scene)
    assert not failures, f"{route.method} {url}:\n" + "\n".join(
        f"  {problem}\n    for {', '.join(values)}" for problem, values in failures.items()
    )


def test_the_fields_are_found_in_the_views():
    """The collector sees the fields read directly, through tuples and through helpers (else it attacks nothing)."""
    names = {field.name for field in FIELDS}
    assert {
        "subject",
        "page_amount",
        "start_date",
        "document_id",
        "dossier_id",
        "list_id",
        "unit_id",
        "retention_row_id",
        "year",
        "series",
        "handled_on",
        "date_from",
        "page",
        "col",
        "q",
        "next",
        "lang",
        "start",
        "end",
    } <= names
    assert {field.name for field in FIELDS if field.source == "files"} >= {"file", "files", "attachment", "receipt"}


def test_hostile_url_parts_name_nothing(make_app):
    """Ids no record can have and path parts no route knows match no route, for every route that has them.

    The answer is 404, or 405 where the same path has a rule for another method (Werkzeug checks the
    method before it converts the id).
    """
    clients: dict[str | None, Browser] = {}
    answers = {}
    for route in (route for route in ROUTES if route.parts()):
        client = clients.get(user_of(route)) or clients.setdefault(user_of(route), browser(make_app, route))
        for name, converter in route.parts().items():
            for hostile in HOSTILE_IDS if converter == "int" else HOSTILE_PARTS:
                url = route.url({part: hostile if part == name else 1 for part in route.parts()})
                response = client.get(url) if route.method == "GET" else client.post(url)
                answers[f"{route.method} {url}"] = response.status_code
    assert {url: status for url, status in answers.items() if status not in (404, 405)} == {}


# ---------------------------------------------------------------- each hole the probe found, as a user meets it


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def field_error(response, field_id: str) -> str:
    """Return the message shown beside the field with id ``field_id``."""
    found = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', page_text(response), re.S)
    return found.group(1) if found else ""


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_superscript_digit_is_not_a_number(client, world):
    client.login("officer1")
    response = client.get("/search/?year=²")
    assert response.status_code == 400
    assert "Năm: Nhập một số nguyên." in page_text(response)


@pytest.mark.parametrize("dossier_id", [2**31, 2**63, 10**20])
def test_an_id_no_record_can_have_is_a_page_not_found(client, world, dossier_id):
    client.login("officer1")
    response = client.get(f"/dossiers/{dossier_id}")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in page_text(response)


def test_an_id_beyond_the_database_in_a_form_is_refused_beside_its_field(
    client, world, make_dossier, session, store, now
):
    scene = Scene(world, make_dossier, session, store, now)
    assert scene.register_entry_id  # a registered document sent to the officer's unit: the picker shows
    client.login("officer1")
    response = client.post(f"/dossiers/{scene.open_dossier_id}/link", {"document_id": str(10**20)})
    assert response.status_code == 422
    assert "Trường này là bắt buộc." in field_error(response, "link-document_id")


def test_the_language_switch_survives_a_query_naming_a_path_part(client, make_dossier):
    dossier = make_dossier("open")
    client.login("officer1")
    response = client.get(f"/dossiers/{dossier.id}?dossier_id=1&lang=vi")
    assert response.status_code == 200
    assert f'href="/dossiers/{dossier.id}?lang=en' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("quyết\x00định.pdf", "Tên tệp có ký tự điều khiển. Hãy đổi tên tệp rồi chọn lại."),
        ("\u202efdp.exe", "Tên tệp có ký tự điều khiển. Hãy đổi tên tệp rồi chọn lại."),
        ("../", "Tệp không có tên. Hãy chọn lại tệp."),
        ("/", "Tệp không có tên. Hãy chọn lại tệp."),
    ],
    ids=["nul", "direction-override", "parent-folder", "root"],
)
def test_a_file_name_that_names_no_file_is_refused_beside_the_file_field(
    client, session, make_dossier, store, name, message
):
    dossier = make_dossier("open", documents=0)
    client.login("officer1")
    before = count(session, Document)
    response = client.post(f"/dossiers/{dossier.id}/documents", {**DOCUMENT_FORM, "file": file_field(make_pdf(), name)})
    assert response.status_code == 422
    assert field_error(response, "doc-file") == message
    assert count(session, Document) == before
    assert stored_files(store) == []


def test_a_long_file_name_is_shortened_keeping_its_extension(client, session, make_dossier):
    dossier = make_dossier("open", documents=0)
    client.login("officer1")
    name = "Biên bản họp giao ban " * 20 + ".pdf"
    response = client.post(f"/dossiers/{dossier.id}/documents", {**DOCUMENT_FORM, "file": file_field(make_pdf(), name)})
    assert response.status_code == 302
    stored = session.scalars(select(DocumentVersion.filename)).all()
    assert len(stored) == 1 and len(stored[0]) <= FILENAME_LENGTH
    assert stored[0].startswith("Biên bản họp giao ban") and stored[0].endswith(".pdf")


def test_a_retention_period_of_a_hundred_thousand_years_is_refused_in_words(client, session, make_dossier):
    dossier = make_dossier("archived")
    client.login("archivist")
    response = client.post(f"/retention/dossiers/{dossier.id}/period", {"years": "99999", "reason": "Thanh tra"})
    assert response.status_code == 302
    shown = page_text(client.get(response.headers["Location"]))
    assert "Thời hạn bảo quản tối đa là 100 năm" in shown
    session.refresh(dossier)
    assert dossier.retention_years == 10


def test_a_decision_on_no_dossier_is_refused_in_words(client, world):
    client.login("archivist")
    response = client.post("/retention/due/keep", {"years": "20", "reason": ""})
    assert response.status_code == 422
    assert "Hãy chọn ít nhất một hồ sơ." in page_text(response)


def test_a_control_character_in_a_document_identifier_is_refused_beside_it(client, session, world):
    client.login("registry")
    before = count(session, RegisterEntry)
    form = {key: value for key, value in DOCUMENT_FORM.items() if key not in ("direction", "status")}
    response = client.post(
        "/registers/incoming", {**form, "document_code": "000.00\x0b00", "file": file_field(make_pdf(), "cv-15.pdf")}
    )
    assert response.status_code == 422
    assert field_error(response, "reg-document_code") == "Có ký tự điều khiển không được phép."
    assert count(session, RegisterEntry) == before


def test_a_control_character_in_a_destruction_list_title_is_refused_beside_it(make_app, session, make_dossier):
    dossier = make_dossier("archived")
    client = Browser(make_app(CLOCK=lambda: LATER).test_client())
    client.login("archivist")
    response = client.post(
        "/retention/due/propose",
        {"dossier_id": str(dossier.id), "title": "Danh mục\x00hủy", "explanation": "Hết thời hạn bảo quản"},
    )
    assert response.status_code == 422
    assert field_error(response, "propose-title") == "Có ký tự điều khiển không được phép."
    assert count(session, DestructionList) == 0


def test_raw_bytes_in_a_query_string_are_read_as_a_browser_would_have_sent_them(client, world):
    client.login("officer1")
    raw = "q=" + "hồ sơ".encode().decode("latin-1") + "&unit=\xff"  # WSGI hands raw bytes over as Latin-1
    response = client.client.get("/search/", environ_overrides={"QUERY_STRING": raw})
    assert response.status_code == 200
    assert 'value="hồ sơ"' in page_text(response)
