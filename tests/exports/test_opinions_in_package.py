"""The hand-over package carries each opinion given on a document (NĐ 30 PL6 III.5.a) as a CITS ERMS action on its
record: the text, the kind's words, the day as an "other" date named by us, the author with an agentType of the
schema's list; a document without opinions gets no action; the package still passes every check."""

from __future__ import annotations

from pathlib import Path

import pytest

from exports import handover
from exports.bagging import layout, verify
from filing import dossiers, opinions
from tests.exports.test_handover import EARK_TOOL, build
from tests.exports.test_paper_handover import EVERY_CHECK
from tests.exports.test_supplementary_in_package import E, _parse

DIRECTION = "Giao Văn phòng hoàn thiện & trình ký trước ngày 15/3."
COMMENT = "Đề nghị bổ sung số liệu quý I."


@pytest.fixture
def handled(session, world, store, now, make_dossier):
    """A permanent dossier in the agency archive whose first document was directed and commented on while open."""
    dossier = make_dossier("open", row="permanent", documents=2)
    first = dossier.links[0].document_id
    opinions.give(session, world.actor("head"), dossier.id, first, "direction", DIRECTION, now=now)
    opinions.give(session, world.actor("officer1"), dossier.id, first, "comment", COMMENT, now=now)
    officer = world.actor("officer1")
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    transfer = dossiers.submit(session, officer, [dossier.id], now=now)
    dossiers.accept(session, world.actor("archivist"), transfer.items[0].id, store=store, now=now)
    return dossier


@pytest.fixture
def package(session, world, store, now, tmp_path, handled):
    settings = handover.BuildSettings(store=store, out_dir=tmp_path / "out", eark_tool=EARK_TOOL)
    return build(session, world, settings, now, [handled.id])[1]


def test_each_opinion_is_an_action_on_its_record(package, handled):
    records = list(_parse(package, layout.CITS_ERMS).iter(f"{E}record"))
    assert len(records) == 2
    actions = [
        (
            action.findtext(f"{E}actionText"),
            action.findtext(f"{E}actionType"),
            action.find(f"{E}dates/{E}actionDate").get("dateType"),
            action.find(f"{E}dates/{E}actionDate").get("otherDateType"),
            action.findtext(f"{E}agents/{E}agent/{E}name"),
            action.find(f"{E}agents/{E}agent").get("agentType"),
        )
        for action in records[0].iterfind(f"{E}action")
    ]
    assert actions == [
        (DIRECTION, "Ý kiến chỉ đạo", "other", "ngay_cho_y_kien", "Nguyễn Văn head", "authorising_person"),
        (COMMENT, "Ý kiến góp ý", "other", "ngay_cho_y_kien", "Nguyễn Văn officer1", "agent"),
    ]
    assert records[0].findtext(f"{E}action/{E}dates/{E}actionDate").startswith("2026-06-15T")
    assert records[1].findall(f"{E}action") == []


def test_the_package_with_opinions_still_passes_every_check(package):
    assert package.state.value == "ready", package.report
    checks = verify.verify(Path(package.path), eark_tool=EARK_TOOL)
    assert {check.name: check.status for check in checks} == dict.fromkeys(EVERY_CHECK, verify.PASSED), [
        (check.name, check.messages) for check in checks if check.status != verify.PASSED
    ]
