"""The Whoosh internals the search's numpy path reads are those of the version they were checked against."""

from __future__ import annotations

from importlib.metadata import version

from erms.search_index.whoosh_internals import WHOOSH_VERSION


def test_whoosh_reloaded_is_the_version_whose_internals_the_search_reads():
    installed = version("Whoosh-Reloaded")
    assert installed == WHOOSH_VERSION, (
        f"Whoosh-Reloaded {installed} is installed, but erms/search_index/whoosh_internals.py reads the private "
        f"attributes of {WHOOSH_VERSION}: check each of its functions against the new version, then update "
        "WHOOSH_VERSION and the pin"
    )
