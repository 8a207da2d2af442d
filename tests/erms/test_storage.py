"""The content-addressed store: digests, deduplication, atomic writes, size limit."""

import hashlib
import io

import pytest

from erms import storage
from erms.storage import TooLarge


def test_digests_and_path(store):
    data = "Quyết định số 15/QĐ-UBND".encode() * 1000
    captured = store.put(io.BytesIO(data))
    assert captured.sha256 == hashlib.sha256(data).hexdigest()
    assert captured.sha512 == hashlib.sha512(data).hexdigest()
    assert captured.size == len(data)
    assert captured.path == store.root / captured.sha256[:2] / captured.sha256[2:4] / captured.sha256
    assert captured.path.read_bytes() == data


def test_same_bytes_stored_once(store):
    first = store.put(io.BytesIO(b"same bytes"))
    second = store.put(io.BytesIO(b"same bytes"))
    assert first.created and not second.created
    files = [p for p in store.root.rglob("*") if p.is_file()]
    assert files == [first.path]


@pytest.mark.parametrize("chunk", [1024, 24, 7])
def test_a_pdf_signature_is_seen_at_capture_wherever_the_reads_cut_it(store, monkeypatch, chunk):
    monkeypatch.setattr(storage, "CHUNK", chunk)  # 24: "/ByteRange" (bytes 20-29) spans two reads; 7: three
    signed = store.put(io.BytesIO(b"%PDF-1.7 <</Type/Sig/ByteRange[0 10 20 30]>>"))
    unsigned = store.put(io.BytesIO(b"%PDF-1.7 <</Type/Page/Range[0 10 20 30]>> /Byte Range"))
    assert signed.signed and not unsigned.signed
    assert signed.path.read_bytes() == b"%PDF-1.7 <</Type/Sig/ByteRange[0 10 20 30]>>"
    assert store.put(io.BytesIO(b"%PDF-1.7 <</Type/Sig/ByteRange[0 10 20 30]>>")).signed  # stored once, still told


class Exploding(io.RawIOBase):
    """A stream that fails after some bytes, like a connection dropped mid-upload."""

    def __init__(self):
        self.sent = 0

    def read(self, size=-1):
        if self.sent >= 3:
            raise ConnectionError("client went away")
        self.sent += 1
        return b"x" * 1024 * 1024


def test_failed_upload_leaves_nothing(store):
    with pytest.raises(ConnectionError):
        store.put(Exploding())
    assert [p for p in store.root.rglob("*") if p.is_file()] == []


def test_too_large_stores_nothing(store):
    with pytest.raises(TooLarge):
        store.put(io.BytesIO(b"y" * 5000), max_size=4096)
    assert [p for p in store.root.rglob("*") if p.is_file()] == []


def test_digest_detects_corruption_and_delete(store):
    captured = store.put(io.BytesIO(b"original"))
    assert store.digest(captured.sha256) == captured.sha256
    captured.path.write_bytes(b"tampered")
    assert store.digest(captured.sha256) != captured.sha256
    assert store.delete(captured.sha256) is True
    assert store.delete(captured.sha256) is False
    assert not store.exists(captured.sha256)
