"""Domain errors. Each carries an English message template (a gettext msgid) and its parameters.

The web layer translates ``template`` (Vietnamese in the UI); the CLI prints ``str(error)``, the
precise English text. ``InvalidMetadata`` lists every problem at once, so a form can show them all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it here (domain code has no locale)."""
    return message


class ERMSError(Exception):
    """Base class: a rule of the product refused the request; nothing was written."""

    template = N_("The request was refused.")

    def __init__(self, template: str | None = None, **params) -> None:
        self.template = template or self.template
        self.params = params
        super().__init__(self.template % params if params else self.template)


class NotFound(ERMSError):
    template = N_("Not found.")


class PermissionDenied(ERMSError):
    template = N_("You do not have permission to do this.")


class IllegalTransition(ERMSError):
    template = N_("A dossier in state %(state)s cannot be %(action)s.")


class Conflict(ERMSError):
    """Someone else saved the record after the form was shown (NĐ 30 PL6 IV.2: conflicts are warned); nothing was
    written."""

    template = N_(
        "%(who)s saved this record at %(when)s, after you opened the form, so nothing of yours was saved. "
        "Your form differs from the record now in: %(fields)s. Check them and save again."
    )

    def __init__(self, template: str | None = None, *, saved: Mapping[str, str] | None = None, **params) -> None:
        super().__init__(template, **params)
        # What the record holds now in each field (by name) where the form differs, for the form to show beside it.
        self.saved = dict(saved or {})


class RuleViolation(ERMSError):
    """A business rule other than the state table refused the change (the template names the rule)."""


@dataclass(frozen=True)
class Problem:
    """One offending field: ``field`` is its name in the payload, ``template`` an English msgid."""

    field: str
    template: str
    params: dict = dataclasses.field(default_factory=dict)  # qualified: the ``field`` attribute above shadows it

    def __str__(self) -> str:
        return f"{self.field}: {self.template % self.params if self.params else self.template}"


class InvalidMetadata(ERMSError):
    template = N_("The metadata is not valid.")

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__()
        self.args = ("; ".join(str(problem) for problem in problems),)
