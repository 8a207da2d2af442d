"""Numbers read out in Vietnamese words, as the Phụ lục V forms ask ("Viết bằng chữ: …").

num2words reads 2024 as "hai nghìn lẻ hai mươi bốn" (the hundreds left out), which a signed record must not print;
these are the rules of the written language: "không trăm" inside a number, "linh" for a lone unit after hundreds,
"mốt", "tư" and "lăm" after the tens.
"""

from __future__ import annotations

from erms.models.storage import BOXES_PER_METRE

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
GROUPS = ("", "nghìn", "triệu", "tỷ")


def words(number: int) -> str:
    """Return ``number`` (0 to 999,999,999,999) in Vietnamese words, lower case."""
    if not 0 <= number < 10**12:
        raise ValueError(f"{number} is outside what the forms count")
    if number == 0:
        return DIGITS[0]
    groups = []
    while number:
        number, group = divmod(number, 1000)
        groups.append(group)
    said = []
    for place in range(len(groups) - 1, -1, -1):
        group = groups[place]
        if group == 0:
            continue
        inner = place != len(groups) - 1  # a group after a higher one says its hundreds even when zero
        said.append(_hundreds(group, inner) + (f" {GROUPS[place]}" if GROUPS[place] else ""))
    return " ".join(said)


def _hundreds(group: int, inner: bool) -> str:
    hundreds, rest = divmod(group, 100)
    tens, units = divmod(rest, 10)
    parts = []
    if hundreds or inner:
        parts.append(f"{DIGITS[hundreds]} trăm")
    if tens == 0:
        if units:
            parts.append(f"linh {DIGITS[units]}" if parts else DIGITS[units])
        return " ".join(parts)
    parts.append("mười" if tens == 1 else f"{DIGITS[tens]} mươi")
    if units:
        parts.append(_unit_after_tens(tens, units))
    return " ".join(parts)


def _unit_after_tens(tens: int, units: int) -> str:
    if units == 5:
        return "lăm"
    if units == 1 and tens > 1:
        return "mốt"
    if units == 4 and tens > 1:
        return "tư"
    return DIGITS[units]


def boxes_and_shelf(boxes: int) -> str:
    """Return a Phụ lục V record's "tổng số hộp (cặp)" with its "quy ra mét giá": "12 (mười hai); quy ra mét giá:
    1,2 m", or "chưa xếp hộp" while the archive has boxed none of them."""
    if not boxes:
        return "chưa xếp hộp"
    metres = f"{boxes / BOXES_PER_METRE:.1f}".replace(".", ",")
    return f"{boxes} ({words(boxes)}); quy ra mét giá: {metres} m"
