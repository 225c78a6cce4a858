"""Between the weekly solves: check a swap between colleagues, find who can cover a session."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeVar

import click

from roster.cli.common import EXIT_INVALID, fail_input, load
from roster.domain.io import InputError, instance_hash, read_roster, write_outputs
from roster.domain.tables import Instance, Session

if TYPE_CHECKING:
    from roster.app.daily import CoverAnswer, Move, Verdict

F = TypeVar("F", bound=Callable[..., Any])
APPLY_HELP = "Make the change: write the roster's files to --out, publish it to --db, or both."


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    click.echo("Nothing was written.", err=True)
    sys.exit(EXIT_INVALID)


def _who(instance: Instance, clinician: str) -> str:
    return f"{instance.clinician_by_id[clinician].name} ({clinician})"


def _what(s: Session) -> str:
    return f"{s.id} ({s.site} {s.date:%Y-%m-%d} {s.start:%H:%M}-{s.end:%H:%M})"


def _signed(n: int) -> str:
    return f"{n:+,}"


def _by_rule(change: dict[str, int]) -> str:
    return ", ".join(f"{k} {_signed(v)}" for k, v in change.items() if v) or "no soft rule changes"


def _split(value: str, name: str, session_needed: bool) -> tuple[str, str | None]:
    clinician, sep, session = value.partition(":")
    if not clinician or (sep and not session) or (session_needed and not sep):
        form = "CLINICIAN:SESSION" if session_needed else "CLINICIAN or CLINICIAN:SESSION"
        raise click.BadParameter(f"expected {form}, got '{value}'", param_hint=name)
    return clinician, session or None


def _roster(instance: Instance, path: str) -> list[tuple[str, str]]:
    try:
        return read_roster(path, instance)
    except InputError as err:
        fail_input(err)


def _store_options(f: F) -> F:
    for option in reversed(
        [
            click.option(
                "--out",
                "out_dir",
                type=click.Path(file_okay=False),
                help="With --apply: write the changed roster's files here.",
            ),
            click.option(
                "--db",
                metavar="DB",
                help="With --apply: publish the changed roster as the next version of its "
                "horizon in this history store (a SQLite path or a database URL).",
            ),
            click.option(
                "--by",
                "published_by",
                metavar="NAME",
                default=None,
                help="With --db: who publishes [the user's login name].",
            ),
            click.option("--note", default="", help="With --db: a note on the new version."),
        ]
    ):
        f = option(f)
    return f


def _make_change(
    instance_path: str,
    inst: Instance,
    given: list[tuple[str, str]],
    pairs: list[tuple[str, str]],
    moves: Sequence[Move],
    source: Literal["swap", "cover"],
    before: int,
    out_dir: str | None,
    db: str | None,
    published_by: str | None,
    note: str,
) -> None:
    """Write the changed roster's files and, with a store, publish it."""
    from roster.app.daily import changed_outcome, publish_change
    from roster.app.store import StoreError
    from roster.outputs.files import output_files

    digest = instance_hash(instance_path)
    outcome, summary = changed_outcome(inst, pairs, moves, source, digest, before)
    if db is not None:
        try:
            published = publish_change(
                db,
                inst,
                given,
                pairs,
                moves,
                source,
                published_by or getpass.getuser(),
                note,
                digest,
                summary,
            )
        except StoreError as err:
            _fail(str(err))
        h = published.info
        click.echo(
            f"Published version {h.number} of {h.horizon_start} to {h.horizon_end} "
            f"({len(moves)} changes from version {published.previous})"
        )
    if out_dir is not None:
        write_outputs(out_dir, output_files(inst, outcome, summary))
        click.echo(f"Wrote the changed roster's files to {out_dir}")


@click.command()
@click.argument("instance", type=click.Path())
@click.argument("roster_file", metavar="ROSTER.csv", type=click.Path())
@click.argument("first", metavar="A:SESSION")
@click.argument("second", metavar="B[:SESSION]")
@click.option("--apply", "do_apply", is_flag=True, help=APPLY_HELP)
@_store_options
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
def swap(
    instance: str,
    roster_file: str,
    first: str,
    second: str,
    do_apply: bool,
    out_dir: str | None,
    db: str | None,
    published_by: str | None,
    note: str,
    as_json: bool,
) -> None:
    """Check a swap between two clinicians: A:SESSION B:SESSION exchanges A's session for B's;
    A:SESSION B gives A's session to B.

    Prints every hard violation the swap would create, in the checker's words, and the change of
    each soft rule's penalty. With --apply (and --out, --db or both) a swap that breaks no hard
    rule is made: the changed roster's files are written, or it is published as the next version.

    Exit codes: 0 the swap breaks no hard rule, 1 it does (nothing is applied), 2 bad input.

    \b
    Example:
      roster swap data/samples/hksh-affiliation-week out/hksh/roster.csv \\
        D01:TUE-PM-QMH-CAR-SOPC D02:FRI-AM-QMH-CAR-WARD
    """
    from roster.app.daily import DailyError
    from roster.app.daily import swap as run_swap

    a = _split(first, "A:SESSION", True)
    b = _split(second, "B[:SESSION]", False)
    if do_apply and out_dir is None and db is None:
        raise click.UsageError("--apply needs --out DIR, --db DB or both")
    inst = load(instance, writes=do_apply)
    given = _roster(inst, roster_file)
    try:
        answer = run_swap(inst, given, (a[0], str(a[1])), b)
    except DailyError as err:
        _fail(str(err))
    verdict = answer.verdict
    if as_json:
        click.echo(
            json.dumps(
                {
                    "moves": [m.__dict__ for m in answer.moves],
                    "keeps_hard_rules": verdict.keeps_hard_rules,
                    "created": list(verdict.created),
                    "ended": list(verdict.ended),
                    "change": verdict.change,
                    "change_by_rule": verdict.change_by_rule,
                },
                indent=2,
            )
        )
    else:
        s_a = inst.session_by_id[str(a[1])]
        line = f"{_who(inst, a[0])} gives {_what(s_a)} to {_who(inst, b[0])}"
        if b[1] is not None:
            line += f"; {b[0]} gives {_what(inst.session_by_id[b[1]])} to {a[0]}"
        click.echo(line + ".")
        for v in verdict.created:
            click.echo(f"hard: {v}")
        for v in verdict.ended:
            click.echo(f"ends: {v}")
        if verdict.created:
            n = len(verdict.created)
            click.echo(f"The swap breaks {n} hard rule{'s' if n != 1 else ''}.")
        else:
            click.echo("The swap breaks no hard rule.")
        click.echo(f"Objective change {_signed(verdict.change)}:")
        for kind, change in verdict.change_by_rule.items():
            click.echo(f"  {kind:<20} {_signed(change):>8}")
    if not verdict.keeps_hard_rules:
        if do_apply:
            click.echo("The swap breaks hard rules; nothing was applied.", err=True)
        sys.exit(1)
    if do_apply:
        from roster.domain.check import check_roster

        before = check_roster(inst, given).objective
        _make_change(
            instance,
            inst,
            given,
            answer.roster,
            answer.moves,
            "swap",
            before,
            out_dir,
            db,
            published_by,
            note,
        )


@click.command()
@click.argument("instance", type=click.Path())
@click.argument("roster_file", metavar="ROSTER.csv", type=click.Path())
@click.argument("session")
@click.option(
    "--without",
    metavar="CLINICIAN",
    help="The clinician taken off the session (sick, away); takers have their role.",
)
@click.option(
    "--top", default=5, show_default=True, type=click.IntRange(min=1), help="Options to show."
)
@click.option(
    "--from",
    "start",
    help="Chains hand on no session starting before this (YYYY-MM-DD[THH:MM]) [the session's day].",
)
@click.option(
    "--apply",
    "choice",
    type=click.IntRange(min=1),
    metavar="N",
    help="Make option N (as numbered in the answer): write its roster to --out, publish it to "
    "--db, or both.",
)
@_store_options
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
def cover(
    instance: str,
    roster_file: str,
    session: str,
    without: str | None,
    top: int,
    start: str | None,
    choice: int | None,
    out_dir: str | None,
    db: str | None,
    published_by: str | None,
    note: str,
    as_json: bool,
) -> None:
    """Who can take SESSION now: first the clinicians who can take it directly (eligible, free,
    within every hard limit), ranked by the change in penalty; when none can, short chains (B
    takes the session and hands one of their sessions on to C). Every option shown is checked by
    the checker on the whole roster. With no option, says who is eligible and why each cannot.

    With --without, that clinician is taken off the session first, and what that alone breaks is
    shown apart; options are measured against the roster without them.

    Exit codes: 0 options found, 1 none, 2 bad input.

    \b
    Example:
      roster cover data/samples/hksh-affiliation-week out/hksh/roster.csv \\
        TUE-AM-HCC-CAR-CLINIC --without D03 --top 3
    """
    from roster.app.daily import CoverSettings, DailyError, Move, apply_moves
    from roster.app.daily import cover as run_cover

    moment = None
    if start is not None:
        try:
            moment = dt.datetime.fromisoformat(start)
        except ValueError:
            raise click.BadParameter(
                f"expected YYYY-MM-DD or YYYY-MM-DDTHH:MM, got '{start}'", param_hint="--from"
            ) from None
    if choice is not None and out_dir is None and db is None:
        raise click.UsageError("--apply needs --out DIR, --db DB or both")
    inst = load(instance, writes=choice is not None)
    given = _roster(inst, roster_file)
    try:
        answer = run_cover(inst, given, session, without, CoverSettings(top=top, start=moment))
    except DailyError as err:
        _fail(str(err))
    options = answer.options
    if as_json:
        click.echo(json.dumps(_cover_json(answer), indent=2))
    else:
        _print_cover(inst, answer)
    if not options:
        sys.exit(1)
    if choice is not None:
        if choice > len(options):
            _fail(f"--apply {choice}: there are only {len(options)} options")
        option = options[choice - 1]
        pairs = [p for p in given if without is None or p != (without, session)]
        moves = option.moves
        if without is not None:
            moves = (Move(without, session, "removed"), *moves)
        _make_change(
            instance,
            inst,
            given,
            apply_moves(pairs, option.moves),
            moves,
            "cover",
            answer.objective,
            out_dir,
            db,
            published_by,
            note,
        )


def _cover_json(answer: CoverAnswer) -> dict[str, Any]:
    def verdict(v: Verdict | None) -> dict[str, Any] | None:
        if v is None:
            return None
        return {
            "created": list(v.created),
            "ended": list(v.ended),
            "change": v.change,
            "change_by_rule": v.change_by_rule,
        }

    return {
        "session": answer.session,
        "without": answer.without,
        "roles": list(answer.roles),
        "objective": answer.objective,
        "leaving": verdict(answer.leaving),
        "options": [
            {
                "number": i,
                "taker": o.taker,
                "chain": o.chain,
                "moves": [m.__dict__ for m in o.moves],
                "objective": o.objective,
                **(verdict(o.verdict) or {}),
            }
            for i, o in enumerate(answer.options, 1)
        ],
        "searched_chains": answer.searched_chains,
        "why_not": list(answer.why_not),
    }


def _print_cover(inst: Instance, answer: CoverAnswer) -> None:
    s = inst.session_by_id[answer.session]
    roles = " or ".join(r.replace("_", " ") for r in answer.roles)
    head = f"Cover for {_what(s)}, a {roles}"
    if answer.without is not None:
        head += f", without {_who(inst, answer.without)}"
    click.echo(head + ":")
    base = answer.objective
    if answer.leaving is not None:
        left = answer.leaving
        click.echo(
            f"Taking {answer.without} off it: objective {base:,} -> {base + left.change:,} "
            f"({_by_rule(left.change_by_rule)})"
        )
        for v in left.created:
            click.echo(f"  it breaks: {v}")
        base += left.change
    for title, options, first in (
        ("Directly", answer.direct, 1),
        ("By a chain", answer.chains, len(answer.direct) + 1),
    ):
        if not options:
            continue
        click.echo(f"{title}, best first (change in penalty, then the objective):")
        for i, o in enumerate(options, first):
            steps = []
            for m in o.moves:
                if m.kind != "removed":
                    continue
                to = [n.clinician for n in o.moves if n.kind == "added" and n.session == m.session]
                steps.append(
                    f"{m.clinician} hands {m.session} on to {' and '.join(to)}"
                    if to
                    else f"{m.clinician} gives up {m.session}"
                )
            how = f" ({'; '.join(steps)})" if steps else ""
            click.echo(
                f"  {i}. {_who(inst, o.taker)} takes it{how}: {_signed(o.verdict.change)} -> "
                f"{o.objective:,}  [{_by_rule(o.verdict.change_by_rule)}]"
            )
            for v in o.verdict.ended:
                click.echo(f"     ends: {v}")
    if not answer.options:
        click.echo(f"Nobody can take {answer.session}:")
        for line in answer.why_not:
            click.echo(f"  - {line}")


COMMANDS: list[click.Command] = [swap, cover]
