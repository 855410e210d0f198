"""Fuzz targets: one per input path. Each takes the raw bytes a user or a file could hand hhbill.

The invariant every target checks: the input ends in a result, or in an :class:`hhbill.HhbillError` subclass
that carries a location (file/line/field, segment, field path). Any other exception is a finding. Hangs and
runaway memory are caught by the fuzzer's ``-timeout`` and ``-rss_limit_mb`` (see ``fuzz/run.py``).

Run one target under atheris::

    python fuzz/targets.py hcpcs_txt -max_total_time=10 fuzz/corpus/hcpcs_txt

or replay files without atheris (what the regression tests do)::

    python fuzz/targets.py --replay hcpcs_txt FILE...

hhbill modules are imported inside the functions, so that ``main`` can import them under atheris's
instrumentation first.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import io
import json
import os
import pkgutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: set by ``_work_dir`` once per process: where targets that need files or a database put them
_WORK: dict[str, Any] = {}


class InvariantBroken(AssertionError):
    """A documented error came without a location: the caller could not say where the problem is."""


def _expect_documented(call: Callable[[], Any]) -> Any:
    from hhbill._errors import HhbillError

    try:
        return call()
    except HhbillError as exc:
        if not exc.location:
            raise InvariantBroken(f"{type(exc).__name__} without a location: {exc.message}") from exc
        if not exc.message:
            raise InvariantBroken(f"{type(exc).__name__} without a message") from exc
        return exc


def _work_dir() -> Path:
    if "dir" not in _WORK:
        import atexit
        import shutil

        _WORK["dir"] = Path(tempfile.mkdtemp(prefix="hhbill-fuzz-"))
        atexit.register(shutil.rmtree, _WORK["dir"], True)
    return Path(_WORK["dir"])


# -- HCPCS ---------------------------------------------------------------------------------------------------------
def hcpcs_txt(data: bytes) -> None:
    from hhbill.hcpcs import read_txt

    _expect_documented(lambda: read_txt(data, file="HCPC2026_JAN_fuzz.txt"))


def hcpcs_xlsx(data: bytes) -> None:
    from hhbill.hcpcs import read_xlsx

    _expect_documented(lambda: read_xlsx(data, file="HCPC2026_JAN_fuzz.xlsx"))


def hcpcs_notes(data: bytes) -> None:
    from hhbill.hcpcs import read_notes

    _expect_documented(lambda: read_notes(data, file="proc_notes_fuzz.txt"))


def hcpcs_zip(data: bytes) -> None:
    """A release zip through the public ``read_release(path)`` (the file is written to a scratch folder)."""
    from hhbill.hcpcs import read_release

    path = _work_dir() / "january-2026-alpha-numeric-hcpcs-file.zip"
    path.write_bytes(data)
    _expect_documented(lambda: read_release(path))


# -- fee schedule ------------------------------------------------------------------------------------------------------
def _rvu(name: str, data: bytes) -> None:
    from hhbill.rvu._readers import SourceFile, detect_kind, parse_source

    source = SourceFile(name, f"RVU26A.zip :: {name}", data, 2026, "A")
    kind = detect_kind(name, data[:4000]) or "pprrvu"
    _expect_documented(lambda: parse_source(source, kind))


def rvu_pprrvu_csv(data: bytes) -> None:
    _rvu("PPRRVU2026_JAN_fuzz.csv", data)


def rvu_pprrvu_txt(data: bytes) -> None:
    _rvu("PPRRVU2026_JAN_fuzz.txt", data)


def rvu_gpci(data: bytes) -> None:
    """First byte ``T``: the TXT edition (rest of the input); otherwise the CSV edition."""
    if data[:1] == b"T":
        _rvu("GPCI2026.txt", data[1:])
    else:
        _rvu("GPCI2026.csv", data)


def rvu_zip5(data: bytes) -> None:
    _rvu("ZIP5_JAN2026.txt", data)


def rvu_release_zip(data: bytes) -> None:
    """A fee schedule release zip through the public importer (``hhbill rvu-import RVU26A.zip``), into a scratch
    store: the reading of the archive, the choice of members and the parse of each."""
    from hhbill.rvu import import_fee_schedule

    if "rvu_store" not in _WORK:
        from hhbill._store import Store

        _WORK["rvu_store"] = Store(_work_dir() / "rvu.db")
    path = _work_dir() / "RVU26A.zip"
    path.write_bytes(data)
    _expect_documented(lambda: import_fee_schedule(_WORK["rvu_store"], path))


# -- X12 837I ----------------------------------------------------------------------------------------------------------
def x12_837i(data: bytes) -> None:
    """Read every claim, strictly and leniently; the claims read must also render (as the API does)."""
    from hhbill.claims import claim_to_dict
    from hhbill.x12 import X12Reader

    for strict in (True, False):

        def read(strict: bool = strict) -> int:
            reader = X12Reader(io.BytesIO(data), strict=strict, file_name="fuzz.837")
            count = 0
            for parsed in reader:
                claim_to_dict(parsed.claim)
                count += 1
            return count

        _expect_documented(read)


# -- claim input -------------------------------------------------------------------------------------------------------
def _check_context() -> Any:
    if "context" not in _WORK:
        from datetime import date

        from hhbill._store import Store
        from hhbill.claims._service import context_for_store

        store = Store(_work_dir() / "claims.db")
        _WORK["store"] = store
        _WORK["context"] = context_for_store(store, today=date(2026, 4, 15))
    return _WORK["context"]


def claim_json(data: bytes) -> None:
    """A claim input file through ``load_claim_input`` (as ``hhbill claim check FILE`` reads it), then build+check."""
    from hhbill.claims import load_claim_input
    from hhbill.claims._service import check_input

    path = _work_dir() / "claim.json"
    path.write_bytes(data)
    parsed = _expect_documented(lambda: load_claim_input(path))
    if isinstance(parsed, Exception):
        return
    # the API path: the decoded JSON object through build + check against the embedded HCPCS release
    _expect_documented(lambda: check_input(json.loads(data.decode("utf-8-sig")), _check_context()))


def claim_csv(data: bytes) -> None:
    """A visit CSV (the ``--visits`` file) joined to a fixed period header, then built."""
    from hhbill.claims import build_claim, load_claim_input

    folder = _work_dir()
    header = {k: v for k, v in _period_header().items() if k != "visits"}
    (folder / "period.json").write_text(json.dumps(header))
    (folder / "visits.csv").write_bytes(data)
    parsed = _expect_documented(lambda: load_claim_input(folder / "period.json", visits_csv=folder / "visits.csv"))
    if not isinstance(parsed, Exception):
        _expect_documented(lambda: build_claim(parsed))


def _period_header() -> dict[str, Any]:
    seed = Path(__file__).resolve().parent / "corpus" / "claim_json" / "period.json"
    return json.loads(seed.read_text())


# -- search ------------------------------------------------------------------------------------------------------------
def prepared_search_db() -> Path:
    """A database with the embedded default release and its search tables built (the first search on a fresh
    database spends seconds building them). Built once per source version and reused from the temp folder."""
    import hashlib
    import shutil

    import hhbill

    package = Path(hhbill.__file__).resolve().parent
    digest = hashlib.sha256()
    for source in sorted([*package.glob("search/*.py"), *package.glob("hcpcs/*.py"), *package.glob("data/*.json")]):
        digest.update(source.name.encode() + source.read_bytes())
    cache = Path(tempfile.gettempdir()) / "hhbill-fuzz" / f"search-{digest.hexdigest()[:16]}.db"
    if not cache.exists():
        from hhbill import hcpcs
        from hhbill._store import Store
        from hhbill.search import search

        cache.parent.mkdir(parents=True, exist_ok=True)
        building = cache.with_suffix(f".{os.getpid()}.tmp")
        with Store(building) as store:
            hcpcs.ensure_default(store)
            search(store, "aspirin wheelchair", as_of="2026-02-01")
            store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            store.execute("PRAGMA journal_mode=DELETE")
        os.replace(building, cache)
    copy = _work_dir() / f"search-{os.getpid()}.db"
    if not copy.exists():
        shutil.copy(cache, copy)
    return copy


def search_query(data: bytes) -> None:
    """Any query text, as typed, through ``search`` and ``suggest`` over the embedded default release."""
    from hhbill.search import search, suggest

    if "search_store" not in _WORK:
        from hhbill._store import Store

        _WORK["search_store"] = Store(prepared_search_db())
    store = _WORK["search_store"]
    text = data.decode("utf-8", errors="replace")
    _expect_documented(lambda: search(store, text, as_of="2026-02-01", limit=50))
    _expect_documented(lambda: suggest(store, text, as_of="2026-02-01"))


TARGETS: dict[str, Callable[[bytes], None]] = {
    "hcpcs_txt": hcpcs_txt,
    "hcpcs_xlsx": hcpcs_xlsx,
    "hcpcs_notes": hcpcs_notes,
    "hcpcs_zip": hcpcs_zip,
    "rvu_pprrvu_csv": rvu_pprrvu_csv,
    "rvu_pprrvu_txt": rvu_pprrvu_txt,
    "rvu_gpci": rvu_gpci,
    "rvu_zip5": rvu_zip5,
    "rvu_release_zip": rvu_release_zip,
    "x12_837i": x12_837i,
    "claim_json": claim_json,
    "claim_csv": claim_csv,
    "search_query": search_query,
}


# -- known open findings -----------------------------------------------------------------------------------------------
#: Findings already reported whose fix belongs to another module, keyed by (exception type, innermost hhbill frame
#: "path:function"). While fuzzing they are counted ("KNOWN-OPEN" lines on stderr) instead of stopping the run, so
#: they do not hide new findings. Each one has a strict-xfail regression test named here: when the owner fixes the
#: bug the test XPASSes, the suite fails, and the entry must be deleted. Replay (the regression tests) never skips.
KNOWN_OPEN: dict[tuple[str, str], str] = {
    # (exception type, innermost hhbill frame) -> the strict-xfail test waiting for its fix; empty: none open
}


def signature(exc: BaseException) -> tuple[str, str]:
    """(exception type, innermost frame inside the hhbill package as "subpath:function")."""
    import traceback

    where = "(outside hhbill)"
    for frame in traceback.extract_tb(exc.__traceback__):
        marker = frame.filename.replace("\\", "/").rfind("/hhbill/")
        if marker >= 0:
            where = f"{frame.filename[marker + len('/hhbill/') :]}:{frame.name}"
    return type(exc).__name__, where


def _tolerating_known(target: Callable[[bytes], None]) -> Callable[[bytes], None]:
    seen: set[tuple[str, str]] = set()

    def run(data: bytes) -> None:
        try:
            target(data)
        except Exception as exc:
            key = signature(exc)
            if key not in KNOWN_OPEN:
                raise
            if key not in seen:
                seen.add(key)
                print(f"KNOWN-OPEN {key[0]} at {key[1]} ({KNOWN_OPEN[key]})", file=sys.stderr, flush=True)

    return run


class _CompiledModulesFromSource(importlib.abc.MetaPathFinder):
    """Finds the X12 modules that setup.py compiles by their .py sources."""

    def find_spec(self, fullname: str, path: object, target: object = None) -> importlib.machinery.ModuleSpec | None:
        package, _, name = fullname.rpartition(".")
        if package != "hhbill.x12" or name == "_compiled":
            return None
        from hhbill.x12 import _compiled  # the package is imported before its submodules are looked for

        if name not in _compiled.COMPILED_MODULES:
            return None
        return importlib.util.spec_from_file_location(fullname, Path(_compiled.__file__).parent / f"{name}.py")


#: the packages whose coverage guides each target (instrumenting everything costs seconds per process)
INSTRUMENTED: dict[str, list[str]] = {
    **{name: ["hhbill.hcpcs"] for name in TARGETS if name.startswith("hcpcs_")},
    **{name: ["hhbill.rvu"] for name in TARGETS if name.startswith("rvu_")},
    "x12_837i": ["hhbill.x12"],
    "claim_json": ["hhbill.claims"],
    "claim_csv": ["hhbill.claims"],
    "search_query": ["hhbill.search"],
}


def replay(name: str, files: list[str]) -> int:
    """Run files through a target without atheris; print one line per file; 1 if any broke the invariant."""
    failed = 0
    for file in files:
        try:
            TARGETS[name](Path(file).read_bytes())
            print(f"ok    {file}")
        except Exception as exc:
            failed += 1
            print(f"FAIL  {file}: {type(exc).__name__}: {str(exc)[:200]}")
    return 1 if failed else 0


def main(argv: list[str]) -> None:
    if len(argv) > 2 and argv[1] == "--replay":
        sys.exit(replay(argv[2], argv[3:]))
    if len(argv) < 2 or argv[1] not in TARGETS:
        sys.exit(f"usage: {argv[0]} TARGET [libFuzzer options] [corpus dirs]; targets: {', '.join(TARGETS)}")
    import atheris

    name = argv[1]
    packages = INSTRUMENTED[name]
    # the compiled X12 modules give libFuzzer no coverage: their .py sources are imported instead (behaviour is the
    # same: tests/test_x12_compiled.py), ahead of the finder that would return the compiled form
    sys.meta_path.insert(0, _CompiledModulesFromSource())
    with atheris.instrument_imports(include=packages):  # coverage feedback from the code under test only
        for package in packages:
            # every submodule, now: the packages export their names lazily, and a module first imported by the
            # target, outside this block, would not be instrumented
            module = importlib.import_module(package)
            for found in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
                importlib.import_module(found.name)
    target = TARGETS[name]
    os.environ.setdefault("HHBILL_DB", str(_work_dir() / "default.db"))
    # warm up once outside the fuzz loop (store creation, search index) so the first input is not a "slow unit"
    if name in ("search_query", "claim_json"):
        target(b"warm up")
    atheris.Setup([argv[0], *argv[2:]], _tolerating_known(target))
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
