"""Supplementary metadata (dữ liệu đặc tả bổ sung, PL6 III.7.c): the words of a dossier's and a document's text and
choice fields find the record, a changed value is found in place of the old one, and a document's values are found
only by those who read its summary (never a "tuyệt mật" one's)."""

from __future__ import annotations

import pytest

from erms import search
from filing import dossiers
from tests.factories import another_agency, supplementary_field
from tests.search.search_helpers import found
from tests.web.test_leak_review import restrict

READS_RESTRICTED = {"officer1", "unithead", "head"}  # who form its dossier, and the head


@pytest.fixture
def fields(session, world):
    """The organisation's fields: a text, a number and a choice on dossiers, a text on documents."""
    supplementary_field(session, world.org.id, "dossier", "ma_du_an", "Mã dự án")
    supplementary_field(session, world.org.id, "dossier", "kinh_phi", "Kinh phí", "number")
    supplementary_field(
        session, world.org.id, "dossier", "linh_vuc", "Lĩnh vực", "choice", choices="Thủy lợi\nGiao thông"
    )
    supplementary_field(session, world.org.id, "document", "goi_thau", "Gói thầu")


def finders(session, people: dict, text: str, kind: str, record_id: int) -> set[str]:
    """Return who finds the record with ``text``."""
    return {name for name, actor in people.items() if (kind, record_id) in found(session, actor, text)}


def test_a_dossier_and_a_document_are_found_by_their_supplementary_words(
    make_dossier, file_document, session, world, fields, commit, now
):
    officer = world.actor("officer1")
    dossier = make_dossier("open", documents=0)
    document = file_document(dossier, "Tờ trình phê duyệt dự án")
    values = {"supplementary.ma_du_an": "DA-KENH-0917", "supplementary.linh_vuc": "Thủy lợi"}
    dossiers.update_dossier(session, officer, dossier.id, {**values, "supplementary.kinh_phi": "4711"}, now=now)
    data = {"supplementary.goi_thau": "Gói thầu nạo vét lòng kênh"}
    dossiers.update_document(session, officer, dossier.id, document.id, data, now=now)
    commit()
    assert found(session, officer, "DA-KENH-0917") == found(session, officer, "thuy loi") == [("dossier", dossier.id)]
    assert found(session, officer, "4711") == []  # a number is no word to search by
    assert found(session, officer, "nao vet long kenh") == [("document", document.id)]
    # A changed value is found in place of the old one.
    dossiers.update_dossier(session, officer, dossier.id, {"supplementary.ma_du_an": "DA-DE-2044"}, now=now)
    commit()
    assert found(session, officer, "DA-KENH-0917") == []
    assert found(session, officer, "DA-DE-2044") == [("dossier", dossier.id)]
    assert search.verify(session).ok


def test_a_documents_values_are_found_only_by_those_who_read_its_summary(
    make_dossier, file_document, session, world, store, fields, commit, now
):
    people = {name: world.actor(name) for name in world.users} | another_agency(session, world, store, now).actors
    officer = world.actor("officer1")
    dossier = make_dossier("open", documents=0)
    private = file_document(dossier, "Báo cáo giải phóng mặt bằng")
    secret = file_document(dossier, "Phương án bảo vệ công trình", marking="tuyet_mat", code_number="9")
    for document, words in ((private, "Gói thầu đền bù khu Bắc"), (secret, "Gói thầu phòng thủ đê")):
        data = {"supplementary.goi_thau": words}
        dossiers.update_document(session, officer, dossier.id, document.id, data, now=now)
    restrict(session, world, "officer1", dossier.id, private.id, now)
    commit()
    assert finders(session, people, "den bu khu bac", "document", private.id) == READS_RESTRICTED
    assert finders(session, people, "phong thu de", "document", secret.id) == set()
    # The top-secret document is found by its number, as its register line shows it, but not by its values.
    assert finders(session, people, "9/QĐ-UBND", "document", secret.id) >= {"officer1", "head"}
