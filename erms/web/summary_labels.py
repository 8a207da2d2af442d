"""A form sent back with problems names each problem's field, in its summary, by the label the form shows it under.

The summary (macros.html ``error_summary``) is written above the form, before the page's fields and their labels
are, so the labels are not copied anywhere: each of its links to a field carries the field's id in ``data-field``,
and the finished page is read for that field's ``<label for>`` (or its fieldset's legend), put in front of the
message. A field the page shows no label for keeps the message alone.
"""

from __future__ import annotations

import re

from flask import Response

FIELD_LINK = re.compile(r'(<a href="#[^"]*" data-field="([^"]+)">)')
HIDDEN = re.compile(r'<span[^>]*aria-hidden="true"[^>]*>.*?</span>', re.S)  # the required field's star
TAG = re.compile(r"<[^>]+>")


def name_fields(response: Response) -> Response:
    """Write each summary link's field label in front of its message (an HTML page with a summary only)."""
    if response.mimetype != "text/html" or response.is_streamed or response.direct_passthrough:
        return response
    page = response.get_data(as_text=True)
    if 'data-field="' in page:
        response.set_data(FIELD_LINK.sub(lambda link: link.group(1) + _named(page, link.group(2)), page))
    return response


def _named(page: str, field_id: str) -> str:
    """The field's label as the page shows it and ": ", or nothing when the page shows it none."""
    field = re.escape(field_id)
    found = re.search(rf'<label for="{field}"[^>]*>(.*?)</label>', page, re.S) or re.search(
        rf'<fieldset[^>]*\bid="{field}"[^>]*>\s*<legend[^>]*>(.*?)</legend>', page, re.S
    )
    label = " ".join(TAG.sub("", HIDDEN.sub("", found.group(1))).split()).rstrip(":") if found else ""
    return f"{label}: " if label else ""
