"""Static checks that a SQL statement will run on Athena engine v3 (Trino).

Two independent opinions are asked, so that one parser's leniency does not hide a problem:

- sqlglot, with its `athena` dialect, strictly: a statement it cannot parse, or can only
  keep as an opaque `Command`, fails; so does any construct that DuckDB accepts and Trino
  does not (`qualify`, `::` casts, `ilike`, `group by all`, `select * exclude`, list
  comprehensions, `{...}` struct literals, `lambda x:` lambdas) and any function whose name
  is not in TRINO_FUNCTIONS;
- sqlfluff, with its `athena` dialect, over each compiled model (see justice.athena.gate).

Each problem is a Finding naming the construct and the line it is on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, TokenError
from sqlglot.parser import Parser
from sqlglot.tokens import Token, TokenType

DIALECT = "athena"

# sqlglot warns on stderr before falling back to a Command; the gate reports that itself.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

# Functions Athena engine v3 (Trino) provides, by family, as the Trino and Athena function
# references list them. Kept deliberately explicit: a name missing here fails the gate,
# and adding it is a one-line change after checking the Trino docs.
_TRINO_FUNCTIONS_BY_FAMILY: dict[str, str] = {
    "aggregate": (
        "approx_distinct approx_most_frequent approx_percentile approx_set arbitrary "
        "any_value array_agg avg bitwise_and_agg bitwise_or_agg bool_and bool_or "
        "checksum count count_if every geometric_mean histogram listagg map_agg "
        "map_union max max_by merge min min_by multimap_agg numeric_histogram "
        "qdigest_agg reduce_agg set_agg set_union sum tdigest_agg corr covar_pop "
        "covar_samp kurtosis regr_intercept regr_slope skewness stddev stddev_pop "
        "stddev_samp variance var_pop var_samp"
    ),
    "window": (
        "cume_dist dense_rank first_value lag last_value lead nth_value ntile "
        "percent_rank rank row_number"
    ),
    "conditional and conversion": (
        "coalesce if nullif try cast try_cast format typeof greatest least"
    ),
    "string": (
        "chr codepoint concat concat_ws hamming_distance length levenshtein_distance "
        "lower lpad ltrim luhn_check normalize position replace reverse rpad rtrim "
        "soundex split split_part split_to_map split_to_multimap starts_with strpos "
        "substr substring to_utf8 from_utf8 translate trim upper word_stem"
    ),
    "regular expressions": (
        "regexp_count regexp_extract regexp_extract_all regexp_like regexp_position "
        "regexp_replace regexp_split"
    ),
    "date and time": (
        "at_timezone current_date current_time current_timestamp current_timezone date "
        "date_add date_diff date_format date_parse date_trunc day day_of_month "
        "day_of_week day_of_year dow doy extract format_datetime from_iso8601_date "
        "from_iso8601_timestamp from_iso8601_timestamp_nanos from_unixtime "
        "from_unixtime_nanos hour human_readable_seconds last_day_of_month localtime "
        "localtimestamp millisecond minute month now parse_datetime parse_duration "
        "quarter second timezone_hour timezone_minute to_iso8601 to_milliseconds "
        "to_unixtime week week_of_year with_timezone year year_of_week yow"
    ),
    "math": (
        "abs acos asin atan atan2 beta_cdf cbrt ceil ceiling cos cosh cosine_similarity "
        "degrees e exp floor from_base infinity inverse_beta_cdf inverse_normal_cdf "
        "is_finite is_infinite is_nan ln log log10 log2 mod nan normal_cdf pi pow power "
        "radians rand random round sign sin sinh sqrt tan tanh to_base truncate "
        "width_bucket wilson_interval_lower wilson_interval_upper"
    ),
    "bitwise": (
        "bit_count bitwise_and bitwise_not bitwise_or bitwise_xor bitwise_left_shift "
        "bitwise_right_shift bitwise_right_shift_arithmetic"
    ),
    "binary and hashing": (
        "crc32 from_base32 from_base64 from_base64url from_big_endian_32 "
        "from_big_endian_64 from_hex hmac_md5 hmac_sha1 hmac_sha256 hmac_sha512 md5 "
        "murmur3 sha1 sha256 sha512 spooky_hash_v2_32 spooky_hash_v2_64 to_base32 "
        "to_base64 to_base64url to_big_endian_32 to_big_endian_64 to_hex xxhash64"
    ),
    "arrays, maps, rows and lambdas": (
        "all_match any_match array_distinct array_except array_histogram "
        "array_intersect array_join array_max array_min array_position array_remove "
        "array_sort array_union arrays_overlap cardinality combinations contains "
        "contains_sequence element_at filter flatten ngrams none_match reduce repeat "
        "sequence shuffle slice transform trim_array zip zip_with map map_concat "
        "map_entries map_filter map_from_entries map_keys map_values "
        "multimap_from_entries transform_keys transform_values array row"
    ),
    "json": (
        "is_json_scalar json_array_contains json_array_get json_array_length "
        "json_extract json_extract_scalar json_format json_parse json_size json_exists "
        "json_query json_value json_array json_object"
    ),
    "url, uuid, misc": (
        "url_decode url_encode url_extract_fragment url_extract_host "
        "url_extract_parameter url_extract_path url_extract_port url_extract_protocol "
        "url_extract_query uuid"
    ),
}
TRINO_FUNCTIONS: frozenset[str] = frozenset(
    name for names in _TRINO_FUNCTIONS_BY_FAMILY.values() for name in names.split()
)

# Why a DuckDB habit fails on Trino, for the most common ones, so a failure says what to use.
DUCKDB_HINTS: dict[str, str] = {
    "strptime": "use justice.parse_date / parse_timestamp (date_parse on Trino)",
    "try_strptime": "use justice.parse_date / parse_timestamp (try(date_parse(...)) on Trino)",
    "levenshtein": "Trino calls it levenshtein_distance; put it behind a dispatched macro",
    "list_transform": "Trino uses transform(array, x -> ...); see justice.clean_offences",
    "struct_pack": "Trino builds rows with cast(row(...) as row(name type, ...))",
    "list_value": "Trino uses array[...]",
    "string_agg": "Trino uses listagg(... ) within group (order by ...) or array_join",
    "regexp_matches": "Trino uses regexp_like",
    "datediff": "use dbt.datediff",
    "epoch": "use to_unixtime on Trino, behind a macro",
    "ifnull": "use coalesce",
    "nvl": "use coalesce",
    "len": "use length",
    "list": "use array_agg",
    "strftime": "use date_format on Trino, behind a macro",
    "unnest": "Trino unnests in the from clause: cross join unnest(array) as t(x)",
}

# Tokens that may be followed by "(" without being a function call.
_NOT_CALLS = {
    getattr(TokenType, name)
    for name in """
    IN OVER EXISTS VALUES ALIAS USING ON FROM JOIN WITH INTO TABLE AND OR NOT WHERE SELECT
    WHEN THEN ELSE IS UNION ALL DISTINCT GROUP_BY ORDER_BY PARTITION_BY FILTER WITHIN_GROUP
    LATERAL UNNEST HAVING CASE END L_PAREN R_PAREN COMMA PLUS DASH STAR SLASH EQ NEQ GT GTE
    LT LTE STRING NUMBER IDENTIFIER R_BRACKET L_BRACKET DOT INTERSECT EXCEPT LIKE BETWEEN
    DPIPE ROWS RANGE LIMIT SEMICOLON ANY SOME TRUE FALSE NULL INSERT CREATE VIEW SCHEMA
    DATABASE PARAMETER MOD COLON ARROW PARTITION GROUP ORDER
    """.split()  # noqa: SIM905 - a word list reads better than 80 quoted names
    if hasattr(TokenType, name)  # names differ a little between sqlglot releases
}
_TYPE_TOKENS = set(Parser.TYPE_TOKENS)
# Words the athena tokenizer leaves as plain names that may still precede "(".
_NOT_CALL_WORDS = {
    "group",
    "within",
    "over",
    "filter",
    "exists",
    "values",
    "in",
    "tblproperties",
    "serdeproperties",
    "partitioned",
    "clustered",
    "location",
}


@dataclass(frozen=True)
class Finding:
    """One reason a statement will not run on Athena."""

    construct: str  # what was found, e.g. "qualify" or "function strptime"
    detail: str  # what to do instead, or the parser's message
    line: int | None = None

    def render(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.construct}{where}: {self.detail}"


def strip_query_comment(sql: str) -> str:
    """Drop dbt's leading `-- /* {...} */` query comment line(s)."""
    lines = sql.lstrip().splitlines()
    while lines and lines[0].lstrip().startswith("--"):
        lines = lines[1:]
    return "\n".join(lines).strip()


def _token_findings(tokens: list[Token]) -> list[Finding]:
    found: list[Finding] = []
    for index, token in enumerate(tokens):
        kind = token.token_type
        previous = tokens[index - 1] if index else None
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if kind == TokenType.DCOLON:
            found.append(Finding("'::' cast", "write cast(x as type)", token.line))
        elif kind == TokenType.ILIKE:
            found.append(Finding("ilike", "write lower(x) like lower(pattern)", token.line))
        elif kind == TokenType.L_BRACE:
            found.append(
                Finding(
                    "{...} struct literal", "build a row: cast(row(...) as row(...))", token.line
                )
            )
        elif token.text.lower() == "qualify" and kind in (TokenType.QUALIFY, TokenType.VAR):
            found.append(
                Finding(
                    "qualify", "filter a window function in an outer select instead", token.line
                )
            )
        elif (
            kind == TokenType.VAR
            and token.text.lower() in ("exclude", "replace")
            and previous is not None
            and previous.token_type == TokenType.STAR
        ):
            found.append(
                Finding(
                    f"select * {token.text.lower()}",
                    "list the columns, or use justice.star_except",
                    token.line,
                )
            )
            continue
        elif token.text.lower() == "lambda" and kind == TokenType.VAR:
            found.append(Finding("lambda x: ...", "Trino lambdas are written x -> ...", token.line))
        elif (
            following is not None
            and following.token_type == TokenType.L_PAREN
            and kind not in _NOT_CALLS
            and kind not in _TYPE_TOKENS
            and (previous is None or previous.token_type != TokenType.DOT)
            # `as t (col, ...)`: a table alias with column names, not a call
            and (previous is None or previous.token_type != TokenType.ALIAS)
            and token.text.replace("_", "").isalnum()
            and token.text.lower() not in _NOT_CALL_WORDS
            and not (previous is not None and previous.token_type == TokenType.STAR)
        ):
            name = token.text.lower()
            if name not in TRINO_FUNCTIONS:
                hint = DUCKDB_HINTS.get(
                    name,
                    "not a Trino function: put the engine-specific form behind a dispatched macro",
                )
                found.append(Finding(f"function {name}()", hint, token.line))
    return found


def _tree_findings(tree: exp.Expression) -> list[Finding]:
    found: list[Finding] = []
    for node in tree.walk():
        if isinstance(node, exp.Command):
            found.append(
                Finding(
                    "unparsed statement",
                    "sqlglot's athena dialect could only keep "
                    f"'{str(node.this)[:40]}' as an opaque Command",
                )
            )
        elif isinstance(node, exp.Qualify):
            found.append(Finding("qualify", "filter a window function in an outer select"))
        elif isinstance(node, exp.Group) and node.args.get("all"):
            found.append(Finding("group by all", "list the grouped columns"))
        elif isinstance(node, exp.Star) and (node.args.get("except") or node.args.get("replace")):
            found.append(
                Finding("select * exclude/replace", "list the columns, or use justice.star_except")
            )
        elif isinstance(node, exp.Comprehension):
            found.append(
                Finding("list comprehension", "use transform(array, x -> ...) / filter(...)")
            )
    return found


def check_statement(sql: str) -> list[Finding]:
    """Every reason `sql` (one or more statements) would not run on Athena; empty when none."""
    text = strip_query_comment(sql)
    if not text:
        return []
    try:
        tokens = sqlglot.tokenize(text, read=DIALECT)
    except TokenError as error:
        return [Finding("untokenisable SQL", str(error).splitlines()[0])]
    findings = _token_findings(tokens)
    try:
        trees = sqlglot.parse(text, read=DIALECT, error_level=ErrorLevel.RAISE)
    except ParseError as error:
        first = error.errors[0] if error.errors else {}
        findings.append(
            Finding(
                "parse error",
                str(first.get("description") or error).splitlines()[0]
                + (f" near '{first.get('highlight')}'" if first.get("highlight") else ""),
                first.get("line"),
            )
        )
        return _dedupe(findings)
    for tree in trees:
        if tree is not None:
            findings += _tree_findings(tree)
    return _dedupe(findings)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, int | None]] = set()
    kept = []
    for finding in findings:
        key = (finding.construct, finding.line)
        if key not in seen:
            seen.add(key)
            kept.append(finding)
    return kept
