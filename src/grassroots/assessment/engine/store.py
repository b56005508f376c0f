"""Stage 5 of the engine: values and results written in bulk (binary COPY on PostgreSQL)."""

import numpy as np
from django.db import connection

from ..models import (
    Result,
    Standing,
    ValueSheet,
    pack_sheets,
)
from .base import Context, _exec, t
from .scoring import NOT_ASSESSED_REASONS, Sheet, Totals


def _copy_binary(table: str, columns: list[str], arrays: list[np.ndarray], chunk: int = 4096) -> None:
    """Rows of int64, float64 (NaN = NULL) and fixed-width bytes columns into a PostgreSQL table by binary COPY.

    A bytes column is an (rows x width) uint8 array, written as bytea. A row is a field count, then per field a
    length and its bytes (8 big-endian for a number), or length -1 for a NULL. Rows with the same NULLs have the
    same layout, so each such pattern is laid out as one fixed-width block in numpy (no Python work per row); the
    stream takes the rows in their given order chunk by chunk (`chunk` rows), and within a chunk pattern by
    pattern."""
    n, k = len(arrays[0]), len(arrays)
    sizes = [a.shape[1] if a.ndim == 2 else 8 for a in arrays]  # bytes of each field when present
    null = np.column_stack([np.isnan(a) if a.dtype.kind == "f" else np.zeros(n, bool) for a in arrays])
    code = null.astype(np.int64) @ (1 << np.arange(k, dtype=np.int64))
    order = np.lexsort((code, np.arange(n) // chunk))  # by chunk, then pattern; the given order within
    code_sorted = code[order]
    place = np.empty(n, dtype=np.int64)  # each sorted row's place in its pattern's block
    blocks, widths = {}, {}
    for pattern in np.unique(code):
        where = np.nonzero(code_sorted == pattern)[0]
        place[where] = np.arange(len(where))
        rows = order[where]
        present = [j for j in range(k) if not (int(pattern) >> j) & 1]
        width = 2 + 4 * k + sum(sizes[j] for j in present)
        block = np.empty((len(rows), width), dtype=np.uint8)
        block[:, 0:2] = np.frombuffer(np.array(k, dtype=">i2").tobytes(), dtype=np.uint8)
        at = 2
        for j, a in enumerate(arrays):
            if j not in present:
                block[:, at : at + 4] = 0xFF  # length -1: NULL
                at += 4
                continue
            size = sizes[j]
            block[:, at : at + 4] = np.frombuffer(np.array(size, dtype=">i4").tobytes(), dtype=np.uint8)
            if a.ndim == 2:
                block[:, at + 4 : at + 4 + size] = a[rows]
            else:
                big = a[rows].astype(">i8" if a.dtype.kind == "i" else ">f8")
                block[:, at + 4 : at + 4 + size] = big.view(np.uint8).reshape(-1, 8)
            at += 4 + size
        blocks[int(pattern)], widths[int(pattern)] = memoryview(block.reshape(-1)), width
    # Segments of the sorted rows with one chunk and one pattern: each is a contiguous slice of its block.
    breaks = np.nonzero((np.diff(code_sorted) != 0) | (np.diff(order // chunk) != 0))[0] + 1
    starts, ends = np.r_[0, breaks], np.r_[breaks, n]
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write(b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8)  # signature, flags, no header extension
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            pattern = int(code_sorted[start])
            width, first = widths[pattern], int(place[start])
            copy.write(blocks[pattern][first * width : (first + end - start) * width])
        copy.write(b"\xff\xff")  # trailer


def _sqlite_values(column: np.ndarray) -> list:
    """A column as SQLite takes it: bytes for a bytes column, None for NaN."""
    if column.ndim == 2:
        return [bytes(row) for row in column]
    if column.dtype.kind == "f":
        return [None if v != v else v for v in column.tolist()]
    return column.tolist()


def _insert_columns(table: str, columns: list[str], arrays: list[np.ndarray]) -> None:
    """Columns of numbers (NaN = NULL) and of fixed-width bytes into a table: binary COPY on PostgreSQL,
    executemany on SQLite."""
    if not len(arrays[0]):
        return
    if connection.vendor == "postgresql":
        _copy_binary(table, columns, arrays)
        return
    lists = [_sqlite_values(a) for a in arrays]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
            zip(*lists, strict=True),
        )


def _store_sheets(ctx: Context, sheet: Sheet) -> None:
    """Every indicator value of the run into ValueSheet, one packed sheet per organization (models.pack_sheets),
    in the order of the key; the run's `sheet_layout` set to the sheets' layout."""
    ctx.run.sheet_layout, sheets = pack_sheets(sheet.values, len(sheet.orgs))
    _insert_columns(
        t(ValueSheet),
        ["run_id", "organization_id", "data"],
        [np.full(len(sheet.orgs), ctx.run.pk, dtype=np.int64), sheet.orgs, sheets],
    )


def _store_results(ctx: Context, sheet: Sheet, totals: Totals, figures: dict, reasons: list) -> None:
    """Every result of the run into Result in one statement: grades by the bands (a veto gives the lowest), ranks
    among siblings and in the level by window functions, the TOPSIS figures and the reasons of the vetoes."""
    n = len(sheet.orgs)
    nothing = np.full(n, np.nan)
    _insert_columns(
        "tmp_assess_res",
        [
            "org_id",
            "weighted",
            "ded",
            "bonus",
            "score",
            "vetoed",
            "coverage",
            "unassessed",
            "closeness",
            "rank_topsis",
            "rank_low",
            "rank_high",
        ],
        [
            sheet.orgs,
            totals.weighted,
            totals.deductions,
            totals.bonus,
            totals.score,
            totals.vetoed.astype(np.int64),
            totals.coverage.astype(float),
            totals.not_assessed.astype(np.int64),
            *(
                figures.get(name, nothing).astype(float)
                for name in ("closeness", "rank_topsis", "rank_low", "rank_high")
            ),
        ],
    )
    if reasons:
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO tmp_assess_veto (org_id, reason) VALUES (%s, %s)", reasons)
    bands = ctx.run.system.bands()
    grade = (
        f"CASE WHEN r.vetoed = 1 THEN '{bands[-1]['grade']}' WHEN r.unassessed > 0 THEN '{Standing.NOT_ASSESSED}' "
        + " ".join(f"WHEN r.score >= {float(b['min'])} THEN '{b['grade']}'" for b in bands[:-1])
        + f" ELSE '{bands[-1]['grade']}' END"
    )
    reason = (
        "CASE "
        + " ".join(f"WHEN r.unassessed = {k} THEN '{name}'" for k, name in enumerate(NOT_ASSESSED_REASONS, 1))
        + " ELSE '' END"
    )
    # The organizations not assessed are not ranked: ranked apart (last), their ranks then dropped.
    order = "r.unassessed, r.vetoed, r.score DESC"
    ranked = "CASE WHEN r.unassessed > 0 THEN NULL ELSE RANK() OVER ({}) END"
    _exec(
        f"INSERT INTO {t(Result)} (run_id, organization_id, weighted, deductions, bonus, score, grade, vetoed, "
        "veto_reason, not_assessed, coverage, rank_siblings, rank_level, closeness, rank_topsis, rank_low, "
        "rank_high) "
        f"SELECT %s, r.org_id, r.weighted, r.ded, r.bonus, r.score, {grade}, "
        f"CASE WHEN r.vetoed = 1 THEN %s ELSE %s END, COALESCE(v.reason, ''), {reason}, r.coverage, "
        + ranked.format(f"PARTITION BY a.parent_id ORDER BY {order}")
        + ", "
        # The level is the whole set assessed together (every branch of the scope, however deep it sits).
        + ranked.format(f"ORDER BY {order}")
        + ", r.closeness, CAST(r.rank_topsis AS integer), "
        "CAST(r.rank_low AS integer), CAST(r.rank_high AS integer) "
        "FROM tmp_assess_res r JOIN tmp_assessed a ON a.org_id = r.org_id "
        # In organization order, as the (run, organization) and organization indexes take them.
        "LEFT JOIN tmp_assess_veto v ON v.org_id = r.org_id ORDER BY r.org_id",
        [ctx.run.pk, True, False],
    )
