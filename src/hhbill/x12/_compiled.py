"""Whether the X12 tokenizer and reader run compiled (mypyc, built by setup.py) or interpreted.

Python imports a compiled module in preference to the ``.py`` beside it. A compiled module built from an older
source (the source edited after ``pip install -e .``) would silently run old code, so the package compares the
sha256 of each source with the one recorded when it was compiled, and imports the interpreted source when they
differ (a CRC-32 and the size: enough to notice an edit, and cheaper to import than hashlib). Both forms behave
the same (tests/test_x12_compiled.py compares them on the same files).
"""

from __future__ import annotations

import json
import sys
import zlib
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from types import ModuleType

_HERE = Path(__file__).resolve().parent
STAMP_NAME = "_compiled_sources.json"
#: the modules setup.py compiles, in import order (the reader imports the other two)
COMPILED_MODULES = ("_spec", "_tokenizer", "_reader")


def compiled_files_present(folder: Path = _HERE) -> bool:
    """Whether a compiled form of any of the modules lies beside its source."""
    return any((folder / f"{name}{suffix}").exists() for name in COMPILED_MODULES for suffix in EXTENSION_SUFFIXES)


def compiled_files_current(folder: Path = _HERE) -> bool:
    """Whether every module was compiled from the source now beside it (checksums recorded by setup.py)."""
    try:
        recorded = json.loads((folder / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(recorded, dict) and all(
        recorded.get(name) == source_checksum(folder / f"{name}.py") for name in COMPILED_MODULES
    )


def source_checksum(path: Path) -> str:
    """What setup.py records of each source it compiles: its size and CRC-32."""
    content = path.read_bytes()
    return f"{len(content)}:{zlib.crc32(content):08x}"


def import_interpreted(package: str) -> None:
    """Import the modules from their ``.py`` sources under their usual names, ahead of any compiled form."""
    import importlib.util

    for name in COMPILED_MODULES:
        qualified = f"{package}.{name}"
        if qualified in sys.modules:
            continue
        spec = importlib.util.spec_from_file_location(qualified, _HERE / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[qualified]
            raise
        setattr(sys.modules[package], name, module)


def is_compiled(module: ModuleType) -> bool:
    """Whether ``module`` was loaded from a compiled extension."""
    return str(getattr(module, "__file__", "")).endswith(tuple(EXTENSION_SUFFIXES))
