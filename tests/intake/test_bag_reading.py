"""Bags taken in: our own hand-over package read back, archives unpacked safely, and every refusal named."""

from __future__ import annotations

import dataclasses
import io
import stat
import tarfile
import tempfile
import zipfile
from pathlib import Path

import bagit
import pytest

from erms import metadata
from intake.bag_reading import DEFAULT_LIMITS, BagRefused, Limits, opened, read
from tests.exports.test_handover import build, permanent, settings  # noqa: F401

OUTSIDE = "a name outside the bag (absolute, or with '..') is refused"
LINK = "a link is refused: a bag holds files only"


@pytest.fixture
def handover(session, world, settings, now, permanent):  # noqa: F811
    """Return a hand-over bag of two dossiers (the first with two documents) and those dossiers."""
    first, second = permanent(documents=2), permanent()
    quick = dataclasses.replace(settings, eark_tool=None)  # the E-ARK validator is tested with the exports
    _, package = build(session, world, quick, now, [first.id, second.id])
    return Path(package.path), [first, second]


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """Return the folder archives are unpacked into, so a test sees what is left behind."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def plain_bag(folder: Path, files: dict[str, bytes] | None = None) -> Path:
    """Return a bag made by bagit-python of ``files`` (name → content), as another system would send it."""
    folder.mkdir()
    for name, content in (files or {"a.txt": b"first", "sub/b.txt": b"second"}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    bagit.make_bag(str(folder), checksums=["sha256"])
    return folder


def refusal(bag: Path, limits: Limits = DEFAULT_LIMITS) -> tuple[str, ...]:
    """Return the problems the bag is refused for (failing if it is not)."""
    with pytest.raises(BagRefused) as refused, opened(bag, limits) as folder:
        read(folder)
    return refused.value.problems


def tar_of(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for member, content in members:
            member.size = len(content)
            archive.addfile(member, io.BytesIO(content) if content else None)
    return path


def member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


def test_our_hand_over_bag_reads_back_as_its_dossiers(handover):
    path, sources = handover
    with opened(path) as folder:
        bag = read(folder)
    assert bag.name == path.name and bag.source == "UBND quận Đống Đa"
    assert bag.unmapped == ()
    assert [dossier.file_code for dossier in bag.dossiers] == [source.file_code for source in sources]
    for dossier, source in zip(bag.dossiers, sources, strict=True):
        assert metadata.check("dossier", dossier.values) == dossier.values
        assert (dossier.organ_id, dossier.year, dossier.file_notation) == (
            source.organisation.code,
            source.year,
            source.file_notation,
        )
        assert dossier.values["title"] == source.title
        assert dossier.values["start_date"] == source.start_date.isoformat()
        assert dossier.values["end_date"] == source.end_date.isoformat()
        assert dossier.retention == (True, None, "")
        assert dossier.index_file is not None and dossier.index_file.sha256 == source.index_file.sha256
        assert [document.ordinal for document in dossier.documents] == [link.ordinal for link in source.links]
        for document, link in zip(dossier.documents, source.links, strict=True):
            assert metadata.check("document", document.values) == document.values
            assert document.values["subject"] == link.document.subject
            assert document.values["code_number"] == link.document.code_number
            assert document.values["direction"] == "incoming" and document.values["status"] == "final"
            assert [file.sha256 for file in document.files] == [
                version.file.sha256 for version in link.document.versions
            ]
            assert [file.sha512 for file in document.files] == [
                version.file.sha512 for version in link.document.versions
            ]
            assert [file.filename for file in document.files] == ["quyết định 15.pdf"]
            assert document.files[0].path.startswith("data/") and document.files[0].media_type == "application/pdf"
    assert len(bag.dossiers[0].documents) == 2


def test_the_same_bag_as_tar_gz_and_zip_reads_the_same(handover, tmp_path, scratch):
    path, _ = handover
    with opened(path) as folder:
        expected = read(folder)
    tgz = tmp_path / "bag.tgz"
    with tarfile.open(tgz, "w:gz") as archive:
        archive.add(path, arcname=path.name)
    packed = tmp_path / "bag.zip"
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(path.rglob("*")):
            archive.write(file, file.relative_to(path).as_posix())  # the bag at the archive's root
    for archive_path in (tgz, packed):
        with opened(archive_path) as folder:
            assert folder.is_relative_to(scratch)
            assert read(folder).dossiers == expected.dossiers
            assert read(folder).name == path.name
        assert list(scratch.iterdir()) == []  # the unpacked copy is removed


def test_a_bag_from_bagit_python_has_no_dossiers_and_every_file_unmapped(tmp_path):
    bag = read(plain_bag(tmp_path / "bag"))
    assert bag.dossiers == ()
    assert bag.name == "bag"
    assert bag.unmapped == (
        "data/a.txt: no dossier or document of the bag's metadata claims this file",
        "data/sub/b.txt: no dossier or document of the bag's metadata claims this file",
    )


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../evil", f"../evil: {OUTSIDE}"),
        ("bag/../../evil", f"bag/../../evil: {OUTSIDE}"),
        ("/etc/evil", f"/etc/evil: {OUTSIDE}"),
        ("C:/evil", "C:/evil: a Windows path (drive letter or backslash) is refused"),
        ("bag\\..\\evil", "bag\\..\\evil: a Windows path (drive letter or backslash) is refused"),
    ],
)
def test_a_tar_member_named_outside_the_bag_is_refused(tmp_path, scratch, name, problem):
    archive = tar_of(tmp_path / "bag.tar.gz", [(member("bag/bagit.txt"), b"x"), (member(name), b"evil")])
    assert refusal(archive) == (problem,)
    assert not (tmp_path / "evil").exists() and list(scratch.iterdir()) == []


@pytest.mark.parametrize(
    ("kind", "problem"),
    [
        (tarfile.SYMTYPE, LINK),
        (tarfile.LNKTYPE, LINK),
        (tarfile.CHRTYPE, "a device, pipe or other special file is refused"),
        (tarfile.FIFOTYPE, "a device, pipe or other special file is refused"),
    ],
)
def test_a_tar_holding_a_link_or_device_is_refused(tmp_path, scratch, kind, problem):
    archive = tar_of(tmp_path / "bag.tar", [(member("bag/data/passwd", kind, "/etc/passwd"), b"")])
    assert refusal(archive) == (f"bag/data/passwd: {problem}",)
    assert list(scratch.iterdir()) == []


def test_a_tar_holding_a_name_twice_is_refused(tmp_path, scratch):
    archive = tar_of(tmp_path / "bag.tar", [(member("bag/data/a.txt"), b"one"), (member("./bag/data/a.txt"), b"two")])
    assert refusal(archive) == ("./bag/data/a.txt: the archive holds this name twice",)


def test_a_zip_holding_a_symbolic_link_is_refused(tmp_path, scratch):
    path = tmp_path / "bag.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("bag/bagit.txt", "BagIt-Version: 1.0\n")
        link = zipfile.ZipInfo("bag/data/passwd")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    assert refusal(path) == (f"bag/data/passwd: {LINK}",)
    assert list(scratch.iterdir()) == []


def test_a_zip_bomb_is_refused_by_the_bytes_it_writes(tmp_path, scratch):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bag/data/zeros.bin", bytes(20 * 1024**2))  # 20 MB in about 20 KB
    assert refusal(path) == (
        f"bag/data/zeros.bin: the archive unpacks to more than 100 times its size ({path.stat().st_size} bytes): "
        "a zip bomb is refused",
    )
    assert list(scratch.iterdir()) == []


def test_an_archive_larger_than_the_limit_is_refused(tmp_path, scratch):
    archive = tar_of(
        tmp_path / "bag.tar", [(member("bag/data/a.bin"), bytes(600)), (member("bag/data/b.bin"), bytes(600))]
    )
    assert refusal(archive, Limits(max_bytes=1000)) == ("bag/data/b.bin: the archive unpacks to more than 1000 bytes",)


def test_an_archive_of_too_many_members_is_refused(tmp_path, scratch):
    path = tmp_path / "bag.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for number in range(5):
            archive.writestr(f"bag/data/{number}.txt", "x")
    assert refusal(path, Limits(max_files=3)) == ("bag/data/3.txt: the archive holds more than 3 members",)


def test_a_file_that_is_no_archive_is_refused(tmp_path):
    path = tmp_path / "bag.rar"
    path.write_bytes(b"Rar!\x1a\x07\x00 not really")
    assert refusal(path) == ("bag.rar: neither a folder nor a tar, tar.gz or zip archive",)


def test_a_folder_bag_holding_a_symbolic_link_is_refused(tmp_path):
    bag = plain_bag(tmp_path / "bag")
    (bag / "data" / "passwd").symlink_to("/etc/passwd")
    (bag / "data" / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    assert refusal(bag) == (
        "data/elsewhere: a symbolic link is refused: a bag holds files only",
        "data/passwd: a symbolic link is refused: a bag holds files only",
    )


def test_a_file_outside_data_and_a_fetch_file_are_refused(tmp_path):
    bag = plain_bag(tmp_path / "bag")
    (bag / "notes.txt").write_text("about this bag")
    (bag / "fetch.txt").write_text("https://example.org/x 5 data/x.txt\n")
    with pytest.raises(BagRefused) as refused:
        read(bag)
    assert str(refused.value).startswith("The bag was refused; problems found: 2.\nfetch.txt: ")  # as the CLI prints it
    assert refusal(bag) == (
        "fetch.txt: a bag that fetches files from elsewhere is refused: ERMS takes in only the files inside the bag",
        "notes.txt: a file outside data/ is refused (a bag's root holds only bagit.txt, bag-info.txt, "
        "manifest-*.txt, tagmanifest-*.txt and data/)",
    )


def test_every_changed_missing_and_extra_payload_file_is_named_at_once(tmp_path):
    bag = plain_bag(tmp_path / "bag", {"a.txt": b"first", "b.txt": b"second", "c.txt": b"third"})
    (bag / "data/a.txt").write_bytes(b"FIRST")  # the same size: only its digest tells
    (bag / "data/b.txt").unlink()
    (bag / "data/extra.txt").write_bytes(b"added")
    changed = "data/a.txt: its sha256 digest is"
    problems = refusal(bag)
    assert problems[:2] == (
        "manifest-sha256.txt lists data/b.txt, which is not in the bag",
        "manifest-sha256.txt does not list the payload file data/extra.txt",
    )
    assert problems[2].startswith(changed) and "as manifest-sha256.txt records" in problems[2]
    assert problems[3] == "bag-info.txt: Payload-Oxum is 16.3, but the payload listed holds 10 bytes in 2 files"
    assert len(problems) == 4


def test_a_mets_checksum_that_disagrees_with_the_manifest_is_refused(handover):
    path, _ = handover
    mets = next(path.glob("data/*/METS.xml"))
    text = mets.read_text(encoding="utf-8")
    first = text.index('CHECKSUM="', text.index('ID="file-000002"')) + len('CHECKSUM="')
    recorded = text[first : first + 64]
    mets.write_text(text[:first] + "0" * 64 + text[first + 64 :], encoding="utf-8")
    bagit.Bag(str(path)).save(manifests=True)  # a consistent bag whose METS says otherwise
    (problem,) = refusal(path)
    assert problem.endswith(
        f"001-quyết định 15.pdf: METS.xml records its sha256 as {'0' * 64}, the bag's manifest as {recorded}"
    )


def test_values_with_no_place_are_reported_and_an_undated_dossier_is_left_out(handover):
    path, sources = handover
    tt02 = next(path.glob("data/*/metadata/descriptive/TT02.xml"))
    text = tt02.read_text(encoding="utf-8").replace(
        "<Priority>normal/none</Priority>", "<Priority>gấp/none</Priority>", 1
    )
    text = text.replace("<StartDate>05/01/2026</StartDate>", "<StartDate>31/02/2026</StartDate>", 2)
    text = text.replace("<StartDate>31/02/2026</StartDate>", "<StartDate>05/01/2026</StartDate>", 1)
    tt02.write_text(text, encoding="utf-8")
    bagit.Bag(str(path)).save(manifests=True)
    with opened(path) as folder:
        bag = read(folder)
    code, left_out = sources[0].file_code, sources[1].file_code
    assert [dossier.file_code for dossier in bag.dossiers] == [code]
    assert bag.dossiers[0].documents[0].values["urgency"] == "normal"
    assert bag.unmapped[:2] == (
        f"Dossier {code}, document 1: Priority urgency 'gấp' has no place in ERMS; normal was taken",
        f"Dossier {left_out} was left out: StartDate '31/02/2026' is not a date (dd/mm/yyyy)",
    )
    unclaimed = [line for line in bag.unmapped[2:] if f"/{left_out}/" in line]
    assert len(unclaimed) == len(bag.unmapped) - 2 == 2  # its index and its document's file


def test_a_bag_with_cits_erms_but_no_tt02_maps_its_case_files(handover):
    path, sources = handover
    with opened(path) as folder:
        ours = read(folder)
    next(path.glob("data/*/metadata/descriptive/TT02.xml")).unlink()
    bagit.Bag(str(path)).save(manifests=True)
    with opened(path) as folder:
        bag = read(folder)
    assert [dossier.file_code for dossier in bag.dossiers] == [source.file_code for source in sources]
    for dossier, expected in zip(bag.dossiers, ours.dossiers, strict=True):
        assert dossier.values == expected.values and dossier.retention == expected.retention
        assert [document.values for document in dossier.documents] == [d.values for d in expected.documents]
        assert [document.files for document in dossier.documents] == [d.files for d in expected.documents]
        assert dossier.index_file == expected.index_file  # from the METS structMap: CITS ERMS does not name it
    assert bag.unmapped == ()


def test_a_document_without_a_file_is_reported_unless_it_is_classified(handover):
    path, sources = handover
    tt02 = next(path.glob("data/*/metadata/descriptive/TT02.xml"))
    text = tt02.read_text(encoding="utf-8")
    start, end = text.index("<Document>"), text.index("</Document>") + len("</Document>")
    document = text[start:end]
    paper = document.replace("<DocOrdinal>1<", "<DocOrdinal>3<").replace("normal/none", "khan/none")
    secret = document.replace("<DocOrdinal>1<", "<DocOrdinal>4<").replace("normal/none", "Hỏa tốc/Tối mật")
    tt02.write_text(text[:end] + paper + secret + text[end:], encoding="utf-8")
    bagit.Bag(str(path)).save(manifests=True)
    with opened(path) as folder:
        bag = read(folder)
    documents = {document.ordinal: document for document in bag.dossiers[0].documents}
    assert sorted(documents) == [1, 2, 3, 4]
    assert (documents[3].files, documents[3].values["urgency"], documents[3].values["marking"]) == ((), "khan", "none")
    assert (documents[4].files, documents[4].values["urgency"], documents[4].values["marking"]) == (
        (),
        "hoa_toc",
        "toi_mat",
    )
    assert bag.unmapped == (f"Dossier {sources[0].file_code}, document 3: no file of it is in the bag",)


def test_a_zip_member_named_outside_the_bag_is_refused(tmp_path, scratch):
    path = tmp_path / "bag.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../evil", "evil")
    assert refusal(path) == (f"../evil: {OUTSIDE}",)
    assert not (tmp_path / "evil").exists() and list(scratch.iterdir()) == []


def test_an_unpacked_bag_refused_while_read_leaves_nothing_behind(tmp_path, scratch):
    bag = plain_bag(tmp_path / "bag")
    (bag / "data/a.txt").write_bytes(b"changed")
    path = tmp_path / "bag.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        archive.add(bag, arcname="bag")
    (problem, oxum) = refusal(path)
    assert problem.startswith("data/a.txt: its sha256 digest is ") and oxum.startswith("bag-info.txt: Payload-Oxum")
    assert list(scratch.iterdir()) == []


def test_a_folder_that_is_no_bag_is_refused_once(tmp_path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder/report.pdf").write_bytes(b"%PDF")
    assert refusal(tmp_path / "folder") == ("bagit.txt is missing: this is not a BagIt bag",)


FOREIGN_ERMS = """<?xml version="1.0" encoding="UTF-8"?>
<erms xmlns="https://DILCIS.eu/XML/ERMS">
  <control><identification identificationType="ma_phong">H99</identification></control>
  <aggregations>
    <aggregation aggregationType="caseFile" systemIdentifier="s-1">
      <extraId extraIdType="ma_ho_so">H99.2024.01</extraId>
      <title>Hồ sơ hội nghị</title>
      <disposal disposable="true"><disposalPeriod>10 năm</disposalPeriod></disposal>
      <dates><date dateType="start">2024-02-01T00:00:00+07:00</date></dates>
      <record recordType="Công văn" systemIdentifier="r-1">
        <securityClass>Mật</securityClass>
        <title>Về hội nghị</title>
        <direction directionDefinition="outgoing"/>
        <agents><agent agentType="creator"><name>Sở Nội vụ</name></agent></agents>
        <dates><date dateType="originated">2024-02-03T00:00:00+07:00</date></dates>
        <additionalInformation><appendix name="Công văn 5.pdf" path="files/cv5.pdf"/></additionalInformation>
      </record>
    </aggregation>
  </aggregations>
</erms>
"""


def test_a_foreign_bag_with_cits_erms_only_maps_its_case_files(tmp_path):
    bag = read(plain_bag(tmp_path / "bag", {"ERMS.xml": FOREIGN_ERMS.encode(), "files/cv5.pdf": b"%PDF-5"}))
    (dossier,) = bag.dossiers
    assert (dossier.file_code, dossier.organ_id, dossier.year, dossier.retention) == (
        "H99.2024.01",
        "H99",
        2024,
        (False, 10, ""),
    )
    assert metadata.check("dossier", dossier.values) == dossier.values
    assert dossier.values == {
        "title": "Hồ sơ hội nghị",
        "language": "Tiếng Việt",
        "rights": "restricted",
        "start_date": "2024-02-01",
    }
    (document,) = dossier.documents
    assert metadata.check("document", document.values) == document.values
    assert (document.ordinal, document.values["direction"], document.values["marking"]) == (1, "outgoing", "mat")
    assert (document.values["issued_date"], document.values["organ_name"]) == ("2024-02-03", "Sở Nội vụ")
    assert [(file.path, file.filename, file.media_type) for file in document.files] == [
        ("data/files/cv5.pdf", "Công văn 5.pdf", "application/pdf")
    ]
    assert bag.source == "H99"
    assert bag.unmapped == ("Dossier H99.2024.01: no access given; restricted was taken",)
