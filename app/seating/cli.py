"""`flask seating solve`: the planner on the social golfer problem, from the command line
(operator output, in English).

    flask seating solve --groups 8 --size 4 --rounds 9 --seconds 20 [--seed N]

prints, as JSON on stdout, `{"rounds": [[[person, ...], ...], ...], "repeats": N,
"lower_bound": N, "seconds": T}`: G tables of S people (persons 0..G*S-1) over R rounds with no
history, `repeats` the pairs seated together again (counted once per extra round together),
`lower_bound` the repeats no plan can avoid (by counting), `seconds` the time taken. While it
runs, a progress line on stderr when stderr is a terminal. More rounds than the counting bound
(n - 1) / (S - 1) are allowed (repeats are then unavoidable; stderr says so).
"""

from __future__ import annotations

import json
import math
import sys

import click
from flask import Flask

MAX_PEOPLE = 1000
MAX_ROUNDS = 100
MAX_SECONDS = 3600.0


def solve(groups: int, size: int, rounds: int, seconds: float, seed: int, *, tty: bool) -> dict:
    from app.seating import planner

    problem = planner.golfer(groups, size)
    name = f"{groups}-{size}-{rounds}"

    def progress(p: planner.Progress) -> None:
        click.echo(f"\rround-robin {name}: {p.repeats_in_meeting} repeats after {p.seconds:.1f} s"
                   f" ({p.iterations} iterations)", err=True, nl=False)

    plan = planner.plan_tables(problem, rounds, seed=seed, seconds=seconds,
                               progress=progress if tty else None)
    if tty:
        click.echo("", err=True)
    return {
        "rounds": [[[int(p) for p in table] for table in tables] for tables in plan.rounds],
        "repeats": plan.quality.repeats,
        "lower_bound": plan.quality.lower_bound,
        "seconds": round(plan.seconds, 3),
    }


def init_app(app: Flask) -> None:
    """Register the commands."""

    @app.cli.group("seating")
    def seating_group():
        """The seating planner."""

    @seating_group.command("solve")
    @click.option("--groups", type=click.IntRange(1, MAX_PEOPLE), required=True,
                  help="Number of tables.")
    @click.option("--size", type=click.IntRange(1, MAX_PEOPLE), required=True,
                  help="People at each table.")
    @click.option("--rounds", type=click.IntRange(1, MAX_ROUNDS), required=True,
                  help="Number of rounds.")
    @click.option("--seconds", type=click.FloatRange(0, MAX_SECONDS, min_open=True), default=10.0,
                  show_default=True, help="Time limit (it stops earlier at zero repeats).")
    @click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=0, show_default=True,
                  help="Seed (the same seed and time may still give another plan: time-bound).")
    def solve_command(groups: int, size: int, rounds: int, seconds: float, seed: int):
        """Seat GROUPS tables of SIZE people over ROUNDS rounds so that as few pairs as possible
        meet twice (the social golfer problem); prints the plan as JSON."""
        if not math.isfinite(seconds):
            raise click.BadParameter("must be a number of seconds.", param_hint="'--seconds'")
        n = groups * size
        if n > MAX_PEOPLE:
            raise click.BadParameter(f"at most {MAX_PEOPLE} people (groups x size is {n}).",
                                     param_hint="'--groups' / '--size'")
        if size > 1 and n > 1 and rounds > (n - 1) // (size - 1):
            click.echo(f"Note: {rounds} rounds is more than the counting bound "
                       f"{(n - 1) // (size - 1)} for {groups} tables of {size}: "
                       "some repeats are unavoidable.", err=True)
        try:
            result = solve(groups, size, rounds, seconds, seed, tty=sys.stderr.isatty())
        except ValueError as error:
            raise click.UsageError(str(error)) from None
        click.echo(json.dumps(result, separators=(",", ":")))

    @seating_group.command("warm-up")
    def warm_up_command():
        """Compile the planner's search code, or load it from numba's cache, so that the first
        seating plan after a deploy gets its whole time limit. Run it once after each deploy, as
        the user the app runs as (the cache goes to app/seating/__pycache__ or NUMBA_CACHE_DIR)."""
        from app.seating import planner

        click.echo(f"Seating planner ready in {planner.warm_up():.1f} s.")
