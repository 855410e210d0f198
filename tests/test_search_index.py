"""The stored search index: written by the import, loaded by a new process without a rebuild, rebuilt and stored
for a release imported before it existed, kept in memory on a read-only database, and exact (a loaded index ranks
exactly as a built one)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import shared_path
from hhbill._store import Store
from hhbill.hcpcs import ensure_default
from hhbill.search import _index, parse_vocabulary, prepare_search, release_index, search
from hhbill.search._persisted import IndexBlobError, decode_index_blob, encode_index_blob
from hhbill.search._vocabulary import load_vocabulary

QUERIES = ["home health aide visit", "physical therapist assistant", "wheelchiar", "G0151", "telehealth audio", "kx"]


def _forget_loaded_indexes() -> None:
    """What a new process starts with: no index in memory."""
    with _index._cache_lock:
        _index._cache.clear()


def _release_id(store: Store) -> int:
    return int(store.execute("SELECT id FROM hcpcs_release").fetchone()[0])


def _stored_rows(store: Store) -> list[tuple[int, str]]:
    return [(row[0], row[1]) for row in store.execute("SELECT release_id, build_key FROM search_release_index")]


def _ranking(store: Store) -> list[list[tuple[str, float, tuple[str, ...]]]]:
    return [[(r.code, r.score, r.matched) for r in search(store, q, limit=30).results] for q in QUERIES]


@pytest.fixture
def imported(tmp_path: Path) -> Path:
    path = tmp_path / "hhbill.db"
    with Store(path) as store:
        assert ensure_default(store) is not None
    return path


def _refuse_to_build(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("the index was rebuilt instead of loaded")


def test_import_stores_the_index(imported: Path) -> None:
    with Store(imported) as store:
        rows = _stored_rows(store)
        assert rows == [(_release_id(store), _index.build_key(load_vocabulary().fingerprint))]


def test_a_new_process_loads_the_stored_index_without_building(imported: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(imported) as store:
        _forget_loaded_indexes()
        built = _ranking(store)  # from the stored index already; the next comparison pins it to a fresh build
        _forget_loaded_indexes()
        monkeypatch.setattr(_index, "build_release_index", _refuse_to_build)
        assert _ranking(store) == built
        assert isinstance(release_index(store, _release_id(store)).impacts, _index.LazyPostings)


def test_prepare_search_loads_the_index_a_first_search_uses(imported: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(imported) as store:
        _forget_loaded_indexes()
        assert prepare_search(store)
        assert len(_index._cache) == 1
        monkeypatch.setattr(_index, "_load_stored", _refuse_to_build)
        assert search(store, "physical therapist assistant").results[0].code == "G0157"
        assert not prepare_search(store, as_of="1990-01-01")  # no release in force: nothing to load


def test_loaded_index_equals_a_built_one(imported: Path) -> None:
    with Store(imported) as store:
        release_id = _release_id(store)
        _forget_loaded_indexes()
        loaded = release_index(store, release_id)
        built = _index.build_release_index(release_id, _index._release_rows(store, release_id), load_vocabulary())
        assert all(isinstance(d.added_date, str | None) for d in loaded.documents)
        assert loaded.documents == built.documents
        assert loaded.idf == built.idf
        assert loaded.word_frequency == built.word_frequency and loaded.sorted_words == built.sorted_words
        assert dict(loaded.impacts) == built.impacts
        assert loaded.document_stems == built.document_stems
        assert loaded.by_code == built.by_code and loaded.codes_in_order == built.codes_in_order


def test_release_imported_before_the_stored_index_gets_one_on_first_search(imported: Path) -> None:
    with Store(imported) as store:
        with store.transaction() as conn:
            conn.execute("DELETE FROM search_release_index")
        _forget_loaded_indexes()
        before = _ranking(store)
        assert _stored_rows(store) == [(_release_id(store), _index.build_key(load_vocabulary().fingerprint))]
        _forget_loaded_indexes()
        assert _ranking(store) == before


def test_read_only_database_builds_in_memory(imported: Path) -> None:
    with Store(imported) as store:
        with store.transaction() as conn:
            conn.execute("DELETE FROM search_release_index")
        expected = _ranking(store)
        with store.transaction() as conn:
            conn.execute("DELETE FROM search_release_index")
    _forget_loaded_indexes()
    with Store(imported, read_only=True) as reader:
        assert _ranking(reader) == expected
        assert _stored_rows(reader) == []


def test_read_only_database_made_before_the_table_existed(imported: Path) -> None:
    with sqlite3.connect(imported) as conn:
        conn.execute("DROP TABLE search_release_index")
    _forget_loaded_indexes()
    with Store(imported, read_only=True) as reader:
        assert search(reader, "physical therapist assistant").results[0].code == "G0157"


def test_index_of_another_vocabulary_is_rebuilt(imported: Path) -> None:
    with Store(imported) as store:
        release_id = _release_id(store)
        other = parse_vocabulary(
            {
                "version": "test",
                "entries": [{"terms": ["zzq"], "codes": ["G0156"], "source": "test", "example": {"expect": ["G0156"]}}],
            }
        )
        _forget_loaded_indexes()
        index = release_index(store, release_id, vocabulary=other)
        assert _stored_rows(store) == [(release_id, _index.build_key(other.fingerprint))]
        assert "zzq" in index.word_frequency  # the alias of this vocabulary, not of the shipped one
        _forget_loaded_indexes()
        assert "zzq" not in release_index(store, release_id).word_frequency
        assert _stored_rows(store) == [(release_id, _index.build_key(load_vocabulary().fingerprint))]


@pytest.mark.parametrize("damage", [b"", b"HHSX", b"not an index", b"HHSX\x05\x00\x00\x00{}"])
def test_damaged_stored_index_is_rebuilt(imported: Path, damage: bytes) -> None:
    with Store(imported) as store:
        expected = _ranking(store)
        with store.transaction() as conn:
            conn.execute("UPDATE search_release_index SET body = ?", (damage,))
        _forget_loaded_indexes()
        assert _ranking(store) == expected
        body = store.execute("SELECT body FROM search_release_index").fetchone()[0]
        assert bytes(body).startswith(b"HHSX") and len(body) > 1000


def test_truncated_stored_index_is_rebuilt(imported: Path) -> None:
    with Store(imported) as store:
        expected = _ranking(store)
        with store.transaction() as conn:
            conn.execute("UPDATE search_release_index SET body = substr(body, 1, length(body) - 9)")
        _forget_loaded_indexes()
        assert _ranking(store) == expected


texts = st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"])), max_size=5)


def test_text_with_newlines_survives_the_blob() -> None:
    sections: dict[str, list[str] | array[Any]] = {"descriptions": ["one\ntwo", "", "three"], "codes": ["A", "B"]}
    assert decode_index_blob(encode_index_blob(sections)) == sections


@given(
    words=texts,
    floats=st.lists(st.floats(allow_nan=False), max_size=5),
    counts=st.lists(st.integers(0, 2**32 - 1), max_size=5),
)
def test_blob_round_trip(words: list[str], floats: list[float], counts: list[int]) -> None:
    sections: dict[str, list[str] | array[Any]] = {
        "words": words,
        "floats": array("d", floats),
        "counts": array("I", counts),
    }
    decoded = decode_index_blob(encode_index_blob(sections))
    assert decoded["words"] == words
    assert list(decoded["floats"]) == floats
    assert list(decoded["counts"]) == counts


@given(cut=st.integers(0, 60))
def test_truncated_blob_is_refused(cut: int) -> None:
    blob = encode_index_blob({"words": ["a", "b"], "numbers": array("d", [1.0, 2.0])})
    with pytest.raises(IndexBlobError):
        decode_index_blob(blob[: len(blob) - 1 - cut])


def test_no_search_function_is_too_complex() -> None:
    """Issue 13: no function above cyclomatic complexity 20 (radon) in the search package."""
    from radon.complexity import cc_visit

    def blocks(found: list[Any]) -> Iterator[Any]:
        for block in found:
            yield block
            yield from blocks(getattr(block, "methods", []) + getattr(block, "closures", []))

    package = Path(_index.__file__).parent
    every = [
        (f"{path.name}:{block.name}", block.complexity)
        for path in sorted(package.glob("*.py"))
        for block in blocks(cc_visit(path.read_text(encoding="utf-8")))
    ]
    assert any(name.endswith(":_plan") for name, _ in every)
    assert [(name, complexity) for name, complexity in every if complexity > 20] == []


def test_the_import_use_case_stores_the_search_index(tmp_path: Path) -> None:
    """A new process that imports through the application (as ``hhbill data import`` does) writes the stored index
    in the import, without having imported hhbill.search itself first."""
    database = tmp_path / "imported.db"
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from hhbill.app import Hhbill\n"
        "assert 'hhbill.search' not in sys.modules\n"
        "Hhbill(sys.argv[1]).import_hcpcs(Path(sys.argv[2]))\n"
    )
    source = shared_path("data/hcpcs/2026_jan/HCPC2026_JAN_ANWEB_01122026.txt")
    source_root = str(Path(_index.__file__).parents[2])  # this tree's hhbill, not another installed copy
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([source_root, os.environ.get("PYTHONPATH", "")])}
    subprocess.run([sys.executable, "-c", script, str(database), str(source)], check=True, env=environment)
    with Store(database) as store:
        assert _stored_rows(store) == [(_release_id(store), _index.build_key(load_vocabulary().fingerprint))]
        count = store.execute("SELECT count(*) FROM search_fts").fetchone()[0]
        assert count == store.execute("SELECT count(*) FROM hcpcs_code").fetchone()[0]


def test_a_stored_index_brings_the_stems_of_its_words_and_they_are_sqlites(imported: Path) -> None:
    """A new process loading the stored index takes the stems of every word of the index and the vocabulary from
    it, instead of one SQLite round trip per word; each is the stem SQLite's Porter stemmer gives."""
    from hhbill.search._text import PorterStemmer

    script = (
        "import json, sys; from hhbill._store import Store; from hhbill.search import search; "
        "from hhbill.search import _text; "
        f"store = Store({str(imported)!r}); sent = []; original = _text.PorterStemmer.stem_all; "
        "_text.PorterStemmer.stem_all = lambda self, batch: (sent.extend(w for w in batch if w not in self._memo), "
        "original(self, batch))[1]; "
        "codes = [r.code for r in search(store, 'home health aide visit', limit=5).results]; "
        "print(json.dumps({'codes': codes, 'sent': sent, 'memo': _text.stemmer()._memo}))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    import json

    answer = json.loads(done.stdout)
    assert answer["codes"][0] == "G0156"
    assert answer["sent"] == []  # every word of the query and the vocabulary came with the index
    memo = answer["memo"]
    assert len(memo) > 1000
    fresh = PorterStemmer().stem_all(memo)
    assert fresh == memo


def test_a_stored_index_whose_stems_do_not_match_their_words_is_rebuilt(imported: Path) -> None:
    with Store(imported) as store:
        (blob,) = store.execute("SELECT body FROM search_release_index").fetchone()
        sections = decode_index_blob(bytes(blob))
        sections["stems_of_words"] = list(sections["stems_of_words"])[:-1]  # type: ignore[arg-type]
        with pytest.raises(IndexBlobError, match="stems"):
            _index.index_from_blob(_release_id(store), encode_index_blob(sections))  # type: ignore[arg-type]
