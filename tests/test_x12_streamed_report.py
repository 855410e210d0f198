"""The 837I report (`hhbill x12 check` / `claim check FILE.837`) is streamed: its peak memory does not grow with
the number of claims, and it says what the collected report said."""

from __future__ import annotations

import io
import json
import sys
import tracemalloc
from pathlib import Path

import pytest

from _x12_support import PRACTITIONERS, final_claim
from hhbill._store import Store
from hhbill.app import Hhbill
from hhbill.claims import CheckContext, check_claim
from hhbill.cli.x12 import check_x12_file
from hhbill.x12 import WriterSettings, _tokenizer, scrub_file, scrub_report_text, write_837i, write_scrub_report

SETTINGS = WriterSettings(payer_id="14011", practitioner_names=PRACTITIONERS)
CONTEXT = CheckContext()


def checker(claim):  # type: ignore[no-untyped-def]
    return check_claim(claim, CONTEXT)


class _Sink(io.TextIOBase):
    """Counts what is written and keeps nothing."""

    def __init__(self) -> None:
        self.characters = 0

    def write(self, text: str) -> int:
        self.characters += len(text)
        return len(text)


def _file(folder: Path, claims: int) -> Path:
    path = folder / f"{claims}.837"
    with path.open("w") as out:
        write_837i((final_claim(n % 90) for n in range(claims)), out, SETTINGS)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("streamed")
    return _file(folder, 100), _file(folder, 1000)


class _Context:
    """What `check_x12_file` takes from the typer context: the root object holding the application."""

    def __init__(self, store: Store) -> None:
        self.obj = {"hhbill": Hhbill(store)}

    def find_root(self) -> _Context:
        return self


def _peak_bytes(path: Path, fmt: str, context: _Context, monkeypatch: pytest.MonkeyPatch) -> int:
    sink = _Sink()
    monkeypatch.setattr(sys, "stdout", sink)
    check_x12_file(context, path, fmt)  # type: ignore[arg-type]  # catalogs and caches loaded before measuring
    tracemalloc.start()
    try:
        status = check_x12_file(context, path, fmt)  # type: ignore[arg-type]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert status in (0, 3) and sink.characters > 0
    return peak


@pytest.mark.parametrize("fmt", ["json", "text", "table"])
def test_cli_report_memory_does_not_grow_with_the_claims(
    files: tuple[Path, Path], fmt: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # the reader's fixed buffers (1 MiB read, 256 KiB split window) are shrunk so both files are larger than them
    monkeypatch.setattr(_tokenizer, "_CHUNK_CHARS", 32 * 1024)
    monkeypatch.setattr(_tokenizer, "_MAX_WINDOW_CHARS", 16 * 1024)
    context = _Context(Store(tmp_path / "hhbill.db"))
    small, large = files
    small_peak = _peak_bytes(small, fmt, context, monkeypatch)
    large_peak = _peak_bytes(large, fmt, context, monkeypatch)
    # a report collected before printing grows about 10x here; a streamed one stays near the small file's
    assert large_peak < 1.5 * small_peak + 256 * 1024, (small_peak, large_peak)


def test_streamed_json_and_text_say_what_the_collected_report_says(files: tuple[Path, Path]) -> None:
    path = files[0]
    report = scrub_file(path, checker)
    out = io.StringIO()
    totals = write_scrub_report(path, checker, out, "json")
    streamed = json.loads(out.getvalue())
    assert streamed == report.to_dict()
    assert totals.summary() == report.summary()
    text = io.StringIO()
    write_scrub_report(path, checker, text, "text")
    assert sorted(text.getvalue().splitlines()) == sorted(scrub_report_text(report).splitlines())
