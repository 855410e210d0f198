"""Reading members of CMS release zips safely: bounded size, and one error type for everything zipfile raises."""

from __future__ import annotations

import zipfile
import zlib

from ._errors import ImportFormatError

__all__ = ["MAX_MEMBER_BYTES", "ZIP_ERRORS", "read_member"]

#: what zipfile raises on damaged, encrypted or exotic archives (it has no single error type)
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    zlib.error,
    NotImplementedError,
    RuntimeError,
    ValueError,
    UnicodeDecodeError,
    IndexError,
    KeyError,
)
#: a CMS release member is at most tens of MB; refuse, before reading, one that says it is far larger (a zip bomb)
MAX_MEMBER_BYTES = 200 * 1024 * 1024


def read_member(archive: zipfile.ZipFile, member: str | zipfile.ZipInfo, file: str) -> bytes:
    """One member's bytes (its CRC is checked on reading), refusing absurd sizes; errors name the zip file."""
    name = member.filename if isinstance(member, zipfile.ZipInfo) else member
    try:
        info = member if isinstance(member, zipfile.ZipInfo) else archive.getinfo(member)
        if info.file_size > MAX_MEMBER_BYTES:
            raise ImportFormatError(
                f"zip member {name!r} declares {info.file_size:,} bytes, over the {MAX_MEMBER_BYTES:,}-byte size "
                "limit (not a CMS release file)",
                file=file,
            )
        with archive.open(info) as handle:
            data = handle.read(MAX_MEMBER_BYTES + 1)
    except ZIP_ERRORS as exc:
        raise ImportFormatError(f"zip member {name!r} is damaged or unreadable ({exc})", file=file) from None
    if len(data) > MAX_MEMBER_BYTES:
        raise ImportFormatError(f"zip member {name!r} is over the {MAX_MEMBER_BYTES:,}-byte size limit", file=file)
    return data
