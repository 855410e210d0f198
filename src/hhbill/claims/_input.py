"""Reading a biller's claim input (JSON, plus an optional CSV visit list) into a :class:`PeriodOfCare` or,
for claims given line by line, straight into a :class:`~hhbill.claims._model.Claim`.

The format is documented in ``docs/CLAIMS.md`` and ``docs/claim-input.schema.json``. Every problem is a
:class:`~hhbill._errors.ClaimInputError` naming the field path (``visits[3].minutes``); unknown keys are
refused too, because a misspelt key would otherwise silently drop a fact the edits need.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from .._errors import ClaimInputError
from .._input_files import json_problem
from .._text import reject_lone_surrogates
from ._data import rule_tables
from ._model import Claim, ClaimFacts, ClaimLine, CodeAmount, CodeDate, Patient, Provider

__all__ = [
    "MODALITIES",
    "SITES_OF_SERVICE",
    "LateNoaException",
    "PeriodOfCare",
    "RemoteMonitoring",
    "TherapyService",
    "Visit",
    "claim_from_dict",
    "load_claim_input",
    "parse_claim_input",
    "period_from_dict",
    "read_visits_csv",
]

MODALITIES = ("in_person", "video", "audio_only")
_REMOTE_MODALITIES = frozenset(MODALITIES[1:])
SITES_OF_SERVICE = ("home", "assisted_living", "other")
#: the largest charge an 837I/UB-04 amount field carries (18 characters with decimals; far beyond any visit)
MAX_AMOUNT = Decimal("9999999.99")
MAX_UNITS = Decimal(99999)
#: the claim note an 837I carries (NTE02)
MAX_REMARKS = 80
VISIT_CSV_COLUMNS = ("date", "discipline", "role", "service", "minutes", "modality", "charge", "site_of_service")


@dataclass(slots=True)
class Visit:
    """One visit (or telehealth service) of the period, as the biller enters it."""

    date: date
    discipline: str  # SN PT OT SLP MSS AIDE
    role: str  # RN LPN PT PTA OT OTA SLP MSW AIDE
    service: str  # direct observation_assessment training_education management_evaluation maintenance
    minutes: int
    modality: str = "in_person"  # in_person video audio_only
    charge: Decimal = Decimal(0)
    #: where this visit took place when it differs from the claim's site_of_service
    site_of_service: str = ""

    @property
    def in_person(self) -> bool:
        return self.modality == "in_person"


@dataclass(slots=True)
class RemoteMonitoring:
    """Remote patient monitoring in the period (G0322)."""

    start: date
    days: int
    discipline: str
    charge: Decimal = Decimal(0)


@dataclass(slots=True)
class TherapyService:
    """A 034X therapy procedure on one day: the code, its discipline and the minutes spent (timed codes)."""

    date: date
    discipline: str  # PT OT SLP
    code: str
    minutes: int = 0
    timed: bool = True
    charge: Decimal = Decimal(0)
    #: who furnished it: the therapist (PT, OT, SLP; the default) or an assistant (PTA, OTA -> CQ/CO)
    role: str = ""


@dataclass(frozen=True, slots=True)
class LateNoaException:
    """The HHA requests an exception to the late-NOA reduction (42 CFR 484.205(j)(4)) on this period claim."""

    category: str  # a key of late_noa_exceptions.json "categories"
    remarks: str  # the explanation for the MAC; goes in the claim's Remarks (FL 80)


@dataclass(slots=True)
class PeriodOfCare:
    """Everything a biller gives hhbill about one claim: header facts plus visits (032X) or therapy (034X)."""

    type_of_bill: str
    from_date: date
    through_date: date
    admission_date: date | None = None
    patient_status: str = ""
    hipps: str = ""
    diagnoses: list[str] = field(default_factory=list)
    occurrence_codes: list[CodeDate] = field(default_factory=list)
    condition_codes: list[str] = field(default_factory=list)
    value_codes: list[CodeAmount] = field(default_factory=list)
    site_of_service: str = "home"
    cbsa: str = ""
    fips_county: str = ""
    oasis_assessment_date: date | None = None
    noa_receipt_date: date | None = None
    discharge_date: date | None = None
    transfer_from_other_hha: bool = False
    first_period: bool | None = None  # None: derived (From = admission date)
    admission_source: str = ""
    patient_control_number: str = ""
    claim_id: str = ""
    remarks: str = ""
    patient: Patient = field(default_factory=Patient)
    provider: Provider = field(default_factory=Provider)
    attending_npi: str = ""
    certifying_npi: str = ""
    visits: list[Visit] = field(default_factory=list)
    remote_monitoring: RemoteMonitoring | None = None
    therapy_plans: dict[str, date] = field(default_factory=dict)  # discipline -> plan established/reviewed
    therapy_services: list[TherapyService] = field(default_factory=list)
    ytd_therapy_spend: dict[str, Decimal] = field(default_factory=dict)  # "pt_slp" / "ot" -> amount
    #: an exception to the late-NOA reduction is requested: KX on the 0023 line, the explanation in Remarks
    late_noa_exception: LateNoaException | None = None
    #: 034X: the PFS payment locality (MAC:LOC) the lines are priced in for the KX threshold; default the
    #: provider's ZIP
    pfs_locality: str = ""


# --- field readers: each names the field path in its error ------------------------------------------------


def _type_name(value: Any) -> str:
    return {str: "text", int: "a number", float: "a number", bool: "true/false", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__
    )


def _str(value: Any, path: str, *, allow_int: bool = True) -> str:
    if isinstance(value, str):
        return value.strip()
    if allow_int and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ClaimInputError(f"expected text, got {_type_name(value)}", field=path)


def _text(data: dict[str, Any], key: str, prefix: str = "") -> str:
    """``data[key]`` as text ("" when absent): ``_str`` with the common case inline."""
    value = data.get(key, "")
    if type(value) is str:
        return value.strip()
    return _str(value, f"{prefix}{key}")


def _words(data: dict[str, Any], key: str, prefix: str = "") -> str:
    """``data[key]`` as text that is never a number (names, codes with letters): a number is refused."""
    return _str(data.get(key, ""), f"{prefix}{key}", allow_int=False)


def _given(value: Any, default: str) -> Any:
    """``value`` unless it is absent (None or empty text): an empty list or object is a wrong value, not absent."""
    return default if value is None or value == "" else value


#: dates a claim can carry; outside them date arithmetic (deadlines, periods) would overflow
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def _date(value: Any, path: str) -> date:
    if type(value) is str:
        cached = _DATE_CACHE.get(value)
        if cached is not None:
            return cached
    if isinstance(value, date):
        day = value
    elif not isinstance(value, str):
        raise ClaimInputError(f"expected a date YYYY-MM-DD, got {_type_name(value)}", field=path)
    else:
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise ClaimInputError(f"{value!r} is not a real date in the form YYYY-MM-DD", field=path) from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ClaimInputError(f"{day} is outside {EARLIEST_DATE.year}-{LATEST_DATE.year}", field=path)
    return day


def _opt_date(value: Any, path: str) -> date | None:
    if value is None or value == "":
        return None
    return _date(value, path)


def _int(value: Any, path: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    if isinstance(value, bool):
        raise ClaimInputError(f"expected a whole number, got {_type_name(value)}", field=path)
    if isinstance(value, str):
        text = value.strip()
        # isdigit() accepts characters such as '²' that int() refuses; a day has at most 4 digits of minutes
        if not (text.isascii() and text.isdigit()) or len(text) > 9:
            raise ClaimInputError(f"expected a whole number, got {value!r}", field=path)
        value = int(text)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise ClaimInputError(f"expected a whole number, got {_type_name(value)} {value!r}", field=path)
    if value < minimum:
        raise ClaimInputError(f"must be at least {minimum}, got {value}", field=path)
    if maximum is not None and value > maximum:
        raise ClaimInputError(f"must be at most {maximum}, got {value}", field=path)
    return value


def _money(value: Any, path: str) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ClaimInputError(f"expected an amount, got {_type_name(value)}", field=path)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ClaimInputError(f"{value!r} is not an amount", field=path) from None
    if not amount.is_finite() or amount < 0:
        raise ClaimInputError(f"{value!r} is not a non-negative amount", field=path)
    if amount > MAX_AMOUNT:
        raise ClaimInputError(f"{value!r} is over the largest amount a claim field holds ({MAX_AMOUNT})", field=path)
    return amount.quantize(Decimal("0.01"))


def _units(value: Any, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ClaimInputError(f"expected a number of units, got {_type_name(value)}", field=path)
    try:
        units = Decimal(str(value).strip())
    except InvalidOperation:
        raise ClaimInputError(f"{value!r} is not a number of units", field=path) from None
    if not units.is_finite() or abs(units) > MAX_UNITS:
        raise ClaimInputError(f"{value!r} is not a number of units (0-{MAX_UNITS})", field=path)
    return units


def _five_digits(value: Any, path: str) -> str:
    """A 5-digit code (CBSA, FIPS state+county), or "" when not given."""
    text = _str(value, path)
    if text and not (len(text) == 5 and text.isascii() and text.isdigit()):
        raise ClaimInputError(f"{text!r} is not a 5-digit code", field=path)
    return text


def _choice(value: Any, path: str, choices: tuple[str, ...] | frozenset[str]) -> str:
    text = _str(value, path)
    if text not in choices:
        raise ClaimInputError(f"{text!r} is not one of {', '.join(sorted(choices))}", field=path)
    return text


def _bool(value: Any, path: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false", "yes", "no", "1", "0"}:
        return value.strip().lower() in {"true", "yes", "1"}
    raise ClaimInputError(f"expected true or false, got {value!r}", field=path)


def _obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ClaimInputError(f"expected an object, got {_type_name(value)}", field=path)
    return value


def _top_level(value: Any) -> dict[str, Any]:
    """The whole input: an object of the claim's fields."""
    if not isinstance(value, dict):
        raise ClaimInputError(
            f"expected an object {{...}} holding the claim's fields, got {_type_name(value)}", field="claim input"
        )
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise ClaimInputError(f"expected a list, got {_type_name(value)}", field=path)
    return value


def _require(data: dict[str, Any], key: str, prefix: str) -> Any:
    value = data.get(key)
    if value is None or value == "":
        raise ClaimInputError("is required", field=f"{prefix}{key}")
    return value


def _reject_unknown(data: dict[str, Any], known: frozenset[str], prefix: str) -> None:
    for key in data:
        if key not in known:
            near = ", ".join(sorted(known))
            raise ClaimInputError(f"unknown field {key!r} (known fields: {near})", field=f"{prefix}{key}")


# --- header -----------------------------------------------------------------------------------------------

_HEADER_KEYS = frozenset(
    {
        "type_of_bill",
        "from",
        "through",
        "admission_date",
        "patient_status",
        "hipps",
        "diagnoses",
        "occurrence_codes",
        "condition_codes",
        "value_codes",
        "site_of_service",
        "cbsa",
        "fips_county",
        "oasis_assessment_date",
        "noa_receipt_date",
        "discharge_date",
        "transfer_from_other_hha",
        "first_period",
        "admission_source",
        "patient_control_number",
        "claim_id",
        "remarks",
        "patient",
        "provider",
        "attending_npi",
        "certifying_npi",
        "pfs_locality",
        "$schema",
        "description",
    }
)
_PERIOD_KEYS = _HEADER_KEYS | {
    "visits",
    "remote_monitoring",
    "therapy_plans",
    "therapy_services",
    "ytd_therapy_spend",
    "late_noa_exception",
}
_LINE_FORM_KEYS = _HEADER_KEYS | {
    "lines",
    "telehealth_services",
    "remote_monitoring_days",
    "ytd_therapy_spend",
    "total_charge",
}


def _type_of_bill(data: dict[str, Any]) -> str:
    tob = _str(_require(data, "type_of_bill", ""), "type_of_bill").upper()
    if len(tob) == 3:
        tob = "0" + tob  # billers often drop the leading zero
    if len(tob) != 4 or not tob.isalnum():
        raise ClaimInputError(f"{tob!r} is not a 4-character type of bill such as 0329", field="type_of_bill")
    if tob[1:3] not in {"32", "34"}:
        raise ClaimInputError(
            f"type of bill {tob} is not a home health bill type (032X under a HH plan of care, 034X Part B)",
            field="type_of_bill",
        )
    return tob


def _code_dates(value: Any, path: str) -> list[CodeDate]:
    result = []
    for i, item in enumerate(_list(value, path)):
        where = f"{path}[{i}]"
        obj = _obj(item, where)
        _reject_unknown(obj, frozenset({"code", "date"}), f"{where}.")
        code = _str(_require(obj, "code", f"{where}."), f"{where}.code").upper()
        result.append(CodeDate(code.zfill(2), _date(_require(obj, "date", f"{where}."), f"{where}.date")))
    return result


def _code_amounts(value: Any, path: str) -> list[CodeAmount]:
    result = []
    for i, item in enumerate(_list(value, path)):
        where = f"{path}[{i}]"
        obj = _obj(item, where)
        _reject_unknown(obj, frozenset({"code", "amount"}), f"{where}.")
        code = _str(_require(obj, "code", f"{where}."), f"{where}.code").upper()
        result.append(CodeAmount(code.zfill(2), _money(_require(obj, "amount", f"{where}."), f"{where}.amount")))
    return result


def _patient(value: Any) -> Patient:
    """The patient block. Its errors never repeat the value given: patient data must not reach logs."""
    try:
        return _patient_checked(value)
    except ClaimInputError as exc:
        field = exc.location.get("field", "patient")
        if "unknown field" in exc.message or exc.message == "is required":
            raise
        raise ClaimInputError(
            "is not valid (the value is not repeated here because it is patient data; expected "
            f"{_PATIENT_EXPECTED.get(str(field), 'text')})",
            field=field,
        ) from None


_PATIENT_KEYS = frozenset({"mbi", "last_name", "first_name", "birth_date", "sex", "address"})
_PROVIDER_KEYS = frozenset({"npi", "name", "tax_id", "address", "taxonomy"})
_YTD_KEYS = frozenset({"pt_slp", "ot"})
_PATIENT_EXPECTED = {"patient.birth_date": "a date YYYY-MM-DD", "patient": "an object"}


def _patient_checked(value: Any) -> Patient:
    obj = _obj(value, "patient")
    _reject_unknown(obj, _PATIENT_KEYS, "patient.")
    address = (
        {k: _str(v, f"patient.address.{k}") for k, v in _obj(obj["address"], "patient.address").items()}
        if "address" in obj
        else {}
    )
    return Patient(
        mbi=_words(obj, "mbi", "patient.").upper(),
        last_name=_words(obj, "last_name", "patient."),
        first_name=_words(obj, "first_name", "patient."),
        birth_date=_opt_date(obj.get("birth_date"), "patient.birth_date"),
        sex=_words(obj, "sex", "patient."),
        address=address,
    )


def _provider(value: Any) -> Provider:
    obj = _obj(value, "provider")
    _reject_unknown(obj, _PROVIDER_KEYS, "provider.")
    address = (
        {k: _str(v, f"provider.address.{k}") for k, v in _obj(obj["address"], "provider.address").items()}
        if "address" in obj
        else {}
    )
    return Provider(
        npi=_text(obj, "npi", "provider."),
        name=_words(obj, "name", "provider."),
        tax_id=_text(obj, "tax_id", "provider."),
        address=address,
        taxonomy=_words(obj, "taxonomy", "provider."),
    )


def _header(data: dict[str, Any]) -> dict[str, Any]:
    """The header facts shared by the period form and the line-by-line form."""
    tob = _type_of_bill(data)
    from_date = _date(_require(data, "from", ""), "from")
    through_date = _date(_require(data, "through", ""), "through")
    if through_date < from_date:
        raise ClaimInputError(f"through {through_date} is before from {from_date}", field="through")
    diagnoses = [
        _str(d, f"diagnoses[{i}]").replace(".", "").upper()
        for i, d in enumerate(_list(data.get("diagnoses", []), "diagnoses"))
    ]
    condition_codes = [
        _str(c, f"condition_codes[{i}]").upper().zfill(2)
        for i, c in enumerate(_list(data.get("condition_codes", []), "condition_codes"))
    ]
    site = data.get("site_of_service", "home")
    return {
        "type_of_bill": tob,
        "from_date": from_date,
        "through_date": through_date,
        "admission_date": _opt_date(data.get("admission_date"), "admission_date"),
        "patient_status": _str(data.get("patient_status", ""), "patient_status").zfill(2)
        if data.get("patient_status") not in (None, "")
        else "",
        "hipps": _str(data.get("hipps", ""), "hipps", allow_int=False).upper(),
        "diagnoses": diagnoses,
        "occurrence_codes": _code_dates(data.get("occurrence_codes", []), "occurrence_codes"),
        "condition_codes": condition_codes,
        "value_codes": _code_amounts(data.get("value_codes", []), "value_codes"),
        "site_of_service": _choice(site, "site_of_service", SITES_OF_SERVICE),
        "cbsa": _five_digits(data.get("cbsa", ""), "cbsa"),
        "fips_county": _five_digits(data.get("fips_county", ""), "fips_county"),
        "oasis_assessment_date": _opt_date(data.get("oasis_assessment_date"), "oasis_assessment_date"),
        "noa_receipt_date": _opt_date(data.get("noa_receipt_date"), "noa_receipt_date"),
        "discharge_date": _opt_date(data.get("discharge_date"), "discharge_date"),
        "transfer_from_other_hha": _bool(data.get("transfer_from_other_hha", False), "transfer_from_other_hha"),
        "first_period": None if data.get("first_period") is None else _bool(data["first_period"], "first_period"),
        "admission_source": _text(data, "admission_source"),
        "patient_control_number": _text(data, "patient_control_number"),
        "claim_id": _text(data, "claim_id"),
        "remarks": _str(data.get("remarks", ""), "remarks", allow_int=False),
        "patient": _patient(data.get("patient", {})),
        "provider": _provider(data.get("provider", {})),
        "attending_npi": _text(data, "attending_npi"),
        "certifying_npi": _text(data, "certifying_npi"),
        "pfs_locality": _str(data.get("pfs_locality", ""), "pfs_locality", allow_int=False).upper(),
    }


# --- period form -------------------------------------------------------------------------------------------

_VISIT_KEYS = frozenset(VISIT_CSV_COLUMNS)


#: plain-text amounts seen before -> Decimal (charges repeat a lot across a batch)
_MONEY_CACHE: dict[str, Decimal] = {}


def _money_fast(value: Any) -> Decimal | None:
    """A well-formed text amount from the cache, or None to take the validating path."""
    if value is None:
        return _ZERO_MONEY
    if type(value) is not str:
        return None
    amount = _MONEY_CACHE.get(value)
    if amount is None:
        digits = value.replace(".", "", 1)
        if len(_MONEY_CACHE) > 50_000 or not 0 < len(value) <= 10 or not (digits.isascii() and digits.isdigit()):
            return None
        amount = Decimal(value).quantize(_CENTS)
        _MONEY_CACHE[value] = amount
    return amount


_ZERO_MONEY = Decimal("0.00")
_CENTS = Decimal("0.01")


#: well-formed ISO date text seen before -> the date (dates repeat a lot across a batch)
_DATE_CACHE: dict[str, date] = {}


def _date_fast(value: Any) -> date | None:
    """A plain ``YYYY-MM-DD`` date in range from the cache, or None to take the validating path."""
    day = _DATE_CACHE.get(value) if type(value) is str else None
    if day is None and type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return None
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            return None
        if len(_DATE_CACHE) >= 100_000:
            _DATE_CACHE.clear()
        _DATE_CACHE[value] = day
    return day


@cache
def _visit_kinds() -> frozenset[tuple[str, str, str, str]]:
    """Every valid (discipline, role, service, modality) of a visit: in person, a role/service with a visit code of
    the discipline; by telehealth, any known role and service of a known discipline."""
    tables = rule_tables()
    kinds = {
        (key, role, service, "in_person") for key, d in tables.disciplines.items() for role, service in d.visit_codes
    }
    kinds.update(
        (key, role, service, modality)
        for key in tables.disciplines
        for role in tables.roles
        for service in tables.services
        for modality in _REMOTE_MODALITIES
    )
    return frozenset(kinds)


def _visit(obj: Any, index: int) -> Visit:
    """A visit; well-formed entries take a fast path, anything else the validating path that names the field."""
    if type(obj) is dict and _VISIT_KEYS.issuperset(obj):
        try:
            discipline = obj["discipline"]
            role = obj["role"]
            service = _given(obj.get("service"), "direct")
            modality = _given(obj.get("modality"), "in_person")
            minutes = obj["minutes"]
            site = _given(obj.get("site_of_service"), "")
            charge = _money_fast(obj.get("charge"))
            if (
                (discipline, role, service, modality) in _visit_kinds()
                and type(minutes) is int
                and 1 <= minutes <= rule_tables().max_minutes
                and charge is not None
                and (site == "" or site in SITES_OF_SERVICE)
            ):
                day = _date_fast(obj["date"])
                if day is not None:
                    return Visit(day, discipline, role, service, minutes, modality, charge, site)
        except (KeyError, TypeError, ValueError):
            pass  # the validating path below says exactly what is wrong
    where = f"visits[{index}]"
    return _visit_checked(_obj(obj, where), where)


def _visit_checked(obj: dict[str, Any], where: str) -> Visit:
    tables = rule_tables()
    _reject_unknown(obj, _VISIT_KEYS, f"{where}.")
    discipline = _choice(_require(obj, "discipline", f"{where}."), f"{where}.discipline", frozenset(tables.disciplines))
    role = _choice(_require(obj, "role", f"{where}."), f"{where}.role", tables.roles)
    service = _choice(_given(obj.get("service"), "direct"), f"{where}.service", tables.services)
    modality = _choice(_given(obj.get("modality"), "in_person"), f"{where}.modality", MODALITIES)
    minutes = _int(_require(obj, "minutes", f"{where}."), f"{where}.minutes", minimum=1, maximum=tables.max_minutes)
    if modality == "in_person" and (role, service) not in tables.disciplines[discipline].visit_codes:
        allowed = ", ".join(f"{r}/{s}" for r, s in tables.disciplines[discipline].visit_codes)
        raise ClaimInputError(
            f"a {role} {service.replace('_', ' ')} visit is not a {discipline} visit code (allowed role/service: "
            f"{allowed})",
            field=f"{where}.service",
        )
    site = _given(obj.get("site_of_service"), "")
    return Visit(
        date=_date(_require(obj, "date", f"{where}."), f"{where}.date"),
        discipline=discipline,
        role=role,
        service=service,
        minutes=minutes,
        modality=modality,
        charge=_money(obj.get("charge"), f"{where}.charge"),
        site_of_service=_choice(site, f"{where}.site_of_service", SITES_OF_SERVICE) if site != "" else "",
    )


def _remote_monitoring(value: Any) -> RemoteMonitoring:
    obj = _obj(value, "remote_monitoring")
    _reject_unknown(obj, frozenset({"start", "days", "discipline", "charge"}), "remote_monitoring.")
    tables = rule_tables()
    return RemoteMonitoring(
        start=_date(_require(obj, "start", "remote_monitoring."), "remote_monitoring.start"),
        days=_int(_require(obj, "days", "remote_monitoring."), "remote_monitoring.days", minimum=1, maximum=31),
        discipline=_choice(
            _require(obj, "discipline", "remote_monitoring."),
            "remote_monitoring.discipline",
            frozenset(tables.disciplines),
        ),
        charge=_money(obj.get("charge"), "remote_monitoring.charge"),
    )


_THERAPY_KEYS = frozenset({"date", "discipline", "code", "minutes", "timed", "charge", "role"})
_THERAPY_DISCIPLINES = frozenset({"PT", "OT", "SLP"})


def _therapy_service(obj: Any, index: int) -> TherapyService:
    """A 034X service; well-formed entries take a fast path, anything else the validating path."""
    if type(obj) is dict and _THERAPY_KEYS.issuperset(obj):
        try:
            code = obj["code"]
            discipline = obj["discipline"]
            minutes = obj.get("minutes", 0)
            timed = obj.get("timed", True)
            charge = _money_fast(obj.get("charge"))
            if (
                type(code) is str
                and len(code) == 5
                and code.isascii()
                and code.isalnum()
                and code == code.upper()
                and discipline in _THERAPY_DISCIPLINES
                and type(minutes) is int
                and 0 <= minutes <= rule_tables().max_minutes
                and type(timed) is bool
                and not (timed and minutes == 0)
                and charge is not None
                and "role" not in obj
            ):
                day = _date_fast(obj["date"])
                if day is not None:
                    return TherapyService(day, discipline, code, minutes, timed, charge)
        except (KeyError, TypeError, ValueError):
            pass  # the validating path below says exactly what is wrong
    where = f"therapy_services[{index}]"
    return _therapy_service_checked(_obj(obj, where), where)


def _therapy_service_checked(obj: dict[str, Any], where: str) -> TherapyService:
    tables = rule_tables()
    therapy = frozenset(k for k, d in tables.disciplines.items() if d.therapy_modifier)
    _reject_unknown(obj, _THERAPY_KEYS, f"{where}.")
    code = _str(_require(obj, "code", f"{where}."), f"{where}.code").upper()
    if len(code) != 5 or not (code.isascii() and code.isalnum()):
        raise ClaimInputError(f"{code!r} is not a 5-character procedure code", field=f"{where}.code")
    timed = _bool(obj.get("timed", True), f"{where}.timed")
    minutes = _int(obj.get("minutes", 0), f"{where}.minutes", maximum=tables.max_minutes)
    if timed and minutes == 0:
        raise ClaimInputError("a timed code needs its minutes", field=f"{where}.minutes")
    discipline = _choice(_require(obj, "discipline", f"{where}."), f"{where}.discipline", therapy)
    role = _text(obj, "role", f"{where}.").upper()
    if role:
        roles = {discipline} | {a.role for a in tables.assistant_roles.values() if a.discipline == discipline}
        _choice(role, f"{where}.role", frozenset(roles))
        if role == discipline:
            role = ""
    return TherapyService(
        date=_date(_require(obj, "date", f"{where}."), f"{where}.date"),
        discipline=discipline,
        code=code,
        minutes=minutes,
        timed=timed,
        charge=_money(obj.get("charge"), f"{where}.charge"),
        role=role,
    )


def _ytd_spend(value: Any) -> dict[str, Decimal]:
    obj = _obj(value, "ytd_therapy_spend")
    _reject_unknown(obj, _YTD_KEYS, "ytd_therapy_spend.")
    return {k: _money(v, f"ytd_therapy_spend.{k}") for k, v in obj.items()}


_EXCEPTION_KEYS = frozenset({"category", "remarks"})
#: the kinds of bill an exception request can go on: a period claim with its 0023 line
_EXCEPTION_KINDS = frozenset({"period", "replacement"})


def _late_noa_exception(value: Any, header: dict[str, Any]) -> LateNoaException:
    where = "late_noa_exception"
    obj = _obj(value, where)
    _reject_unknown(obj, _EXCEPTION_KEYS, f"{where}.")
    categories = rule_tables().late_noa_exception_categories
    category = _choice(_require(obj, "category", f"{where}."), f"{where}.category", frozenset(categories))
    remarks = _str(_require(obj, "remarks", f"{where}."), f"{where}.remarks")
    if not remarks:
        raise ClaimInputError("is required: the explanation the MAC reads in Remarks", field=f"{where}.remarks")
    tob = rule_tables().types_of_bill.get(header["type_of_bill"])
    if tob is None or tob.kind not in _EXCEPTION_KINDS:
        raise ClaimInputError(
            f"a late-NOA exception is requested on the period claim (0329/0327), not on type of bill "
            f"{header['type_of_bill']}",
            field=where,
        )
    if not header["hipps"]:
        raise ClaimInputError("needs hipps: the request puts KX on the 0023 (HIPPS) line", field=where)
    combined = len(remarks) + (len(header["remarks"]) + 2 if header["remarks"] else 0)
    if combined > MAX_REMARKS:
        raise ClaimInputError(
            f"the claim's Remarks would be {combined} characters (this explanation"
            f"{' and remarks' if header['remarks'] else ''}); an 837I carries at most {MAX_REMARKS} (NTE02)",
            field=f"{where}.remarks",
        )
    return LateNoaException(category, remarks)


def period_from_dict(data: dict[str, Any]) -> PeriodOfCare:
    """A period of care from the documented JSON form (see docs/CLAIMS.md)."""
    data = _top_level(data)
    _reject_unknown(data, _PERIOD_KEYS, "")
    header = _header(data)
    visits = [_visit(v, i) for i, v in enumerate(_list(data.get("visits", []), "visits"))]
    plans_in = _obj(data.get("therapy_plans", {}), "therapy_plans")
    plans = {}
    for key, value in plans_in.items():
        disc = _choice(key, f"therapy_plans.{key}", _THERAPY_DISCIPLINES)
        plans[disc] = _date(value, f"therapy_plans.{key}")
    services = [
        _therapy_service(s, i) for i, s in enumerate(_list(data.get("therapy_services", []), "therapy_services"))
    ]
    for i, visit in enumerate(visits):
        if not header["from_date"] <= visit.date <= header["through_date"]:
            raise ClaimInputError(
                f"visit date {visit.date} is outside the claim period {header['from_date']} to "
                f"{header['through_date']}",
                field=f"visits[{i}].date",
            )
    for i, service in enumerate(services):
        if not header["from_date"] <= service.date <= header["through_date"]:
            raise ClaimInputError(
                f"service date {service.date} is outside the claim period {header['from_date']} to "
                f"{header['through_date']}",
                field=f"therapy_services[{i}].date",
            )
    tob = header["type_of_bill"]
    if tob[1:3] == "32" and header["admission_date"] is None:
        raise ClaimInputError("is required on a 032X claim (the start-of-care date, FL 12)", field="admission_date")
    if tob[1:3] == "34" and visits:
        raise ClaimInputError("034X claims take therapy_services, not home health visits", field="visits")
    if tob[1:3] == "32" and services:
        raise ClaimInputError("032X claims take visits, not therapy_services", field="therapy_services")
    given = data.get("remote_monitoring")
    monitoring = _remote_monitoring(given) if given is not None else None
    exception = data.get("late_noa_exception")
    return PeriodOfCare(
        late_noa_exception=_late_noa_exception(exception, header) if exception is not None else None,
        visits=visits,
        remote_monitoring=monitoring,
        therapy_plans=plans,
        therapy_services=services,
        ytd_therapy_spend=_ytd_spend(data.get("ytd_therapy_spend", {})),
        **header,
    )


# --- line-by-line form -------------------------------------------------------------------------------------


def _line(obj: dict[str, Any], where: str) -> ClaimLine:
    _reject_unknown(
        obj,
        frozenset({"revenue_code", "hcpcs", "modifiers", "date", "units", "charge", "non_covered_charge"}),
        f"{where}.",
    )
    revenue = _str(_require(obj, "revenue_code", f"{where}."), f"{where}.revenue_code").zfill(4)
    if len(revenue) != 4 or not revenue.isdigit():
        raise ClaimInputError(f"{revenue!r} is not a 4-digit revenue code", field=f"{where}.revenue_code")
    hcpcs = _str(obj.get("hcpcs", ""), f"{where}.hcpcs").upper()
    if hcpcs and (len(hcpcs) != 5 or not hcpcs.isalnum()):
        raise ClaimInputError(f"{hcpcs!r} is not a 5-character HCPCS or HIPPS code", field=f"{where}.hcpcs")
    modifiers = tuple(
        _str(m, f"{where}.modifiers[{j}]").upper()
        for j, m in enumerate(_list(obj.get("modifiers", []), f"{where}.modifiers"))
    )
    for j, mod in enumerate(modifiers):
        if len(mod) != 2 or not mod.isalnum():
            raise ClaimInputError(f"{mod!r} is not a 2-character modifier", field=f"{where}.modifiers[{j}]")
    return ClaimLine(
        revenue_code=revenue,
        hcpcs=hcpcs,
        modifiers=modifiers,
        service_date=_opt_date(obj.get("date"), f"{where}.date"),
        units=_units(obj.get("units", 1), f"{where}.units"),
        charge=_money(obj.get("charge"), f"{where}.charge"),
        non_covered_charge=_money(obj.get("non_covered_charge"), f"{where}.non_covered_charge"),
    )


def claim_from_dict(data: dict[str, Any]) -> Claim:
    """A claim given line by line (header facts plus ``lines``), ready for the scrubber."""
    data = _top_level(data)
    _reject_unknown(data, _LINE_FORM_KEYS, "")
    header = _header(data)
    lines = [
        _line(_obj(item, f"lines[{i}]"), f"lines[{i}]") for i, item in enumerate(_list(data.get("lines", []), "lines"))
    ]
    hipps = header["hipps"]
    if hipps and not any(line.revenue_code == "0023" for line in lines):
        raise ClaimInputError(
            "hipps is given but no 0023 line carries it; put the HIPPS on the 0023 line", field="hipps"
        )
    total = _money(data["total_charge"], "total_charge") if data.get("total_charge") not in (None, "") else None
    telehealth = _obj(data.get("telehealth_services", {}), "telehealth_services")
    _reject_unknown(telehealth, frozenset(MODALITIES[1:]), "telehealth_services.")
    facts = _facts(header)
    facts.telehealth_services = {k: _int(v, f"telehealth_services.{k}") for k, v in telehealth.items()}
    if data.get("remote_monitoring_days") is not None:
        facts.remote_monitoring_days = _int(data["remote_monitoring_days"], "remote_monitoring_days")
    if data.get("ytd_therapy_spend"):
        facts.ytd_therapy_spend = _ytd_spend(data["ytd_therapy_spend"])
    return Claim(
        type_of_bill=header["type_of_bill"],
        from_date=header["from_date"],
        through_date=header["through_date"],
        admission_date=header["admission_date"],
        admission_source=header["admission_source"],
        patient_status=header["patient_status"],
        patient_control_number=header["patient_control_number"],
        claim_id=header["claim_id"],
        diagnoses=header["diagnoses"],
        occurrence_codes=header["occurrence_codes"],
        condition_codes=header["condition_codes"],
        value_codes=header["value_codes"],
        lines=lines,
        patient=header["patient"],
        billing_provider=header["provider"],
        attending_npi=header["attending_npi"],
        certifying_npi=header["certifying_npi"],
        total_charge=total,
        remarks=header["remarks"],
        facts=facts,
    )


def _facts(header: dict[str, Any]) -> ClaimFacts:
    """Claim facts the edits use that are not on the UB-04 itself."""
    return ClaimFacts(
        site_of_service=header["site_of_service"],
        noa_receipt_date=header["noa_receipt_date"],
        discharge_date=header["discharge_date"],
        first_period=header["first_period"],
        transfer_from_other_hha=header["transfer_from_other_hha"],
        pfs_locality=header["pfs_locality"],
    )


# --- files -------------------------------------------------------------------------------------------------


def read_visits_csv(path: str | os.PathLike[str] | None = None, *, text: str | None = None) -> list[dict[str, Any]]:
    """The CSV form of the visit list: one row per visit, columns as in ``VISIT_CSV_COLUMNS``."""
    if text is None:
        if path is None:
            raise ClaimInputError("no visit file given", field="visits")
        text = _read_text(path, "visits")
    try:
        return _visit_rows(csv.DictReader(io.StringIO(text)))
    except csv.Error as exc:
        raise ClaimInputError(f"the visit CSV cannot be read: {exc}", field="visits") from None


def _visit_rows(reader: csv.DictReader[str]) -> list[dict[str, Any]]:
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in ("date", "discipline", "role", "minutes") if c not in header]
    if missing:
        raise ClaimInputError(
            f"the visit CSV lacks column(s) {', '.join(missing)} (header: {', '.join(header)})", field="visits"
        )
    unknown = [h for h in header if h not in VISIT_CSV_COLUMNS]
    if unknown:
        raise ClaimInputError(f"the visit CSV has unknown column(s) {', '.join(unknown)}", field="visits")
    rows = []
    for row in reader:
        rows.append({k.strip(): v.strip() for k, v in row.items() if k and isinstance(v, str) and v.strip() != ""})
    return rows


def parse_claim_input(data: Any, *, visits_csv: str | None = None) -> PeriodOfCare | Claim:
    """The JSON input as a period of care (``visits``/``therapy_services``) or a claim given line by line."""
    reject_lone_surrogates(data)
    reject_lone_surrogates(visits_csv, "visits")
    obj = _top_level(data)
    if visits_csv is not None:
        obj = {**obj, "visits": read_visits_csv(text=visits_csv)}
    if "lines" in obj:
        if any(key in obj for key in ("visits", "therapy_services", "remote_monitoring", "therapy_plans")):
            raise ClaimInputError(
                "give either lines (a claim to check) or visits/therapy_services (a period to build), not both",
                field="lines",
            )
        return claim_from_dict(obj)
    return period_from_dict(obj)


def load_claim_input(
    path: str | os.PathLike[str], *, visits_csv: str | os.PathLike[str] | None = None
) -> PeriodOfCare | Claim:
    """Read a claim input file (JSON) and an optional CSV visit list."""
    raw = _read_text(path, None)
    if not raw.strip():
        raise ClaimInputError("the file is empty", file=str(path))
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ClaimInputError(f"not valid JSON: {json_problem(exc, raw)}", file=str(path)) from None
    except RecursionError:
        raise ClaimInputError("the JSON is nested too deeply", file=str(path)) from None
    except ValueError:  # an integer with thousands of digits
        raise ClaimInputError("a number in the JSON has far too many digits", file=str(path)) from None
    if not isinstance(data, dict):
        raise ClaimInputError(
            f"expected a JSON object {{...}} holding the claim's fields, got {_type_name(data)}", file=str(path)
        )
    csv_text = _read_text(visits_csv, "visits") if visits_csv is not None else None
    return parse_claim_input(data, visits_csv=csv_text)


def _read_text(path: str | os.PathLike[str], field: str | None) -> str:
    """A UTF-8 text file (BOM allowed); unreadable or non-UTF-8 files are input errors naming the file."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ClaimInputError(f"cannot read it: {exc.strerror}", file=str(path), field=field) from None
    except UnicodeDecodeError as exc:
        raise ClaimInputError(
            f"not UTF-8 text (byte {exc.start} cannot be decoded); save it as UTF-8", file=str(path), field=field
        ) from None
