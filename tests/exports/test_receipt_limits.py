"""The historical archive's receipt is bounded: in bytes read, in what the parser may do, in what a refusal says.

A 50 MB receipt once took two minutes and most of a gigabyte, and answered with a 42 MB page; a
refusal named whether a package existed in another organisation. These tests hold the limits.
"""

from __future__ import annotations

import pytest

from erms.errors import InvalidMetadata
from erms.models import HandoverBatch, Organisation
from erms.models.handover import BatchState
from exports import handover, receipt

MB = 1024 * 1024
YEAR = 2031  # dossiers archived in 2026 fall due five years later


class Endless:
    """A binary stream of ``size`` bytes never held in memory at once; it counts what was read from it."""

    def __init__(self, size: int) -> None:
        self.size, self.consumed = size, 0

    def read(self, wanted: int = -1) -> bytes:
        count = min(self.size - self.consumed, wanted if wanted >= 0 else self.size)
        self.consumed += count
        return b" " * count


def receipt_xml(package: str, codes: list[str]) -> bytes:
    rows = "".join(f'<Dossier code="{code}"/>' for code in codes)
    return (
        f'<HandoverReceipt package="{package}" reference="25/BB-LTLS" received_on="2026-06-15">{rows}</HandoverReceipt>'
    ).encode()


def refusal(call) -> list[tuple[str, str, dict]]:
    """Return the problems ``call`` was refused with, as (field, msgid, parameters)."""
    with pytest.raises(InvalidMetadata) as refused:
        call()
    return [(problem.field, problem.template, problem.params) for problem in refused.value.problems]


@pytest.fixture
def packaged(session, world, make_dossier, now):
    """Return a batch of one permanent dossier whose package awaits the archive's receipt."""
    dossier = make_dossier("archived", row="permanent")
    batch = handover.create_batch(session, world.actor("archivist"), world.org.code, YEAR, [dossier.id], now=now)
    batch.state = BatchState.PACKAGED  # as a valid build leaves it; building is tested in test_handover.py
    session.flush()
    return batch


@pytest.fixture
def other_organisation(session, now) -> Organisation:
    other = Organisation(
        code="000.00.00.H27", name="UBND quận Ba Đình", parent_name="UBND thành phố Hà Nội", created_at=now
    )
    session.add(other)
    session.flush()
    return other


# ---------------------------------------------------------------- size


def test_an_upload_over_the_limit_is_refused_having_read_only_the_limit():
    upload = Endless(50 * MB)
    problems = refusal(lambda: receipt.read(upload))
    assert problems == [
        ("file", "The receipt is larger than %(limit)s MB; a receipt lists only dossier codes.", {"limit": 5})
    ]
    assert upload.consumed <= receipt.MAX_RECEIPT_BYTES + receipt.READ_CHUNK


def test_an_upload_of_the_limit_is_read_whole():
    assert len(receipt.read(Endless(receipt.MAX_RECEIPT_BYTES))) == receipt.MAX_RECEIPT_BYTES


def test_a_receipt_over_the_limit_given_whole_is_refused_before_parsing():
    too_big = receipt_xml("000.00.00.H26_2031_1", ["X" * 40] * (receipt.MAX_RECEIPT_BYTES // 50))
    problems = refusal(lambda: receipt.parse(too_big, "bien-nhan.xml"))
    assert [template for _field, template, _params in problems] == [
        "The receipt is larger than %(limit)s MB; a receipt lists only dossier codes."
    ]


def test_a_receipt_just_under_the_limit_is_read():
    codes = [f"000.00.00.H26.2026.{number:07d}" for number in range(100_000)]
    content = receipt_xml("000.00.00.H26_2031_1", codes)
    assert len(content) < receipt.MAX_RECEIPT_BYTES
    assert receipt.parse(content, "bien-nhan.xml").file_codes == tuple(codes)


# ---------------------------------------------------------------- what the XML parser may do

XXE = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<HandoverReceipt package="000.00.00.H26_2031_1" reference="&xxe;" received_on="2026-06-15">'
    b'<Dossier code="&xxe;"/></HandoverReceipt>'
)
# Nine levels of ten: a billion "lol" once expanded.
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10))
    + ']><HandoverReceipt package="000.00.00.H26_2031_1" reference="&lol9;" received_on="2026-06-15">'
    '<Dossier code="&lol9;"/></HandoverReceipt>'
).encode()
INTERNAL_ENTITY = (
    b'<!DOCTYPE r [<!ENTITY code "000.00.00.H26.2026.01.VP">]>'
    b'<HandoverReceipt package="000.00.00.H26_2031_1" reference="25/BB" received_on="2026-06-15">'
    b'<Dossier code="&code;"/></HandoverReceipt>'
)


@pytest.mark.parametrize("content", [XXE, LAUGHS, INTERNAL_ENTITY], ids=["xxe", "billion-laughs", "entity"])
def test_a_receipt_with_a_document_type_is_refused_and_nothing_is_resolved(content):
    problems = refusal(lambda: receipt.parse(content, "bien-nhan.xml"))
    assert [field for field, _template, _params in problems] == ["file"]
    assert "root:" not in str(problems) and "lollol" not in str(problems)


def test_broken_xml_is_named_briefly():
    problems = refusal(lambda: receipt.parse(b"<HandoverReceipt " + b"a" * 100_000, "bien-nhan.xml"))
    [(field, template, params)] = problems
    assert (field, template) == ("file", "The receipt is not well-formed XML: %(error)s")
    assert len(params["error"]) <= receipt.ERROR_LENGTH


def test_schema_problems_say_what_each_field_holds_in_words_not_the_whole_value():
    content = receipt_xml("gói-lạ", ["X" * 60] * 1000)
    problems = refusal(lambda: receipt.parse(content, "bien-nhan.xml"))
    assert [(field, template) for field, template, _params in problems] == [
        ("package", receipt.FIELD_RULES["package"]),
        ("file_codes", receipt.FIELD_RULES["file_codes"]),
    ]


# ---------------------------------------------------------------- what a refusal says


def test_many_codes_not_in_the_batch_are_named_twenty_and_counted(session, world, now, packaged):
    codes = [f"000.00.00.H26.2026.{number:03d}.XX" for number in range(500)]
    problems = refusal(
        lambda: handover.import_receipt(
            session, world.actor("archivist"), receipt_xml(packaged.name, codes), "r.xml", now=now, batch_id=packaged.id
        )
    )
    assert len(problems) == receipt.PROBLEMS_SHOWN + 1
    assert problems[0] == (
        "dossiers",
        "Dossier %(code)s is not in batch %(name)s.",
        {"code": codes[0], "name": packaged.name},
    )
    assert problems[-1][1:] == ("… and %(count)s more problems.", {"count": 480})
    assert packaged.state is BatchState.PACKAGED


def test_a_code_of_another_organisation_reads_like_a_code_that_does_not_exist(
    session, world, now, packaged, make_dossier, other_organisation
):
    abroad = make_dossier("archived", row="permanent")
    abroad.organisation_id = other_organisation.id  # a dossier of another organisation, with a real code
    session.flush()

    def refused_for(code: str) -> list[tuple[str, str]]:
        return [
            (field, template)
            for field, template, _params in refusal(
                lambda: handover.import_receipt(
                    session,
                    world.actor("archivist"),
                    receipt_xml(packaged.name, [code]),
                    "r.xml",
                    now=now,
                    batch_id=packaged.id,
                )
            )
        ]

    assert (
        refused_for(abroad.file_code)
        == refused_for("000.00.00.H26.2026.99.XX")
        == [("dossiers", "Dossier %(code)s is not in batch %(name)s.")]
    )


def test_a_package_of_another_organisation_reads_like_one_that_does_not_exist(
    session, world, now, packaged, other_organisation
):
    theirs = HandoverBatch(
        organisation_id=other_organisation.id, year=YEAR, seq=1, state=BatchState.PACKAGED, created_at=now
    )
    session.add(theirs)
    session.flush()

    def refused_for(package: str) -> list[tuple[str, str, dict]]:
        return refusal(
            lambda: handover.import_receipt(
                session,
                world.actor("archivist"),
                receipt_xml(package, ["000.00.00.H27.2026.01.VP"]),
                "r.xml",
                now=now,
                batch_id=packaged.id,
            )
        )

    template = "The receipt is for package %(name)s, not %(expected)s."
    assert refused_for(theirs.name) == [("package", template, {"name": theirs.name, "expected": packaged.name})]
    assert refused_for("000.00.00.H99_2031_1") == [
        ("package", template, {"name": "000.00.00.H99_2031_1", "expected": packaged.name})
    ]
