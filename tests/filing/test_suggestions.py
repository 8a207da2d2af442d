"""What the worker keeps of a file for its document (filing.suggestions): a PDF's page count only as the document
form takes it."""

import json

import pytest

from erms.extract import Extracted
from filing import suggestions


@pytest.mark.parametrize(("pages", "kept"), [(3, {"page_amount": "3"}), (None, {}), (0, {}), (1000, {})])
def test_a_page_count_is_kept_only_as_the_form_takes_it(session, make_dossier, pages, kept):
    document = make_dossier("open").links[0].document
    document.page_amount = None  # left empty: a file without a count, or with none the form takes, offers nothing
    latest = document.versions[-1].file
    read = suggestions.keep(session, {document.id: (latest.sha256, Extracted("", pages))}, lambda _org: ([], []))
    assert read == 1 and json.loads(latest.recognised) == kept
    assert suggestions.offered(document) == kept
