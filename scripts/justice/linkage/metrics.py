"""Linkage quality against a known truth: pairwise precision, recall and F1 over the
clusters (every pair of records in one cluster is a predicted match), B-cubed precision,
recall and F1, and the same pairwise measures over the scored links before clustering."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import duckdb


@dataclass
class Quality:
    records: int
    true_pairs: int
    predicted_pairs: int
    true_positive_pairs: int
    precision: float
    recall: float
    f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def cluster_quality(con: duckdb.DuckDBPyConnection, assignments: str) -> Quality:
    """Quality of a clustering. `assignments` names a relation with one row per record:
    record_id, cluster_id (predicted) and entity_id (true)."""
    row = con.execute(
        f"""
        with cells as (
            select cluster_id, entity_id, count(*) as n
            from {assignments} group by cluster_id, entity_id
        ),
        clusters as (select cluster_id, sum(n) as n from cells group by cluster_id),
        entities as (select entity_id, sum(n) as n from cells group by entity_id),
        bcubed as (
            select
                sum(cells.n * cells.n * 1.0 / clusters.n) as precision_sum,
                sum(cells.n * cells.n * 1.0 / entities.n) as recall_sum
            from cells
            join clusters using (cluster_id)
            join entities using (entity_id)
        )
        select
            (select sum(n) from cells),
            (select sum(n * (n - 1) / 2) from entities),
            (select sum(n * (n - 1) / 2) from clusters),
            (select sum(n * (n - 1) / 2) from cells),
            (select precision_sum from bcubed),
            (select recall_sum from bcubed)
        """
    ).fetchone()
    records, true_pairs, predicted_pairs, true_positives, p_sum, r_sum = row
    records = int(records or 0)
    true_pairs, predicted_pairs = int(true_pairs or 0), int(predicted_pairs or 0)
    true_positives = int(true_positives or 0)
    precision = true_positives / predicted_pairs if predicted_pairs else 1.0
    recall = true_positives / true_pairs if true_pairs else 1.0
    b_precision = float(p_sum) / records if records else 1.0
    b_recall = float(r_sum) / records if records else 1.0
    return Quality(
        records,
        true_pairs,
        predicted_pairs,
        true_positives,
        precision,
        recall,
        _f1(precision, recall),
        b_precision,
        b_recall,
        _f1(b_precision, b_recall),
    )


def link_quality(
    con: duckdb.DuckDBPyConnection, pairs: str, candidates: str, truth: str
) -> dict[str, float]:
    """Pairwise quality of the scored links before clustering, and the recall of blocking.
    `pairs`: the scored pairs (record_id_l, record_id_r, is_match); `candidates`: every
    candidate pair (record_id_l, record_id_r: the scored pairs need not keep the clear
    non-matches); `truth`: record_id, entity_id."""

    def labelled(relation: str, column: str) -> str:
        return f"""
            select {column} as is_counted, l.entity_id = r.entity_id as is_true
            from {relation} as pairs
            join {truth} as l on pairs.record_id_l = l.record_id
            join {truth} as r on pairs.record_id_r = r.record_id"""

    true_positives, predicted = (
        int(v or 0)
        for v in con.execute(
            "select count(*) filter (where is_counted and is_true), "
            f"count(*) filter (where is_counted) from ({labelled(pairs, 'pairs.is_match')})"
        ).fetchone()
    )
    true_candidates, candidate_count, true_pairs = (
        int(v or 0)
        for v in con.execute(
            f"select count(*) filter (where is_true), count(*), "
            f"(select sum(n * (n - 1) / 2) from ("
            f"select count(*) as n from {truth} group by entity_id)) "
            f"from ({labelled(candidates, 'true')})"
        ).fetchone()
    )
    precision = true_positives / predicted if predicted else 1.0
    recall = true_positives / true_pairs if true_pairs else 1.0
    return {
        "candidate_pairs": candidate_count,
        "blocking_recall": true_candidates / true_pairs if true_pairs else 1.0,
        "link_precision": precision,
        "link_recall": recall,
        "link_f1": _f1(precision, recall),
    }


def rule_breakdown(
    con: duckdb.DuckDBPyConnection, pairs: str, truth: str, rules: list[str]
) -> dict[str, dict]:
    """Per blocking rule, in `rules`' order (the order they are tried): the candidate
    pairs it adds (a pair counts for the first rule that finds it), the true pairs among
    them, and the blocking recall of the rules up to it. `pairs`: record_id_l,
    record_id_r, blocking_rule; `truth`: record_id, entity_id."""
    true_pairs = con.execute(
        f"select sum(n * (n - 1) / 2) from (select count(*) as n from {truth} group by entity_id)"
    ).fetchone()[0]
    counts = {
        rule: (int(candidates), int(found))
        for rule, candidates, found in con.execute(
            f"""
            select pairs.blocking_rule, count(*),
                count(*) filter (where l.entity_id = r.entity_id)
            from {pairs} as pairs
            join {truth} as l on pairs.record_id_l = l.record_id
            join {truth} as r on pairs.record_id_r = r.record_id
            group by pairs.blocking_rule
            """
        ).fetchall()
    }
    breakdown, found_so_far = {}, 0
    for rule in rules:
        candidates, found = counts.get(rule, (0, 0))
        found_so_far += found
        breakdown[rule] = {
            "pairs": candidates,
            "true_pairs": found,
            "cumulative_recall": round(found_so_far / true_pairs, 4) if true_pairs else 1.0,
        }
    return breakdown


def warehouse_quality(con: duckdb.DuckDBPyConnection, truth: str, rules: list[str]) -> dict:
    """Cluster quality, pair quality and the per-rule breakdown of the linkage built in
    `con` (intermediate.int_person_clusters, _pairs_scored, _pairs_blocked) against
    `truth` (record_id, entity_id)."""
    con.execute(
        "create temp view assignments as select clusters.record_id, clusters.cluster_id, "
        f"truth.entity_id from intermediate.int_person_clusters as clusters "
        f"join {truth} as truth using (record_id)"
    )
    # the blocked pairs hold record numbers: back to record ids, as the truth has them
    con.execute(
        "create temp view candidate_pairs as select l.record_id as record_id_l, "
        "r.record_id as record_id_r, blocked.blocking_rule "
        "from intermediate.int_person_pairs_blocked as blocked "
        "join intermediate.int_person_records as l on blocked.record_number_l = l.record_number "
        "join intermediate.int_person_records as r on blocked.record_number_r = r.record_number"
    )
    quality = cluster_quality(con, "assignments").as_dict()
    quality.update(
        link_quality(con, "intermediate.int_person_pairs_scored", "candidate_pairs", truth)
    )
    quality["blocking_rules"] = rule_breakdown(con, "candidate_pairs", truth, rules)
    return quality
