"""The campaign's results: one small Parquet file per flight under DIR/results (written whole, then renamed
into place: a flight is there completely or not at all), gathered into one table DIR/flights.parquet, and
queried with DuckDB."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

TABLE = "flights.parquet"
_INTS = {"index", "seed", "exit_code", "errors", "fatal", "terrain_seed"}
_BOOLS = {"survivable", "tipped_over", "lost"}
_STRINGS = {"flight_id", "plan", "faults", "outcome", "explanation", "config_hash", "software", "worker", "terrain"}


def column_type(name: str) -> pa.DataType:
    if name in _INTS:
        return pa.int64()
    if name in _BOOLS:
        return pa.bool_()
    if name in _STRINGS:
        return pa.string()
    return pa.float64()


def schema_of(row: dict[str, Any]) -> pa.Schema:
    return pa.schema([(name, column_type(name)) for name in row])


def write_row(root: Path, flight_id: str, row: dict[str, Any]) -> Path:
    folder = root / "results"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{flight_id}.parquet"
    tmp = folder / f".{flight_id}.{os.getpid()}.tmp"
    pq.write_table(pa.Table.from_pylist([row], schema=schema_of(row)), tmp)
    os.replace(tmp, path)
    return path


def read_row(root: Path, flight_id: str) -> dict[str, Any] | None:
    path = root / "results" / f"{flight_id}.parquet"
    return pq.read_table(path).to_pylist()[0] if path.exists() else None


def done_ids(root: Path) -> set[str]:
    folder = root / "results"
    return {p.stem for p in folder.glob("*.parquet")} if folder.exists() else set()


def gather(root: Path) -> Path:
    """Every flight's row in one table, ordered by flight: DIR/flights.parquet."""
    parts = sorted((root / "results").glob("*.parquet"))
    tables = [pq.read_table(p) for p in parts]
    table = pa.concat_tables(tables, promote_options="permissive") if tables else pa.table({})
    path = root / TABLE
    tmp = root / f".{TABLE}.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, path)
    return path


def read_table(root: Path) -> list[dict[str, Any]]:
    return pq.read_table(root / TABLE).to_pylist()


def query(root: Path, sql: str) -> tuple[list[str], list[tuple]]:
    """SQL over the table, which DuckDB sees as `flights`: the column names and the rows."""
    import duckdb
    table = root / TABLE
    if not table.exists():
        raise FileNotFoundError(f"{table}: no such table (is {root} a campaign folder? `ginny campaign run` makes one)")
    con = duckdb.connect()
    try:
        con.execute(f"CREATE VIEW flights AS SELECT * FROM read_parquet('{_quoted(table)}')")
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description] if cursor.description else []
        return names, cursor.fetchall() if names else []
    finally:
        con.close()


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
