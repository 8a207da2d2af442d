"""A destruction list tells each person it waits for, in turn: the council, the head, then the archivist."""

from retention_helpers import paper

from erms import notices
from retention import destruction


def kinds(session, world, username: str) -> list[str]:
    return [notice.kind for notice in notices.newest(session, world.users[username].id) if "destruction" in notice.kind]


def test_the_council_the_head_and_the_archivist_are_told_in_turn(world, session, store, make_dossier, later):
    dossier = make_dossier("archived")
    archivist = world.actor("archivist")
    listed = destruction.propose(session, archivist, world.org.id, [dossier.id], "Danh mục 2037", "Hết hạn", now=later)
    assert kinds(session, world, "council1") == ["destruction_proposed"]
    assert kinds(session, world, "head") == [] and kinds(session, world, "officer1") == []
    told = notices.newest(session, world.users["council1"].id)[0]
    assert (told.subject_type, told.subject_id) == ("destruction_list", listed.id)
    assert "Danh mục 2037" in told.params

    destruction.record_opinion(session, world.actor("council1"), listed.id, True, "", now=later)
    destruction.record_appraisal(session, archivist, listed.id, paper("2/SNV"), store=store, now=later)
    assert kinds(session, world, "head") == ["destruction_appraised"]

    destruction.approve(session, world.actor("head"), listed.id, paper("3/QĐ", "Bà Hà"), store=store, now=later)
    assert kinds(session, world, "archivist") == ["destruction_approved"]
    assert kinds(session, world, "council1") == ["destruction_proposed"]  # told once, not at every step
