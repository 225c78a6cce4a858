"""Reading instances and rosters (CSV folder or Excel workbook) and writing outputs atomically.

This is the only module that uses pandas. Every problem in the input is collected and reported at
once as :class:`InputError`, each naming the file (and sheet), the row as a spreadsheet shows it
(the header is row 1), the column and the value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import pandas as pd
import yaml
from pydantic import ValidationError

from roster.domain.rules import RULE_KINDS, Rules, RuleSet
from roster.domain.tables import (
    REQUIRED_TABLES,
    ROW_MODELS,
    TABLES,
    Instance,
    InstanceProblems,
    Row,
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
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class _Unreadable(Exception):
    """A table file that cannot be read at all; carries the issue to report."""

    def __init__(self, issue: InputIssue) -> None:
        super().__init__(str(issue))
        self.issue = issue


def _read_csv(path: Path) -> _Table:
    try:
        with warnings.catch_warnings():
            # pandas only warns when a row has more cells than the header, and drops the extra cells
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                encoding="utf-8-sig",
                index_col=False,
                skip_blank_lines=False,
            )
    except pd.errors.ParserWarning:
        raise _Unreadable(
            InputIssue(
                path.name, None, None, None, "a row has more cells than the header has columns"
            )
        ) from None
    except pd.errors.EmptyDataError:
        raise _Unreadable(
            InputIssue(path.name, None, None, None, "the file is empty; expected a header row")
        ) from None
    except pd.errors.ParserError as err:
        raise _Unreadable(
            InputIssue(path.name, None, None, None, f"not a valid CSV table: {err}")
        ) from None
    except UnicodeDecodeError:
        raise _Unreadable(
            InputIssue(
                path.name,
                None,
                None,
                None,
                "not UTF-8 text; save it from Excel as 'CSV UTF-8 (Comma delimited)'",
            )
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    records: list[dict[str, Any]] = frame.to_dict("records")  # type: ignore[assignment]
    return _Table(path.name, records, list(frame.columns))


def _read_sheets(path: Path) -> dict[str, _Table]:
    sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
    out = {}
    for name, frame in sheets.items():
        frame.columns = [str(c).strip() for c in frame.columns]
        records = [
            {str(k): _clean_cell(v) for k, v in rec.items()} for rec in frame.to_dict("records")
        ]
        out[str(name).strip()] = _Table(
            f"{path.name}, sheet '{name}'", records, list(frame.columns)
        )
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
                    first = _pydantic_message(e).split(" ", 1)[0]
                    column = first if first in fields else None
                value = rec.get(column) if column else None
                issues.append(InputIssue(source.label, i + 2, column, value, _pydantic_message(e)))
            rows.append(None)  # type: ignore[arg-type]  # keeps row numbers aligned below
    return rows, bad_values


def _pydantic_message(e: Any) -> str:
    msg = str(e["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if e["type"] == "missing":
        msg = "a value is required"
    return msg


# --- the rules file -----------------------------------------------------------------------------


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
                value = yaml.safe_load(value)
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
    return InputIssue(label, None, None, value, f"key '{key}': {_pydantic_message(e)}")


def _params_of(kind: str) -> list[str]:
    annotation = Rules.model_fields[kind].annotation
    for arg in (annotation, *get_args(annotation)):
        if hasattr(arg, "model_fields"):
            return list(arg.model_fields)
    return []


def parse_rules(data: Any, label: str, issues: list[InputIssue]) -> RuleSet | None:
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
        issues.extend(_rules_issue(label, e) for e in err.errors())
        return None


# --- the instance
# -----------------------------------------------------------------------------------


def load_instance(
    path: str | os.PathLike[str], overrides: Mapping[str, Any] | None = None
) -> Instance:
    """Read a folder of CSV files plus rules.yaml, or one .xlsx workbook, into an Instance.

    ``overrides`` maps dotted rules keys (``rules.cover_min.weight``) to values applied on top of
    the rules file. Raises :class:`InputError` listing every problem found.
    """
    root = Path(path)
    issues: list[InputIssue] = []
    sources: dict[str, _Table] = {}
    rules: RuleSet | None = None
    rules_data: Any = None
    rules_label = "rules.yaml"
    if not root.exists():
        raise InputError([InputIssue(str(root), None, None, None, "no such file or folder")])
    if root.is_dir():
        for table in TABLES:
            csv_path = root / f"{table}.csv"
            if csv_path.exists():
                try:
                    sources[table] = _read_csv(csv_path)
                except _Unreadable as err:
                    issues.append(err.issue)
        rules_path = next((root / n for n in RULES_FILES if (root / n).exists()), None)
    elif root.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            sheets = _read_sheets(root)
        except Exception as err:  # openpyxl raises several kinds for a damaged file
            raise InputError(
                [InputIssue(root.name, None, None, None, f"cannot read the workbook: {err}")]
            ) from None
        sources = {t: sheets[t] for t in TABLES if t in sheets}
        rules_path = next(
            (
                root.parent / n
                for n in (f"{root.stem}.rules.yaml", *RULES_FILES)
                if (root.parent / n).exists()
            ),
            None,
        )
        if "rules" in sheets:
            rules_label = sheets["rules"].label
            rules_data = _rules_from_sheet(sheets["rules"], issues)
            rules_path = None
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
        if table not in sources:
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
            rules_data = yaml.safe_load(rules_path.read_text(encoding="utf-8"))
            rules_read = True
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            row = mark.line + 1 if mark is not None else None
            issues.append(
                InputIssue(
                    rules_path.name,
                    row,
                    None,
                    None,
                    f"not valid YAML: {getattr(err, 'problem', err)}",
                )
            )
    elif rules_data is None and not any(i.message.startswith("not a valid YAML") for i in issues):
        what = (
            "no rules.yaml beside the workbook and no 'rules' sheet"
            if root.is_file()
            else "no rules.yaml in the instance folder"
        )
        issues.append(InputIssue(root.name, None, None, None, what))
    if rules_read:
        if overrides:
            rules_data = apply_overrides(rules_data, overrides)
        rules = parse_rules(rules_data, rules_label, issues)

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
    if rules is None or not columns_ok or any(t not in sources for t in REQUIRED_TABLES):
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
            found = sources.get(p.table)
            label = found.label if found else f"{p.table}.csv"
            row = _row_number(rows.get(p.table, []), p.index)
            issues.append(InputIssue(label, row, p.column, p.value, p.message))
    if issues:
        raise InputError(issues)
    return instance


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
    if not p.is_file():
        raise InputError([InputIssue(str(p.name), None, None, None, "no such file")])
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        sheets = _read_sheets(p)
        source = sheets.get("roster") or next(iter(sheets.values()))
    else:
        source = _read_csv(p)
    issues = [
        InputIssue(source.label, None, c, None, "required column is missing")
        for c in ("clinician", "session")
        if c not in source.columns
    ]
    if issues:
        raise InputError(issues)
    pairs: list[tuple[str, str]] = []
    for i, rec in enumerate(source.records):
        c = str(rec["clinician"] or "").strip()
        s = str(rec["session"] or "").strip()
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
    frame = pd.DataFrame(list(rows), columns=list(columns))
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=2, default=str) + "\n").encode("utf-8")


def write_outputs(out_dir: str | os.PathLike[str], files: Mapping[str, bytes]) -> None:
    """Write all files, or none: each is staged in a temporary folder and then moved into place."""
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        for name, data in files.items():
            (stage / name).write_bytes(data)
        out.mkdir(parents=True, exist_ok=True)
        for name in files:
            os.replace(stage / name, out / name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
