"""A document filed by reference in two dossiers handed over together (PL6 III.4.e) is described in each, and the
package still passes every check: the EAD's item ids stay unique."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from exports import handover
from exports.bagging import layout, verify
from exports.xml import EAD_NS
from filing import dossiers
from tests.erms.test_dossiers import dossier_item
from tests.exports.test_handover import EARK_TOOL, build


def test_a_document_in_two_dossiers_of_one_package_is_described_in_each_and_the_package_is_ready(
    session, world, store, now, make_dossier, tmp_path
):
    first = make_dossier("archived", row="permanent")
    shared = first.links[0].document_id
    second = make_dossier("open", row="permanent", documents=0)
    officer, archivist = world.actor("officer1"), world.actor("archivist")
    dossiers.link_document(session, officer, second.id, shared, now=now)
    dossiers.close_dossier(session, officer, second.id, store=store, now=now)
    dossiers.submit(session, officer, [second.id], now=now)
    dossiers.accept(session, archivist, dossier_item(session, second).id, store=store, now=now)
    settings = handover.BuildSettings(store=store, out_dir=tmp_path / "out", eark_tool=EARK_TOOL)
    _batch, package = build(session, world, settings, now, [first.id, second.id])
    assert package.state.value == "ready", package.report
    ead = etree.parse(str(verify.package_root(Path(package.path)) / layout.EAD)).getroot()
    ids = [c.get("id") for c in ead.iter(f"{{{EAD_NS}}}c")]
    items = [c.get("id") for c in ead.iter(f"{{{EAD_NS}}}c") if c.get("level") == "item"]
    assert len(ids) == len(set(ids)) and items == [f"document-{first.id}-{shared}", f"document-{second.id}-{shared}"]
