"""What a document's first page says of it: realistic pages read right, anything else read as nothing wrong."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from administration.lookups import DOCUMENT_TYPES
from erms import metadata
from filing.recognised import FIELDS, suggest

# As pypdf gives a two-column header: the organ and the national motto on one line, the number beside the date.
DECISION = """ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
QUẬN NAM TỪ LIÊM Độc lập - Tự do - Hạnh phúc
Số: 1018/QĐ-UBND Nam Từ Liêm, ngày 26 tháng 5 năm 2022
QUYẾT ĐỊNH
Về việc ban hành Quy chế công tác văn thư, lưu trữ
của Ủy ban nhân dân quận Nam Từ Liêm
CHỦ TỊCH ỦY BAN NHÂN DÂN QUẬN NAM TỪ LIÊM
Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;
Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;
Theo đề nghị của Chánh Văn phòng HĐND và UBND quận.
QUYẾT ĐỊNH:
Điều 1. Ban hành kèm theo Quyết định này Quy chế công tác văn thư, lưu trữ của Ủy ban nhân dân quận.
Điều 2. Quyết định có hiệu lực kể từ ngày ký.
Nơi nhận: CHỦ TỊCH
- Như Điều 2;
- Lưu: VT, VP.
(Đã ký)
Nguyễn Văn Hùng
"""

# The left column first, then the right one; a công văn has no type line, its summary stands under the number.
LETTER = """ỦY BAN NHÂN DÂN
QUẬN HOÀNG MAI
Số: 930/UBND-VP
V/v triển khai danh mục dịch vụ công
trực tuyến mức độ 3, 4 năm 2026
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hoàng Mai, ngày 03 tháng 02 năm 2026
Kính gửi: Các phòng, ban, đơn vị thuộc quận.
Thực hiện Kế hoạch số 116/KH-UBND ngày 20/3/2020 của Ủy ban nhân dân quận, ...
Nơi nhận:
- Như trên;
- Lưu: VT.
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
Lê Thị Thu Hà
"""

# Every diacritic lost on the way to text (an old PDF's font), and the issuer two levels deep.
PLAN_WITHOUT_DIACRITICS = """UY BAN NHAN DAN TINH KON TUM CONG HOA XA HOI CHU NGHIA VIET NAM
SO NOI VU Doc lap - Tu do - Hanh phuc
So: 116/KH-SNV Kon Tum, ngay 20 thang 3 nam 2026
KE HOACH
Cong tac van thu, luu tru nam 2026
Thuc hien Nghi dinh so 30/2020/ND-CP ngay 05/3/2020 cua Chinh phu ve cong tac van thu ...
I. MUC DICH, YEU CAU
"""

# A font that printed Ư as Ƣ ("LƢU TRỮ"), as in many PDFs made with older Vietnamese fonts.
REPORT_WITH_BROKEN_GLYPHS = """BỘ NỘI VỤ CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
CỤC VĂN THƢ VÀ LƢU TRỮ NHÀ NƢỚC Độc lập - Tự do - Hạnh phúc
Số: 12/BC-VTLTNN Hà Nội, ngày 31 tháng 12 năm 2025
BÁO CÁO
Kết quả công tác văn thƣ, lƣu trữ năm 2025
Thực hiện Kế hoạch số 05/KH-BNV ngày 10/01/2025 của Bộ Nội vụ, Cục báo cáo như sau:
Nơi nhận:
- Lãnh đạo Bộ;
- Lưu: VT.
CỤC TRƢỞNG
Đặng Thanh Tùng
"""

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def test_a_decision_is_read_whole():
    assert suggest(DECISION, DOCUMENT_TYPES) == {
        "code_number": "1018",
        "code_notation": "QĐ-UBND",
        "issued_date": "2022-05-26",
        "type_name": "Quyết định",
        "subject": "Về việc ban hành Quy chế công tác văn thư, lưu trữ của Ủy ban nhân dân quận Nam Từ Liêm",
        "organ_name": "ỦY BAN NHÂN DÂN QUẬN NAM TỪ LIÊM",
        "signer_name": "Nguyễn Văn Hùng",
    }


def test_an_official_letter_is_a_cong_van_about_its_v_v_line_and_its_issuer_is_spelt_as_the_list_spells_it():
    assert suggest(LETTER, DOCUMENT_TYPES, ["Ủy ban nhân dân quận Hoàng Mai"]) == {
        "code_number": "930",
        "code_notation": "UBND-VP",
        "issued_date": "2026-02-03",
        "type_name": "Công văn",
        "subject": "V/v triển khai danh mục dịch vụ công trực tuyến mức độ 3, 4 năm 2026",
        "organ_name": "Ủy ban nhân dân quận Hoàng Mai",
        "signer_name": "Lê Thị Thu Hà",
    }


def test_a_plan_that_lost_its_diacritics_is_read_by_its_layout_and_its_values_kept_as_printed():
    assert suggest(PLAN_WITHOUT_DIACRITICS, DOCUMENT_TYPES) == {
        "code_number": "116",
        "code_notation": "KH-SNV",
        "issued_date": "2026-03-20",
        "type_name": "Kế hoạch",
        "subject": "Cong tac van thu, luu tru nam 2026",
        "organ_name": "SO NOI VU",
    }


def test_a_report_printed_with_a_broken_font_is_read_with_its_letters_mended():
    found = suggest(REPORT_WITH_BROKEN_GLYPHS, DOCUMENT_TYPES)
    assert found["organ_name"] == "CỤC VĂN THƯ VÀ LƯU TRỮ NHÀ NƯỚC"
    assert found["subject"] == "Kết quả công tác văn thư, lưu trữ năm 2025"
    assert (found["type_name"], found["code_notation"], found["signer_name"]) == (
        "Báo cáo",
        "BC-VTLTNN",
        "Đặng Thanh Tùng",
    )


def test_only_a_type_of_the_organisations_own_list_is_suggested():
    assert "type_name" not in suggest(DECISION, ["Công văn", "Tờ trình"])
    assert "type_name" not in suggest(LETTER, ["Quyết định"])
    assert suggest(LETTER, ["Quyết định"])["subject"].startswith("V/v triển khai")


def test_a_day_that_does_not_exist_and_a_number_too_long_for_the_form_are_left_out():
    damaged = DECISION.replace("ngày 26 tháng 5", "ngày 31 tháng 2").replace("1018/", "123456789012/")
    found = suggest(damaged, DOCUMENT_TYPES)
    assert "issued_date" not in found and "code_number" not in found and "code_notation" not in found
    assert found["type_name"] == "Quyết định"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Biên bản họp tổ ngày 05/01/2026",
        # Prose citing documents the way the law writes them: numbers and dates, but no page of a document.
        "Quyết định số 28/2018/QĐ-TTg ngày 12/7/2018 của Thủ tướng Chính phủ quy định, Hà Nội, ngày 05 tháng 01 "
        "năm 2026\nQUYẾT ĐỊNH\nVề việc gửi, nhận văn bản điện tử",
    ],
)
def test_a_text_that_is_not_a_document_says_nothing(text):
    assert suggest(text, DOCUMENT_TYPES) == {}


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the shared seed texts are not beside this checkout")
def test_articles_and_a_thesis_about_records_work_say_nothing():
    for seed in sorted(SEEDS.glob("*.txt")):
        assert suggest(seed.read_text(encoding="utf-8"), DOCUMENT_TYPES) == {}, seed.name


LAYOUT = st.sampled_from(
    [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN",
        "Số: ",
        "/QĐ-UBND",
        "ngày ",
        " tháng ",
        " năm ",
        "Hà Nội, ",
        "QUYẾT ĐỊNH",
        "V/v ",
        "Về việc ",
        "CHỦ TỊCH",
        "Nguyễn Văn An",
        "\n",
        ", ",
        "Ƣ",
        "\x00",
        "\u0301",
    ]
)
PIECES = st.one_of(LAYOUT, st.text(max_size=12), st.integers(0, 10**13).map(str))


@given(st.lists(PIECES, max_size=60).map("".join))
def test_whatever_the_text_it_never_fails_and_suggests_only_what_the_form_accepts(text):
    found = suggest(text, DOCUMENT_TYPES)
    assert set(found) <= set(FIELDS)
    assert all(isinstance(value, str) and value for value in found.values())
    assert "type_name" not in found or found["type_name"] in DOCUMENT_TYPES
    assert [problem for problem in metadata.validate("document", found) if problem.field in found] == []
