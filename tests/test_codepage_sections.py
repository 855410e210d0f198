"""The explaining code page (hhbill.explain) on the real CMS January 2026 release: every code and modifier has
every section, well formed and sourced; specific pages say what CMS's files and hhbill's rule data say.

Expected values are read from the CMS files themselves (the XLSX edition of the release, the PPRRVU CSV) and from
the rule data files, never typed in by hand.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from _cms_hcpcs_xlsx import JAN_2026_XLSX, cms_rows
from conftest import shared_path
from hhbill import hcpcs
from hhbill._errors import NotFoundError
from hhbill._store import Store
from hhbill.claims import edit_catalog
from hhbill.explain import SECTIONS, explain_code, render_html, render_text
from hhbill.search import load_vocabulary

JAN26_ZIP = "data/hcpcs/2026_jan/january-2026-alpha-numeric-hcpcs-file.zip"
PPRRVU_2026 = "data/mpfs/rvu26c/PPRRVU2026_Jul_nonQPP.csv"
DAY = date(2026, 2, 1)
RELATIONS = {
    "same_range",
    "same_family",
    "excludes",
    "excluded_by",
    "cross_reference",
    "cross_referenced_by",
    "predecessor",
    "successor",
    "billed_with",
}
#: HCPCS Level II code, modifier, or CPT code (cross-references may point to CPT)
CODE_SHAPE = re.compile(r"^(?:[A-Z]\d{4}|[A-Z0-9]{2}|\d{5}|\d{4}[A-Z])$")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("codepage") / "hhbill.db")
    hcpcs.import_release(store, shared_path(JAN26_ZIP))
    return store


@pytest.fixture(scope="module")
def cms():
    return cms_rows(shared_path(JAN_2026_XLSX))


@pytest.fixture(scope="module")
def pprrvu() -> dict[str, tuple[str, Decimal]]:
    """Global (no modifier) rows of the CMS relative value file, read with the csv module: code -> (status, work)."""
    with shared_path(PPRRVU_2026).open(newline="", encoding="latin-1") as handle:
        rows = list(csv.reader(handle))
    header_index = next(i for i, row in enumerate(rows) if row[:2] == ["HCPCS", "MOD"])
    # the header is stacked over two rows: "STATUS / CODE" and "WORK / RVU"
    above, header = rows[header_index - 1], rows[header_index]
    assert (above[3], header[3], above[5], header[5]) == ("STATUS", "CODE", "WORK", "RVU")
    return {
        row[0].strip(): (row[3].strip(), Decimal(row[5].strip() or "0"))
        for row in rows[header_index + 1 :]
        if row and row[0].strip() and not row[1].strip()
    }


def _claims_data(name: str) -> dict:
    return json.loads(resources.files("hhbill").joinpath("data/claims").joinpath(name).read_text("utf-8"))


def _sourced(text: object) -> bool:
    # a source is a public text, never a project notes file
    return isinstance(text, str) and bool(text.strip()) and re.search(r"\w\.md\b", text) is None


def _check_page(page: dict, code: str, catalog_ids: set[str]) -> None:
    where = f"{code}: "
    for section in SECTIONS:
        assert section in page, where + f"no {section}"
    for item in page["also_known_as"]:
        assert item["term"].strip() and item["relation"] and _sourced(item["source"]), where + str(item)
    plain = page["plain_language"]
    assert plain["text"].strip().endswith("."), where + plain["text"]
    assert _sourced(plain["source"]) and all(_sourced(r["source"]) for r in plain["rewrites"]), where
    definitions = {d["field"]: d for d in page["field_definitions"]}
    assert {"long_description", "coverage", "action"} <= definitions.keys(), where
    assert ("modifier" in definitions) == (page["kind"] == "modifier"), where
    assert all(d["definition"] and _sourced(d["source"]) and d["positions"] for d in definitions.values()), where
    rvu = page["rvu"]
    assert rvu is not None and rvu["summary"] and _sourced(rvu["source"]), where
    if rvu["available"]:
        assert rvu["status"]["code"] and Decimal(rvu["work_rvu"]) >= 0 and Decimal(rvu["mp_rvu"]) >= 0, where
        assert (rvu["national_payment"] is not None) == rvu["priced"], where
    assert page["comparisons"], where + "no comparisons"
    for item in page["comparisons"]:
        assert item["statement"] and item["group"] and _sourced(item["source"]), where + str(item)
        if item["share"] is not None:
            assert 0 <= item["share"] <= 1 and item["matching"] <= item["group_size"], where + str(item)
            assert item["share"] == round(item["matching"] / item["group_size"], 4), where + str(item)
            assert f"{item['matching']:,} of {item['group_size']:,}" in item["statement"], where + str(item)
    assert page["comparisons"][-1]["group"] == "history", where
    for item in page["related_codes"]:
        assert CODE_SHAPE.match(item["code"]) and item["relation"] in RELATIONS, where + str(item)
        assert item["why"] and _sourced(item["source"]), where + str(item)
    for item in page["billing"]:
        assert item["topic"] and item["text"] and _sourced(item["citation"]), where + str(item)
    if page["coverage"] or page["pricing_indicators"]:
        assert page["billing"], where + "no billing notes"
    assert page["edits"], where + "no edits"
    for item in page["edits"]:
        assert item["id"] in catalog_ids and item["why"] and _sourced(item["citation"]), where + str(item)
    valid_on = "modifier-valid-on-date" if page["kind"] == "modifier" else "hcpcs-valid-on-date"
    assert page["edits"][0]["id"] == valid_on, where
    questions = [item["question"] for item in page["faq"]]
    assert questions[0] == f"What is {code}?" and questions[-1] == f"Is {code} paid separately?", where
    assert all(item["answer"] and item["sources"] and all(map(_sourced, item["sources"])) for item in page["faq"])


def test_every_code_of_the_january_2026_release_has_every_section(store: Store, cms) -> None:
    catalog_ids = {edit.id for edit in edit_catalog().edits}
    reference = hcpcs.HcpcsReference(store)
    release = reference.release_on(DAY)
    codes = sorted(record.code for record in hcpcs.release_records(reference, release))
    assert set(codes) == set(cms)  # every procedure code and modifier of the CMS file
    for number, code in enumerate(codes):
        page = explain_code(reference, code, DAY).to_dict()
        assert page["code"] == code
        json.dumps(page)  # the JSON rendering is plain data
        _check_page(page, code, catalog_ids)
        if number % 50 == 0:  # the renderings walk the same data; a sample keeps the test short
            text, html = render_text(page), render_html(page)
            assert page["plain_language"]["text"] in text
            assert "Physician fee schedule" in html and f"What is {code}?" in html


def _share(matching: int, total: int) -> float:
    return round(matching / total, 4)


def test_g0320_page(store: Store, cms, pprrvu) -> None:
    page = explain_code(store, "G0320", DAY).to_dict()
    named = {term for entry in load_vocabulary().entries if "G0320" in entry.codes for term in entry.terms}
    assert named and named <= {a["term"] for a in page["also_known_as"]}
    assert "video" in page["plain_language"]["text"]
    # billed with: the other telecommunications codes and every visit G-code of the rule data
    tele = _claims_data("telehealth.json")
    disciplines = _claims_data("disciplines.json")["disciplines"]
    visit_codes = {code for row in disciplines.values() for code in row["visit_codes"].values()}
    billed_with = {r["code"] for r in page["related_codes"] if r["relation"] == "billed_with"}
    assert {tele["per_service_codes"]["audio_only"], tele["remote_monitoring_code"]} <= billed_with
    assert visit_codes <= billed_with and "G0151" in billed_with
    units = next(b for b in page["billing"] if b["topic"] == "units")
    assert "1 unit per service" in units["text"]
    assert {"telehealth-units", "telehealth-reporting"} <= {e["id"] for e in page["edits"]}
    # the fee schedule entry is the CMS file's row, on a store where no fee schedule was imported
    assert (page["rvu"]["status"]["code"], Decimal(page["rvu"]["work_rvu"])) == pprrvu["G0320"]
    assert page["rvu"]["release"].endswith("embedded default") and page["rvu"]["national_payment"] is None
    # share of G codes (in both files) with a work RVU of 0.00, computed from the CMS files directly
    g_codes = [c for c in cms if c.startswith("G") and len(c) == 5 and c in pprrvu]
    zero = sum(pprrvu[c][1] == 0 for c in g_codes)
    letter = next(c for c in page["comparisons"] if c["group"] == "G codes" and "work RVU" in c["statement"])
    assert (letter["matching"], letter["group_size"]) == (zero, len(g_codes))
    assert letter["share"] == _share(zero, len(g_codes))
    percent = (Decimal(100 * zero) / len(g_codes)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert letter["statement"].startswith(f"{percent}% of G codes")


def test_s9329_page(store: Store, cms) -> None:
    page = explain_code(store, "S9329", DAY).to_dict()
    description = cms["S9329"]["LONG DESCRIPTION"]
    named = re.findall(r"\bs\d{4}\b", description.split("do not use", 1)[1], re.IGNORECASE)
    excludes = [r["code"] for r in page["related_codes"] if r["relation"] == "excludes"]
    assert excludes == [c.upper() for c in named]
    excluded_by = [r["code"] for r in page["related_codes"] if r["relation"] == "excluded_by"]
    assert excluded_by and all("do not use" in cms[c]["LONG DESCRIPTION"].lower() for c in excluded_by)
    assert {"hcpcs-not-payable-by-medicare", "hcpcs-do-not-use-with"} <= {e["id"] for e in page["edits"]}
    assert "per day" in page["plain_language"]["text"] and "Medicare does not pay" in page["plain_language"]["text"]
    faq = {item["question"]: item["answer"] for item in page["faq"]}
    assert "one unit per day" in faq["How many units of S9329?"]
    assert cms["S9329"]["PROCNOTE"].strip() in faq["Who bills S9329?"]
    coverage = next(c for c in page["comparisons"] if c["group"] == "S codes" and "coverage code" in c["statement"])
    s_codes = [c for c in cms if c.startswith("S") and len(c) == 5]
    same = sum(cms[c]["COV"].strip() == cms["S9329"]["COV"].strip() for c in s_codes)
    assert (coverage["matching"], coverage["group_size"]) == (same, len(s_codes))


def test_g0151_page(store: Store) -> None:
    page = explain_code(store, "G0151", DAY).to_dict()
    physical_therapy = _claims_data("disciplines.json")["disciplines"]["PT"]
    revenue = next(b for b in page["billing"] if b["topic"] == "revenue code")
    assert f"{physical_therapy['revenue_family']}X" in revenue["text"]
    family = {r["code"] for r in page["related_codes"] if r["relation"] == "same_family"}
    assert family == set(physical_therapy["visit_codes"].values()) - {"G0151"}
    site_codes = set(_claims_data("site_of_service.json")["home_health_codes"].values())
    assert site_codes <= {r["code"] for r in page["related_codes"] if r["relation"] == "billed_with"}
    assert "15-minute" in next(b for b in page["billing"] if b["topic"] == "units")["text"]
    assert {"revenue-code-discipline", "hh-visit-code-on-34x"} <= {e["id"] for e in page["edits"]}
    # lay words for the descriptor's phrases come from the vocabulary entries that mean them
    description = page["long_description"].lower()
    meant = {
        term
        for entry in load_vocabulary().entries
        if any(re.search(rf"\b{re.escape(phrase.lower())}\b", description) for phrase in entry.means)
        for term in entry.terms
    }
    lay = {a["term"] for a in page["also_known_as"] if a["relation"].startswith("lay word")}
    assert lay and lay <= meant


def test_gp_modifier_page(store: Store) -> None:
    page = explain_code(store, "GP", DAY).to_dict()
    assert page["kind"] == "modifier"
    physical_therapy = _claims_data("disciplines.json")["disciplines"]["PT"]
    setting = next(b for b in page["billing"] if b["topic"] == "setting")
    assert "034X" in setting["text"] and physical_therapy["revenue_code_034x"] in setting["text"]
    assert {"modifier-valid-on-date", "therapy-modifier"} <= {e["id"] for e in page["edits"]}
    assert "KX" in {r["code"] for r in page["related_codes"]}
    assert page["comparisons"][0]["group"] == "modifiers"
    assert "modifier" in page["plain_language"]["text"]


def test_e0630_page(store: Store, cms) -> None:
    page = explain_code(store, "E0630", DAY).to_dict()
    named = {term for entry in load_vocabulary().entries if "E0630" in entry.codes for term in entry.terms}
    assert named and named <= {a["term"] for a in page["also_known_as"]}
    assert "DMEPOS" in next(b for b in page["billing"] if b["topic"] == "setting")["text"]
    assert page["rvu"]["available"] is False and "relative value file" in page["rvu"]["summary"]
    price1 = cms["E0630"]["PRICE1"].strip()
    in_range = [c for c in cms if c.startswith("E06") and len(c) == 5]
    same = sum(cms[c]["PRICE1"].strip() == price1 for c in in_range)
    pricing = next(
        c for c in page["comparisons"] if c["group"] == "codes E0600-E0699" and "pricing indicator" in c["statement"]
    )
    assert (pricing["matching"], pricing["group_size"]) == (same, len(in_range))


def test_cpt_code_page_says_where_the_descriptor_comes_from(store: Store, pprrvu) -> None:
    page = explain_code(store, "99213", DAY).to_dict()
    assert page["long_description"] == ""
    assert "rvu-import" in page["descriptor_note"] and "AMA" in page["descriptor_note"]
    assert page["rvu"]["available"] and page["rvu"]["descriptor_note"] == page["descriptor_note"]
    with pytest.raises(NotFoundError):
        explain_code(store, "00000", DAY)


def test_unknown_code_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError):
        explain_code(store, "Z9999", DAY)


@given(
    st.integers(min_value=1, max_value=100_000).flatmap(lambda total: st.tuples(st.integers(0, total), st.just(total)))
)
def test_a_share_is_all_or_none_only_when_it_is(shares: tuple[int, int]) -> None:
    from hhbill.explain._sections import _percent

    matching, total = shares
    text = _percent(matching, total)
    assert (text == "100%") == (matching == total)
    assert (text == "0%") == (matching == 0)
    if text.endswith("%") and text[0].isdigit():
        assert abs(Decimal(text[:-1]) - Decimal(100 * matching) / total) <= Decimal("0.5")


def test_cli_api_and_library_give_the_same_page(tmp_path) -> None:
    """A fresh install (embedded HCPCS subset, shipped fee schedule): the CLI's JSON is the library's page."""
    from typer.testing import CliRunner

    from hhbill.cli import app

    db = tmp_path / "fresh.db"
    result = CliRunner().invoke(app, ["--db", str(db), "code", "S9329", "--as-of", "2026-02-01", "--format", "json"])
    assert result.exit_code == 0, result.output
    page = json.loads(result.stdout)
    assert page == json.loads(json.dumps(explain_code(Store(db), "S9329", DAY).to_dict()))
    assert all(section in page for section in SECTIONS) and page["rvu"]["available"]
    text = CliRunner().invoke(app, ["--db", str(db), "code", "S9329", "--as-of", "2026-02-01"])
    assert "In plain language:" in text.stdout and "Scrubber edits that concern it:" in text.stdout


def test_vocabulary_phrases_are_found_as_the_lookahead_regex_finds_them(cms) -> None:
    """The phrase finder behind lay names and plain-language glosses walks a dictionary; it must find, in every
    descriptor of the release, exactly what one regex of all phrases (longest first, at every word start, with
    an optional plural "s", ending at a word's end) finds."""
    from hhbill.explain._sections import _vocabulary_index

    index = _vocabulary_index()
    alternatives = "|".join(re.escape(p) for p in sorted(index.phrases, key=len, reverse=True))
    oracle = re.compile(rf"(?<![a-z0-9])(?=({alternatives})s?(?![a-z0-9]))")
    texts = [row["LONG DESCRIPTION"] for row in cms.values() if row.get("LONG DESCRIPTION")]
    texts += ["Home health aides' visit", "aides", "aidesx", "HOME HEALTH AIDE/visit", "", "s", "é aide"]
    assert len(texts) > 5000
    for text in texts:
        expected = [item for m in oracle.finditer(text.lower()) for item in index.phrases[m.group(1)]]
        assert index.phrases_in(text) == expected, text


def test_a_plain_language_rule_skipped_by_its_words_could_not_have_matched(cms) -> None:
    """Rules compile and run only when their words occur in the descriptor: over every descriptor of the release,
    no rule whose words are absent matches."""
    from hhbill.explain._sections import _plain_rules

    rules = _plain_rules()
    texts = [row["LONG DESCRIPTION"] for row in cms.values() if row.get("LONG DESCRIPTION")]
    texts += ["Registered Nurse (RN) visit W/O contrast", "PT/OT", "w/", "RN-led"]
    skipped_matches = [
        (rule.original, text)
        for text in texts
        for rule in [*rules.rules, *rules.spelled_out]
        if not rule.may_occur_in(text.lower()) and rule.pattern().search(text)
    ]
    assert skipped_matches == []
    # and the words do skip: most rules are absent from a typical descriptor
    typical = "home health aide visit, each 15 minutes"
    assert sum(rule.may_occur_in(typical) for rule in rules.rules) < len(rules.rules) / 2
