"""A form sent back with problems starts with a summary that takes the focus (see macros.html ``error_summary``): each
of its links must lead to something on the page, or a keyboard user following it is left where they were."""

from __future__ import annotations

import re

from erms_browser import REGISTER_FORM, file_field, make_pdf


def summary_targets(response) -> tuple[list[str], list[str]]:
    """The ids the summary's links name, and those of them that no element of the page carries."""
    page = response.get_data(as_text=True)
    summary = re.search(r'<div class="form-error" role="alert" tabindex="-1" autofocus>(.*?)</div>', page, re.S)
    assert summary, "the page has no summary taking the focus"
    named = re.findall(r'href="#([^"]+)"', summary.group(1))
    return named, [target for target in named if f'id="{target}"' not in page]


def test_every_link_of_the_registers_summaries_leads_to_its_field(client):
    client.login("registry")
    client.post("/registers/incoming", {**REGISTER_FORM, "file": file_field(make_pdf(), "cv-15.pdf")})
    again = client.post("/registers/incoming", {**REGISTER_FORM, "file": file_field(make_pdf("2"), "cv-15b.pdf")})
    unsent = client.post("/registers/incoming/assign?year=2026", {"series": "regular", "number": "1", "unit_id": ""})
    assert (again.status_code, unsent.status_code) == (422, 422)
    assert summary_targets(again) == (["allow_duplicate"], [])  # "Register it anyway", the one way forward
    assert summary_targets(unsent) == (["assign-target"], [])
