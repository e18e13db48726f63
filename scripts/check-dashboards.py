#!/usr/bin/env python3
"""Checks twinwatch's Grafana dashboards against a real /metrics scrape and the Prometheus rules.

Usage:
    scripts/check-dashboards.py --metrics SCRAPE.txt [--rules rules/twinwatch.rules.yml] dashboards/*.json

SCRAPE.txt is a Prometheus text exposition, e.g. `curl -s 127.0.0.1:9464/metrics > SCRAPE.txt` from
a daemon that has seen events, feedback, Kafka statistics and alerts (most twinwatch families are
created on first use, so an idle daemon's scrape lacks them).

For every dashboard file:
  1. it is JSON with schemaVersion >= 39, a `datasource` variable (type datasource, prometheus)
     and `model` and `cohort` query variables; panels and targets name their data source through
     the variable (`${datasource}`), not a fixed uid; panel ids are unique;
  2. every panel target's `expr` (panels nested in rows included) and every `label_values(...)`
     variable query has its template variables replaced by concrete values ($model, ${model},
     ${model:regex}, [[model]], $__rate_interval -> 5m, $__interval -> 1m, $__range -> 1h, ...);
     an unknown variable is a problem;
  3. the expressions parse: they are written as recording rules to a temporary rule file and
     checked with `promtool check rules` (a failure names the panel and target);
  4. every metric name an expression uses is exported in the scrape (names of `# TYPE` lines and
     of samples; histograms as <name>_bucket/_sum/_count, summaries also as <name>) or is a
     recording rule of the --rules file. Prometheus' own `ALERTS` and `ALERTS_FOR_STATE` series
     are accepted as well (they exist once the rules file is loaded into Prometheus); more names
     with --allow NAME.

Without --rules, rules/twinwatch.rules.yml beside this script's directory is used if present.
Exit status: 0 all good, 1 problems found (one line each on stderr), 2 usage or environment error.
Only the Python standard library is used; promtool comes from the Debian package `prometheus`.
"""

import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Prometheus' own series the dashboards may use (documented above).
BUILTIN_SERIES = {"ALERTS", "ALERTS_FOR_STATE"}

# Values for Grafana's global variables.
GLOBAL_VARIABLES = {
    "__rate_interval": "5m",
    "__interval": "1m",
    "__interval_ms": "60000",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
    "__from": "1700000000000",
    "__to": "1700003600000",
}

# Keywords and modifiers of PromQL (case-insensitive). Those that take a label list in
# parentheses are followed by label names, not metric names.
LABEL_LIST_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
KEYWORDS = LABEL_LIST_KEYWORDS | {"bool", "offset", "and", "or", "unless", "atan2", "inf", "nan"}
# Aggregation operators: followed by "(" or by a by/without clause ("sum by (le) (...)").
AGGREGATIONS = {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
                "bottomk", "topk", "quantile", "limitk", "limit_ratio"}

DURATION_RE = re.compile(r"(?:\d+(?:ms|s|m|h|d|w|y))+")
NUMBER_RE = re.compile(r"0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
IDENT_RE = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
OPERATORS = ["==", "!=", "<=", ">=", "=~", "!~", "=", "<", ">", "+", "-", "*", "/", "%", "^", "@", ":", ","]
VARIABLE_RE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)")


class Problems:
    def __init__(self):
        self.lines = []

    def add(self, where, what):
        self.lines.append(f"{where}: {what}")


# ----------------------------------------------------------------------------------------------
# Inputs

def scrape_names(path):
    """Metric names a Prometheus text exposition (or OpenMetrics) offers as series."""
    names = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            if line.startswith("#"):
                parts = line.split()
                if len(parts) >= 4 and parts[1] == "TYPE":
                    name, kind = parts[2], parts[3]
                    if kind == "histogram":
                        names.update({name + "_bucket", name + "_sum", name + "_count"})
                    elif kind == "summary":
                        names.update({name, name + "_sum", name + "_count"})
                    elif kind == "counter" and not name.endswith("_total"):
                        names.update({name, name + "_total"})  # OpenMetrics names the family without _total
                    else:
                        names.add(name)
                continue
            m = IDENT_RE.match(line)
            if m:
                names.add(m.group(0))
    return names


def recording_rule_names(path):
    """`record:` names of a Prometheus rule file (line-based: the standard library has no YAML)."""
    names = set()
    pattern = re.compile(r"""^\s*(?:-\s*)?record:\s*["']?([A-Za-z_:][A-Za-z0-9_:]*)["']?\s*(?:#.*)?$""")
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = pattern.match(line)
            if m:
                names.add(m.group(1))
    return names


# ----------------------------------------------------------------------------------------------
# PromQL: a small lexer, enough to tell metric names from functions, keywords and labels.

def tokenize(expr):
    """Yields (kind, text): string, duration, number, ident, op, '(' ')' '{' '}' '[' ']'."""
    i, n = 0, len(expr)
    while i < n:
        c = expr[i]
        if c.isspace():
            i += 1
        elif c == "#":
            while i < n and expr[i] != "\n":
                i += 1
        elif c in "\"'`":
            j = i + 1
            while j < n and expr[j] != c:
                j += 2 if (expr[j] == "\\" and c != "`") else 1
            yield "string", expr[i + 1:j]
            i = j + 1
        elif c in "(){}[]":
            yield c, c
            i += 1
        elif c.isdigit() or (c == "." and i + 1 < n and expr[i + 1].isdigit()):
            m = DURATION_RE.match(expr, i)
            # A duration must not run into an identifier (e.g. "5min" is not 5m + "in").
            if m and not (m.end() < n and (expr[m.end()].isalnum() or expr[m.end()] == "_")):
                yield "duration", m.group(0)
                i = m.end()
                continue
            m = NUMBER_RE.match(expr, i)
            yield "number", m.group(0)
            i = m.end()
        elif IDENT_RE.match(expr, i):
            m = IDENT_RE.match(expr, i)
            yield "ident", m.group(0)
            i = m.end()
        else:
            for op in OPERATORS:
                if expr.startswith(op, i):
                    yield "op", op
                    i += len(op)
                    break
            else:
                yield "op", c  # unknown character: promtool reports it
                i += 1


def metric_names(expr):
    """Metric names used by a PromQL expression, plus notes on names that cannot be checked."""
    tokens = list(tokenize(expr))
    names, notes = [], []
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        nxt = tokens[i + 1][0] if i + 1 < len(tokens) else None
        if kind == "{":
            # Label matchers: label names are not metrics; __name__ matchers name metrics.
            j = i + 1
            while j < len(tokens) and tokens[j][0] != "}":
                if (tokens[j] == ("ident", "__name__") and j + 2 < len(tokens)
                        and tokens[j + 1][0] == "op" and tokens[j + 2][0] == "string"):
                    op, value = tokens[j + 1][1], tokens[j + 2][1]
                    if op == "=":
                        names.append(value)
                    elif op == "=~" and re.fullmatch(r"[A-Za-z_:][A-Za-z0-9_:]*(\|[A-Za-z_:][A-Za-z0-9_:]*)*", value):
                        names.extend(value.split("|"))
                    elif op in ("=~", "!~", "!="):
                        notes.append(f'__name__{op}"{value}" selects metrics by pattern; not checked')
                    j += 2
                j += 1
            i = j + 1
            continue
        if kind == "[":
            depth, j = 1, i + 1
            while j < len(tokens) and depth:
                depth += {"[": 1, "]": -1}.get(tokens[j][0], 0)
                j += 1
            i = j
            continue
        if kind == "ident":
            low = text.lower()
            if low in LABEL_LIST_KEYWORDS and nxt == "(":
                depth, j = 1, i + 2
                while j < len(tokens) and depth:
                    depth += {"(": 1, ")": -1}.get(tokens[j][0], 0)
                    j += 1
                i = j
                continue
            modifier = tokens[i + 1][1].lower() if nxt == "ident" else None
            if low in KEYWORDS or nxt == "(" or (low in AGGREGATIONS and modifier in ("by", "without")):
                i += 1  # keyword, function or aggregation
                continue
            names.append(text)
        i += 1
    return names, notes


def substitute(expr, variables, where, problems):
    """Replaces Grafana template variables with concrete values."""
    def repl(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name in variables:
            return variables[name]
        if name in GLOBAL_VARIABLES:
            return GLOBAL_VARIABLES[name]
        problems.add(where, f"unknown template variable ${name} in: {expr}")
        return "x"
    return VARIABLE_RE.sub(repl, expr)


# ----------------------------------------------------------------------------------------------
# Dashboards

def walk_panels(panels):
    for p in panels or []:
        yield p
        yield from walk_panels(p.get("panels"))  # rows hold their panels when collapsed


def variable_values(templating):
    """A concrete, harmless value for every dashboard variable."""
    values = {}
    for v in templating:
        name, kind = v.get("name"), v.get("type")
        if not name:
            continue
        if kind == "datasource":
            values[name] = "prometheus"
        elif kind in ("custom", "interval", "constant", "textbox"):
            options = [o.get("value") for o in v.get("options") or [] if o.get("value") not in (None, "$__all")]
            query = v.get("query") if isinstance(v.get("query"), str) else ""
            first = options[0] if options else (query.split(",")[0].strip() if query else "")
            values[name] = first or ("5m" if kind == "interval" else "example")
        else:
            values[name] = f"example_{name}"
    return values


def datasource_ref_ok(ds):
    """A panel/target data source must be the dashboard variable, not a fixed uid."""
    if ds is None:
        return True  # inherits the panel's / dashboard's
    if isinstance(ds, str):
        return ds in ("$datasource", "${datasource}")
    uid = ds.get("uid")
    return uid in ("$datasource", "${datasource}", "-- Grafana --", "-- Mixed --", "-- Dashboard --") or (
        ds.get("type") not in (None, "prometheus"))


def check_variables(path, dash, problems):
    templating = (dash.get("templating") or {}).get("list") or []
    by_name = {v.get("name"): v for v in templating}
    ds = by_name.get("datasource")
    if not ds:
        problems.add(path, 'no "datasource" template variable')
    elif ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        problems.add(path, 'variable "datasource" must have type "datasource" and query "prometheus"')
    for name in ("model", "cohort"):
        v = by_name.get(name)
        if not v:
            problems.add(path, f'no "{name}" template variable')
            continue
        query = v.get("query")
        query = query.get("query", "") if isinstance(query, dict) else (query or "")
        if v.get("type") != "query" or not re.fullmatch(rf"\s*label_values\((.*,)?\s*{name}\s*\)\s*", query, re.S):
            problems.add(path, f'variable "{name}" must be a query variable label_values(..., {name}), not: {query!r}')
        if not datasource_ref_ok(v.get("datasource")):
            problems.add(path, f'variable "{name}" must use the data source ${{datasource}}, not {v.get("datasource")}')
    return templating


def collect(path, problems):
    """(dashboard expressions, variable-query selectors) of one file: lists of (where, expr)."""
    try:
        with open(path, encoding="utf-8") as f:
            dash = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        problems.add(path, f"not a readable JSON file: {e}")
        return [], []
    if not isinstance(dash, dict):
        problems.add(path, "not a Grafana dashboard (top level is not an object)")
        return [], []
    schema = dash.get("schemaVersion")
    if not isinstance(schema, int) or schema < 39:
        problems.add(path, f"schemaVersion {schema!r}: must be >= 39")
    for key in ("uid", "title"):
        if not dash.get(key):
            problems.add(path, f'no "{key}"')
    templating = check_variables(path, dash, problems)
    values = variable_values(templating)

    exprs, selectors = [], []
    for v in templating:
        query = v.get("query")
        query = query.get("query", "") if isinstance(query, dict) else (query or "")
        m = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\s*\)\s*", query or "", re.S)
        if v.get("type") == "query" and m:
            where = f'{path}: variable "{v.get("name")}"'
            selectors.append((where, substitute(m.group(1), values, where, problems)))

    seen_ids = {}
    for panel in walk_panels(dash.get("panels")):
        title = panel.get("title") or "(untitled)"
        pid = panel.get("id")
        where = f'{path}: panel "{title}" (id {pid})'
        if pid in seen_ids:
            problems.add(where, f"duplicate panel id (also panel \"{seen_ids[pid]}\")")
        seen_ids[pid] = title
        repeat = panel.get("repeat")
        if repeat and repeat not in values:
            problems.add(where, f'repeats over unknown variable "{repeat}"')
        if not datasource_ref_ok(panel.get("datasource")):
            problems.add(where, f"data source {panel.get('datasource')} is fixed: use ${{datasource}}")
        for t in panel.get("targets") or []:
            twhere = f"{where}, target {t.get('refId', '?')}"
            if not datasource_ref_ok(t.get("datasource")):
                problems.add(twhere, f"data source {t.get('datasource')} is fixed: use ${{datasource}}")
            expr = t.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                problems.add(twhere, "no expr")
                continue
            tvalues = dict(values)
            if re.fullmatch(r"\d+(ms|s|m|h|d|w|y)", str(t.get("interval") or panel.get("interval") or "")):
                tvalues["__interval"] = t.get("interval") or panel.get("interval")  # "min interval" of the query
            exprs.append((twhere, substitute(expr, tvalues, twhere, problems)))
    return exprs, selectors


# ----------------------------------------------------------------------------------------------
# Checks

def promtool_parse(promtool, exprs, problems):
    """Parses every expression with promtool (as recording rules of a temporary file)."""
    if not exprs:
        return
    records = {}
    with tempfile.TemporaryDirectory(prefix="check-dashboards-") as tmp:
        rule_file = os.path.join(tmp, "dashboard-expressions.yml")
        with open(rule_file, "w", encoding="utf-8") as f:
            f.write("groups:\n  - name: dashboard-expressions\n    rules:\n")
            for k, (where, expr) in enumerate(exprs, 1):
                record = f"dashboard:expr_{k:04d}"
                records[record] = (where, expr)
                # JSON strings are valid YAML double-quoted scalars: no escaping questions.
                f.write(f"      - {{\"record\": \"{record}\", \"expr\": {json.dumps(expr)}}}\n")
        result = subprocess.run([promtool, "check", "rules", rule_file], capture_output=True, text=True)
    if result.returncode == 0:
        return
    output = result.stdout + result.stderr
    attributed = False
    for line in output.splitlines():
        m = re.search(r'"(dashboard:expr_\d{4})":\s*(.*)$', line)
        if m and m.group(1) in records:
            where, expr = records[m.group(1)]
            problems.add(where, f"does not parse: {m.group(2)}\n    expr: {expr}")
            attributed = True
    if not attributed:
        problems.add("promtool", f"check rules failed:\n{output.strip()}")


def check_names(items, known, rules_path, problems, kind="expr"):
    count = 0
    for where, expr in items:
        names, notes = metric_names(expr)
        for note in notes:
            print(f"note: {where}: {note}", file=sys.stderr)
        for name in dict.fromkeys(names):
            count += 1
            if name in known:
                continue
            hint = ""
            base = re.sub(r"_(bucket|sum|count)$", "", name)
            if base + "_bucket" in known and name == base:
                hint = f" ({name} is a histogram: use {name}_bucket, _sum or _count)"
            else:
                close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
                if close:
                    hint = f" (did you mean {close[0]}?)"
            source = (f"not in the scrape nor a recording rule of {rules_path}" if rules_path else
                      "not in the scrape (and no --rules file, so no recording rule is known)")
            problems.add(where, f"unknown metric {name}: {source}{hint}\n    {kind}: {expr}")
    return count


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    default_rules = os.path.join(os.path.dirname(here), "rules", "twinwatch.rules.yml")
    parser = argparse.ArgumentParser(
        description="Check Grafana dashboards' PromQL against a /metrics scrape and the Prometheus rules.",
        epilog="Exit status: 0 all good, 1 problems found, 2 usage or environment error.")
    parser.add_argument("--metrics", required=True, metavar="SCRAPE.txt",
                        help="Prometheus text exposition of a twinwatch daemon (curl -s 127.0.0.1:9464/metrics)")
    parser.add_argument("--rules", metavar="RULES.yml",
                        help=f"Prometheus rule file whose recording rules dashboards may use (default: {default_rules} if present)")
    parser.add_argument("--allow", action="append", default=[], metavar="NAME",
                        help="accept this metric name as well (repeatable)")
    parser.add_argument("--promtool", default=os.environ.get("PROMTOOL", "promtool"),
                        help="promtool binary (default: $PROMTOOL or promtool on PATH)")
    parser.add_argument("dashboards", nargs="+", metavar="DASHBOARD.json")
    args = parser.parse_args(argv)

    promtool = shutil.which(args.promtool)
    if not promtool:
        print(f"check-dashboards: {args.promtool} not found: install the Debian package prometheus "
              "(apt-get install prometheus) or pass --promtool PATH", file=sys.stderr)
        return 2
    try:
        known = scrape_names(args.metrics)
    except OSError as e:
        print(f"check-dashboards: cannot read --metrics {args.metrics}: {e}", file=sys.stderr)
        return 2
    if not known:
        print(f"check-dashboards: --metrics {args.metrics} holds no metric", file=sys.stderr)
        return 2
    rules_path = args.rules or (default_rules if os.path.exists(default_rules) else None)
    if rules_path:
        try:
            known |= recording_rule_names(rules_path)
        except OSError as e:
            print(f"check-dashboards: cannot read --rules {rules_path}: {e}", file=sys.stderr)
            return 2
    known |= BUILTIN_SERIES | set(args.allow)

    problems = Problems()
    exprs, selectors = [], []
    for path in args.dashboards:
        e, s = collect(path, problems)
        exprs += e
        selectors += s
    promtool_parse(promtool, exprs + [(w, sel) for w, sel in selectors], problems)
    names = check_names(exprs, known, rules_path, problems)
    names += check_names(selectors, known, rules_path, problems, kind="selector")

    if problems.lines:
        for line in problems.lines:
            print(line, file=sys.stderr)
        print(f"check-dashboards: {len(problems.lines)} problem(s) in {len(args.dashboards)} dashboard(s)", file=sys.stderr)
        return 1
    print(f"check-dashboards: {len(args.dashboards)} dashboard(s), {len(exprs)} expressions and "
          f"{len(selectors)} variable queries parse; {names} metric references all exist "
          f"(scrape {args.metrics}" + (f", rules {rules_path}" if rules_path else "") + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
