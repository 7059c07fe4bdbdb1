"""Reviewing a change (README "Reviewing a change"): the docs site in a real browser, column
lineage, descriptions in the warehouse, `justice marts` and `justice diff`.

One build of the session's small lake and one docs generation serve every test. The site is
served over http (it does not render from a file) and loaded in headless Chromium
(Debian's `chromium`; `make test` installs it when missing); each page's rendered DOM is
checked, and its screenshot kept in target/review/ for a person to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from conftest import Warehouse
from justice import docs
from justice.console import PROJECT_ROOT

MART = "fct_prison_population_monthly"
SCREENSHOTS = PROJECT_ROOT / "target" / "review"


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("no chromium: `make test` installs Debian's (apt-get install chromium)")


@pytest.fixture(scope="module")
def reviewed(documented: Warehouse) -> Warehouse:
    return documented


@pytest.fixture(scope="module")
def site(reviewed: Warehouse) -> Iterator[str]:
    server = docs.serve(reviewed.root / "target" / "docs", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def render(url: str, screenshot: str, height: int = 1600) -> str:
    """Load `url` in headless Chromium; return the DOM after its scripts ran, and keep a
    screenshot in target/review/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    completed = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--hide-scrollbars",
            "--virtual-time-budget=10000",
            f"--window-size=1400,{height}",
            f"--screenshot={SCREENSHOTS / screenshot}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert (SCREENSHOTS / screenshot).stat().st_size > 10_000
    return completed.stdout


def text_of(dom: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", dom).split())


def test_overview_is_the_home_page(site: str) -> None:
    page = text_of(render(site + "#!/overview", "overview.png"))
    for heading in (
        "criminal-justice marts you can trust",
        "The layers",
        "How to find a mart",
        "What each domain answers",
        "Half-open stays and periods",
        "Court case completion",
        "Proven reoffending",
        "justice build --as-of",
    ):
        assert heading in page, heading


def test_mart_page_shows_columns_and_lineage(site: str) -> None:
    dom = render(site + f"#!/model/model.justice.{MART}", "mart.png", height=2600)
    page = text_of(dom)
    assert "One row per month end" in page
    for column in ("month_end_date", "prison_code", "sex", "age_band", "prisoner_count"):
        assert column in page
    assert "Layer lineage" in page and "Column lineage" in page
    # the diagram is an <img> whose source is the SVG itself
    image = re.search(r'<img[^>]+src="data:image/svg\+xml;base64,([^"]+)"', dom)
    assert image, "no lineage diagram on the page"
    # column lineage: the population counts NOMIS movements
    assert "raw nomis.offender_external_movements" in page
    assert "movement_date (rows)" in page


def test_lineage_diagram_is_readable(site: str, reviewed: Warehouse) -> None:
    """The diagram at full size: every layer, the collapsed pairs, the linkage node, and
    a width that fits the docs page without shrinking the text."""
    path = reviewed.root / "target" / "docs" / "lineage" / f"{MART}.svg"
    svg = ElementTree.fromstring(path.read_text())
    assert int(svg.get("width", "0")) <= 1000
    labels = {" ".join(t.itertext()) for t in svg.iter("{http://www.w3.org/2000/svg}text")}
    assert {"raw table", "staging", "history", "intermediate", "mart"} <= labels
    assert {"stg", "history", "person linkage"} <= labels
    assert "nomis.offender_" in labels or "nomis.offenders" in labels
    assert not any(label.startswith(("base_", "int_nomis__")) for label in labels)
    page = text_of(render(site + f"lineage/{MART}.svg", "lineage.png", height=700))
    assert "person linkage" in page


def test_lineage_command_names_raw_nomis_columns(reviewed: Warehouse) -> None:
    output = reviewed.justice("lineage", f"{MART}.prisoner_count").stdout
    assert "raw nomis.offender_external_movements:" in output
    assert "movement_date" in output and "to_agy_loc_id" in output
    output = reviewed.justice("lineage", f"{MART}.prison_code").stdout
    assert output.splitlines()[1:] == [
        "  raw nomis.offender_external_movements: from_agy_loc_id, to_agy_loc_id"
    ]
    missing = reviewed.justice("lineage", f"{MART}.no_such_column", check=False)
    assert missing.returncode != 0 and "no column" in missing.stderr


def test_descriptions_survive_publication(reviewed: Warehouse) -> None:
    published = reviewed.root / "justice.published.duckdb"
    with duckdb.connect(str(published), read_only=True) as connection:
        table = connection.execute(
            "select comment from duckdb_tables() where schema_name = 'marts' and table_name = ?",
            [MART],
        ).fetchone()
        columns = connection.execute(
            "select column_name, comment from duckdb_columns() where schema_name = 'marts' "
            "and table_name = ?",
            [MART],
        ).fetchall()
        undocumented = connection.execute(
            "select table_name, column_name from duckdb_columns() "
            "where schema_name = 'marts' and comment is null"
        ).fetchall()
    assert table[0].startswith("One row per month end")
    assert dict(columns)["prisoner_count"].startswith("People in custody")
    assert not undocumented


def test_marts_and_version(reviewed: Warehouse) -> None:
    lines = reviewed.justice("marts").stdout.splitlines()
    assert lines[0].split()[:3] == ["mart", "grain", "rows"]
    row = next(line for line in lines if line.startswith(MART))
    assert "One row per month end" in row and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", row)
    assert len(lines) == 1 + 21
    # rows without a person: counted in marts with a person_key, blank in the others
    start = lines[0].index("no person")
    end = lines[0].index("published at")
    shown = {line.split()[0]: line[start:end].strip() for line in lines[1:]}
    published = reviewed.root / "justice.published.duckdb"
    with duckdb.connect(str(published), read_only=True) as connection:
        for mart in ("fct_custody_episodes", "fct_probation_appointments", "dim_person"):
            (unlinked,) = connection.execute(
                f"select count(*) from marts.{mart} where person_key is null"
            ).fetchone()
            assert shown[mart] == f"{unlinked:,}", (mart, shown[mart], unlinked)
    assert shown["dim_court"] == "" and shown[MART] == ""
    assert re.fullmatch(
        r"justice \S+ \(dbt-core 1\.11\.\d+\)\n", reviewed.justice("--version").stdout
    )


def test_diff_reports_a_deliberate_change_exactly(reviewed: Warehouse, tmp_path: Path) -> None:
    """A deliberate change to fct_em_orders (2 orders removed, 1 added, 3 orders one day
    longer) and to dim_court (a column added): the diff says exactly that."""
    before = reviewed.root / "justice.published.duckdb"
    after = tmp_path / "branch.duckdb"
    shutil.copyfile(before, after)
    with duckdb.connect(str(after)) as connection:
        ids = [
            row[0]
            for row in connection.execute(
                "select em_order_id from marts.fct_em_orders "
                "where days_monitored is not null order by em_order_id limit 6"
            ).fetchall()
        ]
        connection.execute("delete from marts.fct_em_orders where em_order_id in (?, ?)", ids[:2])
        connection.execute(
            "update marts.fct_em_orders set days_monitored = days_monitored + 1 "
            "where em_order_id in (?, ?, ?)",
            ids[2:5],
        )
        connection.execute(
            "insert into marts.fct_em_orders select * replace ('new-order' as em_order_id) "
            "from marts.fct_em_orders where em_order_id = ?",
            [ids[5]],
        )
        connection.execute("alter table marts.dim_court add column court_note varchar")
        days = connection.execute("select sum(days_monitored) from marts.fct_em_orders").fetchone()[
            0
        ]
    with duckdb.connect(str(before), read_only=True) as connection:
        days_before, orders = connection.execute(
            "select sum(days_monitored), count(*) from marts.fct_em_orders"
        ).fetchone()
    report = reviewed.justice("diff", str(before), str(after)).stdout
    assert "2 of 21 marts changed." in report
    assert (
        f"| `fct_em_orders` | {orders:,} | {orders - 1:,} | 1 | 2 | 3 | `days_monitored` (3) |"
        in report
    )
    assert "| `dim_court` | " in report and "- columns added: `court_note`" in report
    change = days - days_before
    assert f"- total `days_monitored`: {days_before:,} → {days:,}, {change:+,}" in report
    unchanged = reviewed.justice("diff", str(before), str(before)).stdout
    assert "No mart changed (21 compared by primary key)." in unchanged
