"""Numbers in Vietnamese words, as the forms print them ("Viết bằng chữ")."""

import pytest

from exports.pdf.number_words import boxes_and_shelf, words


@pytest.mark.parametrize(
    ("number", "said"),
    [
        (0, "không"),
        (1, "một"),
        (10, "mười"),
        (11, "mười một"),
        (15, "mười lăm"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (1005, "một nghìn không trăm linh năm"),
        (2024, "hai nghìn không trăm hai mươi tư"),  # num2words leaves the hundreds out
        (12_345, "mười hai nghìn ba trăm bốn mươi lăm"),
        (1_234_567, "một triệu hai trăm ba mươi tư nghìn năm trăm sáu mươi bảy"),
    ],
)
def test_numbers_read_as_written_vietnamese(number, said):
    assert words(number) == said


def test_a_negative_number_is_refused():
    with pytest.raises(ValueError):
        words(-1)


def test_boxes_are_counted_with_the_shelf_metres_they_fill():
    assert boxes_and_shelf(0) == "chưa xếp hộp"
    assert boxes_and_shelf(1) == "1 (một); quy ra mét giá: 0,1 m"
    assert boxes_and_shelf(12) == "12 (mười hai); quy ra mét giá: 1,2 m"
    assert boxes_and_shelf(105) == "105 (một trăm linh năm); quy ra mét giá: 10,5 m"
