"""The X12 tokenizer and reader compiled by mypyc (setup.py) behave exactly as their interpreted sources, and a
compiled module older than its source is never used."""

from __future__ import annotations

import json
import os
import runpy
import shutil
import subprocess
import sys
from collections.abc import Iterator
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from typing import Any

import pytest

import hhbill.x12
from _x12_support import PRACTITIONERS, final_claim, therapy_claim
from conftest import shared_path
from hhbill._store import Store
from hhbill.x12 import WriterSettings, claims_to_x12
from hhbill.x12 import _compiled as compiled

SRC = Path(hhbill.x12.__file__).resolve().parents[2]
X12_FOLDER = Path(compiled.__file__).resolve().parent

#: every piece of the reader's output for one file: the raw segments, the claims and findings read strictly
#: and leniently, and the scrub report, as text (an error is part of the output: its message and place)
DUMP = r"""
import io, json, sys
from datetime import date
import hhbill.x12
from hhbill.x12 import _compiled
if sys.argv[1] == "interpreted":
    _compiled.import_interpreted("hhbill.x12")
from hhbill import X12Error
from hhbill._store import Store
from hhbill.claims import check_claim, claim_to_dict, context_for_store
from hhbill.x12 import SegmentStream, X12Reader, write_scrub_report

def guarded(what):
    try:
        return what()
    except X12Error as exc:
        return {"error": str(exc), "at": exc.location}

def read(path, strict):
    reader = X12Reader(path, strict=strict)
    claims = [[p.ordinal, p.claim_id, p.segment_number, claim_to_dict(p.claim), [str(i) for i in p.issues]]
              for p in reader]
    return [claims, [str(i) for i in reader.issues]]

context = context_for_store(Store(sys.argv[2]), today=date(2026, 6, 1))
out = {"compiled": [_compiled.is_compiled(sys.modules[f"hhbill.x12.{name}"]) for name in _compiled.COMPILED_MODULES]}
for path in sys.argv[3:]:
    result = {"segments": guarded(lambda: [[s.number, s.elements] for s in SegmentStream(path)])}
    for strict in (True, False):
        result[f"read strict={strict}"] = guarded(lambda: read(path, strict))
        report = io.StringIO()
        write_scrub_report(path, lambda claim: check_claim(claim, context), report, "json", strict=strict)
        result[f"scrub strict={strict}"] = report.getvalue()
    out[path] = result
print(json.dumps(out, default=str, sort_keys=True))
"""


def _in_ci() -> bool:
    return os.environ.get("CI") == "true"


def _run(mode: str, files: list[Path], db: Path, src: Path = SRC) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, "-c", DUMP, mode, str(db), *map(str, files)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A database with the embedded default reference, made once and shared by both readers' runs."""
    path = tmp_path_factory.mktemp("compiled") / "hhbill.db"
    Store(path).close()
    yield path


def _require_compiled() -> None:
    if not compiled.compiled_files_present():
        if _in_ci():
            pytest.fail("the X12 reader was not compiled: `make test` builds it with mypyc (setup.py)")
        pytest.skip("the X12 reader is not compiled here (pip install -e . compiles it)")


def _faulty_files(folder: Path) -> list[Path]:
    """Generated 837I files with known faults, read both ways: broken claims, broken structure, odd layout."""
    settings = WriterSettings(payer_id="14011", practitioner_names=PRACTITIONERS, max_claims_per_transaction=2)
    claims = [final_claim(n) for n in range(5)] + [therapy_claim()]
    claims[1].patient.mbi = "1EG4TE5MK0"
    text = claims_to_x12(claims, settings)
    variants = {
        "good.837": text,
        "lines.837": text.replace("~", "~\r\n"),
        "truncated.837": text[: len(text) * 2 // 3],
        "missing-clm.837": text.replace("CLM*", "CLX*", 1),
        "out-of-order.837": text.replace("HI*", "XX*1~HI*", 1),
        "bad-se-count.837": text.replace("SE*", "SE*9", 1),
        "bad-delimiter.837": text.replace("*", "|", 40),
        "no-isa.837": text[3:],
        "two-interchanges.837": text + "\n" + text,
    }
    paths = []
    for name, content in variants.items():
        path = folder / name
        path.write_text(content)
        paths.append(path)
    return paths


def test_compiled_reader_reads_every_file_as_the_interpreted_one(tmp_path: Path, db: Path) -> None:
    _require_compiled()
    corpus = shared_path("corpora/x12/837i")
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and not p.name.endswith(".997"))
    files += _faulty_files(tmp_path)
    files += sorted((SRC.parent / "fuzz" / "corpus" / "x12_837i").glob("*"))  # the fuzzer's seeds
    fast, slow = _run("compiled", files, db), _run("interpreted", files, db)
    assert fast.pop("compiled") == [True] * len(compiled.COMPILED_MODULES)
    assert slow.pop("compiled") == [False] * len(compiled.COMPILED_MODULES)
    assert fast == slow
    # the comparison covers errors as well as claims
    outcomes = [result["read strict=True"] for result in fast.values()]
    assert any(isinstance(o, dict) and "error" in o for o in outcomes)
    assert sum(len(o[0]) for o in outcomes if isinstance(o, list)) >= 10


def test_a_compiled_module_older_than_its_source_is_not_used(tmp_path: Path, db: Path) -> None:
    _require_compiled()
    copy = tmp_path / "src"
    shutil.copytree(SRC / "hhbill", copy / "hhbill", ignore=shutil.ignore_patterns("__pycache__"))
    for shared_runtime in SRC.glob("*__mypyc*"):
        shutil.copy(shared_runtime, copy)
    reader = copy / "hhbill" / "x12" / "_reader.py"
    reader.write_text(reader.read_text() + "\n# edited after it was compiled\n")
    assert _run("compiled", [], db, src=copy)["compiled"] == [False] * len(compiled.COMPILED_MODULES)


def test_compiled_files_are_checked_against_the_checksums_of_their_sources(tmp_path: Path) -> None:
    for name in compiled.COMPILED_MODULES:
        (tmp_path / f"{name}.py").write_text(f"# {name}\n")
    assert not compiled.compiled_files_present(tmp_path)
    (tmp_path / f"_reader{EXTENSION_SUFFIXES[0]}").write_bytes(b"")
    assert compiled.compiled_files_present(tmp_path)
    assert not compiled.compiled_files_current(tmp_path)  # no checksums recorded
    sums = {n: compiled.source_checksum(tmp_path / f"{n}.py") for n in compiled.COMPILED_MODULES}
    (tmp_path / "_compiled_sources.json").write_text(json.dumps(sums))
    assert compiled.compiled_files_current(tmp_path)
    (tmp_path / "_tokenizer.py").write_text("# edited\n")
    assert not compiled.compiled_files_current(tmp_path)
    (tmp_path / "_compiled_sources.json").write_text("not json")
    assert not compiled.compiled_files_current(tmp_path)


def test_the_checksums_recorded_at_build_are_those_of_the_sources_in_use() -> None:
    _require_compiled()
    assert compiled.compiled_files_current(X12_FOLDER)
    # setup.py records them the same way (it cannot import the package it builds)
    build = runpy.run_path(str(SRC.parent / "setup.py"), run_name="hhbill_setup")
    for name in compiled.COMPILED_MODULES:
        source = X12_FOLDER / f"{name}.py"
        assert build["source_checksum"](source) == compiled.source_checksum(source)
