"""History and as-of: the invariants of DESIGN.md section 3, on a generated lake.

One warehouse serves the module: a lake is generated and built (day N), its as-of
outputs are kept; then three more days are landed and built incrementally after each,
with hand-made awkward change rows added to every landed day (a late update, a
re-delivery, an update before its insert, a delete and re-insert in one extract) on top
of those the generator makes. Then:

- a `--full-refresh` build of the same lake gives exactly the rows the incremental runs
  gave, in every history model and every model downstream of one;
- a build `--as-of` day N gives exactly what the build on day N gave, in every model
  downstream of a history model (the as-of views now; intermediate models and marts as
  they arrive);
- except the record of person keys (PATH_DEPENDENT): it keeps what earlier builds saw,
  so a from-scratch build cannot reproduce it. Instead a `--full-refresh` and an
  `--as-of` build leave it exactly as the incremental runs left it, and its mart of key
  changes equals a recomputation from each build's record -> person_key assignment,
  with a merge and a split made by hand on the first landed day.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import Warehouse, make_lake
from justice.lake import land as generator
from justice.lake.contract import table

# Enough people that the generator's own late, re-delivered and duplicate rows occur in
# the few landed days; small enough to build in about a minute.
PEOPLE, DAYS, LANDED = 3000, 5, 3
# history models and everything built on them, with the staging change log they read
# (incremental: a build that leaves it out loads no new change rows)
DOWNSTREAM = "tag:staging+"

# Models downstream of history that no rebuild can reproduce, and why: the record of
# the person key each source record had is kept across builds (full_refresh false) and
# holds what each earlier build saw; its mart lists the changes between those builds.
# A --full-refresh or a warehouse built from scratch sees one build only. Tested below
# instead: what the full refresh and the --as-of build leave in them.
PATH_DEPENDENT = {
    "int_person_keys_recorded": "the record of person keys across builds (full_refresh false)",
    "fct_person_key_changes": "person-key changes between builds, read from that record",
}


# ---------------------------------------------------------------- the lake


def _partitions(lake: Path, system: str, name: str) -> list[Path]:
    return sorted((lake / "raw" / system / name).glob("extraction_date=*"))


def _latest_partition_date(lake: Path) -> dt.date:
    return dt.date.fromisoformat(_partitions(lake, "nomis", "offenders")[-1].name.split("=")[1])


def _raw_rows(lake: Path, system: str, name: str) -> list[dict[str, Any]]:
    schema = table(system, name).schema
    rows: list[dict[str, Any]] = []
    for partition in _partitions(lake, system, name):
        for file in sorted(partition.glob("*.parquet")):
            rows += pq.read_table(file).select(schema.names).to_pylist()
    return rows


def _append(lake: Path, system: str, name: str, day: dt.date, rows: list[dict]) -> None:
    partition = lake / "raw" / system / name / f"extraction_date={day.isoformat()}"
    partition.mkdir(parents=True, exist_ok=True)
    target = partition / f"part-9{len(list(partition.glob('part-9*'))):04d}.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=table(system, name).schema), target)


def _by_key(rows: list[dict], key: tuple[str, ...]) -> dict[tuple, list[dict]]:
    grouped: dict[tuple, list[dict]] = {}
    for row in rows:
        if all(row[k] is not None for k in key):
            grouped.setdefault(tuple(row[k] for k in key), []).append(row)
    for versions in grouped.values():
        versions.sort(key=lambda row: row["extraction_timestamp"])
    return grouped


def _add_awkward_rows(lake: Path, step: int, pending: dict[str, list]) -> dict[str, Any]:
    """Add awkward change rows to the newest partition; return what was added."""
    day = _latest_partition_date(lake)
    at = dt.datetime.combine(day, dt.time(5, 0))
    added: dict[str, Any] = {}

    # a late update of a NOMIS offender: changed between its last two known changes,
    # extracted after both (modified_at gives the true order)
    offenders = _by_key(_raw_rows(lake, "nomis", "offenders"), ("offender_id",))
    candidates = sorted(
        key
        for key, rows in offenders.items()
        if len({row["modify_datetime"] for row in rows}) >= 2 and rows[-1]["op"] != "D"
    )
    key = candidates[step * 7 % len(candidates)]
    # its last two change times (a change delivered twice, an exact duplicate, counts once)
    changes = {row["modify_datetime"]: row for row in offenders[key]}
    previous, latest = [changes[at] for at in sorted(changes)[-2:]]
    between = (
        previous["modify_datetime"] + (latest["modify_datetime"] - previous["modify_datetime"]) / 2
    )
    late = {
        **previous,
        "op": "U",
        "first_name": f"LATEFIX{step}",
        "modify_datetime": between,
        "extraction_timestamp": at,
    }
    _append(lake, "nomis", "offenders", day, [late])
    added["late_update"] = (key[0], f"LATEFIX{step}")

    # a re-delivery of a Delius offender's latest row image, a day or more later
    delius = _by_key(_raw_rows(lake, "delius", "offender"), ("offender_id",))
    key = sorted(delius)[step * 11 % len(delius)]
    redelivered = {**delius[key][-1], "extraction_timestamp": at + dt.timedelta(minutes=1)}
    _append(lake, "delius", "offender", day, [redelivered])

    # an update of a new booking now; its insert arrives with the next landed day
    booking_id = 990_000 + step
    bookings = _raw_rows(lake, "nomis", "offender_bookings")
    template = {**bookings[step], "offender_book_id": booking_id}
    rows = [
        {
            **template,
            "op": "U",
            "in_out_status": "OUT",
            "extraction_timestamp": at + dt.timedelta(minutes=2),
        }
    ]
    rows += pending.pop("bookings", [])
    _append(lake, "nomis", "offender_bookings", day, rows)
    pending["bookings"] = [
        {
            **template,
            "op": "I",
            "in_out_status": "IN",
            "extraction_timestamp": at + dt.timedelta(days=1, minutes=3),
        }
    ]

    # an incident party deleted and inserted again (another role) in one extract
    parties = _by_key(
        _raw_rows(lake, "nomis", "incident_case_parties"), ("incident_case_id", "party_seq")
    )
    key = sorted(k for k, rows in parties.items() if rows[-1]["op"] != "D")[step * 5]
    last = parties[key][-1]
    _append(
        lake,
        "nomis",
        "incident_case_parties",
        day,
        [
            {**last, "op": "D", "extraction_timestamp": at + dt.timedelta(minutes=4)},
            {
                **last,
                "op": "I",
                "participation_role": "WIT" if last["participation_role"] != "WIT" else "VICT",
                "extraction_timestamp": at + dt.timedelta(minutes=5),
            },
        ],
    )
    added["reinserted_party"] = key
    return added


# ---------------------------------------------------------------- the warehouse


def _models(warehouse: Warehouse) -> tuple[list[dict], list[dict]]:
    """(history models, models downstream of a history model), from dbt's manifest."""
    manifest = json.loads((warehouse.root / "target" / "manifest.json").read_text())
    models = {
        uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"
    }
    history = {
        uid
        for uid, node in models.items()
        if "history" in node["tags"] and node["config"]["materialized"] == "incremental"
    }

    def ancestors(uid: str) -> set[str]:
        seen: set[str] = set()
        stack = [uid]
        while stack:
            for parent in models.get(stack.pop(), {}).get("depends_on", {}).get("nodes", []):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return seen

    downstream = [
        node
        for uid, node in models.items()
        if ancestors(uid) & history and node["name"] not in PATH_DEPENDENT
    ]
    return [models[uid] for uid in sorted(history)], sorted(downstream, key=lambda n: n["name"])


def _snapshot(warehouse: Warehouse, nodes: list[dict], directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse.root / "justice.duckdb"), read_only=True) as con:
        for node in nodes:
            target = directory / f"{node['name']}.parquet"
            con.execute(f"copy (select * from {node['relation_name']}) to '{target}'")


def _differences(warehouse: Warehouse, nodes: list[dict], directory: Path) -> dict[str, str]:
    """Models whose rows differ (as multisets) from the snapshot in `directory`."""
    found = {}
    with duckdb.connect(str(warehouse.root / "justice.duckdb"), read_only=True) as con:
        for node in nodes:
            built = f"select * from {node['relation_name']}"
            kept = f"select * from read_parquet('{directory / (node['name'] + '.parquet')}')"
            extra = con.execute(f"select count(*) from ({built} except all {kept})").fetchone()[0]
            missing = con.execute(f"select count(*) from ({kept} except all {built})").fetchone()[0]
            if extra or missing:
                found[node["name"]] = f"{extra} rows not in the snapshot, {missing} missing"
    return found


# ---------------------------------------------------------------- person keys


def _person_keys(warehouse: Warehouse) -> dict[str, str]:
    """Each source record's person_key in the warehouse as built."""
    return dict(
        warehouse.query("select record_id, person_key from intermediate.int_person_clusters")
    )


def _build_id(warehouse: Warehouse) -> str:
    results = json.loads((warehouse.root / "target" / "run_results.json").read_text())
    return results["metadata"]["invocation_id"]


def _update(lake: Path, system: str, name: str, key: str, value: Any, **changes: Any) -> None:
    """Append to the newest day an update of a source row: its latest image with
    `changes`, extracted (and, with a source change timestamp, changed) after it."""
    rows = _by_key(_raw_rows(lake, system, name), (key,))[(value,)]
    latest = rows[-1]
    at = dt.datetime.combine(_latest_partition_date(lake), dt.time(5, 30))
    second = dt.timedelta(seconds=1)
    row = {**latest, **changes, "op": "U"}
    row["extraction_timestamp"] = max(at, latest["extraction_timestamp"] + second)
    if "last_updated_datetime" in row:
        updated = max(r["last_updated_datetime"] for r in rows)
        row["last_updated_datetime"] = max(at, updated + second)
    _append(lake, system, name, _latest_partition_date(lake), [row])


def _add_person_key_changes(lake: Path, warehouse: Warehouse) -> dict[str, tuple[str, ...]]:
    """A split and a merge made by hand, as updates in the newest day, on clusters of one
    Common Platform defendant and one Delius offender (the most common pair):

    - split: one such Delius record takes on an identity nobody has (it leaves; the
      defendant, the cluster's smallest record, keeps the key);
    - merge: a defendant alone takes on the name, date of birth, PNC, postcode and
      gender of another such cluster's defendant (the two people become one).

    Returns the records of each case."""
    pairs = warehouse.query("""
        select min(record_id), max(record_id) from intermediate.int_person_clusters
        group by cluster_id
        having count(*) = 2 and min(record_id) like 'common_platform:%'
            and max(record_id) like 'delius:%'
        order by 2 desc
        limit 2
    """)
    (split_defendant, split_delius), (merge_defendant, merge_delius) = pairs
    (alone,) = warehouse.query("""
        select records.record_id from intermediate.int_person_records as records
        inner join intermediate.int_person_clusters as clusters
            on records.record_id = clusters.record_id
        where clusters.cluster_size = 1 and records.record_id like 'common_platform:%'
        order by 1 desc
        limit 1
    """)[0]
    _update(
        lake,
        "delius",
        "offender",
        "offender_id",
        int(split_delius.split(":")[1]),
        first_name="QUIRINUS",
        second_name=None,
        surname="ZYXWVUT",
        date_of_birth_date=dt.date(1931, 2, 3),
        pnc_number=None,
        cro_number=None,
        noms_number=None,
    )
    identity = _by_key(_raw_rows(lake, "common_platform", "defendants"), ("defendant_id",))[
        (merge_defendant.split(":", 1)[1],)
    ][-1]
    copied = ("first_name", "last_name", "date_of_birth", "pnc_id", "address_postcode", "gender")
    _update(
        lake,
        "common_platform",
        "defendants",
        "defendant_id",
        alone.split(":", 1)[1],
        **{column: identity[column] for column in copied},
    )
    return {
        "split": (split_defendant, split_delius),
        "merged": (alone, merge_defendant, merge_delius),
    }


def _expected_key_changes(
    before: dict[str, str], after: dict[str, str]
) -> set[tuple[str, str, str, int]]:
    """(old key, new key, reason, records moved) between two builds' assignments,
    recomputed from the records linked in both."""
    kept = [(before[record], after[record]) for record in before.keys() & after.keys()]
    spread: dict[str, set[str]] = {}
    gathered: dict[str, set[str]] = {}
    moved: dict[tuple[str, str], int] = {}
    for old, new in kept:
        spread.setdefault(old, set()).add(new)
        gathered.setdefault(new, set()).add(old)
        if old != new:
            moved[(old, new)] = moved.get((old, new), 0) + 1
    reasons = {
        (True, True): "merged_and_split",
        (True, False): "merged",
        (False, True): "split",
        (False, False): "re_keyed",
    }
    return {
        (old, new, reasons[(len(gathered[new]) > 1, len(spread[old]) > 1)], count)
        for (old, new), count in moved.items()
    }


def _sorted(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(rows, key=repr)  # rows hold nulls: no natural order


RECORD = "select * from intermediate.int_person_keys_recorded"
KEY_CHANGES = """
    select old_person_key, new_person_key, change_reason, moved_record_count,
        detected_at, data_through_date, detected_build_id
    from marts.fct_person_key_changes
"""


@pytest.fixture(scope="module")
def history_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("history")
    lake = make_lake(root / "lake", people=PEOPLE, days=DAYS)
    warehouse = Warehouse(lake=lake, root=root)
    warehouse.build()
    day_n = _latest_partition_date(lake)
    history, downstream = _models(warehouse)
    assert history and downstream, "no history models, or nothing downstream of them"
    _snapshot(warehouse, downstream, root / "day_n")
    person_keys, build_ids = [_person_keys(warehouse)], [_build_id(warehouse)]
    key_changes_day_n = warehouse.query(KEY_CHANGES)

    pending: dict[str, list] = {}
    added = []
    made: dict[str, tuple[str, ...]] = {}
    for step in range(LANDED):
        generator.land(lake, days=1)
        added.append(_add_awkward_rows(lake, step, pending))
        if step == 0:
            made = _add_person_key_changes(lake, warehouse)
        # data tests (the SCD2 chain among them) on the last run only, to stay quick
        lean = ["--exclude", "test_type:data"] if step < LANDED - 1 else []
        warehouse.build("--select", DOWNSTREAM, *lean)
        person_keys.append(_person_keys(warehouse))
        build_ids.append(_build_id(warehouse))
    _snapshot(warehouse, history + downstream, root / "incremental")
    return {
        "warehouse": warehouse,
        "history": history,
        "downstream": downstream,
        "day_n": day_n,
        "added": added,
        "root": root,
        "person_keys": person_keys,
        "build_ids": build_ids,
        "made": made,
        "key_changes_day_n": key_changes_day_n,
        "key_changes": warehouse.query(KEY_CHANGES),
        "record": _sorted(warehouse.query(RECORD)),
    }


# ---------------------------------------------------------------- the invariants


def test_incremental_runs_equal_a_full_refresh(history_run: dict[str, Any]) -> None:
    warehouse: Warehouse = history_run["warehouse"]
    nodes = history_run["history"] + history_run["downstream"]
    # the data tests ran on the incremental builds; here only the tables are compared
    warehouse.build("--select", DOWNSTREAM, "--full-refresh", "--exclude", "test_type:data")
    assert _differences(warehouse, nodes, history_run["root"] / "incremental") == {}
    # the record of person keys is not wiped, and the refresh changed no key
    assert _sorted(warehouse.query(RECORD)) == history_run["record"]
    assert _sorted(warehouse.query(KEY_CHANGES)) == _sorted(history_run["key_changes"])


def test_as_of_reproduces_the_build_of_that_day(history_run: dict[str, Any]) -> None:
    warehouse: Warehouse = history_run["warehouse"]
    day_n: dt.date = history_run["day_n"]
    warehouse.build(
        "--select", DOWNSTREAM, "--as-of", day_n.isoformat(), "--exclude", "test_type:data"
    )
    differences = _differences(warehouse, history_run["downstream"], history_run["root"] / "day_n")
    assert differences == {}
    # an --as-of build writes nothing to the record of person keys, and its mart shows
    # only the changes detected on data up to day N (none: day N was the first build)
    assert _sorted(warehouse.query(RECORD)) == history_run["record"]
    assert warehouse.query(KEY_CHANGES) == history_run["key_changes_day_n"] == []


def test_as_of_covers_the_published_statistics(history_run: dict[str, Any]) -> None:
    """The as-of invariant above covers the published marts, the proven-reoffending
    statistics among them, and they are not empty on day N (a past publication is
    re-created from a later lake, not an empty table equalled)."""
    published = {
        "fct_proven_reoffending",
        "fct_proven_reoffending_rates",
        "fct_probation_caseload_monthly",
        "fct_em_orders",
        "fct_prison_population_monthly",
    }
    assert published <= {node["name"] for node in history_run["downstream"]}
    kept = history_run["root"] / "day_n"
    with duckdb.connect() as con:
        for name in published:
            rows = con.execute(f"select count(*) from read_parquet('{kept / name}.parquet')")
            assert rows.fetchone()[0] > 0, name


def test_awkward_rows_give_the_right_versions(history_run: dict[str, Any]) -> None:
    warehouse: Warehouse = history_run["warehouse"]
    for added in history_run["added"]:
        offender_id, name = added["late_update"]
        rows = warehouse.query(f"""
            select first_name, is_current, valid_to, lead(valid_from) over (order by valid_from)
            from history.int_nomis__offenders_history
            where offender_id = {offender_id}
            order by valid_from
        """)
        late = [row for row in rows if row[0] == name]
        assert len(late) == 1, rows
        assert late[0][1] is False and late[0][2] == late[0][3], rows  # closed by the next

        incident_id, party_seq = added["reinserted_party"]
        rows = warehouse.query(f"""
            select is_deleted, is_current from history.int_nomis__incident_case_parties_history
            where incident_id = {incident_id} and party_sequence = {party_seq}
            order by valid_from
        """)
        assert rows[-2:] == [(True, False), (False, True)], rows

    # the booking whose update arrived a day before its insert: the update, known first,
    # stays the current version
    rows = warehouse.query("""
        select in_out_status, cdc_operation, is_current
        from history.int_nomis__offender_bookings_history
        where booking_id = 990000
    """)
    assert rows == [("OUT", "U", True)]

    # no unchanged re-delivery started a version (also a data test on every model)
    assert (
        warehouse.scalar("""
        select count(*) from (
            select row_hash, lag(row_hash) over (
                partition by source_key order by valid_from) as previous_row_hash
            from history.int_delius__offender_history
        ) where row_hash = previous_row_hash
    """)
        == 0
    )


def test_as_of_rejects_a_malformed_date(tmp_path: Path) -> None:
    warehouse = Warehouse(lake=tmp_path / "lake", root=tmp_path)
    result = warehouse.build("--as-of", "2026-13-01", check=False)
    assert result.returncode != 0
    assert "--as-of must be a date" in result.stderr


def test_person_key_changes_equal_a_recomputation_from_each_build(
    history_run: dict[str, Any],
) -> None:
    """fct_person_key_changes, after the first build and three landed days, equals
    exactly the changes recomputed from each pair of consecutive builds' record ->
    person_key assignments, build by build; the first build detected none; the split and
    the merge made by hand are among them."""
    keys: list[dict[str, str]] = history_run["person_keys"]
    build_ids: list[str] = history_run["build_ids"]
    found: dict[str, set[tuple[str, str, str, int]]] = {}
    for old, new, reason, moved, _, _, build_id in history_run["key_changes"]:
        found.setdefault(build_id, set()).add((old, new, reason, moved))
    assert set(found) <= set(build_ids[1:]), "changes from a build that did not land a day"
    expected = [_expected_key_changes(keys[i], keys[i + 1]) for i in range(LANDED)]
    assert [found.get(build_id, set()) for build_id in build_ids[1:]] == expected

    before, after = keys[0], keys[1]
    defendant, delius = history_run["made"]["split"]
    assert before[defendant] == before[delius] == after[defendant] != after[delius]
    assert (before[defendant], after[delius], "split", 1) in expected[0]
    alone, defendant, delius = history_run["made"]["merged"]
    assert before[alone] != before[defendant] == before[delius]
    assert after[alone] == after[defendant] == after[delius]
    merged = {(old, new) for old, new, reason, _ in expected[0] if reason == "merged"}
    assert merged & {(before[alone], after[alone]), (before[defendant], after[alone])}


def test_person_key_record_ends_at_the_current_keys(history_run: dict[str, Any]) -> None:
    """Each record's last recorded key is its key in the last build; records no longer
    linked end on a null key."""
    latest: dict[str, tuple[Any, str | None]] = {}
    for record_id, person_key, _, _, recorded_at, _, _ in history_run["record"]:
        if record_id not in latest or recorded_at > latest[record_id][0]:
            latest[record_id] = (recorded_at, person_key)
    current = {record: key for record, (_, key) in latest.items() if key is not None}
    assert current == history_run["person_keys"][-1]
