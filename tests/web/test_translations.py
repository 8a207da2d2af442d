"""Every user-facing string has a Vietnamese translation: an untranslated msgid fails the build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "erms" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")


def extract(tmp_path: Path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-k",
            "_l",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return read_po(handle)


def test_every_message_is_translated_into_vietnamese(tmp_path):
    template = extract(tmp_path)
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="vi")
    missing, fuzzy = [], []
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id, message.context)
        if (
            translated is None
            or not translated.string
            or (isinstance(translated.string, tuple) and not all(translated.string))
        ):
            missing.append(message.id)
        elif translated.fuzzy:
            fuzzy.append(message.id)
    assert not missing, f"untranslated (run pybabel update, then translate): {missing}"
    assert not fuzzy, f"fuzzy translations to review: {fuzzy}"
    assert len(template) > 100  # the extraction really found the templates and the domain messages


def test_translations_keep_their_placeholders():
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="vi")
    problems = [(message.id, [str(error) for error in errors]) for message, errors in catalog.check()]
    assert not problems


def test_the_shipped_catalogue_is_the_translations_compiled():
    """The compiled catalogue is in the repository, so a server installed by the README's steps (no ``make``) speaks
    Vietnamese; after editing the .po, ``make translations`` compiles it again, and this test says when it was not."""
    with PO.open("rb") as handle:
        written = {_key(message.id): _key(message.string) for message in read_po(handle, locale="vi") if message.id}
    with MO.open("rb") as handle:
        shipped = {_key(message.id): _key(message.string) for message in read_mo(handle) if message.id}
    stale = sorted(str(key) for key in written.keys() ^ shipped.keys())
    stale += sorted(str(key) for key in written.keys() & shipped.keys() if written[key] != shipped[key])
    assert not stale, f"messages.mo is not messages.po compiled (run make translations): {stale[:10]}"


def _key(text):
    """A message's singular and plural (a list in a read .mo, a tuple in a read .po) as one comparable value."""
    return tuple(text) if isinstance(text, list | tuple) else text
