"""The report tests read one known agency (``dataset.py``), built once per module."""

from __future__ import annotations

import pytest

from tests.reports.dataset import built


@pytest.fixture(scope="module")
def agency(engine, tmp_path_factory):
    with built(engine, tmp_path_factory.mktemp("reports")) as made:
        yield made
