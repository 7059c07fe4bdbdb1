"""Person linkage on a generated lake, against the generator's ground truth: the quality
floors, stable cluster ids, the salted person key, and the standard columns."""

from __future__ import annotations

import json
import re

import pytest

from conftest import Warehouse

# Issue #4's bars (default lake, 5000 people); asserted here at small size.
PRECISION_FLOOR = 0.99
F1_FLOOR = 0.98


@pytest.fixture(scope="module")
def linked(built_small: Warehouse) -> Warehouse:
    return built_small


def _evaluate(warehouse: Warehouse) -> dict:
    return json.loads(warehouse.justice("linkage", "evaluate").stdout)


@pytest.mark.slow
def test_quality_floors_against_ground_truth(linked: Warehouse) -> None:
    result = _evaluate(linked)
    assert result["records"] > 0
    assert result["precision"] >= PRECISION_FLOOR, result
    assert result["f1"] >= F1_FLOOR, result
    # candidate pairs and blocking recall per rule, in the order the rules are tried
    rules = result["blocking_rules"]
    assert list(rules)[:2] == ["pnc_number", "prison_number"]
    assert sum(rule["pairs"] for rule in rules.values()) == result["candidate_pairs"]
    recalls = [rule["cumulative_recall"] for rule in rules.values()]
    assert recalls == sorted(recalls)
    assert recalls[-1] == pytest.approx(result["blocking_recall"], abs=1e-4)


@pytest.mark.slow
def test_no_cluster_mixes_dates_of_birth_unless_one_person(linked: Warehouse) -> None:
    # two present dates of birth more than a year apart in one cluster: only when the
    # truth says the records are one person (a date of birth entered wrong)
    truth = linked.lake / "_truth" / "person_records" / "*.parquet"
    mixed = linked.query(
        f"""
        with records as (
            select clusters.cluster_id, records.birth_date, truth.person_id
            from intermediate.int_person_clusters as clusters
            join intermediate.int_person_records as records using (record_id)
            join read_parquet('{truth}') as truth
                on records.system = truth.system
                and lower(records.source_record_id)
                    = lower(cast(truth.source_record_id as varchar))
        )
        select cluster_id, count(distinct person_id)
        from records
        group by cluster_id
        having max(birth_date) > min(birth_date) + interval 1 year
            and count(distinct person_id) > 1
        """
    )
    assert mixed == []


@pytest.mark.slow
def test_every_current_person_record_is_clustered_once(linked: Warehouse) -> None:
    records = linked.scalar("select count(*) from intermediate.int_person_records")
    clustered = linked.scalar(
        "select count(distinct record_id) from intermediate.int_person_clusters"
    )
    systems = {
        row[0]
        for row in linked.query("select distinct system from intermediate.int_person_clusters")
    }
    assert records == clustered > 0
    assert systems == {"nomis", "delius", "common_platform", "em"}


@pytest.mark.slow
def test_pnc_numbers_are_canonical(linked: Warehouse) -> None:
    pncs = [
        row[0]
        for row in linked.query(
            "select pnc_number from intermediate.int_person_records where pnc_number is not null"
        )
    ]
    assert pncs
    assert all(re.fullmatch(r"[0-9]{4}/[0-9]{7}[A-Z]", pnc) for pnc in pncs)
    valid_share = linked.scalar(
        "select avg(case when is_pnc_check_valid then 1.0 else 0.0 end) "
        "from intermediate.int_person_records where pnc_number is not null"
    )
    assert valid_share > 0.9  # mistyped PNCs are rare; a wrong check rule fails them all


@pytest.mark.slow
def test_cluster_ids_stable_and_person_key_salted(linked: Warehouse) -> None:
    query = (
        "select record_id, cluster_id, person_key from intermediate.int_person_clusters "
        "order by record_id"
    )
    before = linked.query(query)
    linked.justice("build", "--select", "int_person_clusters")
    again = linked.query(query)
    assert again == before  # same records, same clusters, same keys

    salted = Warehouse(lake=linked.lake, root=linked.root)
    env = salted.env
    env["JUSTICE_PERSON_KEY_SALT"] = "another-salt"
    import subprocess

    from conftest import JUSTICE

    subprocess.run(
        [JUSTICE, "build", "--select", "int_person_clusters"],
        env=env,
        check=True,
        capture_output=True,
    )
    resalted = linked.query(query)
    assert [(r, c) for r, c, _ in resalted] == [(r, c) for r, c, _ in before]
    assert all(new != old for (_, _, new), (_, _, old) in zip(resalted, before, strict=True))
    linked.justice("build", "--select", "int_person_clusters")  # back to the default salt
