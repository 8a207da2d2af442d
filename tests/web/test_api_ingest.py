"""Bag ingest through the JSON API: a bag uploaded in chunks, named with its unit, taken in by the worker; a bag
that is unsafe is refused whole and the job says why."""

from __future__ import annotations

import dataclasses
import io
import tarfile
from pathlib import Path

import pytest
from erms_browser import run_background_jobs
from sqlalchemy import select

from erms.models import Dossier
from erms.models.dossier import DossierState
from tests.exports.test_handover import build, permanent, settings  # noqa: F401
from tests.web.test_api import PROBLEM, caller
from tests.web.test_api_uploads import upload_all


@pytest.fixture
def api(app):
    return caller(app)


@pytest.fixture
def bag_bytes(session, world, settings, now, permanent):  # noqa: F811
    """Our hand-over bag of two dossiers as .tar.gz bytes; the dossiers it came from are renamed in this instance,
    so that the bag's dossiers are new to it."""
    dossiers = [permanent(documents=2), permanent()]
    _, package = build(session, world, dataclasses.replace(settings, eark_tool=None), now, [d.id for d in dossiers])
    codes = [dossier.file_code for dossier in dossiers]
    for dossier in dossiers:
        dossier.entry.file_notation += "-CU"
        dossier.file_notation += "-CU"
        dossier.file_code += "-CU"
    session.commit()
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        tar.add(package.path, arcname=Path(package.path).name)
    return out.getvalue(), codes


def test_a_bag_uploaded_in_chunks_is_taken_in_by_the_worker(api, app, token_of, bag_bytes, session):
    data, codes = bag_bytes
    token = token_of("archivist")
    upload_id = upload_all(api, token, data)
    queued = api("POST", "/ingests", token, json={"upload_id": upload_id, "unit": "VP"})
    assert queued.status_code == 202, queued.json
    assert queued.headers["Location"] == f"/api/v1/jobs/{queued.json['id']}"
    assert queued.json["kind"] == "intake.bag" and queued.json["state"] == "queued"
    run_background_jobs(app)
    job = api("GET", queued.headers["Location"].removeprefix("/api/v1"), token).json
    assert (job["state"], job["done"], job["total"], job["errors"]) == ("done", 3, 3, [])
    session.expire_all()
    made = session.scalars(select(Dossier).where(Dossier.file_code.in_(codes))).all()
    assert sorted(d.file_code for d in made) == sorted(codes)
    assert {d.state for d in made} == {DossierState.ARCHIVED}
    again = api("POST", "/ingests", token, json={"upload_id": upload_id, "unit": "VP"})
    assert again.status_code == 409 and again.mimetype == PROBLEM  # the upload was used up


def test_an_unsafe_bag_is_refused_whole_and_the_job_says_why(api, app, token_of, session):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        evil = tarfile.TarInfo("../evil.txt")
        evil.size = 4
        tar.addfile(evil, io.BytesIO(b"evil"))
    token = token_of("archivist")
    upload_id = upload_all(api, token, out.getvalue())
    queued = api("POST", "/ingests", token, json={"upload_id": upload_id, "unit": "VP"})
    run_background_jobs(app)
    job = api("GET", f"/jobs/{queued.json['id']}", token).json
    assert job["state"] == "failed"
    assert job["errors"] == [
        "The bag was refused; problems found: 1.",
        "../evil.txt: a name outside the bag (absolute, or with '..') is refused",
    ]
    assert session.scalar(select(Dossier.id).limit(1)) is None
    garbage = upload_all(api, token, b"not an archive at all")
    refused = api("POST", "/ingests", token, json={"upload_id": garbage, "unit": "VP"})
    run_background_jobs(app)
    said = api("GET", f"/jobs/{refused.json['id']}", token).json["errors"]
    # Named as the archivist sent it ("Quyết định 15.pdf"), not as the spool file the worker read ("7.part").
    assert said[1] == "Quyết định 15.pdf: neither a folder nor a tar, tar.gz or zip archive"


def test_only_an_archivist_ingests_and_a_bad_body_is_named(api, token_of):
    for role in ("officer1", "registry", "head"):
        refused = api("POST", "/ingests", token_of(role), json={"upload_id": 1, "unit": "VP"})
        assert refused.status_code == 403 and refused.mimetype == PROBLEM
    bad = api("POST", "/ingests", token_of("archivist"), json={"upload_id": "1", "unit": "", "x": 1})
    assert bad.status_code == 422
    assert sorted(error["field"] for error in bad.json["errors"]) == ["unit", "upload_id", "x"]
    missing = api("POST", "/ingests", token_of("archivist"), json={"upload_id": 999, "unit": "VP"})
    assert missing.status_code == 404


def test_a_unit_none_of_the_archivists_organisations_has_is_refused_before_the_upload_is_used(api, token_of, bag_bytes):
    data, _codes = bag_bytes
    token = token_of("archivist")
    upload_id = upload_all(api, token, data)
    typo = api("POST", "/ingests", token, json={"upload_id": upload_id, "unit": "NOPE"})
    assert typo.status_code == 422 and [error["field"] for error in typo.json["errors"]] == ["unit"]
    assert "The organisation has no unit with the code NOPE." in typo.json["detail"] + str(typo.json["errors"])
    queued = api("POST", "/ingests", token, json={"upload_id": upload_id, "unit": "VP"})
    assert queued.status_code == 202, queued.json  # the upload was not used up by the refusal
