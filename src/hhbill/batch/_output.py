"""The three Parquet outputs, written in row groups as results arrive, so a run never holds them in memory.

Each file is written under a temporary name and renamed when the run ends, so a run that dies leaves no
half-written file looking finished. No column holds a name, a birth date or an MBI.
"""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from .._errors import ConfigError

__all__ = ["CLAIMS_SCHEMA", "FILES_SCHEMA", "FINDINGS_SCHEMA", "BatchOutput", "table_of"]

#: total charge: X12 amounts have at most 18 digits (005010X223A2 CLM02 R 1/18), cents kept exactly
_MONEY = pa.decimal128(20, 2)
_CENT = Decimal("0.01")
_MONEY_LIMIT = Decimal(10) ** 18

CLAIMS_SCHEMA = pa.schema(
    [
        ("file", pa.string()),
        ("ordinal", pa.int64()),
        ("claim_id", pa.string()),
        ("patient_control_number", pa.string()),
        ("type_of_bill", pa.string()),
        ("from", pa.date32()),
        ("through", pa.date32()),
        ("total_charge", _MONEY),
        ("error_count", pa.int32()),
        ("warning_count", pa.int32()),
    ]
)
FINDINGS_SCHEMA = pa.schema(
    [
        ("file", pa.string()),
        ("ordinal", pa.int64()),
        ("claim_id", pa.string()),
        ("edit_id", pa.string()),
        ("severity", pa.string()),
        ("reason_code", pa.string()),
        ("line", pa.int32()),  # 0-based index into the claim's lines, as `claim check --format json`; null: the claim
        ("message", pa.string()),
    ]
)
FILES_SCHEMA = pa.schema(
    [
        ("file", pa.string()),
        ("kind", pa.string()),  # x12 | json | unknown | missing
        ("status", pa.string()),  # ok | claims_with_errors | error
        ("claims", pa.int64()),
        ("message", pa.string()),
    ]
)
OUTPUTS = {"claims": CLAIMS_SCHEMA, "findings": FINDINGS_SCHEMA, "files": FILES_SCHEMA}


def money(value: Decimal | None) -> Decimal | None:
    """An amount for the decimal(20, 2) column: rounded to cents; None when it is not a finite amount that fits."""
    if value is None or not value.is_finite() or abs(value) >= _MONEY_LIMIT:
        return None
    try:
        return value.quantize(_CENT)
    except InvalidOperation:
        return None


def table_of(schema: pa.Schema, rows: list[tuple[Any, ...]]) -> pa.Table:
    """``rows`` (tuples in the schema's column order) as a table: made where the rows are made (a worker), so the
    process writing the files only concatenates."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema.names]
    arrays = [pa.array(column, type=f.type) for column, f in zip(columns, schema, strict=True)]
    return pa.Table.from_arrays(arrays, schema=schema)


class _Table:
    def __init__(self, final: Path, schema: pa.Schema, rows_per_group: int) -> None:
        self.final = final
        self.partial = final.with_name(f".{final.name}.partial")
        self.schema = schema
        self.rows_per_group = rows_per_group
        self.columns: list[list[Any]] = [[] for _ in schema.names]
        self.tables: list[pa.Table] = []  # made by workers, waiting to fill a row group
        self.table_rows = 0
        self.writer = pq.ParquetWriter(self.partial, schema, compression="zstd")

    def add(self, row: tuple[Any, ...]) -> None:
        if self.tables:  # rows keep their order: the tables before this row go first
            self._flush_tables()
        for column, value in zip(self.columns, row, strict=True):
            column.append(value)
        if len(self.columns[0]) >= self.rows_per_group:
            self.flush()

    def add_table(self, table: pa.Table) -> None:
        """Rows a worker already made into a table (of this schema), after the rows added before."""
        if self.columns[0]:
            self._flush_rows()
        self.tables.append(table)
        self.table_rows += table.num_rows
        if self.table_rows >= self.rows_per_group:
            self._flush_tables()

    def flush(self) -> None:
        self._flush_rows()
        self._flush_tables()

    def _flush_rows(self) -> None:
        if self.columns[0]:
            arrays = [pa.array(column, type=f.type) for column, f in zip(self.columns, self.schema, strict=True)]
            self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
            self.columns = [[] for _ in self.schema.names]

    def _flush_tables(self) -> None:
        if self.tables:
            self.writer.write_table(pa.concat_tables(self.tables))
            self.tables, self.table_rows = [], 0

    def close(self, keep: bool) -> None:
        if keep:
            self.flush()
        self.writer.close()
        if keep:
            os.replace(self.partial, self.final)
        else:
            self.partial.unlink(missing_ok=True)


class BatchOutput:
    """``claims.parquet``, ``findings.parquet`` and ``files.parquet`` in ``folder``, filled row by row."""

    def __init__(self, folder: str | os.PathLike[str], rows_per_group: int = 50_000) -> None:
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.tables = {name: _Table(self.folder / f"{name}.parquet", schema, rows_per_group)
                           for name, schema in OUTPUTS.items()}  # fmt: skip
        except OSError as exc:
            raise ConfigError(f"cannot write the output folder {self.folder}: {exc.strerror or exc}") from None

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.tables[table].add(row)

    def add_table(self, table: str, rows: pa.Table) -> None:
        self.tables[table].add_table(rows)

    def paths(self) -> dict[str, Path]:
        return {name: table.final for name, table in self.tables.items()}

    def close(self, *, keep: bool = True) -> None:
        for table in self.tables.values():
            table.close(keep)
