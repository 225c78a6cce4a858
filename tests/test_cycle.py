"""The weekly cycle through the command line, on SQLite and on a real PostgreSQL server.

A two-week office, Dr A and Dr B (cardiology, HSK; only A may work at EMC, only A teaches):

Week 1 (Mon 2026-11-30 to Sun 2026-12-06):
    W1-TEACH  Wed 14:00-18:00 teaching, HSK   0 to 1 doctor
    W1-EVE    Sun 18:00-21:00 clinical, EMC   exactly 1 doctor: only A may, so A works it
Week 2 (Mon 2026-12-07 to Sun 2026-12-13):
    W2-MON    Mon 09:00-13:00 clinical, HSK   exactly 1 doctor; A wants it (weight 1)
    W2-EVE    Wed 18:00-21:00 clinical, HSK   exactly 1 doctor; A wants it (weight 1)
    W2-TEACH1 Tue 14:00-18:00 teaching, HSK   0 to 1 doctor
    W2-TEACH2 Thu 14:00-18:00 teaching, HSK   0 to 1 doctor
Rules: no morning after an evening (hard); A's bedside teaching is 2 sessions over the term
S1 (both weeks), a target at weight 10; evenings shared fairly (weight 5) over a window of 2
weeks; requests at weight 1.

Week 1 alone: A teaches W1-TEACH (the week aims at ceil(2 * 1 / 2) = 1) and works W1-EVE.
Week 2 alone: A takes everything: W2-MON and W2-EVE as wished (the evening's spread is 1
whoever works it), and both teaching sessions (the last week of the term aims at 2).
Week 2 after week 1 was published: A worked Sunday evening, so B takes W2-MON; A has 1 evening
in the window, so W2-EVE goes to B (spread 0 and A's wish missed, 1, against a spread of 2 at
5 = 10); and A teaches one session, what remains (2 - 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from pgserver import PostgresServer

from roster.app.store import Store, resolve_url
from roster.app.store import database as store_database
from roster.cli import main
from roster.domain.io import load_instance, read_roster

W1 = dt.date(2026, 11, 30)
W2 = dt.date(2026, 12, 7)
SITES = [
    {"id": "HSK", "name": "Hong Kong Sanatorium & Hospital", "kind": "private_hospital"},
    {"id": "EMC", "name": "HKSH Eastern Medical Centre", "kind": "medical_centre"},
]
CLINICIANS = [
    {"id": "A", "name": "Dr A", "privileges": "HSK;EMC", "teacher": "true"},
    {"id": "B", "name": "Dr B", "privileges": "HSK", "teacher": "false"},
]
RULES = """\
horizon: {{start: {start}, end: {end}}}
calendar: {{public_holidays: none}}
rules:
  cover_min: {{hard: true}}
  cover_max: {{hard: true}}
  forbidden_successions:
    pairs: [{{first: {{period: evening}}, then: {{period: am}}}}]
  allocation_target: {{weight: 10}}
  requests: {{weight: 1}}
  fairness: {{weight: 5, kinds: [evening], window_weeks: 2}}
terms:
  - {{name: S1, start: 2026-11-30, end: 2026-12-13}}
"""

# (id, day, start, end, activity, site, min, max)
WEEK_1 = [
    ("W1-TEACH", 2, "14:00", "18:00", "teaching", "HSK", 0, 1),
    ("W1-EVE", 6, "18:00", "21:00", "clinical", "EMC", 1, 1),
]
WEEK_2 = [
    ("W2-MON", 0, "09:00", "13:00", "clinical", "HSK", 1, 1),
    ("W2-TEACH1", 1, "14:00", "18:00", "teaching", "HSK", 0, 1),
    ("W2-EVE", 2, "18:00", "21:00", "clinical", "HSK", 1, 1),
    ("W2-TEACH2", 3, "14:00", "18:00", "teaching", "HSK", 0, 1),
]
WISHES = [
    {"clinician": "A", "kind": "want", "weight": 1, "session": "W2-MON"},
    {"clinician": "A", "kind": "want", "weight": 1, "session": "W2-EVE"},
]


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_week(
    folder: Path,
    start: dt.date,
    sessions: list[tuple[str, int, str, str, str, str, int, int]],
    requests: list[dict[str, Any]] | None = None,
) -> Path:
    folder.mkdir(parents=True)
    _write(folder / "sites.csv", SITES)
    people = [
        c | {"role": "doctor", "institution": "HKU", "appointment": "affiliation_secondee"}
        for c in CLINICIANS
    ]
    _write(folder / "clinicians.csv", [p | {"specialties": "cardiology"} for p in people])
    _write(
        folder / "sessions.csv",
        [
            {
                "id": sid,
                "site": site,
                "date": (start + dt.timedelta(days=day)).isoformat(),
                "start": t0,
                "end": t1,
                "activity": activity,
                "specialty": "cardiology",
            }
            for sid, day, t0, t1, activity, site, _, _ in sessions
        ],
    )
    _write(
        folder / "needs.csv",
        [
            {"session": sid, "role": "doctor", "min": low, "max": most}
            for sid, _, _, _, _, _, low, most in sessions
        ],
    )
    _write(
        folder / "allocations.csv",
        [
            {
                "clinician": "A",
                "activity": "teaching",
                "period": "term",
                "unit": "sessions",
                "target": 2,
            }
        ],
    )
    if requests:
        _write(folder / "requests.csv", requests)
    end = start + dt.timedelta(days=6)
    (folder / "rules.yaml").write_text(RULES.format(start=start, end=end), encoding="utf-8")
    return folder


@pytest.fixture
def weeks(tmp_path: Path) -> tuple[Path, Path]:
    return (
        write_week(tmp_path / "week-1", W1, WEEK_1),
        write_week(tmp_path / "week-2", W2, WEEK_2, WISHES),
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty history store with its schema: a SQLite path, or a PostgreSQL URL."""
    if request.param == "sqlite":
        url = str(tmp_path / "history.db")
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        url = server.new_database()
    assert roster("db", "upgrade", "--db", url).exit_code == 0
    return url


@pytest.fixture(autouse=True)
def no_store_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("ROSTER_DB", raising=False)
    yield


def roster(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def solve(instance: Path, out: Path, *extra: str) -> list[tuple[str, str]]:
    result = roster("solve", str(instance), "--out", str(out), "--quiet", *extra)
    assert result.exit_code == 0, result.output
    return sorted(read_roster(out / "roster.csv", load_instance(instance)))


def published_week_1(weeks: tuple[Path, Path], db: str, tmp_path: Path) -> Path:
    out = tmp_path / "out-1"
    assert solve(weeks[0], out, "--db", db) == [("A", "W1-EVE"), ("A", "W1-TEACH")]
    result = roster("publish", str(out), "--db", db, "--by", "office", "--note", "week 1")
    assert result.exit_code == 0, result.output
    return out


# --- the store's schema --------------------------------------------------------------------------


def test_db_upgrade_creates_the_schema_then_finds_it_up_to_date(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    first = roster("db", "upgrade", "--db", str(path))
    assert (first.exit_code, first.output) == (
        0,
        f"Created the history store's schema (revision 0001) in {path}\n",
    )
    again = roster("db", "upgrade", "--db", str(path))
    assert again.output == f"{path} is up to date (revision 0001)\n"


def test_the_environment_names_the_store(
    tmp_path: Path, weeks: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "env.db"
    monkeypatch.setenv("ROSTER_DB", str(path))
    assert roster("db", "upgrade").exit_code == 0
    published_week_1(weeks, str(path), tmp_path)
    history = roster("history", "--csv")
    assert history.exit_code == 0
    assert history.output.splitlines()[1].startswith("A,Dr A,2026-W49,2026-11-30,2026-12-06,2,")


def test_no_store_given_where_one_is_needed(tmp_path: Path) -> None:
    result = roster("history")
    assert result.exit_code == 2
    assert result.output == "error: no database given: pass --db PATH_OR_URL or set ROSTER_DB\n"


NEXT_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("reviewed_by", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("reviewed_by")
"""


def test_every_command_stops_on_an_older_schema(
    db: str, weeks: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = published_week_1(weeks, db, tmp_path)
    # this roster's code is a later one: the shipped migrations and one more
    later = tmp_path / "migrations"
    shutil.copytree(store_database.MIGRATIONS, later)
    (later / "versions" / "0002_reviewed_by.py").write_text(NEXT_REVISION)
    monkeypatch.setattr(store_database, "MIGRATIONS", later)
    label = resolve_url(db).label
    message = (
        f"error: the database {label} has schema revision 0001, older than this roster's 0002: "
        f"run roster db upgrade --db {label}\n"
    )
    scenario = tmp_path / "what-if.yaml"
    scenario.write_text(f"base: {weeks[1]}\n", encoding="utf-8")
    commands = [
        ["solve", str(weeks[1]), "--out", str(tmp_path / "x")],
        ["check", str(weeks[0]), str(out / "roster.csv")],
        ["explain", str(weeks[1])],
        ["repair", str(weeks[0]), "--from", "2026-12-01", "--out", str(tmp_path / "y")],
        ["publish", str(out)],
        ["history"],
        ["export", "ics", str(out)],
    ]
    for command in commands:
        result = roster(*command, "--db", db)
        assert (result.exit_code, result.output) == (2, message), command
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
    swept = roster("sweep", str(scenario), "--out", str(tmp_path / "z"), "--db", db, "--jobs", "1")
    assert swept.exit_code == 2
    assert "older than this roster's 0002" in swept.output
    upgraded = roster("db", "upgrade", "--db", db)
    assert upgraded.output == f"Upgraded {label} from revision 0001 to 0002\n"
    assert roster("history", "--db", db).exit_code == 0


# --- solving with the history ------------------------------------------------------------------


def test_week_two_carries_what_week_one_published(
    db: str, weeks: tuple[Path, Path], tmp_path: Path
) -> None:
    alone = solve(weeks[1], tmp_path / "alone")
    assert alone == [("A", "W2-EVE"), ("A", "W2-MON"), ("A", "W2-TEACH1"), ("A", "W2-TEACH2")]
    published_week_1(weeks, db, tmp_path)
    carried = solve(weeks[1], tmp_path / "out-2", "--db", db)
    assert [p for p in carried if p[1] in ("W2-MON", "W2-EVE")] == [
        ("B", "W2-EVE"),
        ("B", "W2-MON"),
    ]
    assert len([p for p in carried if p[1].startswith("W2-TEACH")]) == 1
    summary = json.loads((tmp_path / "out-2" / "summary.json").read_text())
    # fairness: counts 1 and 1, spread 0; A's two wishes missed: 2; A's teaching on target
    assert summary["objective_by_rule"] == {"allocation_target": 0, "requests": 2, "fairness": 0}
    assert summary["settings"]["history"] == resolve_url(db).label
    # the checker, given the store, agrees; without it, the week alone is judged
    check = roster("check", str(weeks[1]), str(tmp_path / "alone" / "roster.csv"), "--db", db)
    assert check.exit_code == 1
    assert (
        "hard: Dr A (A) works W2-MON (HSK 2026-12-07 09:00-13:00) the day after W1-EVE "
        "(EMC 2026-12-06 18:00-21:00), published before the horizon"
    ) in check.output.splitlines()
    assert roster("check", str(weeks[1]), str(tmp_path / "alone" / "roster.csv")).exit_code == 0


def test_explain_reads_the_history_too(db: str, weeks: tuple[Path, Path], tmp_path: Path) -> None:
    published_week_1(weeks, db, tmp_path)
    # B cannot come on Monday: A alone is left for W2-MON, which A's Sunday evening forbids
    (weeks[1] / "unavailability.csv").write_text(
        "clinician,start,end\nB,2026-12-07,2026-12-07\n", encoding="utf-8"
    )
    result = roster("explain", str(weeks[1]), "--db", db)
    assert result.exit_code == 3, result.output
    assert "Dr B is unavailable Mon 7 Dec 00:00 to Tue 8 Dec 00:00" in result.output
    assert roster("explain", str(weeks[1])).exit_code == 0


# --- publishing --------------------------------------------------------------------------------


def test_a_roster_with_a_hard_violation_is_refused_unless_forced_with_a_note(
    db: str, weeks: tuple[Path, Path], tmp_path: Path
) -> None:
    published_week_1(weeks, db, tmp_path)
    alone = tmp_path / "alone"
    solve(weeks[1], alone)  # solved without the store: A on W2-MON after Sunday's evening
    refused = roster("publish", str(alone), "--db", db)
    assert refused.exit_code == 1
    assert refused.output.splitlines() == [
        "hard: Dr A (A) works W2-MON (HSK 2026-12-07 09:00-13:00) the day after W1-EVE "
        "(EMC 2026-12-06 18:00-21:00), published before the horizon",
        "Refused: 1 hard violation; nothing was published. Fix the roster, or publish it as it "
        'is with --force --note "why".',
    ]
    unnoted = roster("publish", str(alone), "--db", db, "--force")
    assert (unnoted.exit_code, unnoted.output) == (
        2,
        "error: --force needs a --note saying why the roster is published as it is\n",
    )
    with Store.open(db) as store:
        assert store.versions(W2) == []
    forced = roster(
        "publish", str(alone), "--db", db, "--force", "--note", "A agreed", "--by", "office"
    )
    assert forced.exit_code == 0
    assert forced.output == (
        f"Published 2026-12-07 to 2026-12-13 as version 1 in {resolve_url(db).label} "
        "(by office, 4 assignments, forced)\n"
    )
    with Store.open(db) as store:
        (info,) = store.versions(W2)
    assert (info.forced, info.note, info.published_by) == (True, "A agreed", "office")


def test_publishing_again_prints_the_differences_and_calendars_update(
    db: str, weeks: tuple[Path, Path], tmp_path: Path
) -> None:
    published_week_1(weeks, db, tmp_path)
    out = tmp_path / "out-2"
    solve(weeks[1], out, "--db", db)
    first = roster("publish", str(out), "--db", db, "--by", "office")
    assert first.exit_code == 0
    taught = next(
        s for c, s in read_roster(out / "roster.csv", load_instance(weeks[1])) if c == "A"
    )
    other = "W2-TEACH2" if taught == "W2-TEACH1" else "W2-TEACH1"
    # the office moves A's teaching to the other session by hand, and publishes again
    text = (out / "roster.csv").read_text(encoding="utf-8")
    (out / "roster.csv").write_text(text.replace(taught, other), encoding="utf-8")
    second = roster("publish", str(out), "--db", db, "--by", "office")
    assert second.exit_code == 0, second.output
    lines = second.output.splitlines()
    assert lines[1:] == [
        "Changes from version 1: 1 clinician(s)",
        f"  A Dr A: - {_what(taught)}; + {_what(other)}",
    ]
    calendars = roster("export", "ics", str(out), "--db", db)
    assert calendars.exit_code == 0, calendars.output
    assert "(version 2, 1 cancelled)" in calendars.output
    ics = (out / "calendars" / "A.ics").read_text()
    events = _events(ics)
    assert events[f"{other}-A@roster"]["SEQUENCE"] == "1"
    assert events[f"{other}-A@roster"]["STATUS"] == "CONFIRMED"
    assert events[f"{taught}-A@roster"]["SEQUENCE"] == "1"
    assert events[f"{taught}-A@roster"]["STATUS"] == "CANCELLED"
    # events that did not change keep SEQUENCE 0; the stamp is the version's publication time
    assert {e["SEQUENCE"] for uid, e in events.items() if "TEACH" not in uid} <= {"0"}
    with Store.open(db) as store:
        stamp = store.versions(W2)[-1].published_at
    assert {e["DTSTAMP"] for e in events.values()} == {f"{stamp:%Y%m%dT%H%M%SZ}"}
    # a roster that was never published has no version to be
    text = (out / "roster.csv").read_text(encoding="utf-8")
    (out / "roster.csv").write_text(text.replace(other, taught), encoding="utf-8")
    (out / "roster.csv").write_text(
        "\n".join(line for line in text.splitlines() if other not in line) + "\n",
        encoding="utf-8",
    )
    unpublished = roster("export", "ics", str(out), "--db", db)
    assert unpublished.exit_code == 2
    assert "is none of the published versions of 2026-12-07 to 2026-12-13 (1, 2)" in (
        unpublished.output
    )


def _what(session: str) -> str:
    day = {"W2-TEACH1": "Tue 2026-12-08", "W2-TEACH2": "Thu 2026-12-10"}[session]
    return f"{session} (HSK {day} 14:00-18:00)"


def _events(ics: str) -> dict[str, dict[str, str]]:
    """Each VEVENT's properties by UID (the first line of each property, without parameters)."""
    events: dict[str, dict[str, str]] = {}
    for block in ics.split("BEGIN:VEVENT")[1:]:
        props: dict[str, str] = {}
        for line in block.replace("\r\n ", "").splitlines():
            if ":" in line:
                key, value = line.split(":", 1)
                props.setdefault(key.split(";")[0], value)
        events[props["UID"]] = props
    return events


def test_a_folder_that_is_no_solved_roster_is_refused(db: str, tmp_path: Path) -> None:
    result = roster("publish", str(tmp_path / "nowhere"), "--db", db)
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"error: {tmp_path / 'nowhere'}: no such folder",
        f"To fix: run `roster solve INSTANCE --out {tmp_path / 'nowhere'}` to write it; nothing "
        "was published.",
    ]


def test_a_horizon_that_overlaps_a_published_one_is_refused(
    db: str, weeks: tuple[Path, Path], tmp_path: Path
) -> None:
    published_week_1(weeks, db, tmp_path)
    # the same office over two weeks, from week 1's Wednesday on would not start on a Monday;
    # a fortnight from week 1's Monday overlaps it with other dates
    fortnight = tmp_path / "fortnight"
    shutil.copytree(weeks[0], fortnight)
    rules = (fortnight / "rules.yaml").read_text().replace("end: 2026-12-06", "end: 2026-12-13")
    (fortnight / "rules.yaml").write_text(rules)
    out = tmp_path / "out-fortnight"
    solve(fortnight, out)
    result = roster("publish", str(out), "--db", db)
    assert (result.exit_code, result.output) == (
        2,
        "error: the horizon 2026-11-30 to 2026-12-13 overlaps the published horizon 2026-11-30 "
        "to 2026-12-06: publish the same dates or dates that do not overlap\n",
    )


# --- history -----------------------------------------------------------------------------------


def test_history_by_term_shows_teaching_against_the_target(
    db: str, weeks: tuple[Path, Path], tmp_path: Path
) -> None:
    published_week_1(weeks, db, tmp_path)
    text = roster("history", "--db", db, "--by", "term", "--instance", str(weeks[1]))
    assert text.exit_code == 0, text.output
    assert text.output.splitlines() == [
        "A      Dr A                     S1         2026-11-30 to 2026-12-13  2 sessions "
        "(clinical 1, teaching 1), 7 h, evenings 1, weekends 1, holidays 0; term target: "
        "teaching 1 of 2",
    ]
    as_csv = roster("history", "--db", db, "--by", "term", "--instance", str(weeks[1]), "--csv")
    assert as_csv.output.splitlines() == [
        "clinician,name,period,start,end,sessions,minutes,sessions_clinical,sessions_teaching,"
        "minutes_clinical,minutes_teaching,evenings,weekends,holidays,term_target_teaching",
        "A,Dr A,S1,2026-11-30,2026-12-13,2,420,1,1,180,240,1,1,0,2",
    ]
    as_json = roster("history", "--db", db, "--clinician", "B", "--json")
    assert json.loads(as_json.output) == []
    by_term = roster("history", "--db", db, "--by", "term")
    assert by_term.exit_code == 2
    assert "--by term needs --instance INSTANCE whose rules file names the terms" in (
        by_term.output
    )
    later = roster("history", "--db", db, "--from", "2026-12-07")
    assert later.output == "Nothing published matches.\n"


# --- repair from the store ---------------------------------------------------------------------


def test_repair_takes_the_published_roster_and_publishes_the_next_version(
    db: str, weeks: tuple[Path, Path], tmp_path: Path
) -> None:
    published_week_1(weeks, db, tmp_path)
    out = tmp_path / "out-2"
    solve(weeks[1], out, "--db", db)
    assert roster("publish", str(out), "--db", db).exit_code == 0
    # B falls sick on Wednesday: A, the only other, takes W2-EVE
    sick = tmp_path / "sick.yaml"
    sick.write_text(
        "add:\n  unavailability:\n    - {clinician: B, start: 2026-12-09, end: 2026-12-09}\n",
        encoding="utf-8",
    )
    repaired = tmp_path / "repaired"
    args = ["repair", str(weeks[1]), "--db", db, "--changes", str(sick)]
    args += ["--from", "2026-12-08", "--out", str(repaired), "--publish", "--by", "office"]
    result = roster(*args, "--note", "B sick on Wednesday")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1:3] == ["  A: added W2-EVE", "  B: removed W2-EVE"]
    assert lines[-3:] == [
        "Published 2026-12-07 to 2026-12-13 as version 2 (a repair of version 1)",
        "  A Dr A: + W2-EVE (HSK Wed 2026-12-09 18:00-21:00)",
        "  B Dr B: - W2-EVE (HSK Wed 2026-12-09 18:00-21:00)",
    ]
    with Store.open(db) as store:
        latest = store.latest(W2, W2 + dt.timedelta(days=6))
    assert latest is not None
    assert (latest.info.number, latest.info.source, latest.info.note) == (
        2,
        "repair",
        "B sick on Wednesday",
    )
    assert [(c.clinician, c.session, c.kind, c.source) for c in latest.changes] == [
        ("A", "W2-EVE", "added", "repair"),
        ("B", "W2-EVE", "removed", "repair"),
    ]
    # the published roster must come from somewhere
    nothing = roster("repair", str(weeks[1]), "--from", "2026-12-08", "--out", str(tmp_path / "z"))
    assert nothing.exit_code == 2
    assert "give --published ROSTER.csv, or --db" in nothing.output
    # a horizon never published
    week_3 = write_week(tmp_path / "week-3", W2 + dt.timedelta(days=7), WEEK_1)
    rules = (week_3 / "rules.yaml").read_text().replace("end: 2026-12-13}", "end: 2026-12-20}")
    (week_3 / "rules.yaml").write_text(rules)
    never = roster(
        "repair", str(week_3), "--db", db, "--from", "2026-12-15", "--out", str(tmp_path / "z")
    )
    assert (never.exit_code, never.output) == (
        2,
        f"error: the horizon 2026-12-14 to 2026-12-20 has no published version in "
        f"{resolve_url(db).label}: publish one first (roster publish OUT_DIR), or give "
        "--published ROSTER.csv\n",
    )
