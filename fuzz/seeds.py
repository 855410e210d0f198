"""Write the seed corpus under ``fuzz/corpus/<target>/``: tiny synthetic inputs, one small valid file per input
path plus a few near-misses. Nothing here is copied from CMS files; every value is made up to the published layout.

Run ``python fuzz/seeds.py`` to (re)write the seeds; the fuzzer adds what it finds interesting on long runs.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"


# -- HCPCS fixed-width TXT (320 characters, CMS alpha-numeric layout) ---------------------------------------------
def _place(fields: dict[tuple[int, int], str]) -> str:
    line = [" "] * 320
    for (start, end), value in fields.items():
        text = value.ljust(end - start + 1)[: end - start + 1]
        line[start - 1 : end] = list(text)
    return "".join(line)


def hcpcs_line(code: str, sequence: str, ric: str, long: str, short: str = "", **extra: str) -> str:
    fields = {(1, 5): code, (6, 10): sequence, (11, 11): ric, (12, 91): long, (92, 119): short}
    layout = {
        "pricing": (120, 127),
        "coverage": (230, 230),
        "betos": (257, 259),
        "tos": (261, 265),
        "units": (266, 268),
        "added": (269, 276),
        "action_date": (277, 284),
        "term": (285, 292),
        "action": (293, 293),
        "note": (253, 256),
    }
    for name, value in extra.items():
        fields[layout[name]] = value
    return _place(fields).rstrip() if ric in "48" else _place(fields)


def hcpcs_txt() -> bytes:
    lines = [
        hcpcs_line(
            "G0299",
            "00010",
            "3",
            "Direct skilled nursing services of a registered nurse (rn) in the home",
            "Hhs/hospice of rn ea 15 min",
            pricing="11",
            coverage="C",
            betos="O1A",
            tos="1",
            added="20160101",
            action_date="20160101",
            action="N",
        ),
        hcpcs_line("G0299", "00020", "4", "health or hospice setting, each 15 minutes"),
        hcpcs_line(
            "A0021",
            "00030",
            "3",
            "Ambulance service, outside state per mile, transport",
            "Outside state ambulance serv",
            pricing="00",
            coverage="I",
            units="",
            added="19850101",
            term="",
            action="N",
            note="0001",
        ),
        hcpcs_line(
            "   GP",
            "00040",
            "7",
            "Services delivered under an outpatient physical therapy plan of care",
            "Serv by pt plan of care",
            action="N",
        ),
    ]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def notes_txt() -> bytes:
    return (
        b"0001--THIS CODE IS MADE UP FOR A FUZZ SEED.                                 *\r\n"
        b"      IT HAS A SECOND LINE.                                                  *\r\n"
        b"\r\n"
        b"0002--ANOTHER NOTE.\r\n"
    )


# -- a minimal XLSX (inline strings), enough for calamine ------------------------------------------------------------
def xlsx(rows: list[list[str | float]]) -> bytes:
    def cell(ref: str, value: str | float) -> str:
        if isinstance(value, float):
            return f'<c r="{ref}"><v>{value}</v></c>'
        text = value.replace("&", "&amp;").replace("<", "&lt;")
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'

    def column(index: int) -> str:
        name = ""
        index += 1
        while index:
            index, rest = divmod(index - 1, 26)
            name = chr(65 + rest) + name
        return name

    sheet_rows = "".join(
        f'<row r="{i + 1}">' + "".join(cell(f"{column(j)}{i + 1}", v) for j, v in enumerate(row)) + "</row>"
        for i, row in enumerate(rows)
    )
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
            'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main"><sheetData>{sheet_rows}</sheetData></worksheet>'
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return out.getvalue()


def hcpcs_xlsx() -> bytes:
    header = [
        "HCPC",
        "SEQNUM",
        "RECID",
        "LONG DESCRIPTION",
        "SHORT DESCRIPTION",
        "PRICE1",
        "COV",
        "ANEST_BU",
        "ADD DT",
        "ACT EFF DT",
        "TERM DT",
        "ACTION CD",
        "PROCNOTE",
    ]
    return xlsx(
        [
            ["Made-up disclaimer row"],
            header,
            [
                "G0299",
                "0001",
                "3",
                "Direct skilled nursing by a registered nurse",
                "Hhs rn ea 15 min",
                "11",
                "C",
                "",
                "20160101",
                "20160101",
                "",
                "N",
                "",
            ],
            [
                "GP",
                "0002",
                "7",
                "Outpatient physical therapy plan of care",
                "Serv by pt plan",
                "",
                "",
                "",
                "",
                "",
                "",
                "N",
                "",
            ],
            [
                "A0021",
                "0003",
                "3",
                "Ambulance outside state per mile",
                "Outside state amb",
                "00",
                "I",
                4.0,
                "19850101",
                "",
                "20201231",
                "D",
                "0001",
            ],
        ]
    )


def hcpcs_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("HCPC2026_JAN_ANWEB_fuzz.txt", hcpcs_txt())
        archive.writestr("proc_notes_fuzz.txt", notes_txt())
        archive.writestr("HCPC2026_JAN_Transaction Report.txt", b"ignored")
    return out.getvalue()


# -- fee schedule files ----------------------------------------------------------------------------------------------
PPRRVU_HEADER = [
    "HCPCS",
    "MOD",
    "DESCRIPTION",
    "STATUS CODE",
    "NOT USED FOR MEDICARE PAYMENT",
    "WORK RVU",
    "NON-FAC PE RVU",
    "NON-FAC NA INDICATOR",
    "FACILITY PE RVU",
    "FACILITY NA INDICATOR",
    "MP RVU",
    "NON-FACILITY TOTAL",
    "FACILITY TOTAL",
    "PCTC IND",
    "GLOB DAYS",
    "PRE OP",
    "INTRA OP",
    "POST OP",
    "MULT PROC",
    "BILAT SURG",
    "ASST SURG",
    "CO- SURG",
    "TEAM SURG",
    "ENDO BASE",
    "CONV FACTOR",
    "PHYSICIAN SUPERVISION OF DIAGNOSTIC PROCEDURES",
    "CALCULATION FLAG",
    "DIAGNOSTIC IMAGING FAMILY INDICATOR",
    "NON-FACILITY PE USED FOR OPPS PAYMENT AMOUNT",
    "FACILITY PE USED FOR OPPS PAYMENT AMOUNT",
    "MP USED FOR OPPS PAYMENT AMOUNT",
]


def _pprrvu_row(code: str, mod: str, work: str) -> list[str]:
    return [
        code,
        mod,
        "Made-up service",
        "A",
        "",
        work,
        "1.10",
        "",
        "0.50",
        "",
        "0.05",
        "2.00",
        "1.40",
        "0",
        "XXX",
        "0.00",
        "0.00",
        "0.00",
        "0",
        "0",
        "0",
        "0",
        "0",
        "",
        "32.3465",
        "09",
        "",
        "99",
        "0.00",
        "0.00",
        "0.00",
    ]


def pprrvu_csv() -> bytes:
    rows = [
        ["", "", "2026 National Physician Fee Schedule Relative Value File January Release"],
        ["", "", "RELEASED 11/30/2025"],
        PPRRVU_HEADER,
        _pprrvu_row("99601", "", "0.00"),
        _pprrvu_row("97110", "", "0.45"),
        _pprrvu_row("97110", "GP", "0.45"),
    ]
    return "\r\n".join(",".join(f'"{c}"' if "," in c else c for c in r) for r in rows).encode() + b"\r\n"


def pprrvu_txt() -> bytes:
    from hhbill.rvu._readers import PPRRVU_TXT_MIN_LENGTH, PPRRVU_TXT_POSITIONS

    def record(code: str, mod: str, work: str) -> str:
        values = dict(
            zip(
                [
                    "code",
                    "modifier",
                    "description",
                    "status",
                    "not_used_for_medicare",
                    "work_rvu",
                    "pe_nonfacility_rvu",
                    "nonfacility_na",
                    "pe_facility_rvu",
                    "facility_na",
                    "mp_rvu",
                    "total_nonfacility",
                    "total_facility",
                    "pctc",
                    "global_days",
                    "pre_op",
                    "intra_op",
                    "post_op",
                    "multiple_procedure",
                    "bilateral_surgery",
                    "assistant_at_surgery",
                    "co_surgeons",
                    "team_surgery",
                    "endoscopic_base",
                    "conversion_factor",
                    "physician_supervision",
                    "calculation_flag",
                    "imaging_family",
                    "opps_pe_nonfacility",
                    "opps_pe_facility",
                    "opps_mp",
                ],
                _pprrvu_row(code, mod, work)[:24] + _pprrvu_row(code, mod, work)[24:],
                strict=True,
            )
        )
        line = [" "] * PPRRVU_TXT_MIN_LENGTH
        for name, (start, end) in PPRRVU_TXT_POSITIONS.items():
            text = values[name].rjust(end - start + 1)[: end - start + 1]
            line[start - 1 : end] = list(text)
        return "".join(line)

    lines = [
        "HDR CPT codes, descriptions and other data only are copyright (made-up seed)",
        record("97110", "", "0.45"),
        record("97110", "GP", "0.45"),
    ]
    return ("\r\n".join(lines) + "\r\n\x1a").encode()


def gpci_csv() -> bytes:
    return (
        b"ADDENDUM E. FINAL CY 2026 GEOGRAPHIC PRACTICE COST INDICES (GPCIs) BY STATE AND MEDICARE LOCALITY\r\n"
        b"Medicare Administrative Contractor (MAC),State,Locality Number,Locality Name,2026 PW GPCI,"
        b"2026 PE GPCI,2026 MP GPCI\r\n"
        b"10112,AL,00,ALABAMA,1.000,0.869,0.575\r\n"
        b"02102,AK,01,ALASKA*,1.500,1.081,0.718\r\n"
        b"\r\n* made-up footnote\r\n"
    )


def gpci_txt() -> bytes:
    return (
        b"CY 2026 GPCI made-up seed\r\n"
        b"10112  AL  00  ALABAMA                 1.000  0.869  0.575\r\n"
        b"02102  AK  01  ALASKA                  1.500  1.081  0.718\r\n"
    )


def zip5_txt() -> bytes:
    def record(state: str, zip_code: str, carrier: str, locality: str) -> str:
        return f"{state}{zip_code}{carrier}{locality}  ".ljust(75) + "20254"

    return "\r\n".join([record("AL", "35004", "10112", "00"), record("AK", "99501", "02102", "01")]).encode()


def rvu_release_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("PPRRVU26_JAN.csv", pprrvu_csv())
        archive.writestr("GPCI2026.csv", gpci_csv())
        archive.writestr("ZIP5_JAN2026.txt", zip5_txt())
        archive.writestr("RVU26A.pdf", b"%PDF-1.4 made up")
    return out.getvalue()


# -- X12 837I ----------------------------------------------------------------------------------------------------------
X12_837I = """\
ISA*00*          *00*          *ZZ*HHBILL         *ZZ*MAC            *260301*1200*^*00501*000000001*0*T*:~
GS*HC*HHBILL*MAC*20260301*1200*1*X*005010X223A2~
ST*837*0001*005010X223A2~
BHT*0019*00*000000001*20260301*1200*CH~
NM1*41*2*MADE UP HOME HEALTH*****46*HHBILL~
PER*IC*BILLING*TE*0000000000~
NM1*40*2*MEDICARE*****46*MAC~
HL*1**20*1~
PRV*BI*PXC*251E00000X~
NM1*85*2*MADE UP HOME HEALTH*****XX*1234567893~
N3*100 MAIN ST~
N4*CHICAGO*IL*606011234~
REF*EI*123456789~
HL*2*1*22*0~
SBR*P*18*******MA~
NM1*IL*1*FUZZPATIENT*ALEX****MI*1EG4TE5MK01~
N3*1 ELM ST~
N4*CHICAGO*IL*606011234~
DMG*D8*19400202*F~
NM1*PR*2*MEDICARE*****PI*15202~
CLM*PCN0000001*485.01***32:A:9**A*Y*Y~
DTP*434*RD8*20260105-20260203~
DTP*435*D8*20260105~
CL1**1*30~
HI*ABK:I5032~
HI*ABF:E119*ABF:Z9181~
HI*BH:50:D8:20260105*BH:61:D8:20251230~
HI*BE:61:::16974.00~
NM1*71*1*DOE*JANE****XX*1245319599~
NM1*DN*1*ROE*SAM****XX*1003000126~
LX*1~
SV2*0023*HP:1FC21*0.00*UN*1~
DTP*472*D8*20260105~
LX*2~
SV2*0551*HC:G0299*160.00*UN*4~
DTP*472*D8*20260105~
LX*3~
SV2*0421*HC:G0151*210.00*UN*3~
DTP*472*D8*20260107~
SE*38*0001~
GE*1*1~
IEA*1*000000001~
"""


# -- claim input -------------------------------------------------------------------------------------------------------
PERIOD = {
    "type_of_bill": "0329",
    "from": "2026-03-02",
    "through": "2026-03-31",
    "admission_date": "2026-03-02",
    "patient_status": "30",
    "hipps": "1FC21",
    "diagnoses": ["I5022", "E119"],
    "site_of_service": "home",
    "cbsa": "35614",
    "oasis_assessment_date": "2026-03-01",
    "noa_receipt_date": "2026-03-04",
    "provider": {"npi": "1987654328", "name": "Made-up Home Health"},
    "attending_npi": "1456789019",
    "certifying_npi": "1678901236",
    "patient": {"mbi": "1EG4TE5MK73", "last_name": "Fuzzpatient", "first_name": "Ada"},
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
    ],
}
CLAIM_LINES = {
    "type_of_bill": "0329",
    "from": "2026-03-02",
    "through": "2026-03-31",
    "admission_date": "2026-03-02",
    "patient_status": "30",
    "diagnoses": ["I5022"],
    "provider": {"npi": "1987654328", "name": "Made-up HH"},
    "patient": {"mbi": "1EG4TE5MK73", "last_name": "Fuzzpatient", "first_name": "Ada"},
    "lines": [
        {"revenue_code": "0023", "hcpcs": "1FC21", "date": "2026-03-02", "units": 1, "charge": "0.00"},
        {"revenue_code": "0551", "hcpcs": "G0299", "date": "2026-03-02", "units": 4, "charge": "150.00"},
    ],
}
VISITS_CSV = (
    "date,discipline,role,service,minutes,modality,charge,site_of_service\r\n"
    "2026-03-02,SN,RN,observation_assessment,60,,150.00,home\r\n"
    "2026-03-04,PT,PTA,direct,45,,180.00,\r\n"
)

SEARCH_QUERIES = [
    "G0151",
    "g0299 skilled nursing",
    "S9325-S9379",
    "hoyer lift",
    "wheelchiar cushion",
    "KX",
    "infus",
    "physical therapy 15 min",
    '"quoted" AND OR NOT *',
    "-- '; DROP TABLE hcpcs_code",
    "ñandú café",
]


def seeds() -> dict[str, dict[str, bytes]]:
    return {
        "hcpcs_txt": {
            "valid.txt": hcpcs_txt(),
            "truncated.txt": hcpcs_txt()[:700],
            "bad_date.txt": hcpcs_txt().replace(b"20160101", b"20161399", 1),
        },
        "hcpcs_xlsx": {"valid.xlsx": hcpcs_xlsx(), "no_header.xlsx": xlsx([["HCPC?"], ["G0299", "3"]])},
        "hcpcs_notes": {"notes.txt": notes_txt()},
        "hcpcs_zip": {"release.zip": hcpcs_zip()},
        "rvu_pprrvu_csv": {"pprrvu.csv": pprrvu_csv()},
        "rvu_pprrvu_txt": {"pprrvu.txt": pprrvu_txt()},
        "rvu_gpci": {"gpci.csv": gpci_csv(), "gpci.txt": b"T" + gpci_txt()},
        "rvu_zip5": {"zip5.txt": zip5_txt()},
        "rvu_release_zip": {"RVU26A.zip": rvu_release_zip()},
        "x12_837i": {
            "claim.x12": X12_837I.encode(),
            "one_line.x12": X12_837I.replace("\n", "").encode(),
            "truncated.x12": X12_837I[:900].encode(),
        },
        "claim_json": {
            "period.json": json.dumps(PERIOD, indent=1).encode(),
            "lines.json": json.dumps(CLAIM_LINES).encode(),
            "not_an_object.json": b"[1, 2]",
        },
        "claim_csv": {"visits.csv": VISITS_CSV.encode()},
        "search_query": {f"q{i:02d}.txt": q.encode() for i, q in enumerate(SEARCH_QUERIES)},
    }


def main() -> None:
    for target, files in seeds().items():
        folder = CORPUS / target
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
    print(f"wrote {sum(len(f) for f in seeds().values())} seed files under {CORPUS}")


if __name__ == "__main__":
    main()
