"""Security markings ("độ mật") and urgency ("độ khẩn"), and the policy rules that follow from them.

The law forbids keeping classified content on networked computers (Luật Bảo vệ bí mật nhà nước
29/2018/QH14 Điều 5 k.5; TT 02/2019): for a classified document only the register entry is
stored, never the file, and the summary of a "tuyệt mật" one is shown only with authorisation.
"""

from __future__ import annotations

import enum

from erms.errors import N_


class SecurityMarking(str, enum.Enum):
    NONE = "none"
    MAT = "mat"  # "Mật"
    TOI_MAT = "toi_mat"  # "Tối mật"
    TUYET_MAT = "tuyet_mat"  # "Tuyệt mật"


class Urgency(str, enum.Enum):
    NORMAL = "normal"
    KHAN = "khan"  # "Khẩn"
    THUONG_KHAN = "thuong_khan"  # "Thượng khẩn"
    HOA_TOC = "hoa_toc"  # "Hỏa tốc"


REFUSAL = N_(
    "Classified documents (mật, tối mật, tuyệt mật) may not be stored as files in a networked system "
    "(Law on Protection of State Secrets 2018, Article 5.5): record only the register entry."
)


def may_store_content(marking: SecurityMarking) -> bool:
    """Return True if a document with this marking may have its file in the system."""
    return marking is SecurityMarking.NONE


def summary_visible(marking: SecurityMarking, authorised: bool) -> bool:
    """Return True if the summary ("trích yếu") may be shown: hidden for tuyệt mật unless authorised."""
    return marking is not SecurityMarking.TUYET_MAT or authorised


# The fields that speak of a document's matter as its summary does ("Ghi chú", "Từ khóa"): withheld wherever the
# summary is (a restricted or tuyệt mật document's), as the search leaves them out and the audit log masks them.
WITH_SUMMARY = ("description", "keyword")


def summary_shown_to_all(marking: str) -> bool:
    """Return True if a document's summary may be shown to anyone who may see the document (not tuyệt mật)."""
    return summary_visible(SecurityMarking(marking), authorised=False)
