"""Reading members of CMS release zips safely: bounded size, and one error type for everything zipfile raises.

A zip can lie: a member a few MB compressed may declare, and inflate to, hundreds of MB. Three checks keep memory
bounded by what a CMS release can really hold, before and while reading:

- a member declaring more than :data:`MAX_MEMBER_BYTES` is refused before reading;
- a member inflating more than :data:`MAX_RATIO` times its compressed size is refused before reading (CMS text
  files compress about 5-12 times; a zip bomb of zeros compresses about 1,000 times);
- the member is read in chunks and refused as soon as it passes the size it declared, so a false declaration
  cannot make it read more.
"""

from __future__ import annotations

import zipfile
import zlib

from ._errors import ImportFormatError

__all__ = ["MAX_MEMBER_BYTES", "MAX_RATIO", "ZIP_ERRORS", "read_member"]

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
#: a CMS release member is at most tens of MB (the largest seen, the HCPCS TXT, is about 5 MB)
MAX_MEMBER_BYTES = 200 * 1024 * 1024
#: inflated size / compressed size beyond which a member is a zip bomb, not a CMS file (measured: at most 12.3)
MAX_RATIO = 100
_CHUNK = 1024 * 1024


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
        if info.file_size > _CHUNK and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ImportFormatError(
                f"zip member {name!r} would inflate {info.file_size // max(info.compress_size, 1):,} times "
                f"(over {MAX_RATIO}): a zip bomb, not a CMS release file",
                file=file,
            )
        chunks: list[bytes] = []
        size = 0
        with archive.open(info) as handle:
            while chunk := handle.read(_CHUNK):
                size += len(chunk)
                if size > info.file_size or size > MAX_MEMBER_BYTES:
                    raise ImportFormatError(
                        f"zip member {name!r} holds more than the {info.file_size:,} bytes it declares "
                        "(the archive is damaged or forged)",
                        file=file,
                    )
                chunks.append(chunk)
    except ZIP_ERRORS as exc:
        raise ImportFormatError(f"zip member {name!r} is damaged or unreadable ({exc})", file=file) from None
    return b"".join(chunks)
