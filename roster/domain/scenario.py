"""What-if scenarios and change files: a base instance plus a list of changes.

A scenario file (YAML) names its base instance and what to change::

    base: ../data/samples/hksh-affiliation-week   # relative to this file
    set:                                          # rules-file keys, as with --set
      rules.allocation_target.weight: 20
    add:                                          # rows, with the same columns as the tables
      unavailability:
        - {clinician: D03, start: 2026-12-09, end: 2026-12-11, reason: sick leave}
    remove:                                       # ids; rows that refer to them go too
      clinicians: [D07]
      sessions: [HSK-TUE-PM-CARD]

A change file for ``roster repair`` has the same ``set``, ``add`` and ``remove`` keys and no base.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from roster.domain.io import (
    InputError,
    InputIssue,
    apply_overrides,
    instance_hash,
    load_instance,
    parse_rules,
)
from roster.domain.tables import ROW_MODELS, TABLES, Instance, InstanceProblems

CHANGE_KEYS = ("set", "add", "remove")
REMOVABLE = ("clinicians", "sessions")


def read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError([InputIssue(path.name, None, None, None, "no such file")]) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(
            [InputIssue(path.name, line, None, None, f"not valid YAML: {err}")]
        ) from None


def load_scenario(path: str | os.PathLike[str]) -> tuple[str, Instance]:
    """Read a scenario file; return its name (``name:`` or the file's stem) and its instance."""
    p = Path(path)
    data = read_yaml(p)
    if not isinstance(data, dict) or "base" not in data:
        raise InputError(
            [InputIssue(p.name, None, None, None, "expected a mapping with a 'base' instance")]
        )
    unknown = sorted(set(data) - {"base", "name", *CHANGE_KEYS})
    if unknown:
        raise InputError(
            [
                InputIssue(
                    p.name,
                    None,
                    None,
                    None,
                    f"unknown key '{k}' (known: base, name, set, add, remove)",
                )
                for k in unknown
            ]
        )
    instance = load_instance(_base(p, data))
    return str(data.get("name") or p.stem), apply_changes(instance, data, p.name)


def _base(path: Path, data: Mapping[str, Any]) -> Path:
    return (path.parent / str(data["base"])).resolve()


def scenario_name(path: str | os.PathLike[str]) -> str:
    """The scenario's ``name:``, or its file's stem (also when the file cannot be read)."""
    p = Path(path)
    try:
        data = read_yaml(p)
    except InputError:
        return p.stem
    return str(data.get("name") or p.stem) if isinstance(data, dict) else p.stem


def scenario_hash(path: str | os.PathLike[str]) -> str:
    """SHA-256 over the scenario file and its base instance's files."""
    p = Path(path)
    digest = hashlib.sha256()
    try:
        digest.update(instance_hash(p).encode())
        data = read_yaml(p)
        if isinstance(data, dict) and "base" in data and _base(p, data).exists():
            digest.update(instance_hash(_base(p, data)).encode())
    except (InputError, OSError):
        pass  # an unreadable scenario fails when it is loaded, with its own message
    return digest.hexdigest()


def load_changes(path: str | os.PathLike[str], instance: Instance) -> Instance:
    """Apply a change file (set, add, remove) to an instance."""
    p = Path(path)
    data = read_yaml(p) or {}
    if not isinstance(data, dict):
        raise InputError(
            [InputIssue(p.name, None, None, None, "expected a mapping with set, add, remove")]
        )
    unknown = sorted(set(data) - set(CHANGE_KEYS))
    if unknown:
        raise InputError(
            [
                InputIssue(p.name, None, None, None, f"unknown key '{k}' (known: set, add, remove)")
                for k in unknown
            ]
        )
    return apply_changes(instance, data, p.name)


def apply_changes(instance: Instance, data: Mapping[str, Any], label: str) -> Instance:
    """The instance with the rules keys set, rows added and ids removed; every problem reported."""
    issues: list[InputIssue] = []
    rules = instance.rules
    if data.get("set"):
        if not isinstance(data["set"], dict):
            raise InputError(
                [InputIssue(label, None, "set", None, "expected a mapping of rules keys")]
            )
        raw = apply_overrides(rules.model_dump(mode="json", exclude_none=True), data["set"])
        parsed = parse_rules(raw, label, issues)
        if parsed is not None:
            rules = parsed

    tables: dict[str, list[Any]] = {t: list(getattr(instance, t)) for t in TABLES}
    removed = _remove(data.get("remove") or {}, instance, label, issues)
    tables["clinicians"] = [c for c in tables["clinicians"] if c.id not in removed["clinicians"]]
    tables["sessions"] = [s for s in tables["sessions"] if s.id not in removed["sessions"]]
    for table in ("allocations", "unavailability", "requests", "credentials"):
        tables[table] = [r for r in tables[table] if r.clinician not in removed["clinicians"]]
    tables["needs"] = [n for n in tables["needs"] if n.session not in removed["sessions"]]
    tables["requests"] = [r for r in tables["requests"] if r.session not in removed["sessions"]]

    base_sizes = {t: len(rows) for t, rows in tables.items()}
    added = data.get("add") or {}
    if not isinstance(added, dict):
        issues.append(
            InputIssue(
                label, None, "add", None, "expected a mapping of table names to lists of rows"
            )
        )
        added = {}
    for table, rows in added.items():
        if table not in ROW_MODELS:
            issues.append(
                InputIssue(
                    label, None, f"add.{table}", None, f"unknown table (known: {', '.join(TABLES)})"
                )
            )
            continue
        for i, row in enumerate(rows or []):
            try:
                tables[table].append(ROW_MODELS[table].model_validate(row))
            except ValidationError as err:
                for e in err.errors():
                    col = str(e["loc"][0]) if e["loc"] else None
                    msg = str(e["msg"]).removeprefix("Value error, ")
                    issues.append(
                        InputIssue(
                            label,
                            None,
                            f"add.{table}[{i + 1}]" + (f".{col}" if col else ""),
                            row.get(col) if col and isinstance(row, dict) else None,
                            msg,
                        )
                    )
    if issues:
        raise InputError(issues)
    try:
        return Instance(**{t: tuple(rows) for t, rows in tables.items()}, rules=rules)
    except InstanceProblems as problems:
        for prob in problems.problems:
            where = "the base instance"
            if prob.index is not None and prob.index >= base_sizes[prob.table]:
                where = f"add.{prob.table}[{prob.index - base_sizes[prob.table] + 1}]"
            elif prob.index is not None:
                where = f"{prob.table} row {prob.index + 2} of the base instance"
            column = f"{where}.{prob.column}" if prob.column and where.startswith("add.") else where
            issues.append(InputIssue(label, None, column, prob.value, prob.message))
        raise InputError(issues) from None


def _remove(
    spec: Any, instance: Instance, label: str, issues: list[InputIssue]
) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {t: set() for t in REMOVABLE}
    if not isinstance(spec, dict):
        issues.append(
            InputIssue(label, None, "remove", None, "expected a mapping: clinicians, sessions")
        )
        return out
    known: dict[str, dict[str, Any]] = {
        "clinicians": dict(instance.clinician_by_id),
        "sessions": dict(instance.session_by_id),
    }
    for table, ids in spec.items():
        if table not in REMOVABLE:
            issues.append(
                InputIssue(
                    label,
                    None,
                    f"remove.{table}",
                    None,
                    "only clinicians and sessions can be removed",
                )
            )
            continue
        for i in ids or []:
            if str(i) not in known[table]:
                issues.append(
                    InputIssue(label, None, f"remove.{table}", i, f"unknown {table[:-1]}")
                )
            out[table].add(str(i))
    return out
