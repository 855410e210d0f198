"""The fee schedule shipped with hhbill: regenerated from the CMS files it states, numbers only, served on a fresh
install, and set aside as soon as the user imports a release of the same kind."""

from __future__ import annotations

import csv
import gzip
import hashlib
import importlib.util
import json
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path

import pytest

from conftest import REPO, shared_path
from hhbill import rvu
from hhbill._store import Store
from hhbill.rvu import embedded_fee_schedule, import_fee_schedule, list_releases, price

MPFS = "data/mpfs"
PPRRVU_2026 = "data/mpfs/rvu26c/PPRRVU2026_Jul_nonQPP.csv"
PPRRVU_2025 = "data/mpfs/rvu25d/PPRRVU2025_Oct.csv"
SHIPPED = resources.files("hhbill").joinpath("data/embedded_pfs.json.gz")


def _script():
    spec = importlib.util.spec_from_file_location("make_embedded_pfs", REPO / "scripts" / "make_embedded_pfs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _shipped() -> dict:
    return json.loads(gzip.decompress(SHIPPED.read_bytes()))


def _csv_rows(relative: str) -> tuple[list[str], list[list[str]]]:
    with shared_path(relative).open(newline="", encoding="latin-1") as handle:
        rows = list(csv.reader(handle))
    header_index = next(i for i, row in enumerate(rows) if row[:2] == ["HCPCS", "MOD"])
    return rows[header_index], [row for row in rows[header_index + 1 :] if row and row[0].strip()]


def test_shipped_file_matches_a_regeneration_from_the_cms_files() -> None:
    shared_path(PPRRVU_2026)
    regenerated = _script().build_document(shared_path(MPFS))
    assert regenerated == _shipped()


def test_shipped_file_is_small_and_holds_numbers_not_descriptors() -> None:
    data = SHIPPED.read_bytes()
    assert len(data) < 3_000_000
    document = json.loads(gzip.decompress(data))
    pprrvu = next(r for r in document["releases"] if r["kind"] == "pprrvu")
    assert "description" not in pprrvu["columns"]
    text = gzip.decompress(data).decode("ascii")
    _header, rows = _csv_rows(PPRRVU_2026)
    descriptions = {row[2].strip() for row in rows if len(row[2].strip()) > 12}
    assert descriptions and not [d for d in descriptions if json.dumps(d)[1:-1] in text]
    # every row of the CMS file is there, with its work RVU
    assert len(pprrvu["rows"]) == len(rows)
    by_key = {(r[0], r[1]): r for r in pprrvu["rows"]}
    work = pprrvu["columns"].index("work_rvu")
    for row in rows[::97]:
        assert Decimal(str(by_key[(row[0].strip(), row[1].strip())][work])) == Decimal(row[5])


def test_the_shipped_file_states_its_cms_sources() -> None:
    document = _shipped()
    for release in document["releases"]:
        path = next(Path(shared_path(MPFS)).rglob(release["source_file"]))
        assert hashlib.sha256(path.read_bytes()).hexdigest() == release["source_sha256"]
    assert {r["kind"] for r in document["releases"]} == {"pprrvu", "gpci", "zip5"}


def test_fresh_install_prices_offline_with_the_shipped_schedule(tmp_path: Path) -> None:
    store = Store(tmp_path / "fresh.db")
    header, rows = _csv_rows(PPRRVU_2026)
    row = next(r for r in rows if r[0] == "99213" and not r[1].strip())
    work, pe, mp, cf = (Decimal(row[header.index(name)]) for name in ("RVU", "PE RVU", "RVU", "FACTOR"))
    mp = Decimal(row[10])  # the second "RVU" column of the stacked header ("MP / RVU")
    assert header[10] == "RVU" and header[5] == "RVU"
    expected = ((work + pe + mp) * cf).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    result = price(store, "99213")
    assert result.payment == expected and result.release.endswith("embedded default")
    assert result.description == ""  # CPT descriptors are never shipped
    assert price(store, "99213", zip_code="35801").locality.found_by.startswith("ZIP 35801")
    kinds = {r.kind for r in list_releases(store) if r.embedded}
    assert kinds == {"pprrvu", "gpci", "zip5"}


def test_an_imported_release_takes_over_from_the_shipped_one(tmp_path: Path) -> None:
    store = Store(tmp_path / "imported.db")
    assert price(store, "99213").release.endswith("embedded default")
    import_fee_schedule(store, shared_path(PPRRVU_2025))
    kinds = {(r.kind, r.embedded) for r in list_releases(store)}
    assert ("pprrvu", True) not in kinds and ("pprrvu", False) in kinds
    assert ("gpci", True) in kinds  # nothing imported of that kind: the shipped one still answers
    result = price(store, "99213")
    assert "embedded" not in result.release and result.year == 2025 and result.description  # the user's file
    # importing the very file the shipped schedule was made from adds it as the user's own release
    import_fee_schedule(store, shared_path(PPRRVU_2026))
    assert not price(store, "99213").release.endswith("embedded default")


def test_read_only_store_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    Store(path).close()
    read_only = Store(path, read_only=True)
    assert rvu.ensure_embedded_fee_schedule(read_only) == []


def test_embedded_reader_rejects_a_broken_document(monkeypatch: pytest.MonkeyPatch) -> None:
    from hhbill._errors import ConfigError
    from hhbill.rvu import _embedded

    embedded_fee_schedule.cache_clear()
    monkeypatch.setattr(_embedded, "FORMAT", "something-else")
    try:
        with pytest.raises(ConfigError):
            embedded_fee_schedule()
    finally:
        embedded_fee_schedule.cache_clear()


def test_cpt_page_shows_the_descriptor_once_the_cms_file_is_imported(tmp_path: Path) -> None:
    from datetime import date

    from hhbill.explain import explain_code

    store = Store(tmp_path / "cpt.db")
    before = explain_code(store, "99213", date(2026, 8, 1)).to_dict()
    assert before["long_description"] == "" and "rvu-import" in before["descriptor_note"]
    assert before["rvu"]["national_payment"] is not None
    import_fee_schedule(store, shared_path(PPRRVU_2026))
    _header, rows = _csv_rows(PPRRVU_2026)
    description = next(r[2] for r in rows if r[0] == "99213" and not r[1].strip())
    after = explain_code(store, "99213", date(2026, 8, 1)).to_dict()
    assert after["long_description"] == description.strip() and after["descriptor_note"] is None
    assert after["rvu"]["descriptor_note"] is None and "embedded" not in after["rvu"]["release"]
