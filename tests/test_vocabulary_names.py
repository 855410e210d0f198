"""A code page reads the search vocabulary's names without the stems search ranks by, so showing a page never
starts the stemmer; the names are the same entries search uses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hhbill.search import load_vocabulary, load_vocabulary_names

SRC = Path(__file__).resolve().parents[1] / "src"


def test_the_names_are_the_entries_search_uses_without_their_stems() -> None:
    names, full = load_vocabulary_names(), load_vocabulary()
    assert len(names.entries) == len(full.entries) > 100
    for light, entry in zip(names.entries, full.entries, strict=True):
        assert (light.terms, light.means, light.codes, light.code_ranges, light.source) == (
            entry.terms,
            entry.means,
            entry.codes,
            entry.code_ranges,
            entry.source,
        )
        assert light.term_stems == () and entry.term_stems
    assert names.fingerprint == full.fingerprint
    assert full.qualifiers and not names.qualifiers


def test_a_code_page_does_not_start_the_stemmer(tmp_path: Path) -> None:
    db = str(tmp_path / "hhbill.db")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    prepare = f"from hhbill.app import Hhbill; Hhbill({db!r}).ensure_default()"
    subprocess.run([sys.executable, "-c", prepare], env=env, check=True)  # the import indexes (and stems) once
    script = (
        "import sys; from datetime import date; from hhbill.app import Hhbill; "
        f"page = Hhbill({db!r}).code_page('G0320', date(2026, 2, 1)); "
        "assert page['also_known_as'] and page['plain_language'] and 'hhbill.explain' in sys.modules; "
        "text = sys.modules.get('hhbill.search._text'); print(text is None or text._stemmer is None)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip() == "True"
