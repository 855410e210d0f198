"""HCPCS Level II reference: versioned CMS releases, as-of lookup, history, diffs and decoded code pages."""

from __future__ import annotations

from ._diff import diff_releases
from ._exclusions import Exclusion, codes_in_category, exclusions_in
from ._import import ImportResult, import_release, import_release_file, post_import_hooks
from ._readers import ReleaseFile, read_notes, read_release, read_txt, read_xlsx
from ._record import HcpcsRecord
from ._reference import CodeLookup, HcpcsReference, Release, normalise_code
from ._service import code_page, ensure_default, release_records

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
