"""Help (trợ giúp): a short page per role, in plain words, saying what the person does in ERMS and where.

Each step names a task, says in a sentence how it is done, and links to the page where it is done; every link
opens for a person holding that role (``tests/web/test_help_pages.py``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import Blueprint, render_template, url_for
from flask_babel import lazy_gettext as _l

from erms import permissions
from erms.auth import current_actor, login_required
from erms.errors import NotFound
from erms.models import Role
from erms.permissions import Actor

bp = Blueprint("help", __name__, url_prefix="/help")


class Step(NamedTuple):
    """One task: its name (the link), how it is done, and the page where it is done."""

    label: Any  # a lazy string, translated when the page is shown
    text: Any
    endpoint: str
    values: dict[str, Any] = {}
    # A right the page needs beyond the role: a deployment administrator without the admin role lacks it.
    right: str | None = None


SUMMARIES = {
    Role.OFFICER: _l(
        "You keep the records of your work: one dossier for each task of the dossier list, its documents inside, "
        "submitted to the agency archive when the work is over."
    ),
    Role.UNIT_HEAD: _l(
        "You do everything an officer does, for the whole unit, and you check the unit's work: ad-hoc dossiers, "
        "changes of access, submissions."
    ),
    Role.REGISTRY: _l(
        "You prepare the agency's dossier list each year and keep the registers of incoming and outgoing documents."
    ),
    Role.HEAD: _l(
        "You approve what the agency decides about its records: the dossier list, the destruction of expired "
        "records, the dossiers units keep back."
    ),
    Role.ARCHIVIST: _l(
        "You run the agency archive: you receive the dossiers units submit, keep them for their retention period, "
        "appraise and destroy what has expired, and hand permanent records over to the historical archive."
    ),
    Role.COUNCIL: _l(
        "You give the council's opinion on each list of records proposed for destruction, before the head decides."
    ),
    Role.ADMIN: _l(
        "You set ERMS up for the agency: its units, the people and their roles, the retention table and the "
        "values offered in the forms."
    ),
}

CONFIRM_ACCESS = _l("Confirm changes of access")
SIGN_CHECK = _l("Sign the joint check")
SECURITY = _l("Watch the security events")
USE_ARCHIVE = _l("Using the archive")

STEPS: dict[Role, tuple[Step, ...]] = {
    Role.OFFICER: (
        Step(
            _l("Open a dossier"),
            _l(
                "On the home page, among the entries of the dossier list waiting for a dossier, press “Open the "
                "dossier” on the entry of your task."
            ),
            "home.index",
            {"_anchor": "entries"},
        ),
        Step(
            _l("Add an ad-hoc dossier"),
            _l("For work that is not in the list: give its title and retention period; your unit head reviews it."),
            "dossiers.ad_hoc",
        ),
        Step(
            _l("Add documents"),
            _l(
                "Open your dossier from the home page and add its documents with their details; you may drop "
                "several files at once."
            ),
            "home.index",
            {"_anchor": "dossiers"},
        ),
        Step(
            _l("File incoming documents"),
            _l(
                "Documents the registry sent to your unit are listed on the home page: file each into its dossier, "
                "then mark it handled."
            ),
            "home.index",
            {"_anchor": "incoming"},
        ),
        Step(
            _l("Close the dossier"),
            _l(
                "When the work is over, press “Review and close the dossier” on its page: the checklist shows what "
                "is missing and how to fix it. The home page lists the dossiers due to close."
            ),
            "home.index",
            {"_anchor": "deadlines"},
        ),
        Step(
            _l("Submit to the agency archive"),
            _l(
                "Choose your unit's closed dossiers of a year and submit them together. A dossier the unit still "
                "needs may be kept back up to 2 years if the head agrees."
            ),
            "transfers.new",
        ),
        Step(
            USE_ARCHIVE,
            _l(
                "To read a dossier the agency archive keeps that is not your unit's, ask for it with your purpose; "
                "once the head approves, it opens for you until the day approved."
            ),
            "use_requests.index",
        ),
    ),
    Role.UNIT_HEAD: (
        Step(
            _l("The officer's tasks"),
            _l("You open, fill, close and submit dossiers as an officer does."),
            "help.role",
            {"role": Role.OFFICER.value},
        ),
        Step(
            _l("Review ad-hoc dossiers"),
            _l(
                "The ad-hoc dossiers your officers added wait on the home page: open each in the dossier list and "
                "accept it or not."
            ),
            "home.index",
            {"_anchor": "reviews"},
        ),
        Step(
            CONFIRM_ACCESS,
            _l("A share or a restriction of one of your unit's dossiers waits on the home page: confirm or refuse it."),
            "home.index",
            {"_anchor": "access-changes"},
        ),
        Step(
            _l("Follow the submissions"),
            _l(
                "See what your unit submitted to the agency archive, which dossiers were accepted or returned, and "
                "the biên bản giao nhận."
            ),
            "transfers.index",
        ),
        Step(
            _l("Dossiers kept back"),
            _l(
                "A due dossier the unit still needs may be kept up to 2 years: ask on the dossier's page and the "
                "head decides. The dossiers kept are listed here."
            ),
            "transfers.kept",
        ),
    ),
    Role.REGISTRY: (
        Step(
            _l("Build the dossier list"),
            _l(
                "Create the year's list with its headings and entries, copied from last year or imported from a "
                "spreadsheet, then send it to the head for approval."
            ),
            "dossier_lists.index",
        ),
        Step(
            _l("Assign the entries"),
            _l("Once the list is issued, give each entry to the unit or the person who forms its dossier."),
            "dossier_lists.index",
        ),
        Step(
            _l("Register incoming documents"),
            _l("Enter each document received in the incoming register and send it to the unit that handles it."),
            "registers.index",
            {"kind": "incoming"},
        ),
        Step(
            _l("Register outgoing documents"),
            _l("Enter each document the agency issues in the outgoing register; numbers follow without gaps."),
            "registers.index",
            {"kind": "outgoing"},
        ),
        Step(
            _l("Print the registers and reports"),
            _l("Print a register in the decree's layout, and the report on how documents were handled."),
            "registers.report",
            {"kind": "incoming"},
        ),
        Step(
            SIGN_CHECK,
            _l(
                "When a unit submits dossiers, you and the archivist each sign the check; the second signature makes "
                "the biên bản giao nhận."
            ),
            "transfers.index",
        ),
        Step(
            USE_ARCHIVE,
            _l("Record a citizen's request to read archived records at the reading room, with their identity card."),
            "use_requests.index",
        ),
    ),
    Role.HEAD: (
        Step(
            _l("Approve the dossier list"),
            _l("Open the list the registry sent you, read it, then approve and issue it with your decision's number."),
            "dossier_lists.index",
        ),
        Step(
            _l("Decide on destruction"),
            _l(
                "After the council's opinion and the archival authority's appraisal, approve the list of expired "
                "records with your signed decision."
            ),
            "retention.lists",
        ),
        Step(
            _l("Let a unit keep a dossier"),
            _l(
                "When a unit asks to keep a due dossier (up to 2 years), a notice takes you to its page: agree or "
                "refuse. The dossiers kept are listed here."
            ),
            "transfers.kept",
        ),
        Step(
            CONFIRM_ACCESS,
            _l(
                "Shares and restrictions of dossiers waiting for you are on the home page; a change proposed for many "
                "dossiers at once (a new regulation) is confirmed or rejected there in one go."
            ),
            "home.index",
            {"_anchor": "access-changes"},
        ),
        Step(
            _l("Change access for many dossiers"),
            _l(
                "When a new regulation changes who reads the agency's records, propose the change for a unit's or "
                "some years' dossiers at once."
            ),
            "access.rules",
        ),
        Step(
            _l("Place a hold"),
            _l(
                "To stop a dossier being destroyed or handed over (inspection, dispute), find it and place a hold on "
                "its page."
            ),
            "search.index",
        ),
        Step(
            USE_ARCHIVE,
            _l(
                "Requests to read or borrow archived dossiers wait for you: approve them until a day, leaving out any "
                "dossier with the reason, or refuse them."
            ),
            "use_requests.index",
        ),
        Step(
            _l("Read the audit log"),
            _l("Who did what, and when, on every record of the agency."),
            "audit_log.events",
        ),
    ),
    Role.ARCHIVIST: (
        Step(
            _l("Receive submitted dossiers"),
            _l("Check each dossier in the archive queue, then accept it or return it with a reason."),
            "archive.index",
        ),
        Step(
            SIGN_CHECK,
            _l(
                "Once every dossier of a submission is decided, you and the registry each sign; the second "
                "signature makes the biên bản giao nhận."
            ),
            "transfers.index",
        ),
        Step(
            _l("Appraise the dossiers due"),
            _l(
                "See the dossiers whose retention period is over: keep them with a new period, place a hold, or "
                "propose them for destruction."
            ),
            "retention.due",
        ),
        Step(
            _l("Follow the destruction lists"),
            _l(
                "Take each list through the council's opinion, the appraisal and the head's decision, then destroy "
                "and keep the biên bản hủy."
            ),
            "retention.lists",
        ),
        Step(
            _l("Hand over to the historical archive"),
            _l(
                "Choose the permanent dossiers due, build the checked package, download it, then record the "
                "archive's receipt."
            ),
            "handover.index",
        ),
        Step(
            _l("Import past records"),
            _l(
                "Turn a folder of scans from earlier years, with its mapping file, into closed or archived dossiers: "
                "check it first (nothing is written while a row is wrong), then import it."
            ),
            "intake.index",
        ),
        Step(
            _l("Keep the paper on the shelves"),
            _l(
                "Record the repositories and boxes, put each paper dossier the archive accepted in its box, move a "
                "box with every dossier in it, and print the box labels."
            ),
            "storage.index",
        ),
        Step(
            USE_ARCHIVE,
            _l(
                "Lend the paper of approved requests against the printed slip, take it back, and keep the register of "
                "use."
            ),
            "use_requests.index",
        ),
        Step(
            SECURITY,
            _l("Refused accesses and locked log-ins; the audit log keeps every change."),
            "security.events",
            right="security.read",
        ),
    ),
    Role.COUNCIL: (
        Step(
            _l("Open the destruction lists"),
            _l("The lists waiting for your opinion are here; a notice tells you when a new one arrives."),
            "retention.lists",
        ),
        Step(
            _l("Read the listed dossiers"),
            _l("Open a list and each dossier in it: its title, dates, retention period and why it is proposed."),
            "retention.lists",
        ),
        Step(
            _l("Record your opinion"),
            _l("On the list's page, say whether you agree to destroy the records, with a comment if you do not."),
            "retention.lists",
        ),
        Step(
            _l("Find a dossier"),
            _l("Search any dossier of the agency by its title or code to read it in full."),
            "search.index",
        ),
    ),
    Role.ADMIN: (
        Step(
            _l("Organisations and units"),
            _l("Add the agency's units; rename or close a unit that changed."),
            "admin.index",
        ),
        Step(
            _l("People and roles"),
            _l(
                "Add each person with a role and a unit; add or remove roles, move a person, reset a password, "
                "deactivate an account."
            ),
            "admin.index",
        ),
        Step(
            _l("Retention table and form values"),
            _l("Load the agency's own retention table and the values offered in the forms (issuers, document types)."),
            "admin.index",
        ),
        Step(
            _l("The agency's own metadata fields"),
            _l(
                "Add the fields the agency records beyond the standard ones (a project code, a source of funds …) to "
                "its dossiers' or documents' forms; they are shown on the pages and carried in the hand-over package."
            ),
            "admin.index",
        ),
        Step(
            SECURITY,
            _l("Refused accesses and locked log-ins: look here when someone cannot log in."),
            "security.events",
            right="security.read",
        ),
    ),
}

# What everybody finds on every page, whatever their role.
EVERY_PAGE = (
    Step(
        _l("Notices"),
        _l(
            "What waits for you, each linked; the menu shows how many are unread, and the home page lists first what "
            "still waits. Give your e-mail address there to get them by e-mail too, or switch that off."
        ),
        "notices.index",
    ),
    Step(
        _l("Search records"),
        _l(
            "The search box on every page finds the dossiers and documents you may read, typed with or without "
            "diacritics."
        ),
        "search.index",
    ),
    Step(
        _l("Your account"),
        _l(
            "Your name in the header opens it: change your password with the one you have now (a password an "
            "administrator gave you is replaced at your first log-in), log out of your other browsers, and, if you "
            "work in several organisations, choose the one you work in."
        ),
        "account.index",
    ),
)


def _shown(steps: tuple[Step, ...], reader: Actor | None = None) -> list[dict]:
    """Return the steps with their links; for a ``reader`` only those whose page the reader may open."""
    return [
        {"label": step.label, "text": step.text, "url": url_for(step.endpoint, **step.values)}
        for step in steps
        if reader is None
        or step.right is None
        or any(permissions.can(reader, step.right, organisation) for organisation in reader.organisation_ids())
    ]


def _page(roles: list[Role], reader: Actor | None = None, one_role: bool = False):
    """Render the help of ``roles`` with what every page offers and the list of every role's help."""
    return render_template(
        "help/index.html",
        one_role=one_role,
        sections=[{"role": role, "summary": SUMMARIES[role], "steps": _shown(STEPS[role], reader)} for role in roles],
        every_page=_shown(EVERY_PAGE),
        all_roles=list(Role),
    )


@bp.get("/")
@login_required
def index():
    """Show the help of every role the person holds (a deployment administrator without one: the admin's)."""
    actor = current_actor()
    held = {grant.role for grant in actor.grants} or ({Role.ADMIN} if actor.system_admin else set())
    return _page([role for role in Role if role in held], reader=actor)


@bp.get("/<role>")
@login_required
def role(role: str):
    """Show one role's help, every step; anyone logged in may read any role's, to know what the others do."""
    try:
        chosen = Role(role)
    except ValueError:
        raise NotFound() from None
    return _page([chosen], one_role=True)
