"""Reading back an output folder that `roster solve` wrote: the instance, roster and summary."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from roster.domain.io import InputError, read_roster
from roster.domain.tables import Instance, InstanceProblems

SOLVED_FILES = ("instance.json", "roster.csv", "summary.json")


class FolderError(Exception):
    """A solved folder that cannot be read: each line names the file; `hint` says what to do."""

    def __init__(self, lines: list[str], hint: str) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines
        self.hint = hint


@dataclass(frozen=True)
class Solved:
    """What `roster solve` wrote: the instance, the roster as (clinician, session), the summary."""

    folder: Path
    instance: Instance
    pairs: tuple[tuple[str, str], ...]  # sorted, each once
    summary: dict[str, Any]

    @property
    def name(self) -> str:
        return self.folder.name


def load_solved(folder: str | Path) -> Solved:
    """Read an output folder of `roster solve`; raise :class:`FolderError` naming the bad file."""
    root = Path(folder)
    again = f"run `roster solve INSTANCE --out {root}` to write it"
    if not root.is_dir():
        raise FolderError([f"{root}: no such folder"], again)
    missing = [n for n in SOLVED_FILES if not (root / n).is_file()]
    if missing:
        what = ", ".join(str(root / n) for n in missing)
        raise FolderError(
            [f"{what}: missing; {root} is not a complete output folder of `roster solve`"], again
        )
    rewrite = f"run `roster solve INSTANCE --out {root}` again to rewrite it"
    try:
        summary = json.loads((root / "summary.json").read_text(encoding="utf-8"))
        if not isinstance(summary, dict):
            raise ValueError("expected a JSON object")
    except (ValueError, UnicodeDecodeError) as err:
        raise FolderError([f"{root / 'summary.json'}: not valid JSON ({err})"], rewrite) from None
    try:
        instance = Instance.model_validate_json(
            (root / "instance.json").read_text(encoding="utf-8")
        )
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the top level"
        raise FolderError(
            [f"{root / 'instance.json'}: not a valid instance ({where}: {first['msg']})"], rewrite
        ) from None
    except InstanceProblems as err:
        p = err.problems[0]
        raise FolderError(
            [f"{root / 'instance.json'}: not a valid instance ({p.table}: {p.message})"], rewrite
        ) from None
    except UnicodeDecodeError as err:
        raise FolderError([f"{root / 'instance.json'}: not UTF-8 text ({err})"], rewrite) from None
    try:
        pairs = read_roster(root / "roster.csv", instance)
    except InputError as err:
        lines = [f"{root}/{issue}" for issue in err.issues]  # each issue names roster.csv
        raise FolderError(lines, "fix roster.csv or " + rewrite) from None
    return Solved(root, instance, tuple(sorted(set(pairs))), summary)
