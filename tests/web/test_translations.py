"""Every user-facing string has a Vietnamese translation: an untranslated msgid fails the build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "erms" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"


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
