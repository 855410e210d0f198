"""The hhbill exception tree.

Every error hhbill raises on bad input is an :class:`HhbillError` carrying the place it was found, so a
caller (CLI, API, page) can show *where* without parsing the message::

    HhbillError
    ├── InputError             a value given by the user is invalid (field, line); 422 on the API
    │   ├── ImportFormatError  a CMS file could not be read (file, line, field)
    │   ├── X12Error           an X12 interchange is malformed (segment number, segment id, element)
    │   ├── ClaimInputError    a claim/visit input is invalid (field path)
    │   ├── SearchQueryError   a search option is invalid (as_of, kind, prefix, limit)
    │   ├── RvuInputError      a fee schedule or procedure-log value is invalid (year, locality, units)
    │   └── FormInputError     a web form or query field is invalid (the form field)
    ├── NotFoundError          a code, release or record does not exist (for the date asked)
    ├── ConfigError            a setting, path or database is unusable
    ├── StoreError             the database is damaged, read-only or full; the message says what happened
    ├── DownloadError          fetching a CMS release failed or the file did not verify
    └── AuthError              an API key is missing or wrong
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthError",
    "ClaimInputError",
    "ConfigError",
    "DownloadError",
    "FormInputError",
    "HhbillError",
    "ImportFormatError",
    "InputError",
    "NotFoundError",
    "RvuInputError",
    "SearchQueryError",
    "StoreError",
    "X12Error",
]


class HhbillError(Exception):
    """Base class of every error hhbill raises on purpose."""

    #: a short stable machine name, used as the API error code
    code = "hhbill_error"

    def __init__(self, message: str, **location: Any) -> None:
        self.message = message
        self.location = {k: v for k, v in location.items() if v is not None}
        super().__init__(self.__str__())

    def where(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.location.items())

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.location}


class InputError(HhbillError):
    """A value the user gave is invalid. Location: the field (option, query parameter, form field) and line."""

    code = "invalid_input"

    def __init__(self, message: str, *, field: str | None = None, line: int | None = None, **location: Any) -> None:
        super().__init__(message, field=field, line=line, **location)


class ImportFormatError(InputError):
    """A CMS reference file is not in a format we can read. Location: file, line, field."""

    code = "import_format"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        HhbillError.__init__(self, message, file=file, line=line, field=field)


class X12Error(InputError):
    """An X12 interchange is malformed. Location: segment number, segment id, element position."""

    code = "x12"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        segment_number: int | None = None,
        segment_id: str | None = None,
        element: int | None = None,
    ) -> None:
        HhbillError.__init__(
            self, message, file=file, segment_number=segment_number, segment_id=segment_id, element=element
        )


class ClaimInputError(InputError):
    """A claim or visit input is invalid. Location: the field path (e.g. ``visits[3].minutes``)."""

    code = "claim_input"


class SearchQueryError(InputError):
    """A search option is invalid (the query text itself is always accepted). Location: the option."""

    code = "search_query"


class RvuInputError(InputError):
    """A fee schedule or procedure-log value is invalid (year, locality, ZIP, units, target). Location: the field."""

    code = "rvu_input"


class FormInputError(InputError):
    """A web form or query field is invalid (or a browser upload is not text). Location: the form field."""

    code = "form_input"


class NotFoundError(HhbillError):
    """A code, release or record does not exist (or did not exist on the date asked)."""

    code = "not_found"

    def __init__(self, message: str, **location: Any) -> None:
        super().__init__(message, **location)


class ConfigError(HhbillError):
    code = "config"


class StoreError(HhbillError):
    code = "store"


class DownloadError(HhbillError):
    code = "download"


class AuthError(HhbillError):
    code = "auth"
