"""Reading instances and rosters (CSV folder or Excel workbook) and writing outputs atomically.

This is the only module that uses pandas. Every problem in the input is collected and reported at
once as :class:`InputError`, each naming the file (and sheet), the row as a spreadsheet shows it
(the header is row 1), the column and the value.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import ValidationError

from roster.domain.rules import RULE_KINDS, Rules, RuleSet
from roster.domain.tables import (
    REQUIRED_TABLES,
    ROW_MODELS,
    TABLES,
    Instance,
    InstanceProblems,
    Problem,
    Row,
    notices,
)

RULES_FILES = ("rules.yaml", "rules.yml")


@dataclass(frozen=True)
class InputIssue:
    """One bad cell (or file, or rules key) in the input."""

    file: str
    row: int | None
    column: str | None
    value: Any
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = f"{', '.join(where)}: {self.message}"
        if self.value not in (None, ""):
            text += f" (value: {_show(self.value)})"
        return text


class InputError(Exception):
    """The input is invalid; ``issues`` lists every problem found."""

    def __init__(self, issues: Sequence[InputIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


def _show(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return repr(value) if isinstance(value, str) else str(value)


# --- reading tables ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    label: str  # how the user names the source: "sessions.csv" or "roster.xlsx, sheet 'sessions'"
    records: list[dict[str, Any]]
    columns: list[str]


def _clean_cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.datetime) and hasattr(value, "to_pydatetime"):  # pandas' Timestamp
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class _Unreadable(Exception):
    """A table file that cannot be read at all; carries the issues to report."""

    def __init__(self, *issues: InputIssue) -> None:
        super().__init__("; ".join(str(i) for i in issues))
        self.issues = list(issues)


SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}
SAVE_AS_CSV = "save it from Excel as 'CSV UTF-8 (Comma delimited)'"

# A text cell that a spreadsheet would take for a formula is written with a leading apostrophe
# (see table_bytes); reading takes exactly one apostrophe off such a cell again.
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")


def excel_safe(value: str) -> str:
    """The cell as written to a CSV file: text starting with =, +, -, @, a tab or a carriage
    return (or apostrophes then one of them) gets one more apostrophe in front, so that a
    spreadsheet shows it as text instead of running it as a formula."""
    return "'" + value if _FORMULA.match(value) else value


def excel_unsafe(value: str) -> str:
    """The inverse of :func:`excel_safe`."""
    return value[1:] if value.startswith("'") and _FORMULA.match(value[1:]) else value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _make_table(label: str, header_cells: Sequence[Any], rows: Sequence[Sequence[Any]]) -> _Table:
    """A table from its header row and its rows of cells, or :class:`_Unreadable` when the header
    cannot be trusted: blank, one column holding another separator, a name twice, a column of
    values without a name, or a row longer than the header."""

    def unreadable(message: str, row: int | None = None, column: str | None = None) -> _Unreadable:
        return _Unreadable(InputIssue(label, row, column, None, message))

    header = ["" if _blank(c) else str(c).strip() for c in header_cells]
    if not any(header):
        raise unreadable("row 1 is blank; expected the header row (the column names)", 1)
    if len([c for c in header if c]) == 1:
        found = [word for sep, word in SEPARATORS.items() if sep in next(c for c in header if c)]
        if found:
            raise unreadable(
                f"the columns are separated by {found[0]}, not commas; {SAVE_AS_CSV}", 1
            )
    duplicated = sorted({c for c in header if c and header.count(c) > 1}, key=header.index)
    if duplicated:
        twice = "the column appears more than once"
        raise _Unreadable(*(InputIssue(label, 1, c, None, twice) for c in duplicated))
    # an unnamed column is kept only when it holds something (spreadsheets add empty ones)
    for i, c in enumerate(header):
        if not c and any(i < len(r) and not _blank(r[i]) for r in rows):
            raise unreadable(f"column {i + 1} has values but no name in the header", 1)
    long = [
        n + 2
        for n, r in enumerate(rows)
        if len(r) > len(header) and not all(_blank(v) for v in r[len(header) :])
    ]
    if long:
        more = f" (and {len(long) - 1} more like it)" if len(long) > 1 else ""
        raise unreadable(
            f"row {long[0]} has more cells than the header has columns{more}; the items of a "
            "list in one cell are separated by ';', not ','",
            long[0],
        )
    keep = [i for i, c in enumerate(header) if c]
    records = [{header[i]: (r[i] if i < len(r) else None) for i in keep} for r in rows]
    return _Table(label, records, [header[i] for i in keep])


def _read_csv(path: Path) -> _Table:
    """A CSV table read with the csv module: every cell text, rows numbered as a spreadsheet
    shows them. A file that is not a table of comma-separated UTF-8 text is one issue."""
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise _Unreadable(
            InputIssue(name, None, None, None, f"cannot be read: {err.strerror or err}")
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _Unreadable(
            InputIssue(name, None, None, None, f"not UTF-8 text; {SAVE_AS_CSV}")
        ) from None
    if not text.strip():
        raise _Unreadable(
            InputIssue(name, None, None, None, "the file is empty; expected a header row")
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        lines = [[excel_unsafe(v) for v in line] for line in reader]
    except csv.Error as err:
        raise _Unreadable(
            InputIssue(name, reader.line_num, None, None, f"not a valid CSV table: {err}")
        ) from None
    return _make_table(name, lines[0], lines[1:])


def _read_sheets(path: Path) -> dict[str, _Table | _Unreadable]:
    """Every sheet of a workbook as a table (or why it cannot be read as one)."""
    import pandas as pd  # only for workbooks: the commands that read CSV start without it

    sheets = pd.read_excel(path, sheet_name=None, dtype=object, header=None, engine="openpyxl")
    out: dict[str, _Table | _Unreadable] = {}
    for name, frame in sheets.items():
        label = f"{path.name}, sheet '{name}'"
        cells = [[_clean_cell(v) for v in rec] for rec in frame.itertuples(index=False)]
        key = str(name).strip()
        if not cells:
            out[key] = _Unreadable(
                InputIssue(label, None, None, None, "the sheet is empty; expected a header row")
            )
            continue
        try:
            out[key] = _make_table(label, cells[0], cells[1:])
        except _Unreadable as err:
            out[key] = err
    return out


def _validate_rows(
    table: str, source: _Table, issues: list[InputIssue]
) -> tuple[list[Row], set[str]] | None:
    """Validate each row; return the good rows and every cell value of the bad ones.

    None when the table's columns are wrong (then no row of it can be trusted).
    """
    model = ROW_MODELS[table]
    fields = list(model.model_fields)
    unknown = [c for c in source.columns if c not in fields]
    for c in unknown:
        issues.append(
            InputIssue(source.label, 1, c, None, f"unknown column (expected: {', '.join(fields)})")
        )
    required = [n for n, f in model.model_fields.items() if f.is_required()]
    missing = [c for c in required if c not in source.columns]
    for c in missing:
        issues.append(InputIssue(source.label, None, c, None, "required column is missing"))
    if unknown or missing:
        return None
    rows: list[Row] = []
    bad_values: set[str] = set()
    for i, rec in enumerate(source.records):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in rec.values()):
            rows.append(None)  # type: ignore[arg-type]  # a blank line keeps its row number
            continue
        try:
            rows.append(model.model_validate(rec))
        except ValidationError as err:
            bad_values |= {str(v).strip() for v in rec.values() if v is not None}
            for e in err.errors():
                column = str(e["loc"][0]) if e["loc"] else None
                if column is None:
                    # a row-level check names the column it blames first ("end 13:00 is not after
                    # ...")
                    first = pydantic_message(e).split(" ", 1)[0]
                    column = first if first in fields else None
                value = rec.get(column) if column else None
                issues.append(InputIssue(source.label, i + 2, column, value, pydantic_message(e)))
            rows.append(None)  # type: ignore[arg-type]  # keeps row numbers aligned below
    return rows, bad_values


def pydantic_message(e: Any) -> str:
    """Pydantic's message, in the office's words where pydantic's would puzzle."""
    msg = str(e["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if e["type"] == "missing":
        msg = "a value is required"
    elif e["type"] == "string_pattern_mismatch":
        in_list = len(e["loc"]) > 1 and isinstance(e["loc"][1], int)
        msg = (
            "separate the items of a list with ';' (an id has no comma, semicolon or space)"
            if in_list
            else "an id may not contain a comma, a semicolon or a space"
        )
    elif e["type"] == "less_than_equal":
        msg = f"Input should be at most {e['ctx']['le']}, the largest value allowed"
    return msg


# --- the rules file -----------------------------------------------------------------------------


class _YamlLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a date that does not exist (``2026-12-40``) stays text:
    validation then names the key and the value, where PyYAML's own date parsing would raise."""


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_YamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def parse_yaml(text: str) -> Any:
    """YAML text as data, the safe way (see _YamlLoader); raises yaml.YAMLError."""
    return yaml.load(text, Loader=_YamlLoader)  # noqa: S506  # a SafeLoader


def read_yaml(path: Path) -> Any:
    """A YAML file as data; :class:`InputError` naming the file (and line) when it is missing,
    unreadable, not UTF-8 or not valid YAML."""

    def fail(message: str, row: int | None = None) -> InputError:
        return InputError([InputIssue(path.name, row, None, None, message)])

    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise fail("no such file") from None
    except IsADirectoryError:
        raise fail("is a folder; expected a YAML file") from None
    except OSError as err:
        raise fail(f"cannot be read: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise fail("not UTF-8 text; save it as UTF-8") from None
    try:
        return parse_yaml(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise fail(f"not valid YAML: {getattr(err, 'problem', None) or err}", row) from None


def _rules_from_sheet(source: _Table, issues: list[InputIssue]) -> dict[str, Any]:
    """A `rules` sheet has rows `key, value`; keys are dotted paths like rules.cover_min.weight."""
    data: dict[str, Any] = {}
    for i, rec in enumerate(source.records):
        key = rec.get("key")
        if key is None or not str(key).strip():
            continue
        value = rec.get("value")
        if isinstance(value, str):
            try:
                value = parse_yaml(value)
            except yaml.YAMLError:
                issues.append(
                    InputIssue(source.label, i + 2, "value", value, "not a valid YAML value")
                )
                continue
        node = data
        parts = str(key).strip().split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return data


def _rules_issue(label: str, e: Any) -> InputIssue:
    loc = tuple(str(p) for p in e["loc"])
    key = ".".join(loc)
    if e["type"] == "extra_forbidden" and len(loc) == 2 and loc[0] == "rules":
        return InputIssue(
            label, None, None, None, f"unknown rule '{loc[1]}' (known: {', '.join(RULE_KINDS)})"
        )
    if e["type"] == "extra_forbidden" and len(loc) == 3 and loc[0] == "rules":
        known = ", ".join(_params_of(loc[1]))
        return InputIssue(
            label,
            None,
            None,
            None,
            f"unknown parameter '{loc[2]}' of rule '{loc[1]}' (known: {known})",
        )
    if e["type"] == "extra_forbidden":
        return InputIssue(label, None, None, None, f"unknown key '{key}'")
    value = e.get("input")
    if isinstance(value, dict | list):
        value = None  # the key names it; a whole mapping would only bury the message
    return InputIssue(label, None, None, value, f"key '{key}': {pydantic_message(e)}")


def _params_of(kind: str) -> list[str]:
    annotation = Rules.model_fields[kind].annotation
    for arg in (annotation, *get_args(annotation)):
        if hasattr(arg, "model_fields"):
            return list(arg.model_fields)
    return []


def parse_rules(
    data: Any,
    label: str,
    issues: list[InputIssue],
    overrides: Mapping[str, Any] | None = None,
) -> RuleSet | None:
    """The rules file's data validated; every problem appended to ``issues``, each under
    ``label``, or under ``--set`` when it is about a key that ``overrides`` (the --set options)
    gave."""
    if not isinstance(data, dict):
        issues.append(
            InputIssue(
                label, None, None, None, "expected a mapping with horizon, calendar and rules"
            )
        )
        return None
    rules = data.get("rules")
    if isinstance(rules, dict):
        # a rule listed with no parameters (`cover_min:`) is on with its defaults; `false` is off
        data = {
            **data,
            "rules": {
                k: ({} if v is None or v is True else v) for k, v in rules.items() if v is not False
            },
        }
    try:
        return RuleSet.model_validate(data)
    except ValidationError as err:
        keys = list(overrides or {})
        for e in err.errors():
            path = ".".join(str(part) for part in e["loc"])
            given = any(
                k == path or k.startswith(path + ".") or path.startswith(k + ".") for k in keys
            )
            issues.append(_rules_issue("--set" if given else label, e))
        return None


# --- the instance
# -----------------------------------------------------------------------------------


def load_instance(
    path: str | os.PathLike[str],
    overrides: Mapping[str, Any] | None = None,
    warnings: list[InputIssue] | None = None,
) -> Instance:
    """Read a folder of CSV files plus rules.yaml, or one .xlsx workbook, into an Instance.

    ``overrides`` maps dotted rules keys (``rules.cover_min.weight``) to values applied on top of
    the rules file. Raises :class:`InputError` listing every problem found. ``warnings``, when
    given, receives what is valid but surely not meant (leave or requests outside the horizon).
    """
    root = Path(path)
    issues: list[InputIssue] = []
    sources: dict[str, _Table] = {}
    unreadable: set[str] = set()  # tables whose file is there but cannot be read
    rules: RuleSet | None = None
    rules_data: Any = None
    rules_label = "rules.yaml"
    rules_path: Path | None = None
    if not root.exists():
        raise InputError([InputIssue(str(root), None, None, None, "no such file or folder")])
    if root.is_dir():
        for table in TABLES:
            csv_path = root / f"{table}.csv"
            if csv_path.exists():
                try:
                    sources[table] = _read_csv(csv_path)
                except _Unreadable as err:
                    issues.extend(err.issues)
                    unreadable.add(table)
        rules_path = next((root / n for n in RULES_FILES if (root / n).exists()), None)
    elif root.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            sheets = _read_sheets(root)
        except Exception as err:  # openpyxl raises several kinds for a damaged file
            raise InputError(
                [InputIssue(root.name, None, None, None, f"cannot read the workbook: {err}")]
            ) from None
        for table in TABLES:
            sheet = sheets.get(table)
            if isinstance(sheet, _Unreadable):
                issues.extend(sheet.issues)
                unreadable.add(table)
            elif sheet is not None:
                sources[table] = sheet
        rules_path = next(
            (
                root.parent / n
                for n in (f"{root.stem}.rules.yaml", *RULES_FILES)
                if (root.parent / n).exists()
            ),
            None,
        )
        if "rules" in sheets:
            sheet = sheets["rules"]
            rules_path = None
            if isinstance(sheet, _Unreadable):
                issues.extend(sheet.issues)
                rules_label = sheet.issues[0].file
            else:
                rules_label = sheet.label
                rules_data = _rules_from_sheet(sheet, issues)
    else:
        raise InputError(
            [
                InputIssue(
                    root.name,
                    None,
                    None,
                    None,
                    "expected a folder of CSV files or an .xlsx workbook",
                )
            ]
        )

    where = root.name if root.is_file() else "the instance folder"
    for table in REQUIRED_TABLES:
        if table in sources:
            source = sources[table]
            if all(all(_blank(v) for v in rec.values()) for rec in source.records):
                issues.append(
                    InputIssue(
                        source.label,
                        None,
                        None,
                        None,
                        f"the table has no rows, only its header; an instance needs at least "
                        f"one {_ROW_NOUN[table]}",
                    )
                )
        elif table not in unreadable:
            what = (
                f"sheet '{table}' is missing"
                if root.is_file()
                else f"{table}.csv is missing from {where}"
            )
            issues.append(InputIssue(root.name, None, None, None, what))
    rules_read = rules_data is not None
    if rules_path is not None:
        rules_label = rules_path.name
        try:
            rules_data = read_yaml(rules_path)
            rules_read = True
        except InputError as err:
            issues.extend(err.issues)
    elif rules_data is None and not any(i.file == rules_label for i in issues):
        what = (
            "no rules.yaml beside the workbook and no 'rules' sheet"
            if root.is_file()
            else "no rules.yaml in the instance folder"
        )
        issues.append(InputIssue(root.name, None, None, None, what))
    if rules_read:
        if overrides:
            rules_data = apply_overrides(rules_data, overrides)
        rules = parse_rules(rules_data, rules_label, issues, overrides)

    rows: dict[str, list[Row]] = {}
    bad_values: set[str] = set()
    columns_ok = True
    for table, source in sources.items():
        checked = _validate_rows(table, source, issues)
        if checked is None:
            columns_ok = False
            continue
        rows[table], bad = checked
        bad_values |= bad
    empty = any(not any(r is not None for r in rows.get(t, [])) for t in REQUIRED_TABLES)
    if rules is None or not columns_ok or unreadable or empty:
        # cross-table checks on tables that could not be read would only repeat these problems
        raise InputError(issues)

    try:
        instance = Instance(
            **{t: tuple(r for r in rows.get(t, []) if r is not None) for t in TABLES}, rules=rules
        )
    except InstanceProblems as problems:
        for p in problems.problems:
            if str(p.value) in bad_values:
                continue  # it refers to a row that is itself invalid and already reported
            issues.append(_located(p, sources, rows))
    if issues:
        raise InputError(issues)
    if warnings is not None:
        warnings.extend(_located(p, sources, rows) for p in notices(instance))
    return instance


_ROW_NOUN = {"sites": "site", "clinicians": "clinician", "sessions": "session", "needs": "need"}


def _located(
    p: Problem, sources: Mapping[str, _Table], rows: Mapping[str, list[Row]]
) -> InputIssue:
    """A cross-table problem as an issue naming the file and the spreadsheet row."""
    found = sources.get(p.table)
    label = found.label if found else f"{p.table}.csv"
    row = _row_number(rows.get(p.table, []), p.index)
    return InputIssue(label, row, p.column, p.value, p.message)


def _row_number(rows: list[Row], index: int | None) -> int | None:
    """Map an index among the valid rows back to the spreadsheet row number."""
    if index is None:
        return None
    seen = -1
    for i, r in enumerate(rows):
        if r is not None:
            seen += 1
            if seen == index:
                return i + 2
    return None


def apply_overrides(data: Any, overrides: Mapping[str, Any]) -> Any:
    """Set dotted keys (``rules.cover_min.weight``) in a copy of the rules data."""
    out = json.loads(json.dumps(data, default=str)) if data is not None else {}
    for key, value in overrides.items():
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[parts[-1]] = value
    return out


def instance_hash(path: str | os.PathLike[str]) -> str:
    """SHA-256 over the instance's files (names and bytes), so a summary names its input."""
    root = Path(path)
    digest = hashlib.sha256()
    files = sorted(p for p in root.iterdir() if p.is_file()) if root.is_dir() else [root]
    for p in files:
        digest.update(p.name.encode())
        digest.update(p.read_bytes())
    return digest.hexdigest()


# --- rosters
# ---------------------------------------------------------------------------------------


def read_roster(path: str | os.PathLike[str], instance: Instance) -> list[tuple[str, str]]:
    """Read a roster table (CSV or the first sheet of a workbook) as (clinician, session) pairs.

    Only the columns ``clinician`` and ``session`` are read; unknown ids are errors.
    """
    p = Path(path)
    if p.is_dir():
        raise InputError(
            [InputIssue(p.name, None, None, None, "is a folder; expected a roster table (CSV)")]
        )
    if not p.is_file():
        raise InputError([InputIssue(str(p.name), None, None, None, "no such file")])
    try:
        if p.suffix.lower() in (".xlsx", ".xlsm"):
            try:
                sheets = _read_sheets(p)
            except Exception as err:  # openpyxl raises several kinds for a damaged file
                raise InputError(
                    [InputIssue(p.name, None, None, None, f"cannot read the workbook: {err}")]
                ) from None
            if not sheets:
                raise InputError([InputIssue(p.name, None, None, None, "the workbook is empty")])
            found = sheets.get("roster") or next(iter(sheets.values()))
            if isinstance(found, _Unreadable):
                raise found
            source = found
        else:
            source = _read_csv(p)
    except _Unreadable as err:
        raise InputError(err.issues) from None
    issues = [
        InputIssue(source.label, None, c, None, "required column is missing")
        for c in ("clinician", "session")
        if c not in source.columns
    ]
    if issues:
        raise InputError(issues)
    pairs: list[tuple[str, str]] = []
    for i, rec in enumerate(source.records):
        c = "" if _blank(rec["clinician"]) else str(rec["clinician"]).strip()
        s = "" if _blank(rec["session"]) else str(rec["session"]).strip()
        if not c and not s:
            continue
        ok = True
        if c not in instance.clinician_by_id:
            issues.append(InputIssue(source.label, i + 2, "clinician", c, "unknown clinician"))
            ok = False
        if s not in instance.session_by_id:
            issues.append(InputIssue(source.label, i + 2, "session", s, "unknown session"))
            ok = False
        if ok:
            pairs.append((c, s))
    if issues:
        raise InputError(issues)
    return pairs


# --- writing
# ---------------------------------------------------------------------------------------


def table_bytes(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> bytes:
    """A CSV table; text a spreadsheet would run as a formula is written as text (excel_safe)."""
    import pandas as pd  # loaded when a table is written, not by every command's start

    frame = pd.DataFrame(
        [{k: excel_safe(v) if isinstance(v, str) else v for k, v in r.items()} for r in rows],
        columns=list(columns),
    )
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=2, default=str) + "\n").encode("utf-8")


class OutputError(Exception):
    """An output folder that cannot be created or written; the message says why."""


def _nearest_existing(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_writable(out_dir: str | os.PathLike[str]) -> None:
    """Raise :class:`OutputError` unless ``out_dir`` is a folder that can be written, or can be
    created: to be asked before a long solve, not after it. Writable means a file can be made
    there (a trial file, removed at once), which also holds for a read-only mount."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} is a file, not a folder")
    where = _nearest_existing(out)
    if not where.is_dir():
        raise OutputError(f"cannot create {out}: {where} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=where):
            pass
    except OSError as err:
        what = f"write to {out}" if where == out.absolute() else f"create {out}"
        reason = err.strerror or err
        raise OutputError(f"cannot {what}: {where} is not writable ({reason})") from None


def write_outputs(out_dir: str | os.PathLike[str], files: Mapping[str, bytes]) -> None:
    """Write all files, or none: each is staged in a temporary folder (inside the output folder
    when it exists, else beside it) and then moved into place. Raises :class:`OutputError`."""
    out = Path(out_dir)
    try:
        if out.is_dir():
            stage = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            stage = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    except OSError as err:
        raise OutputError(f"cannot create {out}: {err.strerror or err}") from None
    try:
        for name, data in files.items():
            target = stage / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        out.mkdir(parents=True, exist_ok=True)
        for name in files:
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage / name, out / name)
    except OSError as err:
        raise OutputError(f"cannot write to {out}: {err.strerror or err}") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
