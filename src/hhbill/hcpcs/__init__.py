"""HCPCS Level II reference: versioned CMS releases, as-of lookup, history, diffs and decoded code pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

if TYPE_CHECKING:
    from ._codes import normalise_code
    from ._default import ensure_default
    from ._diff import diff_releases
    from ._exclusions import Exclusion, codes_in_category, exclusions_in
    from ._hooks import post_import_hooks
    from ._import import ImportResult, import_release, import_release_file
    from ._readers import ReleaseFile, read_notes, read_release, read_txt, read_xlsx
    from ._record import HcpcsRecord
    from ._reference import CodeLookup, HcpcsReference, Release
    from ._service import code_page, release_records

#: public name -> the submodule that defines it (imported on first use: a code page needs no diff)
_WHERE = {
    "diff_releases": "_diff",
    "Exclusion": "_exclusions",
    "codes_in_category": "_exclusions",
    "exclusions_in": "_exclusions",
    "ImportResult": "_import",
    "import_release": "_import",
    "import_release_file": "_import",
    "post_import_hooks": "_hooks",
    "ReleaseFile": "_readers",
    "read_notes": "_readers",
    "read_release": "_readers",
    "read_txt": "_readers",
    "read_xlsx": "_readers",
    "HcpcsRecord": "_record",
    "CodeLookup": "_reference",
    "HcpcsReference": "_reference",
    "Release": "_reference",
    "normalise_code": "_codes",
    "code_page": "_service",
    "ensure_default": "_default",
    "release_records": "_service",
}
__getattr__, __dir__ = lazy_attributes(__name__, _WHERE)

__all__ = [
    "CodeLookup",
    "Exclusion",
    "HcpcsRecord",
    "HcpcsReference",
    "ImportResult",
    "Release",
    "ReleaseFile",
    "code_page",
    "codes_in_category",
    "diff_releases",
    "ensure_default",
    "exclusions_in",
    "import_release",
    "import_release_file",
    "normalise_code",
    "post_import_hooks",
    "read_notes",
    "read_release",
    "read_txt",
    "read_xlsx",
    "release_records",
]
