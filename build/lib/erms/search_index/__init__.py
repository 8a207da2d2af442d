"""The parts behind ``erms.search``: the Vietnamese analyzer and schema, the records' index
documents, the on-disk index generations (written by the worker alone) and the arrays shared by readers.

Nothing outside ``erms.search`` imports these modules: the search interface stays one module
wide, so moving to another engine (PostgreSQL full-text search, OpenSearch) replaces this
package and keeps ``erms.search``'s functions.
"""

# The Whoosh-Reloaded version whose private attributes postings.py, matching.py and store.py read (pinned in
# pyproject.toml; tests/search/test_whoosh_internals.py fails on any other).
WHOOSH_VERSION = "2.7.5"
