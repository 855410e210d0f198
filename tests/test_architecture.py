"""The shape of the code: the layering (import-linter contracts) and a ceiling on cyclomatic complexity (radon).

The layering contracts live in pyproject.toml (``[tool.importlinter]``) and are drawn in docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO

SRC = REPO / "src" / "hhbill"
#: radon's cyclomatic complexity above which a function must be split (rank D starts at 21)
CEILING = 20


def complexity(path: Path) -> Iterator[tuple[str, int]]:
    """(name, complexity) of every function, method and closure in a file."""
    from radon.complexity import cc_visit
    from radon.visitors import Function

    def walk(blocks: list[Function], prefix: str = "") -> Iterator[tuple[str, int]]:
        for block in blocks:
            yield f"{prefix}{block.fullname}", block.complexity
            yield from walk(list(block.closures), f"{prefix}{block.fullname}.")

    # cc_visit lists every function and method (as Function) and every class (whose methods it already listed)
    yield from walk([b for b in cc_visit(path.read_text(encoding="utf-8")) if isinstance(b, Function)])


def over_ceiling(paths: list[Path]) -> list[str]:
    return [
        f"{path.relative_to(SRC)}:{name} has complexity {score}"
        for path in paths
        for name, score in complexity(path)
        if score > CEILING
    ]


def test_no_function_in_src_above_the_ceiling() -> None:
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 80 and SRC / "claims" / "_build.py" in files
    assert over_ceiling(files) == []


def test_the_ceiling_check_sees_a_complex_function(tmp_path: Path) -> None:
    branches = "\n".join(f"    if x == {n}:\n        return {n}" for n in range(CEILING + 1))
    sample = tmp_path / "sample.py"
    sample.write_text(f"def tangled(x):\n{branches}\n    return -1\n")
    assert [(name, score) for name, score in complexity(sample)] == [("tangled", CEILING + 2)]


LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed (pip install -e '.[dev]')")
def test_import_layering_contracts_are_kept() -> None:
    command = str(LINT_IMPORTS)
    done = subprocess.run(
        [command, "--no-cache"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "0 broken" in done.stdout


#: the modules that may touch the environment: the settings of the core and of the web service, and `serve` and the
#: server module, which hand settings to worker processes through it
ENVIRONMENT_READERS = {"_config.py", "web/_settings.py", "cli/serve.py", "web/_server.py"}


def test_settings_are_read_at_the_edge_only() -> None:
    readers = {
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "os.environ" in (text := path.read_text(encoding="utf-8")) or "getenv(" in text
    }
    assert readers <= ENVIRONMENT_READERS, readers - ENVIRONMENT_READERS


def test_no_route_runs_on_the_event_loop(tmp_path: Path) -> None:
    """Every API route and page is a plain ``def``: FastAPI runs it in its thread pool, so a slow database read or a
    large upload never holds the event loop (and with it every other request)."""
    import inspect

    from fastapi.routing import APIRoute

    from hhbill.web import Settings, create_app

    app = create_app(tmp_path / "hhbill.db", settings=Settings(rate_limit=0))

    def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
        for route in routes:
            if isinstance(route, APIRoute):
                yield route
            included = getattr(route, "original_router", None)  # FastAPI keeps an included router whole
            if included is not None:
                yield from api_routes(list(included.routes))

    routes = list(api_routes(list(app.routes)))
    assert len(routes) > 20
    assert [route.path for route in routes if inspect.iscoroutinefunction(route.endpoint)] == []


def test_the_mbi_is_masked_in_one_place() -> None:
    """Only ``_phi.mask_mbi`` decides how much of a beneficiary identifier shows (last four characters)."""
    maskers = {str(path.relative_to(SRC)) for path in SRC.rglob("*.py") if "[-4:]" in path.read_text(encoding="utf-8")}
    assert maskers == {"_phi.py"}
