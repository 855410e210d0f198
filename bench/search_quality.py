"""Search quality and latency: hhbill search against two baselines on the CMS query sets.

Query sets (``../shared/corpora/search/``, from the CMS 2019 HCPCS Index and Table of Drugs): each row is a
query and the codes or code ranges CMS lists for it. A result list *hits* when a listed code is in it.

Methods, all over the same imported release and the codes valid on its effective date:

- ``hhbill``: :func:`hhbill.search.search` (BM25F + vocabulary + prefixes + typo correction + coverage).
- ``nlm``: the semantics of the NLM Clinical Tables HCPCS API: every query word must be the start of a word of
  the code, its short or its long description; matches are listed in code order.
- ``fts5``: plain SQLite FTS5 BM25 over the descriptions (:func:`hhbill.search.keyword_search`): every word,
  falling back to any word when nothing has them all.

Rows whose codes are all absent from (or not valid in) the release searched are skipped and counted.

Run: ``python bench/search_quality.py [--release 2026|2020|both] [--out bench/results/search.md]``
"""

from __future__ import annotations

import argparse
import bisect
import csv
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from hhbill._store import Store  # noqa: E402
from hhbill.hcpcs import import_release  # noqa: E402
from hhbill.search import index_release, keyword_search, release_index, search, suggest  # noqa: E402
from hhbill.search._text import words  # noqa: E402

SHARED = Path(os.environ.get("HHBILL_SHARED", REPO.parent / "shared")).resolve()
QUERY_SETS = {
    "home care subset (Index)": "corpora/search/hcpcs_index_2019_home_care_subset.csv",
    "HCPCS Index, all": "corpora/search/hcpcs_index_2019_queries.csv",
    "Table of Drugs": "corpora/search/hcpcs_table_of_drugs_2019_queries.csv",
}
RELEASES = {
    "2026": "data/hcpcs/2026_jan/HCPC2026_JAN_ANWEB_01122026.txt",
    "2020": "data/hcpcs/2020_annual/HCPC2020_ANWEB_w_disclaimer.txt",
}
TOP = 10


@dataclass
class Query:
    text: str
    expected: set[str]


@dataclass
class Score:
    hits1: int = 0
    hits10: int = 0
    reciprocal: float = 0.0
    count: int = 0
    timings: list[float] = field(default_factory=list)

    def add(self, ranked: list[str], expected: set[str]) -> None:
        self.count += 1
        for rank, code in enumerate(ranked[:TOP], start=1):
            if code in expected:
                self.hits1 += rank == 1
                self.hits10 += 1
                self.reciprocal += 1 / rank
                return

    def row(self) -> tuple[float, float, float]:
        n = self.count or 1
        return self.hits1 / n, self.hits10 / n, self.reciprocal / n


def expand(spec: str, valid: list[str]) -> set[str]:
    """The codes of ``valid`` (sorted) named by a space-separated list of codes and ranges."""
    found: set[str] = set()
    for part in spec.split():
        first, _, last = part.partition("-")
        last = last or first
        start = bisect.bisect_left(valid, first)
        end = bisect.bisect_right(valid, last)
        found.update(valid[start:end])
    return found


def load_queries(relative: str, valid: list[str]) -> tuple[list[Query], int]:
    queries: list[Query] = []
    skipped = 0
    with (SHARED / relative).open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            expected = expand(row["expected_codes"], valid)
            if expected:
                queries.append(Query(row["query"], expected))
            else:
                skipped += 1
    return queries, skipped


class NlmBaseline:
    """Every query word must prefix a word of the code or its descriptions; results in code order."""

    def __init__(self, documents: list[tuple[str, str]]) -> None:
        self.codes = sorted(code for code, _text in documents)
        by_word: dict[str, set[str]] = {}
        for code, text in documents:
            for word in {*words(text), code.lower()}:
                by_word.setdefault(word, set()).add(code)
        self.words = sorted(by_word)
        self.by_word = by_word

    def search(self, query: str) -> list[str]:
        matched: set[str] | None = None
        for term in words(query):
            start = bisect.bisect_left(self.words, term)
            codes: set[str] = set()
            for position in range(start, len(self.words)):
                if not self.words[position].startswith(term):
                    break
                codes |= self.by_word[self.words[position]]
            matched = codes if matched is None else matched & codes
            if not matched:
                return []
        return sorted(matched or ())[:TOP]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def run_release(name: str, lines: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.db")
        started = time.perf_counter()
        result = import_release(store, SHARED / RELEASES[name])
        imported = time.perf_counter() - started
        started = time.perf_counter()
        index_release(store, result.release_id)
        indexed = time.perf_counter() - started
        day = date.fromisoformat(result.effective_date)
        index = release_index(store, result.release_id)
        iso = day.isoformat()
        active = [d for d in index.documents if d.valid_on(iso)]
        valid = sorted(d.code for d in active)
        nlm = NlmBaseline([(d.code, f"{d.short_description} {d.long_description}") for d in active])
        lines.append(f"\n## Release {result.label} (effective {iso}, {len(valid):,} codes valid that day)\n")
        lines.append(
            f"Import {imported:.2f} s; `index_release` (FTS5 rows + in-memory index) {indexed:.2f} s.\n"
        )
        lines.append("| query set | rows used | skipped | method | hit@1 | hit@10 | MRR@10 |")
        lines.append("|---|---:|---:|---|---:|---:|---:|")
        all_timings: list[float] = []
        suggest_timings: list[float] = []
        methods: dict[str, Callable[[str], list[str]]] = {
            "hhbill": lambda q: [r.code for r in search(store, q, as_of=day, limit=TOP).results],
            "nlm": nlm.search,
            "fts5": lambda q: keyword_search(store, q, release_id=result.release_id, limit=TOP),
        }
        for set_name, relative in QUERY_SETS.items():
            queries, skipped = load_queries(relative, valid)
            for method, run in methods.items():
                score = Score()
                for query in queries:
                    started = time.perf_counter()
                    ranked = run(query.text)
                    score.timings.append(time.perf_counter() - started)
                    score.add(ranked, query.expected)
                if method == "hhbill":
                    all_timings.extend(score.timings)
                    for query in queries:
                        started = time.perf_counter()
                        suggest(store, query.text[: max(3, len(query.text) // 2)], as_of=day)
                        suggest_timings.append(time.perf_counter() - started)
                h1, h10, mrr = score.row()
                label = f"**{method}**" if method == "hhbill" else method
                lines.append(
                    f"| {set_name} | {len(queries)} | {skipped} | {label} | {h1:.3f} | {h10:.3f} | {mrr:.3f} |"
                )
            print(f"{name}: {set_name} done", file=sys.stderr)
        lines.append("")
        lines.append(
            f"Latency of `search` in-process, {len(all_timings):,} queries, index warm: "
            f"p50 {statistics.median(all_timings) * 1000:.2f} ms, p95 {percentile(all_timings, 0.95) * 1000:.2f} ms, "
            f"p99 {percentile(all_timings, 0.99) * 1000:.2f} ms, max {max(all_timings) * 1000:.2f} ms."
        )
        lines.append(
            f"Latency of `suggest` (first half of each query, last word as a prefix): "
            f"p50 {statistics.median(suggest_timings) * 1000:.2f} ms, "
            f"p95 {percentile(suggest_timings, 0.95) * 1000:.2f} ms."
        )
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", choices=["2026", "2020", "both"], default="both")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "search.md")
    args = parser.parse_args(argv)
    lines = [
        "# Code search quality",
        "",
        "Generated by `bench/search_quality.py`. Query sets: CMS 2019 HCPCS Index and Table of Drugs "
        "(`../shared/corpora/search/`). A query hits when a code CMS lists for it is in the results; rows "
        "whose codes are all absent from the release (or not valid on its effective date) are skipped.",
        "Methods: **hhbill** = `hhbill.search.search`; nlm = NLM Clinical Tables semantics (every word "
        "prefix-matches code/short/long description, code order); fts5 = plain FTS5 BM25 over the descriptions.",
    ]
    for name in (["2026", "2020"] if args.release == "both" else [args.release]):
        run_release(name, lines)
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
