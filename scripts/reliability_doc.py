"""Write docs/RELIABILITY.md from the guarantees below and the results of the last test run.

Each guarantee names the tests that prove it; the doc shows, for each, how its tests ended in the run read
(a JUnit XML file, as ``pytest --junitxml`` writes it). The list of guarantees is the one place to add a new
one; ``tests/test_reliability_doc.py`` fails when the doc's structure no longer matches this list (a guarantee or
test added, renamed or removed) or when a test named here does not exist.

    python scripts/reliability_doc.py --run            # run the reliability tests, then write the doc
    python scripts/reliability_doc.py --junit FILE     # write the doc from a run already made
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "RELIABILITY.md"
#: the test files the doc reports on (``--run`` runs exactly these)
TEST_FILES = (
    "tests/test_reliability_inputs.py",
    "tests/test_reliability_unicode.py",
    "tests/test_reliability_fuzz.py",
    "tests/test_reliability_faults.py",
    "tests/test_reliability_concurrency.py",
    "tests/test_reliability_postgres.py",
    "tests/test_reliability_api.py",
    "tests/test_reliability_attack.py",
    "tests/test_web_security.py",
)


@dataclass(frozen=True)
class Guarantee:
    text: str
    tests: tuple[str, ...]  # "file_stem::test_function" (every parametrized case counts)


@dataclass(frozen=True)
class Section:
    title: str
    intro: str
    guarantees: tuple[Guarantee, ...]


def g(text: str, *tests: str) -> Guarantee:
    return Guarantee(text, tests)


INP = "test_reliability_inputs"
UNI = "test_reliability_unicode"
FLT = "test_reliability_faults"
CON = "test_reliability_concurrency"
PG = "test_reliability_postgres"
API = "test_reliability_api"
ATK = "test_reliability_attack"
WEB = "test_web_security"

SECTIONS: tuple[Section, ...] = (
    Section(
        "1. Every input ends in a result or in hhbill's own located error",
        "An input ends in a result, or in an `HhbillError` subclass carrying its location (file, line, field, "
        "segment) — never another exception, a hang or runaway memory. Generated files read back field for field.",
        (
            g(
                "HCPCS fixed-width TXT, XLSX and processing notes, any bytes",
                f"{INP}::test_hcpcs_txt_reads_back_what_was_written",
                f"{INP}::test_hcpcs_txt_damaged_bytes_end_in_a_located_error_or_a_result",
                f"{INP}::test_hcpcs_xlsx_random_rows_under_a_real_header",
                f"{INP}::test_hcpcs_notes_any_bytes",
                f"{INP}::test_hcpcs_txt_unicode_digit_in_units",
            ),
            g(
                "release zips (HCPCS, fee schedule): damaged, of any declared size",
                f"{INP}::test_hcpcs_zip_damaged",
                f"{INP}::test_rvu_release_zip_damaged",
                f"{INP}::test_zip_member_declaring_gigabytes_is_refused_before_reading",
            ),
            g(
                "a 3-4 MB zip inflating to 150 MB is refused before it is read (peak memory stays under 32 MB)",
                f"{ATK}::test_a_small_zip_inflating_to_150_mb_is_refused_without_reading_it",
            ),
            g(
                "fee schedule CSV/TXT, GPCI, ZIP5: any number in any column, carriage returns in fields",
                f"{INP}::test_rvu_pprrvu_any_number_in_any_numeric_column",
                f"{INP}::test_rvu_zip5_reads_back_what_was_written",
                f"{INP}::test_rvu_number_too_large",
                f"{INP}::test_rvu_csv_carriage_return_in_field",
            ),
            g(
                "X12 837I, damaged or written by hhbill",
                f"{INP}::test_x12_damaged_837i_ends_in_claims_or_a_located_x12_error",
                f"{INP}::test_x12_written_claims_read_back",
            ),
            g(
                "claim JSON and visit CSV: any value anywhere, not UTF-8, too deep, huge numbers, Unicode digits",
                f"{INP}::test_claim_json_any_value_anywhere",
                f"{INP}::test_claim_visit_csv_any_rows",
                f"{INP}::test_claim_input_not_utf8",
                f"{INP}::test_claim_json_too_deep",
                f"{INP}::test_claim_json_huge_integer",
                f"{INP}::test_claim_amount_too_large",
                f"{INP}::test_claim_unicode_digit_minutes",
            ),
            g(
                "Unicode edge cases (lone surrogates, NUL, BOM, separators, RTL marks, other scripts' digits, "
                "non-BMP) through the X12 tokenizer, the 837I reader and the claim input reader; what is read "
                "writes out as UTF-8 JSON",
                f"{UNI}::test_tokenizer_any_unicode_ends_in_segments_or_a_located_error",
                f"{UNI}::test_837i_reader_any_unicode_ends_in_claims_or_a_located_error",
                f"{UNI}::test_claim_input_any_unicode_ends_in_a_claim_or_a_located_error",
                f"{UNI}::test_a_lone_surrogate_is_among_what_the_fuzzer_draws",
            ),
            g(
                "a lone surrogate in any claim text field (names, claim id, remarks, diagnoses, visits, unknown "
                "keys) is refused at the input edge naming the field; CSV names the line",
                f"{ATK}::test_lone_surrogate_is_refused_by_the_claim_reader_naming_the_field",
                f"{ATK}::test_lone_surrogate_in_a_visit_csv_names_the_line",
                f"{ATK}::test_surrogate_pairs_and_other_unicode_pass",
            ),
            g(
                "search: any query text is safe, bounded and repeatable",
                f"{INP}::test_search_any_text_is_safe_and_bounded",
            ),
            g("every fuzz corpus file and saved finding replays cleanly", f"{INP}::test_replay_corpus_and_findings"),
            g(
                "the short coverage-guided fuzz run (atheris; skipped where atheris is not installed)",
                "test_reliability_fuzz::test_short_fuzz_run_finds_nothing_new",
            ),
        ),
    ),
    Section(
        "2. Faults: the store holds exactly what it held before the failed operation",
        "Checked table by table, row by row; a kill that lands after COMMIT leaves the complete new data instead.",
        (
            g(
                "SIGKILL inside or at random moments of an HCPCS or fee schedule import: all or nothing; the next "
                "start says an import was interrupted",
                f"{FLT}::test_import_killed_inside_the_transaction_keeps_exactly_the_previous_data",
                f"{FLT}::test_import_killed_at_random_moments_is_all_or_nothing",
                f"{FLT}::test_fee_schedule_import_killed_at_random_moments_is_all_or_nothing",
                f"{FLT}::test_next_start_says_an_import_was_interrupted",
            ),
            g(
                "SIGKILL during claim-ledger writes: every confirmed write survives",
                f"{FLT}::test_ledger_writes_killed_at_random_moments_lose_nothing_committed",
                f"{FLT}::test_ledger_kill_keeps_every_confirmed_write",
            ),
            g(
                "full disk and file size limit: nothing changes, and the message says the disk is full",
                f"{FLT}::test_full_database_changes_nothing",
                f"{FLT}::test_full_database_is_reported_in_plain_words",
                f"{FLT}::test_file_size_limit_during_import_changes_nothing",
                f"{FLT}::test_file_size_limit_during_import_is_reported_in_plain_words",
            ),
            g(
                "read-only store or file: every write refused in plain words, nothing changed",
                f"{FLT}::test_read_only_store_refuses_every_write_and_changes_nothing",
                f"{FLT}::test_read_only_file_for_a_user_without_write_permission",
            ),
            g(
                "a read-only folder is not called damage (`releases`, `code`): the message names the folder and "
                "says the file is intact (integrity check ok); a full disk at open is not called damage",
                f"{ATK}::test_read_only_folder_is_not_called_damage",
                f"{ATK}::test_store_open_errors_are_classified",
            ),
            g(
                "leftover read-only -wal/-shm files are named as the reason the database is read-only",
                f"{ATK}::test_leftover_read_only_journal_files_are_named",
            ),
            g(
                "damaged file (header, truncated, middle pages): never a silently wrong answer; the next start says "
                "so without a traceback",
                f"{FLT}::test_damaged_database_is_never_a_silently_wrong_answer",
                f"{FLT}::test_damaged_database_next_start_says_so_without_a_traceback",
            ),
            g(
                "damaged pages in the middle: every read (fetchall, iteration) goes through the store's error "
                "handling; `hhbill search` prints plain words; `hhbill serve` starts and serves what is readable",
                f"{ATK}::test_every_read_goes_through_the_store_error_handling",
                f"{ATK}::test_search_over_damaged_pages_prints_plain_words_not_a_traceback",
                f"{ATK}::test_serve_starts_over_damaged_pages_and_serves_what_is_readable",
            ),
        ),
    ),
    Section(
        "3. Concurrency",
        "Readers never fail and never see half a release while an import runs; concurrent writers lose nothing.",
        (
            g(
                "readers during an import; two imports at once (HCPCS, fee schedule); the same release twice at once",
                f"{CON}::test_readers_during_an_import_never_fail_and_never_see_half_a_release",
                f"{CON}::test_two_imports_of_different_releases_at_once_both_land_completely",
                f"{CON}::test_two_fee_schedule_imports_at_once_both_land_completely",
                f"{CON}::test_the_same_release_imported_twice_at_once_is_stored_once",
            ),
            g(
                "4 processes writing the SQLite ledger: no lost write, the same claim recorded once",
                f"{CON}::test_concurrent_ledger_writes_lose_nothing",
                f"{CON}::test_the_same_claim_recorded_at_once_is_recorded_once",
            ),
            g(
                "PostgreSQL ledger: concurrent writers, a killed writer, a read-only database, the server gone "
                "(skipped where PostgreSQL is not installed)",
                f"{PG}::test_concurrent_postgres_ledger_writes_lose_nothing",
                f"{PG}::test_the_same_claim_recorded_at_once_on_postgres_is_recorded_once",
                f"{PG}::test_postgres_ledger_writer_killed_keeps_every_confirmed_write",
                f"{PG}::test_read_only_postgres_ledger_refuses_in_plain_words",
                f"{PG}::test_postgres_server_gone_is_a_store_error_and_committed_claims_survive",
            ),
        ),
    ),
    Section(
        "4. The API under load and abuse",
        "In-process through httpx.ASGITransport (a crash shows as a 500 and fails the test), and a real uvicorn on "
        "127.0.0.1 where the socket matters.",
        (
            g(
                "missing, malformed, unknown or revoked API keys: 401 on every protected route",
                f"{API}::test_wrong_or_missing_api_key_is_401",
                f"{API}::test_revoked_key_is_401_and_a_good_key_works",
            ),
            g(
                "bodies over the limit: 413 before the body is read",
                f"{API}::test_oversized_bodies_are_413_and_the_service_stays_up",
                f"{API}::test_oversized_body_on_a_real_socket_is_refused_before_it_is_read",
            ),
            g(
                "a header block over the limit (4 MB in one header, 20,000 headers): 431 on a real socket, memory "
                "bounded by the limit, the server stays up",
                f"{ATK}::test_an_oversized_header_gets_431_and_the_server_stays_up",
            ),
            g(
                "malformed JSON and 837I uploads, any URL, any claim body: 4xx, never 500",
                f"{API}::test_malformed_json_is_4xx_never_500",
                f"{API}::test_malformed_x12_upload_is_422_never_500",
                f"{API}::test_any_url_is_answered_below_500",
                f"{API}::test_any_claim_body_is_answered_below_500",
            ),
            g(
                "a lone surrogate in an API claim body: 422 naming the field, no ledger row, and the corrected "
                "claim is not an exact duplicate; the CLI prints the field, no traceback",
                f"{ATK}::test_api_refuses_a_lone_surrogate_with_422_and_keeps_no_ledger_row",
                f"{ATK}::test_cli_claim_check_with_a_lone_surrogate_prints_the_field_and_no_traceback",
            ),
            g(
                "a number beyond 64 bits in a path (`POST /log/9223372036854775808/delete`): 4xx, never 500",
                f"{ATK}::test_deleting_a_log_entry_beyond_64_bits_is_not_a_500",
            ),
            g(
                "an unexpected failure is a 500 that still carries the security headers and no detail",
                f"{ATK}::test_an_unexpected_500_still_carries_the_security_headers",
            ),
            g(
                "path traversal in upload names and URLs reads and writes nothing outside",
                f"{API}::test_path_traversal_in_the_upload_name_reads_and_writes_nothing_else",
                f"{API}::test_path_traversal_in_urls_serves_no_file_outside",
                f"{API}::test_multipart_file_is_never_written_to_disk_under_its_name",
            ),
            g(
                "slow clients and load: the others are served; every request answered",
                f"{API}::test_slow_clients_do_not_stop_the_service",
                f"{API}::test_load_on_the_real_server_every_request_answered",
            ),
            g(
                "/health is answered while a 2.4 MB, 3,000-claim 837I is being checked and a slow client dribbles "
                "its body (real uvicorn, one worker; order, not time)",
                f"{ATK}::test_health_answers_while_a_heavy_837i_upload_and_a_slow_client_are_served",
            ),
            g(
                "claim checks cannot fill the thread pool: lookups pass while 50 checks are held, and a stalled "
                "claim upload holds no slot",
                f"{ATK}::test_claim_lane_admits_few_claim_checks_and_lets_lookups_through",
                f"{ATK}::test_stalled_claim_uploads_hold_no_lane_slot",
            ),
            g(
                "a served process takes its start-up objects out of the cyclic collector and raises its young "
                "threshold, so collector work per request does not grow with the requests in flight",
                f"{API}::test_a_served_process_keeps_its_start_up_heap_out_of_the_cyclic_collector",
            ),
            g(
                "rate limit: 429 with Retry-After; a forged X-Forwarded-For changes nothing; it counts clients only "
                "behind configured proxies; the table is bounded and expiry does not scan it",
                f"{API}::test_rate_limit_answers_429_with_retry_after",
                f"{ATK}::test_a_forged_x_forwarded_for_changes_nothing",
                f"{ATK}::test_x_forwarded_for_counts_clients_behind_a_configured_proxy",
                f"{ATK}::test_rate_table_is_bounded_and_expiry_does_not_scan_it",
            ),
            g(
                "no patient data in any log line (in-process loggers and the whole server output)",
                f"{API}::test_zz_no_phi_in_any_log_line",
                f"{API}::test_server_log_holds_no_phi_after_abuse",
            ),
        ),
    ),
    Section(
        "5. Browser sign-in and forms",
        "The web pages' own defences: sessions, CSRF, origin checks.",
        (
            g(
                "the session cookie is a server-side session id (HttpOnly, SameSite=Strict), never the API key; "
                "logout ends it for every copy; revoking the key ends its sessions",
                f"{WEB}::test_sign_in_sets_a_strict_httponly_cookie_and_opens_claim_pages",
                f"{WEB}::test_logout_ends_the_session_even_for_a_copied_cookie",
                f"{WEB}::test_the_raw_api_key_as_a_cookie_signs_no_one_in",
                f"{WEB}::test_revoking_the_key_ends_its_sessions",
                f"{WEB}::test_login_never_redirects_off_site",
            ),
            g(
                "form posts need the page's CSRF token and the site's own Origin: another site, `null` or a missing "
                "Origin is 403, even with API keys off",
                f"{WEB}::test_cross_site_form_posts_are_refused",
                f"{WEB}::test_form_posts_need_the_csrf_token_of_their_cookie",
                f"{WEB}::test_with_keys_off_a_cross_site_null_origin_post_writes_nothing",
            ),
            g("starting with API keys off warns loudly", f"{WEB}::test_starting_with_api_keys_off_warns_loudly"),
            g(
                "the ledger's MBI hashing key lives in an owner-only (0600) file, not in the database; an older "
                "database's key moves there and still matches",
                f"{ATK}::test_ledger_key_lives_in_an_owner_only_file_not_in_the_database",
                f"{ATK}::test_a_key_left_in_an_older_database_moves_to_the_file_and_still_matches",
            ),
        ),
    ),
)


#: how ``hhbill serve`` runs, and the settings behind the guarantees below (written as is into the doc)
SERVING = [
    "## Serving",
    "",
    "- **Workers.** Served on any address other than loopback, `hhbill serve` starts one server process per core "
    "(at most 8; `--workers N` to choose); on loopback, one process (it prints the one-time sign-in link). Routes "
    "run their work in the thread pool, so the event loop keeps answering (`/api/v1/health` included) while a "
    "request works for seconds (a large 837I). Each process keeps its own rate-limit counters (a client gets up "
    "to workers × limit), and a busy worker gets 60 s to answer uvicorn's health ping before it is restarted.",
    "- **Two lanes.** At most `max(8, 2 × cores)` claim requests (`/api/v1/claims`, `/claims`, `/x12` posts) are "
    "worked on at once per process; the others wait at the door, so the thread pool always has room for lookups "
    "(`hhbill.web._lanes`).",
    "- **Header cap.** The request line and headers may take 64 KB (`HHBILL_MAX_HEADER_BYTES`); beyond that the "
    "answer is 431 before more is buffered (`hhbill.web._server.CappedHttpToolsProtocol`; `CappedH11Protocol` "
    "where httptools is not installed). Bodies: 5 MB "
    "(`HHBILL_MAX_BODY_BYTES`), 413.",
    "- **Proxies.** The rate limit counts the connecting address. Behind a reverse proxy, list it in "
    "`HHBILL_TRUSTED_PROXIES` (addresses or networks, comma-separated): only then is `X-Forwarded-For` read, "
    "right to left, up to the first address that is not a listed proxy. The table holds at most 100,000 clients "
    "(least recently seen forgotten first).",
    "- **Keys off.** `HHBILL_REQUIRE_API_KEY=0` is logged as a warning at start, and `hhbill serve` prints it in "
    "red: anyone who can reach the server can then read and write claims. Forms still need their CSRF token and "
    "the site's own Origin.",
    "- **Ledger key.** The claim ledger's MBI hashing key is the file `<database>.ledger-key` (mode 0600; "
    "`HHBILL_LEDGER_KEY_FILE` to move it). Back it up with the database: without it, earlier claims no longer "
    "match new ones for duplicate and overlap checks.",
]


# -- results ---------------------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    passed: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.skipped

    def cell(self) -> str:
        if self.total == 0:
            return "not run"
        if self.failed:
            return f"FAILED {self.failed} of {self.total}"
        if self.skipped == self.total:
            return f"skipped ({self.total})"
        return f"passed {self.passed}" + (f", skipped {self.skipped}" if self.skipped else "")


def read_junit(path: Path) -> dict[str, Outcome]:
    """Outcomes by ``file_stem::function`` (parametrized cases summed) from a pytest JUnit XML file."""
    outcomes: dict[str, Outcome] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        stem = case.get("classname", "").rsplit(".", 1)[-1]
        function = case.get("name", "").split("[", 1)[0]
        outcome = outcomes.setdefault(f"{stem}::{function}", Outcome())
        if case.find("failure") is not None or case.find("error") is not None:
            outcome.failed += 1
        elif case.find("skipped") is not None:
            outcome.skipped += 1
        else:
            outcome.passed += 1
    return outcomes


def row_outcome(guarantee: Guarantee, outcomes: dict[str, Outcome]) -> Outcome:
    total = Outcome()
    for test in guarantee.tests:
        found = outcomes.get(test, Outcome())
        total.passed += found.passed
        total.failed += found.failed
        total.skipped += found.skipped
    return total


def render(outcomes: dict[str, Outcome], source: str) -> str:
    lines = [
        "# Reliability: what hhbill guarantees under hostile input and faults, and the test that proves each",
        "",
        "Generated by `scripts/reliability_doc.py` from the last test run; do not edit by hand (add a guarantee "
        "to the list in that script). Each row names its tests (`file::function`, every parametrized case "
        "counted) and how they ended in the run read.",
        "",
        "How to run: `python scripts/reliability_doc.py --run` runs the tests below (`pytest -n 2`) and rewrites "
        "this page; `--junit FILE` rewrites it from a run already made. The long coverage-guided fuzz run is "
        "`make fuzz`; `bench/api_load.py --mixed` measures the mixed load and its CPU bound (bench/RESULTS.md).",
    ]
    lines += ["", *SERVING]
    for section in SECTIONS:
        lines += ["", f"## {section.title}", "", section.intro, "", "| guarantee | tests | last run |", "|---|---|---|"]
        for guarantee in section.guarantees:
            tests = ", ".join(f"`{t}`" for t in guarantee.tests)
            lines.append(f"| {guarantee.text} | {tests} | {row_outcome(guarantee, outcomes).cell()} |")
    listed = {t for s in SECTIONS for g_ in s.guarantees for t in g_.tests}
    counted = [outcomes.get(t, Outcome()) for t in sorted(listed)]
    passed = sum(o.passed for o in counted)
    failed = sum(o.failed for o in counted)
    skipped = sum(o.skipped for o in counted)
    lines += [
        "",
        "## Last run",
        "",
        f"{passed} passed, {failed} failed, {skipped} skipped ({len(listed)} tests listed above; source: {source}).",
    ]
    return "\n".join(lines) + "\n"


def run_tests(junit: Path) -> None:
    command = [sys.executable, "-m", "pytest", "-n", "2", "-q", f"--junitxml={junit}", *TEST_FILES]
    subprocess.run(command, cwd=REPO, check=False)


def test_functions(stem: str) -> set[str]:
    """The test functions defined in ``tests/<stem>.py`` (read, not imported)."""
    tree = ast.parse((REPO / "tests" / f"{stem}.py").read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--junit", type=Path, help="a pytest JUnit XML file of a run already made")
    parser.add_argument("--run", action="store_true", help="run the reliability tests first")
    args = parser.parse_args(argv)
    if args.run:
        with tempfile.TemporaryDirectory() as folder:
            junit = Path(folder) / "junit.xml"
            run_tests(junit)
            outcomes = read_junit(junit)
    elif args.junit:
        outcomes = read_junit(args.junit)
    else:
        parser.error("give --run or --junit FILE")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    DOC.write_text(render(outcomes, f"pytest run of {stamp}"), encoding="utf-8")
    print(f"wrote {DOC.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
