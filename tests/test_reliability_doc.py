"""docs/RELIABILITY.md is generated (scripts/reliability_doc.py) and must match its list of guarantees.

Structure, not numbers: the doc is compared with a fresh rendering after both have their results column and
counts blanked, so a new run's numbers never fail this test, but a guarantee or test added, renamed or removed
without regenerating the doc does. Every test the doc names must exist, and every test of the attack suite
(tests/test_reliability_attack.py) must be listed under some guarantee.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("reliability_doc", REPO / "scripts" / "reliability_doc.py")
assert _spec is not None and _spec.loader is not None
reliability_doc = importlib.util.module_from_spec(_spec)
sys.modules["reliability_doc"] = reliability_doc  # its dataclasses look their module up there
_spec.loader.exec_module(reliability_doc)


def _structure(text: str) -> str:
    text = re.sub(r"\| (passed[^|]*|FAILED[^|]*|skipped[^|]*|not run) \|$", "| RESULT |", text, flags=re.M)
    text = re.sub(r"^## Last run\n\n.*$", "## Last run\n\nCOUNTS", text, flags=re.M)
    return text


def test_the_doc_matches_the_list_of_guarantees() -> None:
    fresh = reliability_doc.render({}, "-")
    current = reliability_doc.DOC.read_text(encoding="utf-8")
    assert _structure(current) == _structure(fresh), "run: python scripts/reliability_doc.py --run"


def test_every_test_the_doc_names_exists() -> None:
    missing = []
    for section in reliability_doc.SECTIONS:
        for guarantee in section.guarantees:
            for test in guarantee.tests:
                stem, function = test.split("::")
                if function not in reliability_doc.test_functions(stem):
                    missing.append(test)
    assert not missing


def test_every_attack_test_is_listed_under_a_guarantee() -> None:
    listed = {t for s in reliability_doc.SECTIONS for g in s.guarantees for t in g.tests}
    for stem in ("test_reliability_attack", "test_reliability_unicode"):
        unlisted = {f for f in reliability_doc.test_functions(stem) if f"{stem}::{f}" not in listed}
        assert not unlisted, f"add these to scripts/reliability_doc.py: {sorted(unlisted)}"


def test_results_are_read_from_junit(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text(
        "<testsuites><testsuite>"
        '<testcase classname="tests.test_reliability_attack" name="test_store_open_errors_are_classified"/>'
        '<testcase classname="tests.test_reliability_attack" name="test_read_only_folder_is_not_called_damage[a]">'
        '<failure message="x"/></testcase>'
        '<testcase classname="tests.test_reliability_attack" name="test_read_only_folder_is_not_called_damage[b]"/>'
        "</testsuite></testsuites>"
    )
    outcomes = reliability_doc.read_junit(junit)
    assert outcomes["test_reliability_attack::test_store_open_errors_are_classified"].cell() == "passed 1"
    assert outcomes["test_reliability_attack::test_read_only_folder_is_not_called_damage"].cell() == "FAILED 1 of 2"
    assert "| not run |" in reliability_doc.render({}, "-")
