"""The one parser of a calendar date typed by a person (an option, a query parameter, a form field)."""

from __future__ import annotations

from datetime import date

from ._errors import InputError

__all__ = ["parse_day"]


def parse_day(value: str | date | None, field: str = "as_of", *, error: type[InputError] = InputError) -> date | None:
    """``YYYY-MM-DD`` as a date; None or blank is None. Anything else is an ``error`` (an InputError) naming
    ``field`` (the option, query parameter or form field the person typed it into)."""
    if value is None or isinstance(value, date):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise error(f"expected a date YYYY-MM-DD, got {text[:40]!r}", field=field) from None
