"""`flask seating solve`: the social golfer problem from the command line, as JSON."""

from __future__ import annotations

import json
from itertools import combinations

import pytest


def solve(runner, *args: str):
    return runner.invoke(args=["seating", "solve", *args])


def test_solves_kirkman_schoolgirls(runner):
    result = solve(runner, "--groups", "5", "--size", "3", "--rounds", "7", "--seconds", "60",
                   "--seed", "4")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"rounds", "repeats", "lower_bound", "seconds"}
    assert data["repeats"] == 0 and data["lower_bound"] == 0
    assert len(data["rounds"]) == 7
    pairs = []
    for tables in data["rounds"]:
        assert sorted(p for t in tables for p in t) == list(range(15))
        assert all(len(t) == 3 for t in tables)
        pairs += [tuple(sorted(p)) for t in tables for p in combinations(t, 2)]
    assert len(pairs) == len(set(pairs))
    assert result.stderr == ""  # no progress line when stderr is not a terminal


def test_more_rounds_than_possible_says_so(runner):
    result = solve(runner, "--groups", "4", "--size", "3", "--rounds", "6", "--seconds", "0.5")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["lower_bound"] == 6
    assert data["repeats"] >= 6
    assert "counting bound 5" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--groups", "0", "--size", "3", "--rounds", "2"], "--groups"),
    (["--groups", "3", "--size", "-1", "--rounds", "2"], "--size"),
    (["--groups", "3", "--size", "3", "--rounds", "0"], "--rounds"),
    (["--groups", "3", "--size", "3", "--rounds", "2", "--seconds", "0"], "--seconds"),
    (["--groups", "3", "--size", "3", "--rounds", "2", "--seconds", "-5"], "--seconds"),
    (["--groups", "3", "--size", "3", "--rounds", "2", "--seconds", "nan"], "--seconds"),
    (["--groups", "999", "--size", "999", "--rounds", "2"], "at most 1000 people"),
    (["--groups", "99999999999999999999", "--size", "3", "--rounds", "2"], "--groups"),
    (["--groups", "3", "--size", "3", "--rounds", "2", "--seed", "x"], "--seed"),
    (["--size", "3", "--rounds", "2"], "--groups"),
    (["--groups", "500", "--size", "2", "--rounds", "50"], "Too large to plan"),
])
def test_bad_input_is_a_clear_error(runner, args, message):
    result = solve(runner, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_warm_up_readies_the_planner(runner):
    result = runner.invoke(args=["seating", "warm-up"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Seating planner ready in ")
