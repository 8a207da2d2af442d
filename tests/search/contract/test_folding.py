"""Vietnamese folding: queries typed without diacritics find records with them, exact ones rank first.

What an officer on an old keyboard types is made here with Unicode decomposition, not with any engine's analyzer.
"""

from __future__ import annotations

import unicodedata

from tests.search.search_helpers import found

# Twenty real titles quoted in the source articles the product was specified from, as an officer would register them.
SEED_TITLES = [
    "Về tình hình thực hiện công tác văn thư, lưu trữ tại các cơ quan, địa phương năm 2022",
    "Về tình hình thực hiện Kế hoạch số 67/KH-UBND ngày 17/3/2021",
    "Kết quả thực hiện công tác VTLT năm 2022 và quý I năm 2023",
    "Về một số biện pháp đẩy mạnh công tác lập hồ sơ công việc tại các cấp",
    "Về việc niêm yết thủ tục hành chính, tiếp nhận và giải quyết thủ tục hành chính",
    "Về việc xây dựng danh mục hồ sơ năm 2023",
    "Về việc rà soát tài khoản trên Hệ thống quản lý văn bản và điều hành",
    "Về việc giao nộp hồ sơ, tài liệu vào Lưu trữ lịch sử",
    "Về việc hướng dẫn kiểm tra chéo công tác văn thư lưu trữ giữa UBND các quận",
    "Về việc triển khai danh mục các dịch vụ công trực tuyến mức độ 3, 4 năm 2018",
    "Về việc thông tin, tuyên truyền về kiểm soát thủ tục hành chính",
    "Về thực hiện quy tắc ứng xử của cán bộ, công chức, viên chức, người lao động",
    "Về công tác VTLT giai đoạn 2017-2020",
    "Về công tác kiểm soát thủ tục hành chính năm 2021 trên địa bàn quận",
    "Về quy chế quản lý, sử dụng văn bản điện tử và chữ ký số của Bộ Nội vụ",
    "Về phê duyệt Quy trình xử lý văn bản điện tử đến",
    "Về thành lập Đoàn kiểm tra công tác cải cách hành chính",
    "Về gửi, nhận văn bản điện tử giữa các cơ quan trong hệ thống hành chính nhà nước",
    "Về việc kiện toàn Ban Chỉ đạo cải cách hành chính, chuyển đổi số",
    "Về quy định quy trình trao đổi, lưu trữ, xử lý tài liệu điện tử trong công tác văn thư",
]


def without_marks(text: str) -> str:
    """The text as typed without tone marks, vowel marks or the stroked d."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


def test_issue_examples(session, make_dossier, file_document, world, commit):
    dossier = make_dossier("open", documents=0)
    land = file_document(dossier, "Hồ sơ đất đai của hộ gia đình ông Nguyễn Văn An")
    district = file_document(dossier, "Báo cáo kết quả công tác năm 2025 của UBND quận Đống Đa")
    commit()
    officer = world.actor("officer1")
    assert found(session, officer, "ho so dat dai") == [("document", land.id)]
    assert found(session, officer, "dong da") == [("document", district.id)]
    assert found(session, officer, "HỒ SƠ ĐẤT ĐAI") == [("document", land.id)]


def test_query_with_diacritics_ranks_exact_matches_first(session, make_dossier, file_document, world, commit):
    dossier = make_dossier("open", documents=0)
    folded = file_document(dossier, "Kế hoạch kiểm tra tại phường Dong Da")  # typed without marks
    exact = file_document(dossier, "Kế hoạch kiểm tra tại phường Đống Đa")
    commit()
    officer = world.actor("officer1")
    assert found(session, officer, "Đống Đa") == [("document", exact.id), ("document", folded.id)]
    assert set(found(session, officer, "dong da")) == {("document", exact.id), ("document", folded.id)}


def test_seed_titles_found_without_diacritics(session, make_dossier, file_document, world, commit):
    dossier = make_dossier("open", documents=0)
    documents = [file_document(dossier, title) for title in SEED_TITLES]
    commit()
    officer = world.actor("officer1")
    missed = []
    for title, document in zip(SEED_TITLES, documents, strict=True):
        typed = without_marks(title).replace(",", "")  # an old keyboard: no marks, no đ
        if found(session, officer, typed)[:1] != [("document", document.id)]:
            missed.append(typed)
    assert missed == []


def test_either_spelling_of_a_lone_final_i_or_y_finds_the_other(session, make_dossier, file_document, world, commit):
    dossier = make_dossier("open", documents=0)
    older = file_document(dossier, "Kế hoạch tổ chức lễ kỷ niệm ngày thành lập quận")
    newer = file_document(dossier, "Báo cáo kết quả hoạt động kỉ niệm 30 năm")
    commit()
    officer = world.actor("officer1")
    for typed in ("kỉ niệm", "kỷ niệm", "ki niem", "ky niem"):
        assert sorted(found(session, officer, typed)) == sorted([("document", older.id), ("document", newer.id)]), typed
