"""The worked example of docs/format.md, and edits that change one thing of it.

Tests write the example as a CSV folder after applying edits (a cell, a row, a whole file, a line
of rules.yaml). Row numbers are spreadsheet rows: the header is row 1, the first data row row 2.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from roster.domain.io import InputError, load_instance
from roster.domain.tables import TABLES

DOCS = Path(__file__).resolve().parent.parent / "docs" / "format.md"
INSTANCE_FILES = (*(f"{t}.csv" for t in TABLES), "rules.yaml")

NOT_INT = "Input should be a valid integer, unable to parse string as an integer"

Files = dict[str, str | None]  # file name -> text; None removes the file
Edit = Callable[[Files], None]


def example_files() -> dict[str, str]:
    """The worked example's files: in docs/format.md each is a line `name`, then a fenced block."""
    text = DOCS.read_text(encoding="utf-8")
    blocks = re.findall(r"^`([a-z_]+\.(?:csv|yaml))`\n\n```[a-z]*\n(.*?)^```", text, re.M | re.S)
    found = {name: body for name, body in blocks if name in INSTANCE_FILES}
    missing = sorted(set(INSTANCE_FILES) - set(found))
    assert not missing, f"docs/format.md's worked example lacks {missing}"
    return found


def cell(table: str, row: int, column: str, value: str) -> Edit:
    """Set one cell; `row` as a spreadsheet shows it (the header is row 1)."""

    def edit(files: Files) -> None:
        records, columns = _parse(files[f"{table}.csv"])
        records[row - 2][column] = value
        files[f"{table}.csv"] = _unparse(records, columns)

    return edit


def add_row(table: str, **values: str) -> Edit:
    """Append a row; columns not given are blank."""

    def edit(files: Files) -> None:
        records, columns = _parse(files[f"{table}.csv"])
        records.append({c: values.get(c, "") for c in columns})
        files[f"{table}.csv"] = _unparse(records, columns)

    return edit


def put(name: str, text: str | None) -> Edit:
    """Replace a whole file, or remove it (None)."""

    def edit(files: Files) -> None:
        files[name] = text

    return edit


def sub(name: str, old: str, new: str) -> Edit:
    """Replace text in a file, e.g. one line of rules.yaml."""

    def edit(files: Files) -> None:
        text = files[name]
        assert text is not None and old in text, f"{old!r} is not in {name}"
        files[name] = text.replace(old, new)

    return edit


def _parse(text: str | None) -> tuple[list[dict[str, str]], list[str]]:
    assert text is not None
    reader = csv.DictReader(io.StringIO(text))
    return list(reader), list(reader.fieldnames or [])


def _unparse(records: list[dict[str, str]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()


def edited(*edits: Edit) -> Files:
    files: Files = dict(example_files())
    for edit in edits:
        edit(files)
    return files


def write_instance(root: Path, *edits: Edit) -> Path:
    """Write the worked example as a CSV folder at `root`, after applying the edits."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in edited(*edits).items():
        if text is not None:
            (root / name).write_text(text, encoding="utf-8")
    return root


def messages(path: Path) -> list[str]:
    """Every problem load_instance reports, as printed."""
    with pytest.raises(InputError) as err:
        load_instance(path)
    return [str(issue) for issue in err.value.issues]


# The worked example with edits that change what the outputs must show but not the roster: Wong is
# renamed "=SUM(A1)" and Dr Lee "@Lee Ka Yan" (text a spreadsheet would take for a formula), and
# Dr Lee gets a weekly clinical target of 3 sessions, which no active rule scores, so the optimum
# stays the documented one (objective 19) while the allocation sheet shows Dr Lee 1 session short.
WONG = "=SUM(A1)"
LEE = "@Lee Ka Yan"
WEEK_EDITS = (
    cell("clinicians", 3, "name", LEE),
    cell("clinicians", 4, "name", WONG),
    add_row(
        "allocations",
        clinician="LEE",
        activity="clinical",
        period="week",
        unit="sessions",
        target="3",
    ),
)
# The documented optimum (docs/format.md), as (clinician, session)
WEEK_ROSTER = [
    ("CHAN", "MON-AM-HSK"),
    ("LEE", "MON-AM-HSK"),
    ("WONG", "MON-AM-HSK"),
    ("LEE", "MON-PM-EMC"),
    ("WONG", "MON-PM-EMC"),
    ("CHAN", "TUE-AM-HKU"),
    ("CHAN", "WED-AM-HSK"),
    ("WONG", "WED-AM-HSK"),
]
