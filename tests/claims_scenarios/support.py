"""Shared test material for the claims tests: base inputs (fictitious patients and agencies) and helpers.

The HCPCS reference used by the code edits is the real CMS January 2026 release from ../shared, imported once per
test session into a temporary database (never copied into the repository).
"""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from hhbill._store import Store
from hhbill.claims import CaseMixRow, CaseMixTable, CaseMixTables

SCENARIOS = Path(__file__).resolve().parent
HCPCS_JAN_2026 = "data/hcpcs/2026_jan/HCPC2026_JAN_ANWEB_01122026.txt"

# Fictitious identifiers: the MBIs follow the CMS MBI format, the NPIs pass the NPI check digit.
MBI = "1EG4TE5MK73"
OTHER_MBI = "2AC3DE4FG56"
AGENCY_NPI = "1987654328"
OTHER_AGENCY_NPI = "1122334455"
ATTENDING_NPI = "1456789019"
CERTIFYING_NPI = "1678901236"

PERIOD: dict[str, Any] = {
    "type_of_bill": "0329",
    "from": "2026-03-02",
    "through": "2026-03-31",
    "admission_date": "2026-03-02",
    "patient_status": "30",
    "hipps": "1FC21",
    "diagnoses": ["I5022", "E119"],
    "site_of_service": "home",
    "cbsa": "35614",
    "fips_county": "36061",
    "oasis_assessment_date": "2026-03-01",
    "noa_receipt_date": "2026-03-04",
    "provider": {"npi": AGENCY_NPI, "name": "Riverbend Home Health (fictitious)"},
    "attending_npi": ATTENDING_NPI,
    "certifying_npi": CERTIFYING_NPI,
    "patient": {"mbi": MBI, "last_name": "Testpatient", "first_name": "Ada"},
    "patient_control_number": "PCN-0001",
    "visits": [
        {
            "date": "2026-03-02",
            "discipline": "SN",
            "role": "RN",
            "service": "observation_assessment",
            "minutes": 60,
            "charge": "150.00",
        },
        {
            "date": "2026-03-04",
            "discipline": "PT",
            "role": "PT",
            "service": "direct",
            "minutes": 45,
            "charge": "180.00",
        },
        {
            "date": "2026-03-06",
            "discipline": "SN",
            "role": "RN",
            "service": "direct",
            "minutes": 20,
            "modality": "video",
            "charge": "40.00",
        },
        {
            "date": "2026-03-09",
            "discipline": "AIDE",
            "role": "AIDE",
            "service": "direct",
            "minutes": 50,
            "charge": "60.00",
        },
    ],
    "remote_monitoring": {"start": "2026-03-05", "days": 12, "discipline": "SN", "charge": "24.00"},
}

NOA: dict[str, Any] = {
    "type_of_bill": "032A",
    "from": "2026-03-02",
    "through": "2026-03-02",
    "admission_date": "2026-03-02",
    "patient_status": "30",
    "noa_receipt_date": "2026-03-04",
    "provider": {"npi": AGENCY_NPI},
    "attending_npi": ATTENDING_NPI,
    "certifying_npi": CERTIFYING_NPI,
    "patient": {"mbi": MBI},
}

THERAPY: dict[str, Any] = {
    "type_of_bill": "0341",
    "from": "2026-03-02",
    "through": "2026-03-31",
    "patient_status": "01",
    "diagnoses": ["M1711"],
    "provider": {"npi": AGENCY_NPI},
    "attending_npi": ATTENDING_NPI,
    "certifying_npi": CERTIFYING_NPI,
    "patient": {"mbi": MBI},
    "therapy_plans": {"PT": "2026-03-02", "OT": "2026-03-05", "SLP": "2026-03-06"},
    "ytd_therapy_spend": {"pt_slp": "1000.00", "ot": "0"},
    "therapy_services": [
        {"date": "2026-03-03", "discipline": "PT", "code": "97110", "minutes": 33, "charge": "90.00"},
        {"date": "2026-03-03", "discipline": "PT", "code": "97140", "minutes": 7, "charge": "30.00"},
        {"date": "2026-03-05", "discipline": "OT", "code": "97530", "minutes": 40, "charge": "110.00"},
        {"date": "2026-03-06", "discipline": "SLP", "code": "92507", "timed": False, "charge": "95.00"},
    ],
}

#: the check date used by the tests (fixed so NOA future-date checks do not depend on the calendar)
TODAY = date(2026, 6, 1)


def fresh(base: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(base)


def case_mix_2026() -> CaseMixTables:
    """A small CY2026 table (test values, CMS layout semantics): 1FC21 needs 3 in-person visits."""
    rows = {
        "1FC21": CaseMixRow("1FC21", Decimal("1.2345"), 3),
        "2FC21": CaseMixRow("2FC21", Decimal("1.4567"), 4),
        "1AA11": CaseMixRow("1AA11", Decimal("0.8000"), 2),
    }
    return CaseMixTables([CaseMixTable(2026, rows, "test")])


def import_hcpcs(shared_path: Any, folder: Path) -> Store:
    """A store holding the real January 2026 HCPCS release."""
    from hhbill.hcpcs import import_release

    store = Store(folder / "hcpcs.db")
    import_release(store, shared_path(HCPCS_JAN_2026))
    return store


def import_fee_schedule_2026(shared_path: Any, folder: Path) -> Store:
    """A store holding the real CY2026 physician fee schedule (RVU26C) and the October 2025 ZIP-to-locality file."""
    from hhbill.rvu import import_fee_schedule

    store = Store(folder / "pfs.db")
    import_fee_schedule(store, shared_path("data/mpfs/rvu26c"))
    import_fee_schedule(store, shared_path("data/mpfs/zip_locality_oct2025/ZIP5_OCT2025.txt"))
    return store


def scenario(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCENARIOS / f"{name}.json").read_text(encoding="utf-8"))
    return data
