"""Build step: compile the X12 tokenizer and reader to C with mypyc (about twice as fast as the same code
interpreted; docs/SCALE.md). Everything else about the package is declared in pyproject.toml.

The compiled modules are an optimisation, never a requirement: without mypyc or a C compiler, or with
``HHBILL_NO_COMPILE=1`` set, the package installs as pure Python and behaves the same. The size and CRC-32 of
each compiled source are written beside it (``x12/_compiled_sources.json``) so that a compiled module older than its
source is never used (``hhbill/x12/_compiled.py``).
"""

from __future__ import annotations

import json
import os
import sys
import zlib
from pathlib import Path
from typing import Any

from setuptools import setup

HERE = Path(__file__).resolve().parent
#: the modules compiled, in src/hhbill/x12: the reader's hot loop, the segment splitter and the loop table
COMPILED_MODULES = ("_spec.py", "_tokenizer.py", "_reader.py")
X12 = HERE / "src" / "hhbill" / "x12"
STAMP = X12 / "_compiled_sources.json"


def source_checksum(path: Path) -> str:
    """Size and CRC-32, as hhbill.x12._compiled.source_checksum reads them (setup.py cannot import the package)."""
    content = path.read_bytes()
    return f"{len(content)}:{zlib.crc32(content):08x}"


def compiled_extensions() -> list[Any]:
    if os.environ.get("HHBILL_NO_COMPILE"):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("hhbill: mypyc is not installed; the X12 reader stays pure Python", file=sys.stderr)
        return []
    sources = [X12 / name for name in COMPILED_MODULES]
    try:
        extensions = mypycify([str(path.relative_to(HERE)) for path in sources], opt_level="3")
    except (Exception, SystemExit) as exc:  # mypyc reports a type error by exiting
        print(f"hhbill: the X12 reader could not be compiled ({exc}); it stays pure Python", file=sys.stderr)
        return []
    for extension in extensions:
        extension.optional = True  # no C compiler: install the pure-Python package instead of failing
    STAMP.write_text(json.dumps({path.stem: source_checksum(path) for path in sources}, indent=1) + "\n")
    return extensions


if __name__ == "__main__":  # as setuptools runs it (tests import source_checksum without building)
    setup(ext_modules=compiled_extensions())
