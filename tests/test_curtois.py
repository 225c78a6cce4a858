"""The Curtois benchmark reader and its independent evaluator, on a tiny hand-written file."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from roster.app.compile import build_problem
from roster.cli import main
from roster.domain.check import check_roster
from roster.domain.sources.curtois import (
    FormatError,
    evaluate,
    read_benchmark,
    solution_rows,
    to_instance,
)
from solver.engine.params import SolveParams
from solver.engine.solve import solve
from solver.model.result import SolveStatus

ROOT = Path(__file__).resolve().parent.parent

TINY = """\
# a week, two shift types; a night may not be followed by a day
SECTION_HORIZON
7

SECTION_SHIFTS
D,480,
N,600,D

SECTION_STAFF
A,D=7|N=1,3000,960,3,2,2,1
B,D=7|N=0,3000,480,5,1,1,0

SECTION_DAYS_OFF
B,6

SECTION_SHIFT_ON_REQUESTS
A,0,D,2

SECTION_SHIFT_OFF_REQUESTS
B,1,D,3

SECTION_COVER
0,D,1,100,1
1,D,2,100,1
2,N,1,50,1
"""


def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "Tiny.txt"
    path.write_text(TINY.replace("\n", "\r\n"))  # the published files use CRLF
    return path


def test_reader(tmp_path: Path) -> None:
    bench = read_benchmark(tiny(tmp_path))
    assert (bench.name, bench.days) == ("Tiny", 7)
    assert [(s.id, s.minutes, s.cannot_follow) for s in bench.shifts] == [
        ("D", 480, ()),
        ("N", 600, ("D",)),
    ]
    a, b = bench.staff
    assert a.max_shifts == {"D": 7, "N": 1} and (a.max_minutes, a.min_minutes) == (3000, 960)
    assert (a.max_consecutive, a.min_consecutive, a.min_days_off, a.max_weekends) == (3, 2, 2, 1)
    assert bench.days_off == {"B": frozenset({6})}
    assert [(r.employee, r.day, r.shift, r.weight) for r in bench.on_requests] == [("A", 0, "D", 2)]
    assert [(c.day, c.shift, c.requirement, c.under, c.over) for c in bench.cover][2] == (
        2,
        "N",
        1,
        50,
        1,
    )


def test_a_feasible_roster_and_its_objective(tmp_path: Path) -> None:
    bench = read_benchmark(tiny(tmp_path))
    # A: D on days 0, 1 (a run of 2, 960 minutes); B: D on day 1 and N... B may not work N, so
    # B works D on days 1 and 2 (960 minutes, no weekend).
    rows = [("A", 0, "D"), ("A", 1, "D"), ("B", 1, "D"), ("B", 2, "D")]
    score = evaluate(bench, rows)
    assert score.hard_violations == ()
    # B's off request on day 1 (3) + day 2 night uncovered (50 * 1) + day 2 day over-covered
    # (no cover line for it: nothing). Day 0 and day 1 exactly covered. Total 3 + 50 = 53.
    assert score.objective == 53


def test_hard_violations(tmp_path: Path) -> None:
    bench = read_benchmark(tiny(tmp_path))
    rows = [
        ("A", 1, "N"),
        ("A", 2, "D"),  # a day after a night (rule 2)
        ("B", 2, "N"),  # B may not work nights (rule 3)
        ("B", 6, "D"),  # B's day off, and a weekend B may not work (rules 9 and 8)
        ("A", 4, "D"),
        ("A", 4, "N"),  # two shifts on one day (rule 1), and a second night (rule 3)
    ]
    found = evaluate(bench, rows).hard_violations
    assert "A works D on day 2 after N on day 1" in found
    assert "B works 1 shifts N, at most 0" in found
    assert "B works on day off 6" in found
    assert "B works 1 weekends, at most 0" in found
    assert "A works 2 shifts on day 4" in found
    assert "A works 2 shifts N, at most 1" in found
    # A: days 1, 2 and 4 worked: the run on day 4 alone is shorter than 2 and does not touch an
    # end (rule 6); the single day off on day 3 is shorter than 2 (rule 7).
    assert "A works only 1 days in a row from day 4" in found
    assert "A has only 1 days off in a row from day 3" in found


def test_runs_touching_the_ends_are_exempt_from_minimums(tmp_path: Path) -> None:
    bench = read_benchmark(tiny(tmp_path))
    # A works day 0 only, then D on day 5 and 6: a single day at the start touches the horizon's
    # start, the run 5-6 touches its end; total 3 x 480 = 1440 minutes; one weekend.
    rows = [("A", 0, "D"), ("A", 5, "D"), ("A", 6, "D"), ("B", 1, "D"), ("B", 2, "D")]
    assert evaluate(bench, rows).hard_violations == ()


def test_a_malformed_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "Bad.txt"
    path.write_text(TINY.replace("A,D=7|N=1,3000,960,3,2,2,1", "A,D=7|N=1,3000,960,3,2,2"))
    with pytest.raises(
        FormatError, match=r"Bad.txt, line 10: a staff line has 8 fields, this one 7"
    ):
        read_benchmark(path)


@pytest.mark.parametrize("name", ["Instance1", "Instance2", "Instance11", "Instance24"])
def test_published_files_read(name: str) -> None:
    bench = read_benchmark(ROOT / "data" / "benchmarks" / "curtois" / f"{name}.txt")
    assert bench.days % 7 == 0 and bench.staff and bench.cover
    # an empty roster breaks the minimum minutes but scores every on request and cover line
    score = evaluate(bench, [])
    assert score.objective == sum(r.weight for r in bench.on_requests) + sum(
        c.under * c.requirement for c in bench.cover
    )


def test_the_reader_builds_our_instance_and_the_three_scorers_agree(tmp_path: Path) -> None:
    bench = read_benchmark(tiny(tmp_path))
    inst = to_instance(bench)
    assert len(inst.sessions) == 7 * 2 and len(inst.clinicians) == 2
    result = solve(build_problem(inst), SolveParams(time_limit=20, workers=1))
    assert result.status is SolveStatus.OPTIMAL
    score = evaluate(bench, solution_rows(result.assignments))
    assert score.hard_violations == ()
    # the benchmark's evaluator, our checker and the solver score the roster the same
    assert score.objective == check_roster(inst, result.assignments).objective == result.objective
    # hand-worked optimum: day 1 needs two day shifts, so both A and B work it (a missing one
    # costs 100), and B's off request for day 1 costs 3. A takes day 0 (A's want, the day-0
    # cover) and the day-2 night (only A may work nights; uncovered it costs 50): a run of 3 days,
    # 1560 minutes, no day shift after the night. Nothing else is needed: 3.
    assert result.objective == 3


@pytest.mark.slow
def test_instance1_reaches_the_published_optimum() -> None:
    bench = read_benchmark(ROOT / "data" / "benchmarks" / "curtois" / "Instance1.txt")
    inst = to_instance(bench)
    result = solve(build_problem(inst), SolveParams(time_limit=60, workers=2))
    assert result.status is SolveStatus.OPTIMAL and result.objective == 607
    score = evaluate(bench, solution_rows(result.assignments))
    assert score.hard_violations == () and score.objective == 607
    assert check_roster(inst, result.assignments).objective == 607


def test_bench_command_writes_the_solution_and_results_even_with_cp_sat_logging(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # CP-SAT's log goes to the solving process's stderr, leaving stdout to the results table
    path = tiny(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "bench",
            "curtois",
            str(path),
            "--time-limit",
            "20",
            "--workers",
            "1",
            "--out",
            str(out),
            "--cp-sat",
            "log_search_progress=true",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Starting CP-SAT solver" in capfd.readouterr().err
    assert "Starting CP-SAT solver" not in result.stdout
    rows = (out / "Tiny.csv").read_text().splitlines()
    assert rows[0] == "employee,day,shift"
    solution = [(e, int(d), s) for e, d, s in (row.split(",") for row in rows[1:])]
    # the hand-worked optimum of 3 (see above), as the benchmark's evaluator scores the file
    score = evaluate(read_benchmark(path), solution)
    assert (score.objective, score.hard_violations) == (3, ())
    table = (out / "results.csv").read_text().splitlines()
    header, row = table[0].split(","), table[1].split(",")
    fields = dict(zip(header, row, strict=True))
    assert (fields["instance"], fields["objective"], fields["status"]) == ("Tiny", "3", "OPTIMAL")
