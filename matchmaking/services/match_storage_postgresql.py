"""Storing a full run on PostgreSQL. A run keeps over a million pairs. Their
columns go to a temporary table in one binary COPY built straight from the
engine's arrays (no Python object per pair), then one INSERT … ON CONFLICT
upserts them, touching only rows whose score or ranks moved, and two
anti-joins find the pairs dropped."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from django.db import connection
from django.db.models import Field

from matchmaking.engine.scoring import (
    MatchResult,
)
from matchmaking.models import Match, MatchRun
from matchmaking.selectors.engine_inputs import (
    World,
)
from matchmaking.services.match_store import (
    retire,
)

# Storing a full run on PostgreSQL ----------------------------------------------
# A run keeps over a million pairs. Their columns go to a temporary table in
# one binary COPY built straight from the engine's arrays (no Python object
# per pair), then one INSERT … ON CONFLICT upserts them, touching only rows
# whose score or ranks moved, and two anti-joins find the pairs dropped.

_TMP_TABLE = "tmp_match_run"
# PostgreSQL's binary COPY format: a signature, flags and header extension
# length, then per row the field count and each field's length and value, all
# big-endian; -1 ends the data.
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + np.array([0, 0], ">i4").tobytes()
_COPY_END = np.array([-1], ">i2").tobytes()
_COPY_ROW = np.dtype(
    [("fields", ">i2")]
    + [
        (f"{name}{part}", dtype)
        for name, size in (
            ("lot_id", 8),
            ("need_id", 8),
            ("score_centi", 4),
            ("rank_for_need", 4),
        )
        for part, dtype in (("_length", ">i4"), ("", f">i{size}"))
    ]
)
_COPY_CHUNK = 200_000


def _binary_copy_chunks(result: MatchResult) -> Iterator[bytes]:
    """Each need's top K in (lot, need) order (so the upsert walks the unique
    index in order), as binary COPY data."""
    ranked = result.rank_for_need > 0
    columns = {
        "lot_id": result.lot_ids[ranked],
        "need_id": result.need_ids[ranked],
        "score_centi": result.score_centi[ranked],
        "rank_for_need": result.rank_for_need[ranked],
    }
    order = np.lexsort((columns["need_id"], columns["lot_id"]))
    yield _COPY_SIGNATURE
    for begin in range(0, len(order), _COPY_CHUNK):
        rows = order[begin : begin + _COPY_CHUNK]
        chunk = np.empty(len(rows), _COPY_ROW)
        chunk["fields"] = len(columns)
        for name, values in columns.items():
            chunk[f"{name}_length"] = chunk.dtype[name].itemsize
            chunk[name] = values[rows]
        yield chunk.tobytes()
    yield _COPY_END


def _column(name: str) -> str:
    field = Match._meta.get_field(name)
    if not isinstance(field, Field) or field.column is None:
        raise TypeError(f"Match.{name} has no column")
    return connection.ops.quote_name(field.column)


def store_run_postgresql(result: MatchResult, world: World, run: MatchRun) -> int:
    """Upsert each need's top K and retire the pairs that left, in the
    caller's transaction; returns how many pairs were kept."""
    # Identifiers come from the model's _meta, quoted; values go as parameters.
    table = connection.ops.quote_name(Match._meta.db_table)
    names = (
        "id",
        "lot",
        "need",
        "score",
        "rank_for_need",
        "exporter_interest",
        "buyer_interest",
        "state",
        "stale_reason",
        "run",
        "created_at",
        "updated_at",
    )
    pk, lot, need, score, by_need, exporter, buyer, state, stale, run_col, created, updated = (
        _column(name) for name in names
    )
    no, yes = Match.Interest.NO.value, Match.Interest.YES.value
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE {_TMP_TABLE} (lot_id bigint NOT NULL, need_id bigint NOT NULL, "
            "score_centi integer NOT NULL, rank_for_need integer NOT NULL, "
            # The key makes the anti-joins below index lookups whatever the
            # planner believes about a table it has not seen filled yet.
            "PRIMARY KEY (lot_id, need_id)) ON COMMIT DROP"
        )
        with cursor.cursor.copy(f"COPY {_TMP_TABLE} FROM STDIN (FORMAT binary)") as copy:
            for data in _binary_copy_chunks(result):
                copy.write(data)
        cursor.execute(f"ANALYZE {_TMP_TABLE}")
        # The interests are the existing row's: a pair someone answered keeps
        # its answer, and the state it implies, whatever the new score. Rows
        # that did not move are left alone (no dead tuples, no index churn);
        # the WHERE after DO UPDATE covers a rescore racing this run.
        cursor.execute(
            f"INSERT INTO {table} AS m ({lot}, {need}, {score}, {by_need}, "  # noqa: S608
            f"{exporter}, {buyer}, {state}, {stale}, {run_col}, {created}, {updated}) "
            "SELECT t.lot_id, t.need_id, t.score_centi / 100.0::float8, t.rank_for_need, "
            f"'', '', %s, '{{}}'::jsonb, %s, now(), now() FROM {_TMP_TABLE} t "
            # Only new and moved pairs reach ON CONFLICT, which would lock
            # (and so write) every row it is shown, changed or not.
            f"LEFT JOIN {table} o ON o.{lot} = t.lot_id AND o.{need} = t.need_id "
            f"WHERE o.{pk} IS NULL OR o.{score} <> t.score_centi / 100.0::float8 "
            f"OR o.{by_need} IS DISTINCT FROM t.rank_for_need OR o.{state} = %s "
            f"ORDER BY t.lot_id, t.need_id "
            f"ON CONFLICT ({lot}, {need}) DO UPDATE SET {score} = EXCLUDED.{score}, "
            f"{by_need} = EXCLUDED.{by_need}, {state} = CASE "
            f"WHEN m.{exporter} = %s OR m.{buyer} = %s THEN %s "
            f"WHEN m.{exporter} = %s AND m.{buyer} = %s THEN %s ELSE %s END, "
            f"{stale} = '{{}}'::jsonb, {run_col} = EXCLUDED.{run_col}, {updated} = EXCLUDED.{updated} "
            f"WHERE m.{score} IS DISTINCT FROM EXCLUDED.{score} "
            f"OR m.{by_need} IS DISTINCT FROM EXCLUDED.{by_need} OR m.{state} = %s",
            [
                Match.State.PROPOSED.value,
                run.pk,
                Match.State.STALE.value,
                no,
                no,
                Match.State.DISMISSED.value,
                yes,
                yes,
                Match.State.MUTUAL.value,
                Match.State.PROPOSED.value,
                Match.State.STALE.value,
            ],
        )
        dropped = (
            f"NOT EXISTS (SELECT 1 FROM {_TMP_TABLE} t "  # noqa: S608
            f"WHERE t.lot_id = m.{lot} AND t.need_id = m.{need})"
        )
        unanswered = f"m.{exporter} = '' AND m.{buyer} = ''"
        cursor.execute(f"DELETE FROM {table} m WHERE {unanswered} AND {dropped}")  # noqa: S608
        cursor.execute(
            f"SELECT m.{pk}, m.{lot}, m.{need}, m.{exporter}, m.{buyer} FROM {table} m "  # noqa: S608
            f"WHERE NOT ({unanswered}) AND {dropped}"
        )
        cared = {(row[1], row[2]): (row[0], row[3], row[4]) for row in cursor.fetchall()}
        # ON COMMIT DROP only fires at the outermost commit; a second run in
        # the same transaction (tests, a caller's atomic) needs the name free.
        cursor.execute(f"DROP TABLE {_TMP_TABLE}")
    retire(cared, cared, world, run)
    return int(np.count_nonzero(result.rank_for_need))
