"""The access matrix: who may use each route of the web app, on whose records — one declared table.

``tests/web/test_access_matrix.py`` walks ``app.url_map`` and asks every route, as every role and as
an anonymous visitor, about a record of the actor's own unit, of another unit of the same
organisation and of another organisation; each answer must be the one this table gives. A route
without a row fails the suite.

The rules come from ``erms/permissions.py`` (RULES, ORGANISATION_WIDE), the README's roles and the
services each view calls; where the product did something a records archivist would not accept, the
table says what is right (the test then fails until the product is fixed). How a refusal looks:

- a record the actor may not see answers 404, exactly as a record that does not exist: another
  unit's dossier for an officer, anything of another organisation for everybody;
- an action the role lacks, on a record it may see or on a page of its organisation, answers 403;
- an area closed to a role as a whole (the archive queue, hand-over, appraisal and destruction)
  answers 403 whatever the id, existing or not: that answer says nothing about any record;
- an anonymous visitor is sent to the login page (302 to /auth/login) from every protected route.

"Allowed" means the access check passed: any answer but 401, 403, 404, a redirect to the login page
or a server error (a 200, a redirect after success, a 422 for an incomplete form, a redirect with a
refused rule's message all count).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# ---------------------------------------------------------------- who

ADMIN, HEAD, REGISTRY, OFFICER, UNIT_HEAD, ARCHIVIST, COUNCIL = (
    "admin",
    "head",
    "registry",
    "officer",
    "unit_head",
    "archivist",
    "council",
)
ROLES = (ADMIN, HEAD, REGISTRY, OFFICER, UNIT_HEAD, ARCHIVIST, COUNCIL)
ANONYMOUS = None

# ---------------------------------------------------------------- relations between the actor and the record

OWN = "own unit"  # a record of the actor's unit (for organisation-wide roles: a unit of their organisation)
OTHER = "other unit"  # a record of another unit of the actor's organisation
ABROAD = "other organisation"  # a record of another organisation
ORG = "own organisation"  # a page with no record in its URL, or a record that belongs to the organisation only

# Scopes a role holds a right or sees a record on.
UNIT = "unit"  # the actor's own unit only (officers, unit heads), or their own record (saved searches)
WHOLE_ORG = "org"  # every unit of the actor's organisation
ANY = "any"  # whatever the relation: the record the URL names is always one the actor sees (see "link")

COVERS = {
    UNIT: {OWN, ORG},
    WHOLE_ORG: {OWN, OTHER, ORG},
    ANY: {OWN, OTHER, ORG, ABROAD},
}

# ---------------------------------------------------------------- answers

ALLOWED, FORBIDDEN, NOT_FOUND, LOGIN, UNAUTHORIZED = "allowed", "403", "404", "login", "401"

# ---------------------------------------------------------------- rights (from erms/permissions.py RULES)

EVERYONE = {role: WHOLE_ORG for role in ROLES}
ORGANISATION_WIDE = (ARCHIVIST, HEAD, ADMIN, REGISTRY)
# dossier.read: officers and unit heads for their unit; the organisation-wide roles and the council
# (an organisation-wide grant) for every unit of their organisation.
DOSSIER_READERS = {
    OFFICER: UNIT,
    UNIT_HEAD: UNIT,
    COUNCIL: WHOLE_ORG,
    **{role: WHOLE_ORG for role in ORGANISATION_WIDE},
}
# dossier.open / dossier.edit / dossier.submit: the people who form the dossiers of their unit.
DOSSIER_FORMERS = {OFFICER: UNIT, UNIT_HEAD: UNIT}
LIST_MANAGERS = {REGISTRY: WHOLE_ORG, ADMIN: WHOLE_ORG}  # dossier_list.manage
REGISTER_READERS = {role: WHOLE_ORG for role in (REGISTRY, HEAD, ADMIN, ARCHIVIST)}  # register.read
REGISTRY_ONLY = {REGISTRY: WHOLE_ORG}  # register.write
ARCHIVIST_ONLY = {ARCHIVIST: WHOLE_ORG}  # dossier.accept, handover.manage, retention.appraise
HEAD_ONLY = {HEAD: WHOLE_ORG}  # dossier_list.approve, destruction.approve
COUNCIL_ONLY = {COUNCIL: WHOLE_ORG}  # destruction.opinion
LIST_WITHDRAWERS = {ARCHIVIST: WHOLE_ORG, HEAD: WHOLE_ORG}  # retention.appraise or destruction.approve
HOLDERS = {ARCHIVIST: WHOLE_ORG, HEAD: WHOLE_ORG}  # retention.hold
SECURITY_READERS = {ADMIN: WHOLE_ORG, ARCHIVIST: WHOLE_ORG}  # security.read
AUDIT_READERS = {ADMIN: WHOLE_ORG, ARCHIVIST: WHOLE_ORG, HEAD: WHOLE_ORG}  # audit.read (organisation-wide grants)
# report.read: a unit head for their unit (a report asked without a unit is theirs), the head and the archivist for
# the organisation; a unit head asking for another unit's figures is refused (tests/web/test_reports_pages.py).
REPORT_READERS = {UNIT_HEAD: UNIT, HEAD: WHOLE_ORG, ARCHIVIST: WHOLE_ORG}
# Everyone who takes part in appraisal and destruction (erms/permissions.py DESTRUCTION_CHAIN).
DESTRUCTION_CHAIN = {ARCHIVIST: WHOLE_ORG, COUNCIL: WHOLE_ORG, HEAD: WHOLE_ORG}
MINE = {role: UNIT for role in ROLES}  # a person's own saved searches
# A person's own API tokens; the organisation's administrator sees and revokes anyone's of it (erms.api_tokens).
TOKEN_KEEPERS = {**MINE, ADMIN: WHOLE_ORG}
ADMIN_ONLY = {ADMIN: WHOLE_ORG}  # user.manage: the organisation's units and people
ACCESS_PROPOSERS = {OFFICER: UNIT, UNIT_HEAD: UNIT, HEAD: WHOLE_ORG, ADMIN: WHOLE_ORG}  # access.propose
ACCESS_CONFIRMERS = {UNIT_HEAD: UNIT, HEAD: WHOLE_ORG}  # access.confirm (never the proposer: an officer here)
# transfer.read: the unit's people, and the registry and the archivist who check it jointly, and the head.
TRANSFER_READERS = {OFFICER: UNIT, UNIT_HEAD: UNIT, REGISTRY: WHOLE_ORG, ARCHIVIST: WHOLE_ORG, HEAD: WHOLE_ORG}
TRANSFER_SIGNERS = {REGISTRY: WHOLE_ORG, ARCHIVIST: WHOLE_ORG}  # transfer.check and dossier.accept

# use.register: those who keep the register of requests to use records (and read every request of it).
USE_KEEPERS = {HEAD: WHOLE_ORG, ARCHIVIST: WHOLE_ORG, REGISTRY: WHOLE_ORG}
# A request to use records is read by the person it names (their own: "other unit" is another person's) and the
# register's keepers.
USE_READERS = {**MINE, **USE_KEEPERS}

# Areas closed as a whole to every other role: the blueprint refuses before looking at any id.
ARCHIVE_AREA = frozenset({ARCHIVIST})  # the archive queue and the hand-over pages
CHAIN_AREA = frozenset(DESTRUCTION_CHAIN)
ADMIN_AREA = frozenset({ADMIN})  # the administration pages

# ---------------------------------------------------------------- who sees which kind of record

SEES = {
    "dossier": DOSSIER_READERS,
    "document": DOSSIER_READERS,
    "version": DOSSIER_READERS,
    "hold": DOSSIER_READERS,  # shown in the retention panel of the dossier page
    "dossier_list": EVERYONE,  # the organisation's plan: every member reads it
    "entry": EVERYONE,
    # The register: the registry and the organisation's readers; a unit sees what was sent to it.
    "register_entry": {**REGISTER_READERS, OFFICER: UNIT, UNIT_HEAD: UNIT},
    "transfer_item": ARCHIVIST_ONLY,
    "transfer": TRANSFER_READERS,
    "keep_back": DOSSIER_READERS,  # decided on its dossier's page
    "batch": ARCHIVIST_ONLY,
    "destruction_list": DESTRUCTION_CHAIN,
    "saved_search": MINE,
    "api_token": TOKEN_KEEPERS,  # "other unit": another person's token of the same organisation
    "upload": MINE,  # an API upload session: "other unit" is another person's of the same organisation
    "repository": ARCHIVIST_ONLY,  # the archive's storage (storage.manage)
    "box": ARCHIVIST_ONLY,
    "job": MINE,  # a background job queued by a person: "other unit" is another person's of the same organisation
    "intake_run": ARCHIVIST_ONLY,  # an arrangement's run, whose catalogue the archivist prints
    "use_request": USE_READERS,
    "use_item": USE_READERS,  # a dossier of a request, lent and taken back on the request's page
    "removal": DOSSIER_READERS,  # a document taken out of a dossier: its readers are refused, others find nothing
    "access_change": DOSSIER_READERS,  # a change proposed on a dossier is seen on that dossier's page
    "access_rule": DOSSIER_READERS,  # a rule is seen through the dossiers it changes
    "organisation": ADMIN_ONLY,
    "unit": ADMIN_ONLY,
    "lookup": ADMIN_ONLY,  # a value offered in the organisation's forms
    "supplementary_field": ADMIN_ONLY,  # a field the organisation adds to its records' metadata (PL6 III.7.c)
    "person": ADMIN_ONLY,  # a person with roles in the organisation, seen on its administration pages
    # "Link a registered document" names the actor's own open dossier in its URL for every relation
    # (the relation is the registered document's): those who see that dossier but may not file into
    # it are refused with 403; those who may file get 404 for a document they may not read.
    "registered_document": {OFFICER: UNIT, UNIT_HEAD: UNIT, COUNCIL: ANY, **{role: ANY for role in ORGANISATION_WIDE}},
}
# Records that belong to the organisation, not to a unit: "own unit" and "other unit" are one relation.
ORGANISATION_RECORDS = {
    "dossier_list",
    "batch",
    "destruction_list",
    "organisation",
    "unit",
    "person",
    "lookup",
    "supplementary_field",
    "repository",
    "box",
    "intake_run",
}


@dataclass(frozen=True)
class Row:
    """One route and method: who may use it, on which record, and how it refuses.

    ``record`` names the record the URL points at as ``kind:variant`` (the variant picks the state
    the world prepares it in, e.g. an open or a closed dossier); None for a page without one.
    ``area`` closes the route to every role outside it with 403. ``refusal`` replaces the
    visibility rule for every refused role (a route that hides even what the role could see).
    ``anonymous`` is what a visitor who is not logged in gets.
    """

    endpoint: str
    method: str
    allow: dict[str, str]
    record: str | None = None
    area: frozenset[str] | None = None
    refusal: str | None = None
    anonymous: str = LOGIN
    why: str = field(default="", compare=False)

    @property
    def kind(self) -> str | None:
        return self.record.partition(":")[0] if self.record else None

    def relations(self) -> tuple[str, ...]:
        """Return the relations this row is tried on."""
        if self.record is None:
            return (ORG,)
        if self.kind in ORGANISATION_RECORDS:
            return (ORG, ABROAD)
        return (OWN, OTHER, ABROAD)


def expected(row: Row, role: str | None, relation: str) -> str:
    """Return the answer the table gives to ``role`` (None: anonymous) for a record in ``relation``."""
    if role is ANONYMOUS:
        return row.anonymous
    if row.area is not None and role not in row.area:
        return FORBIDDEN
    if relation in COVERS.get(row.allow.get(role, ""), ()):
        return ALLOWED
    if row.refusal is not None:
        return row.refusal
    if relation == ORG or relation in COVERS.get(SEES[row.kind].get(role, ""), ()):
        return FORBIDDEN
    return NOT_FOUND


# ---------------------------------------------------------------- the table

ROWS = [
    Row("home.index", "GET", EVERYONE),
    # Login and logout: the login page is public; a logged-in user is sent home, a wrong password is 401.
    Row("auth.login", "GET", EVERYONE, anonymous=ALLOWED),
    Row("auth.login", "POST", EVERYONE, anonymous=UNAUTHORIZED),
    Row("auth.logout", "POST", EVERYONE),
    # The addresses people type: /login leads to the login page for everyone; /logout shows the log-out button to
    # whoever is logged in (a GET never logs out) and sends a visitor to the login page.
    Row("typed.login", "GET", EVERYONE, anonymous=ALLOWED),
    Row("typed.logout", "GET", EVERYONE),
    # ------------------------------------------------------------ the archive queue (archivists)
    Row("archive.index", "GET", ARCHIVIST_ONLY, area=ARCHIVE_AREA),
    Row("archive.accept", "POST", ARCHIVIST_ONLY, "transfer_item", area=ARCHIVE_AREA),
    Row("archive.reject", "POST", ARCHIVIST_ONLY, "transfer_item", area=ARCHIVE_AREA),
    # Accepting a scan's TT 02/2019 warning (filing.scan_checks): dossier.accept on the document's organisation; a
    # version without a warning is answered with a refused rule's message, so "allowed" for the archivist.
    Row("archive.accept_scan", "POST", ARCHIVIST_ONLY, "version", area=ARCHIVE_AREA),
    # The legacy import (records.import): the archivist's, a closed area as the queue.
    # ------------------------------------------------------------ using archived records (issue 28)
    Row("use_requests.index", "GET", EVERYONE),
    Row("use_requests.new", "GET", EVERYONE),
    Row("use_requests.new", "POST", EVERYONE),
    Row("use_requests.register", "GET", USE_KEEPERS),
    Row("use_requests.show", "GET", USE_READERS, "use_request:requested"),
    Row("use_requests.decide", "POST", HEAD_ONLY, "use_request:requested"),
    Row("use_requests.reconsider", "POST", HEAD_ONLY, "use_request:refused"),
    Row("use_requests.slip", "GET", USE_READERS, "use_request:approved"),
    Row("use_requests.lend", "POST", ARCHIVIST_ONLY, "use_item:approved"),
    Row("use_requests.take_back", "POST", ARCHIVIST_ONLY, "use_item:lent"),
    Row("intake.index", "GET", ARCHIVIST_ONLY, area=ARCHIVE_AREA),
    Row("intake.template", "GET", ARCHIVIST_ONLY, area=ARCHIVE_AREA),
    Row("intake.check", "POST", ARCHIVIST_ONLY, area=ARCHIVE_AREA),
    Row("intake.start", "POST", ARCHIVIST_ONLY, area=ARCHIVE_AREA),
    # The archive's scan of a paper dossier it holds (an electronic one is refused with the rule's message).
    Row("dossiers.digitise", "POST", ARCHIVIST_ONLY, "dossier:archived"),
    Row("intake.arrangement_page", "GET", ARCHIVIST_ONLY, area=ARCHIVE_AREA),
    Row("intake.arrangement_template", "GET", ARCHIVIST_ONLY, area=ARCHIVE_AREA),
    Row("intake.arrangement_check", "POST", ARCHIVIST_ONLY, area=ARCHIVE_AREA),
    Row("intake.arrangement_start", "POST", ARCHIVIST_ONLY, area=ARCHIVE_AREA),
    Row("intake.catalogue", "GET", ARCHIVIST_ONLY, "intake_run", area=ARCHIVE_AREA),
    # The archive's storage (storage.manage): repositories, boxes, paper dossiers placed; a closed area as the queue.
    Row("storage.index", "GET", ARCHIVIST_ONLY, area=ARCHIVE_AREA),
    Row("storage.create_repository", "POST", ARCHIVIST_ONLY, area=ARCHIVE_AREA),
    Row("storage.edit_repository", "POST", ARCHIVIST_ONLY, "repository", area=ARCHIVE_AREA),
    Row("storage.create_box", "POST", ARCHIVIST_ONLY, area=ARCHIVE_AREA),
    Row("storage.show_box", "GET", ARCHIVIST_ONLY, "box", area=ARCHIVE_AREA),
    Row("storage.edit_box", "POST", ARCHIVIST_ONLY, "box", area=ARCHIVE_AREA),
    Row("storage.place", "POST", ARCHIVIST_ONLY, "box", area=ARCHIVE_AREA),
    Row("storage.move", "POST", ARCHIVIST_ONLY, "box", area=ARCHIVE_AREA),
    Row("storage.take_out", "POST", ARCHIVIST_ONLY, "box", area=ARCHIVE_AREA),
    Row("storage.box_label", "GET", ARCHIVIST_ONLY, "box", area=ARCHIVE_AREA),
    Row("storage.labels", "GET", ARCHIVIST_ONLY, area=ARCHIVE_AREA),
    # ------------------------------------------------------------ dossier lists
    Row("dossier_lists.index", "GET", EVERYONE),
    Row("dossier_lists.create", "POST", LIST_MANAGERS),
    Row("dossier_lists.show", "GET", EVERYONE, "dossier_list:approved"),
    Row("dossier_lists.export_pdf", "GET", EVERYONE, "dossier_list:approved"),
    Row("dossier_lists.export_xlsx", "GET", EVERYONE, "dossier_list:approved"),
    Row("dossier_lists.add_heading", "POST", LIST_MANAGERS, "dossier_list:draft"),
    Row("dossier_lists.add_entry", "POST", LIST_MANAGERS, "dossier_list:draft"),
    Row("dossier_lists.import_entries", "POST", LIST_MANAGERS, "dossier_list:draft"),
    Row("dossier_lists.approve", "POST", HEAD_ONLY, "dossier_list:draft"),
    Row("dossier_lists.submit", "POST", LIST_MANAGERS, "dossier_list:draft"),
    Row("dossier_lists.return_list", "POST", HEAD_ONLY, "dossier_list:submitted"),
    Row("dossier_lists.assign", "POST", LIST_MANAGERS, "entry:planned"),
    Row("dossier_lists.change_entry", "POST", LIST_MANAGERS, "entry:draft"),
    Row("dossier_lists.remove_entry", "POST", LIST_MANAGERS, "entry:draft"),
    Row("dossier_lists.review", "POST", {UNIT_HEAD: UNIT}, "entry:ad_hoc"),
    # ------------------------------------------------------------ dossiers and their documents
    Row("dossiers.ad_hoc", "GET", EVERYONE, why="the form shows only lists the organisation reads anyway"),
    Row("dossiers.ad_hoc", "POST", DOSSIER_FORMERS),
    Row("dossiers.open_from_entry", "GET", DOSSIER_FORMERS, "entry:planned"),
    Row("dossiers.open_from_entry", "POST", DOSSIER_FORMERS, "entry:planned"),
    Row("dossiers.show", "GET", DOSSIER_READERS, "dossier:open"),
    Row("dossiers.being_read", "GET", DOSSIER_READERS, "dossier:open"),
    Row("dossiers.edit", "POST", DOSSIER_FORMERS, "dossier:open"),
    Row("dossiers.add_document", "POST", DOSSIER_FORMERS, "dossier:open"),
    Row("dossiers.add_documents", "POST", DOSSIER_FORMERS, "dossier:open"),
    Row("dossiers.link_document", "POST", DOSSIER_FORMERS, "registered_document"),
    Row("documents.show", "GET", DOSSIER_READERS, "document:final"),
    # Whoever reads a document's content comments on it (the leaders' kinds are checked past the door).
    Row("documents.give_opinion", "POST", DOSSIER_READERS, "document:draft"),
    Row("documents.remove_form", "GET", DOSSIER_FORMERS, "document:final"),
    Row("documents.remove", "POST", DOSSIER_FORMERS, "document:final"),
    Row("documents.put_back", "POST", DOSSIER_FORMERS, "removal"),
    Row("dossiers.edit_document", "GET", DOSSIER_FORMERS, "document:final"),
    Row("dossiers.edit_document", "POST", DOSSIER_FORMERS, "document:final"),
    Row("dossiers.apply_suggestion", "POST", DOSSIER_FORMERS, "document:final"),
    Row("dossiers.add_version", "POST", DOSSIER_FORMERS, "document:draft"),
    Row("dossiers.finalise", "POST", DOSSIER_FORMERS, "document:draft"),
    Row(
        "dossiers.close_wizard",
        "GET",
        DOSSIER_READERS,
        "dossier:open",
        why="a read-only checklist and index preview; the confirmation is refused to non-formers",
    ),
    Row("dossiers.preview_index", "GET", DOSSIER_READERS, "dossier:open"),
    Row("dossiers.close", "POST", DOSSIER_FORMERS, "dossier:open"),
    # The closing page's "fill in for every document left empty": each document's edit, at once.
    Row("dossiers.fill_blank", "POST", DOSSIER_FORMERS, "dossier:open"),
    Row("dossiers.reopen", "POST", DOSSIER_FORMERS, "dossier:closed"),
    Row("dossiers.download_index", "GET", DOSSIER_READERS, "dossier:closed"),
    Row("dossiers.download_whole", "GET", DOSSIER_READERS, "dossier:closed"),
    Row("dossiers.download_version", "GET", DOSSIER_READERS, "version"),
    Row("dossiers.download_copy", "GET", DOSSIER_READERS, "version", why="the version's PDF/A copy: as its file"),
    # The head's decision on a document's security marking (document.change_marking). A document is
    # seen as its dossiers are: an officer does not see another unit's registered document.
    Row("markings.decide", "GET", HEAD_ONLY, "document:registered"),
    Row("markings.decide", "POST", HEAD_ONLY, "document:registered"),
    # ------------------------------------------------------------ submissions to the agency archive
    Row("transfers.index", "GET", EVERYONE),
    # Only those who submit for a unit have the page; to anyone else it does not exist.
    Row("transfers.new", "GET", DOSSIER_FORMERS, refusal=NOT_FOUND),
    # As the page: for anyone who submits for no unit it does not exist; another unit's dossier is not found.
    Row("transfers.submit", "POST", DOSSIER_FORMERS, "dossier:closed", refusal=NOT_FOUND),
    Row("transfers.show", "GET", TRANSFER_READERS, "transfer:submitted"),
    Row("transfers.list_pdf", "GET", TRANSFER_READERS, "transfer:submitted"),
    Row("transfers.record_pdf", "GET", TRANSFER_READERS, "transfer:recorded"),
    Row("transfers.sign", "POST", TRANSFER_SIGNERS, "transfer:completed"),
    Row("transfers.kept", "GET", EVERYONE),
    Row("transfers.settle", "POST", DOSSIER_FORMERS, "dossier:closed"),
    Row("transfers.ask_keep_back", "POST", DOSSIER_FORMERS, "dossier:closed"),
    Row("transfers.decide_keep_back", "POST", HEAD_ONLY, "keep_back:requested"),
    # ------------------------------------------------------------ notices: one's own
    Row("notices.index", "GET", EVERYONE),
    Row("notices.settings", "POST", EVERYONE),
    # ------------------------------------------------------------ one's own account: password, API tokens
    Row("account.index", "GET", EVERYONE),
    Row("account.password", "GET", EVERYONE),
    Row("account.change_password", "POST", EVERYONE),
    Row("account.tokens", "GET", EVERYONE),
    Row("account.create_token", "POST", EVERYONE),
    Row("account.choose_organisation", "POST", EVERYONE),
    Row("account.end_other_sessions", "POST", EVERYONE),
    # One's own token, or any of the organisation for its administrator; anyone else's does not exist.
    Row("account.revoke_token", "POST", TOKEN_KEEPERS, "api_token"),
    # ------------------------------------------------------------ help: any role's page, for everyone
    Row("help.index", "GET", EVERYONE),
    Row("help.role", "GET", EVERYONE),
    # ------------------------------------------------------------ the JSON API: a token, the same rights as the pages
    # A caller without a token gets 401 (a system, not a person, is never sent to the login page).
    Row("api.openapi", "GET", EVERYONE, anonymous=ALLOWED, why="the description holds no record"),
    Row("api.reference", "GET", EVERYONE, anonymous=ALLOWED, why="the description as a page"),
    Row("api.me", "GET", EVERYONE, anonymous=UNAUTHORIZED),
    Row("api.list_dossier_lists", "GET", EVERYONE, anonymous=UNAUTHORIZED),
    Row("api.list_entries", "GET", EVERYONE, "dossier_list:approved", anonymous=UNAUTHORIZED),
    Row("api.list_supplementary_fields", "GET", EVERYONE, anonymous=UNAUTHORIZED, why="each sees their organisations'"),
    Row("api.list_dossiers", "GET", EVERYONE, anonymous=UNAUTHORIZED, why="each sees the dossiers they may read"),
    Row("api.get_dossier", "GET", DOSSIER_READERS, "dossier:open", anonymous=UNAUTHORIZED),
    # The entry is named in the body: the same rule as the page that opens it.
    Row("api.open_dossier", "POST", DOSSIER_FORMERS, "entry:planned", anonymous=UNAUTHORIZED),
    Row("api.change_dossier", "PATCH", DOSSIER_FORMERS, "dossier:open", anonymous=UNAUTHORIZED),
    Row("api.close_dossier", "POST", DOSSIER_FORMERS, "dossier:open", anonymous=UNAUTHORIZED),
    Row("api.search_records", "GET", EVERYONE, anonymous=UNAUTHORIZED, why="the same rights clause as the page"),
    # Uploads are their sender's own: anyone else's does not exist.
    Row("api.start_upload", "POST", EVERYONE, anonymous=UNAUTHORIZED, why="each starts uploads of their own"),
    Row("api.get_upload", "GET", MINE, "upload", anonymous=UNAUTHORIZED),
    Row("api.append_upload", "PATCH", MINE, "upload", anonymous=UNAUTHORIZED),
    Row("api.discard_upload", "DELETE", MINE, "upload", anonymous=UNAUTHORIZED),
    # Documents: the dossier page's rules (filing a document, reading the dossier, downloading a version).
    Row("api.add_document", "POST", DOSSIER_FORMERS, "dossier:open", anonymous=UNAUTHORIZED),
    Row("api.list_documents", "GET", DOSSIER_READERS, "dossier:open", anonymous=UNAUTHORIZED),
    Row("api.get_document", "GET", DOSSIER_READERS, "document:final", anonymous=UNAUTHORIZED),
    Row("api.download_version", "GET", DOSSIER_READERS, "version", anonymous=UNAUTHORIZED),
    # As documents.give_opinion: whoever reads its content comments (the leaders' kinds are checked past the door).
    Row("api.give_opinion", "POST", DOSSIER_READERS, "document:draft", anonymous=UNAUTHORIZED),
    # Registers: the register's readers read it, the registry registers, a line as the register's page shows it.
    Row("api.list_register", "GET", REGISTER_READERS, anonymous=UNAUTHORIZED),
    Row("api.register", "POST", REGISTRY_ONLY, anonymous=UNAUTHORIZED),
    Row("api.get_register_line", "GET", SEES["register_entry"], "register_entry", anonymous=UNAUTHORIZED),
    # As registers.give_opinion: whoever reads the line and its summary comments on its document.
    Row("api.give_line_opinion", "POST", SEES["register_entry"], "register_entry", anonymous=UNAUTHORIZED),
    # Transfers: the transfer pages' rules (submitting for one's unit, hidden from others as the form is; reading).
    Row("api.list_transfers", "GET", EVERYONE, anonymous=UNAUTHORIZED, why="each sees the transfers they may read"),
    Row("api.get_transfer", "GET", TRANSFER_READERS, "transfer:submitted", anonymous=UNAUTHORIZED),
    Row("api.submit_transfer", "POST", DOSSIER_FORMERS, "dossier:closed", refusal=NOT_FOUND, anonymous=UNAUTHORIZED),
    # A background job's status: the person who queued it (a job shown on no page: a search rebuild here).
    Row("api.get_job", "GET", MINE, "job", anonymous=UNAUTHORIZED),
    Row("background_jobs.cancel", "POST", MINE, "job", why="who asked for the work stops it (or the system admin)"),
    Row("api.cancel_job", "POST", MINE, "job", anonymous=UNAUTHORIZED, why="as the page's stop button"),
    Row("background_jobs.index", "GET", {}, why="only the deployment's administrator sees every organisation's work"),
    Row("api.ingest_bag", "POST", ARCHIVIST_ONLY, anonymous=UNAUTHORIZED),
    # ------------------------------------------------------------ registers
    Row("registers.index", "GET", REGISTER_READERS),
    Row("registers.start", "GET", EVERYONE, why="a redirect to the incoming register, which checks its readers"),
    # The codes of organisations documents are sent to: public names, read beside every form with recipients.
    Row("registers.recipient_codes", "GET", EVERYONE),
    Row("registers.print_register", "GET", REGISTER_READERS),
    Row("registers.report", "GET", REGISTER_READERS),
    Row("registers.print_report", "GET", REGISTER_READERS),
    Row("registers.register", "POST", REGISTRY_ONLY),
    Row("registers.record_handled", "POST", REGISTRY_ONLY),
    Row("registers.assign_unit", "POST", REGISTRY_ONLY),
    # The line and its file: the register's readers, and the unit it was sent to (which handles it); a search finds a
    # document not yet filed there. Only the registry gets the line's forms.
    Row("registers.entry", "GET", SEES["register_entry"], "register_entry"),
    Row("registers.open_file", "GET", SEES["register_entry"], "register_entry"),
    # Whoever reads the line and its summary comments on its document before it is filed (the leaders' kinds are
    # checked past the door, as on the document's page).
    Row("registers.give_opinion", "POST", SEES["register_entry"], "register_entry"),
    # Filed from the line's page into a dossier of the reader's own: the dossier is checked as the dossier page does.
    Row("registers.file_line", "POST", SEES["register_entry"], "register_entry"),
    # The unit's own "handled today" button: the service looks only among what was sent to the actor's
    # units, so even a register reader gets "not found" — it hides more than it must, never less.
    Row("registers.mark_handled", "POST", DOSSIER_FORMERS, "register_entry", refusal=NOT_FOUND),
    # Its undo, from the message that confirms the mark: the same people, on the same lines.
    Row("registers.undo_handled", "POST", DOSSIER_FORMERS, "register_entry", refusal=NOT_FOUND),
    # ------------------------------------------------------------ appraisal, holds, destruction
    Row("retention.start", "GET", DESTRUCTION_CHAIN, area=CHAIN_AREA, why="on to the due list or the lists"),
    Row("retention.due", "GET", ARCHIVIST_ONLY, area=CHAIN_AREA),
    Row("retention.preview", "POST", ARCHIVIST_ONLY, area=CHAIN_AREA),
    Row("retention.keep", "POST", ARCHIVIST_ONLY, area=CHAIN_AREA),
    Row("retention.propose", "POST", ARCHIVIST_ONLY, area=CHAIN_AREA),
    Row("retention.lists", "GET", DESTRUCTION_CHAIN, area=CHAIN_AREA),
    Row("retention.show_list", "GET", DESTRUCTION_CHAIN, "destruction_list:proposed", area=CHAIN_AREA),
    Row("retention.opinion", "POST", COUNCIL_ONLY, "destruction_list:proposed", area=CHAIN_AREA),
    Row("retention.record_appraisal", "POST", ARCHIVIST_ONLY, "destruction_list:with_opinion", area=CHAIN_AREA),
    Row("retention.approve", "POST", HEAD_ONLY, "destruction_list:appraised", area=CHAIN_AREA),
    Row("retention.withdraw", "POST", LIST_WITHDRAWERS, "destruction_list:proposed", area=CHAIN_AREA),
    Row("retention.execute", "POST", ARCHIVIST_ONLY, "destruction_list:approved", area=CHAIN_AREA),
    Row("retention.record", "GET", DESTRUCTION_CHAIN, "destruction_list:executed", area=CHAIN_AREA),
    Row("retention.place_hold", "POST", HOLDERS, "dossier:archived", area=CHAIN_AREA),
    Row("retention.release_hold", "POST", HOLDERS, "hold", area=CHAIN_AREA),
    Row("retention.record_event", "POST", ARCHIVIST_ONLY, "dossier:closed", area=CHAIN_AREA),
    Row("retention.change_period", "POST", ARCHIVIST_ONLY, "dossier:archived", area=CHAIN_AREA),
    # ------------------------------------------------------------ hand-over to the historical archive
    Row("handover.index", "GET", ARCHIVIST_ONLY, area=ARCHIVE_AREA),
    Row("handover.create", "POST", ARCHIVIST_ONLY, area=ARCHIVE_AREA),
    Row("handover.show", "GET", ARCHIVIST_ONLY, "batch", area=ARCHIVE_AREA),
    Row("handover.build", "POST", ARCHIVIST_ONLY, "batch", area=ARCHIVE_AREA),
    Row("handover.download", "GET", ARCHIVIST_ONLY, "batch", area=ARCHIVE_AREA),
    Row("handover.receipt", "POST", ARCHIVIST_ONLY, "batch", area=ARCHIVE_AREA),
    Row("handover.discard", "POST", ARCHIVIST_ONLY, "batch", area=ARCHIVE_AREA),
    # ------------------------------------------------------------ security events (denials, refused forms, lockouts)
    Row("security.events", "GET", SECURITY_READERS),
    # ------------------------------------------------------------ the audit log and the access statistics
    Row("audit_log.events", "GET", AUDIT_READERS),
    Row("audit_log.export_csv", "GET", AUDIT_READERS),
    Row("audit_log.export_xlsx", "GET", AUDIT_READERS),
    Row("audit_log.verify", "POST", AUDIT_READERS),
    Row("audit_log.statistics", "GET", AUDIT_READERS),
    Row("audit_log.statistics_xlsx", "GET", AUDIT_READERS),
    # ------------------------------------------------------------ reports and statistics (report.read)
    Row("reports.index", "GET", REPORT_READERS),
    Row("reports.compliance", "GET", REPORT_READERS),
    Row("reports.holdings", "GET", REPORT_READERS),
    Row("reports.flow", "GET", REPORT_READERS),
    Row("reports.drill", "GET", REPORT_READERS, why="the list behind one number (without a year: what is missing)"),
    Row("reports.yearly_pdf", "GET", REPORT_READERS),
    # ------------------------------------------------------------ access per dossier (shares, restriction)
    Row("access.proposal", "GET", ACCESS_PROPOSERS, "dossier:open"),
    Row("access.propose", "POST", ACCESS_PROPOSERS, "dossier:open"),
    Row("access.decide", "POST", ACCESS_CONFIRMERS, "access_change"),
    # One change for many dossiers (a new regulation): proposed from a page of its own, decided together.
    Row("access.rules", "GET", ACCESS_PROPOSERS),
    Row("access.propose_rule", "POST", ACCESS_PROPOSERS),
    Row("access.decide_rule", "POST", ACCESS_CONFIRMERS, "access_rule"),
    # ------------------------------------------------------------ administration (organisations, units, people)
    Row("admin.index", "GET", ADMIN_ONLY, area=ADMIN_AREA),
    Row(
        "admin.create_organisation",
        "POST",
        {},
        area=ADMIN_AREA,
        why="only the deployment's administrator (erms admin create), no organisation's, adds an organisation",
    ),
    Row("admin.organisation", "GET", ADMIN_ONLY, "organisation", area=ADMIN_AREA),
    Row("admin.edit_organisation", "POST", ADMIN_ONLY, "organisation", area=ADMIN_AREA),
    Row("admin.add_unit", "POST", ADMIN_ONLY, "organisation", area=ADMIN_AREA),
    Row("admin.add_person", "POST", ADMIN_ONLY, "organisation", area=ADMIN_AREA),
    Row("admin.edit_unit", "POST", ADMIN_ONLY, "unit", area=ADMIN_AREA),
    Row("admin.retention_tables", "GET", ADMIN_ONLY, "organisation", area=ADMIN_AREA),
    Row("admin.preview_table", "POST", ADMIN_ONLY, "organisation", area=ADMIN_AREA),
    Row("admin.import_table", "POST", ADMIN_ONLY, "organisation", area=ADMIN_AREA),
    Row("admin.lookup_values", "GET", ADMIN_ONLY, "organisation", area=ADMIN_AREA),
    Row("admin.add_lookup", "POST", ADMIN_ONLY, "organisation", area=ADMIN_AREA),
    Row("admin.offer_lookup", "POST", ADMIN_ONLY, "lookup", area=ADMIN_AREA),
    Row("admin.supplementary_fields", "GET", ADMIN_ONLY, "organisation", area=ADMIN_AREA),
    Row("admin.add_supplementary_field", "POST", ADMIN_ONLY, "organisation", area=ADMIN_AREA),
    Row("admin.change_supplementary_field", "POST", ADMIN_ONLY, "supplementary_field", area=ADMIN_AREA),
    Row("admin.offer_supplementary_field", "POST", ADMIN_ONLY, "supplementary_field", area=ADMIN_AREA),
    # The directory of receiving organisations' codes (PL6 III.1.g) is the deployment's: no organisation's
    # administrator reads or changes it (an entry is named by its code in the form, not in the URL).
    *(
        Row(endpoint, method, {}, area=ADMIN_AREA, why="only the deployment's administrator keeps the directory")
        for endpoint, method in (
            ("admin.recipient_directory", "GET"),
            ("admin.add_recipient", "POST"),
            ("admin.import_recipients", "POST"),
            ("admin.rename_recipient", "POST"),
            ("admin.offer_recipient", "POST"),
        )
    ),
    Row("admin.person", "GET", ADMIN_ONLY, "person", area=ADMIN_AREA),
    Row("admin.edit_person", "POST", ADMIN_ONLY, "person", area=ADMIN_AREA),
    Row("admin.add_role", "POST", ADMIN_ONLY, "person", area=ADMIN_AREA),
    Row("admin.remove_role", "POST", ADMIN_ONLY, "person", area=ADMIN_AREA),
    Row("admin.move", "POST", ADMIN_ONLY, "person", area=ADMIN_AREA),
    Row("admin.password", "POST", ADMIN_ONLY, "person", area=ADMIN_AREA),
    Row("admin.active", "POST", ADMIN_ONLY, "person", area=ADMIN_AREA),
    # ------------------------------------------------------------ search (rights are part of every query)
    Row("search.index", "GET", EVERYONE),
    Row("search.export_doc", "GET", EVERYONE),
    Row("search.export_docx", "GET", EVERYONE),
    Row("search.export_pdf", "GET", EVERYONE),
    Row("search.save", "POST", EVERYONE),
    Row("search.delete", "POST", MINE, "saved_search"),
]

# Routes the matrix does not ask: the stylesheet and icons.
IGNORED_ENDPOINTS = {"static"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}


# The user who plays each role in the tests' world; officer1 and unithead work in unit A, the others
# organisation-wide.
PLAYERS = {
    "admin": "admin",
    "head": "head",
    "registry": "registry",
    "officer": "officer1",
    "unit_head": "unithead",
    "archivist": "archivist",
    "council": "council1",
}
