"""Formats identified by the worker after capture: the PUID kept with the file, written to the package's PREMIS,
and a file PRONOM does not know by its bytes pointed out to the archivist."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

from lxml import etree
from sqlalchemy import select

from erms import jobs
from erms.models import StoredFile
from exports.bagging import verify
from filing import dossiers, format_records
from tests.exports.test_handover import build, permanent, settings  # noqa: F401
from tests.factories import DOCUMENT
from tests.signing import plain_pdf

PREMIS = {"p": "http://www.loc.gov/premis/v3"}


def add(session, world, store, now, dossier, content: bytes, filename: str):
    upload = dossiers.Upload(filename, io.BytesIO(content), 10**7)
    document = dossiers.add_document(
        session, world.actor("officer1"), dossier.id, dict(DOCUMENT), upload, store=store, now=now
    )
    return document.versions[0].file


def identify(session, session_factory, store) -> int:
    session.commit()
    done = jobs.identify_formats(session_factory, store)
    session.expire_all()
    return done


def test_the_worker_identifies_new_files_and_points_out_the_unknown(
    session, session_factory, world, store, now, make_dossier
):
    dossier = make_dossier("open", documents=0)
    pdf = add(session, world, store, now, dossier, plain_pdf(), "quyết định.pdf")
    odd = add(session, world, store, now, dossier, bytes(range(256)) * 4, "du-lieu.bin")
    # An executable named as a PDF: PRONOM knows it by its bytes, and the archivist is told it is not a PDF.
    exe = add(session, world, store, now, dossier, b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200), "fake.pdf")
    assert pdf.puid is None and format_records.unknown_counts(session, [dossier.id]) == {}
    assert identify(session, session_factory, store) == 3
    assert (exe.puid, exe.format_basis) == ("x-fmt/409", "misnamed") and format_records.unknown(exe)
    assert (pdf.puid, pdf.format_basis) == ("fmt/17", "signature") and "PDF" in pdf.format_name
    assert odd.puid is not None and odd.format_basis != "signature" and format_records.unknown(odd)
    assert format_records.unknown_counts(session, [dossier.id]) == {dossier.id: 2}
    assert identify(session, session_factory, store) == 0  # identified once
    waiting = session.scalars(select(StoredFile).where(StoredFile.puid.is_(None))).all()
    assert waiting == []


def test_the_hand_over_package_names_each_format_by_its_pronom_identifier(
    session,
    session_factory,
    world,
    store,
    now,
    permanent,  # noqa: F811
    settings,  # noqa: F811
):
    archived = permanent()
    identify(session, session_factory, store)
    _, package = build(session, world, dataclasses.replace(settings, eark_tool=None), now, [archived.id])
    assert all(check.status != "failed" for check in verify.from_json(package.report))
    root = verify.package_root(Path(package.path))
    premis = etree.parse(str(root / "metadata/preservation/PREMIS.xml"))
    keys = premis.xpath(
        "//p:formatRegistry[p:formatRegistryName='PRONOM']/p:formatRegistryKey/text()", namespaces=PREMIS
    )
    assert keys and all(key.startswith(("fmt/", "x-fmt/")) for key in keys)
