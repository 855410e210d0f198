"""The PDGM case-mix weights / LUPA thresholds loader, on small files written in CMS's column layout."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from claims_scenarios.support import PERIOD, TODAY, fresh
from hhbill._errors import ImportFormatError, NotFoundError
from hhbill._store import Store
from hhbill.claims import CaseMixTables, CheckContext, build_claim, check_claim, load_case_mix, period_from_dict
from hhbill.claims._pdgm import case_mix_table, read_case_mix_file

CMS_LAYOUT = (
    "CY 2026 Home Health PDGM Case-Mix Weights and LUPA Thresholds,,,,,\n"
    ",,,,,\n"
    "HIPPS,Clinical Group and Functional Level,Admission Source and Timing,Comorbidity Adjustment,"
    "CY 2026 Final Case-Mix Weight,LUPA Threshold\n"
    "1FC21,Behavioral Health - High,Community - Early,Low,1.2345,4\n"
    "1AA11,MMTA - Other - Low,Community - Early,None,0.8000,2\n"
    "2FC21,Behavioral Health - High,Institutional - Early,Low,1.4567,3\n"
    ",,,,,\n"
    "Note: weights are budget neutral.,,,,,\n"
)


def write(tmp_path: Path, text: str, name: str = "CY2026_HH_PDGM_Case_Mix_Weights_and_LUPA_Thresholds.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_cms_layout_with_title_rows(tmp_path: Path) -> None:
    table = read_case_mix_file(write(tmp_path, CMS_LAYOUT))
    assert table.year == 2026
    assert len(table) == 3
    row = table.row("1FC21")
    assert row is not None
    assert row.weight == Decimal("1.2345") and row.lupa_threshold == 4
    assert row.clinical_group == "Behavioral Health - High"
    assert row.admission_source_timing == "Community - Early"
    assert row.comorbidity == "Low"


def test_load_into_store_and_check(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite")
    load_case_mix(store, write(tmp_path, CMS_LAYOUT))
    tables = CaseMixTables.from_store(store)
    assert tables.years() == [2026]
    assert case_mix_table(store, 2026).row("2FC21") is not None
    with pytest.raises(NotFoundError):
        case_mix_table(store, 2025)
    # the base period has 3 in-person visits; 1FC21's threshold here is 4 -> LUPA, telehealth not counted
    claim = build_claim(period_from_dict(fresh(PERIOD)))
    result = check_claim(claim, CheckContext(case_mix=tables, today=TODAY))
    lupa = [f for f in result.findings if f.id == "lupa-threshold"]
    assert len(lupa) == 1
    assert "3 in-person visit(s)" in lupa[0].message and "threshold of 4" in lupa[0].message
    assert "2 telehealth line(s) not counted" in lupa[0].message
    # reloading a year replaces it
    load_case_mix(
        store,
        write(tmp_path, CMS_LAYOUT.replace("1FC21,Behavioral Health - High,Community - Early,Low,1.2345,4\n", "")),
    )
    assert CaseMixTables.from_store(store).for_year(2026).row("1FC21") is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Code,Weight\nX,1\n", "no header row with a HIPPS column"),
        ("HIPPS,Description\n1FC21,x\n", "neither a case-mix weight nor a LUPA threshold"),
        ("HIPPS,Weight,LUPA Threshold\n1FC21,heavy,4\n", "not a number"),
        ("HIPPS,Weight,LUPA Threshold\n1FC21,1.0,four\n", "not a number"),
        ("HIPPS,Weight,LUPA Threshold\n1FZ21,1.0,4\n", "not a PDGM HIPPS code"),
        ("HIPPS,Weight,LUPA Threshold\n1FC21,1.0,4\n1FC21,1.1,4\n", "appears twice"),
        ("HIPPS,Weight,LUPA Threshold\n", "no HIPPS rows"),
    ],
)
def test_bad_files_name_the_problem(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(ImportFormatError, match=words):
        read_case_mix_file(write(tmp_path, text))


def test_year_from_name_or_argument(tmp_path: Path) -> None:
    path = write(tmp_path, CMS_LAYOUT, name="weights.csv")
    with pytest.raises(ImportFormatError, match="calendar year"):
        read_case_mix_file(path)
    assert read_case_mix_file(path, year=2025).year == 2025
