"""Due dates, extensions and penalties as the configuration states them (no grading)."""

import datetime

import pytest
from traitlets import TraitError
from traitlets.config import Config

from course.nbgrader_plugins.late_policy import LatePolicy, LatePolicyError, parse_when

UTC = datetime.datetime


def policy(**settings):
    config = Config()
    for key, value in settings.items():
        config.LatePolicy[key] = value
    return LatePolicy(config=config)


@pytest.mark.parametrize("text, expected", [
    ("2026-10-19 23:59 Europe/Berlin", UTC(2026, 10, 19, 21, 59)),   # CEST, UTC+2
    ("2026-12-19 23:59 Europe/Berlin", UTC(2026, 12, 19, 22, 59)),   # CET, UTC+1
    ("2026-10-19T23:59:00+02:00", UTC(2026, 10, 19, 21, 59)),
    ("2026-10-19 23:59 UTC", UTC(2026, 10, 19, 23, 59)),
    ("2026-10-19 23:59", UTC(2026, 10, 19, 23, 59)),                  # default zone UTC
    ("2026-10-19T23-59", UTC(2026, 10, 19, 23, 59)),                  # in a file name
    ("2026-10-19_23-59-30 Europe/Berlin", UTC(2026, 10, 19, 21, 59, 30)),
])
def test_parse_when(text, expected):
    assert parse_when(text) == expected


def test_parse_when_default_zone_and_errors():
    assert parse_when("2026-10-19 12:00", "America/New_York") == UTC(2026, 10, 19, 16, 0)
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Base'"):
        parse_when("2026-10-19 12:00 Mars/Base")
    with pytest.raises(ValueError, match="write it like"):
        parse_when("next friday-ish")


@pytest.mark.parametrize("method, seconds, score, expected", [
    ("per_day", 0, 10, None),              # on time
    ("per_day", 1, 10, 1.0),               # a second late is a started day
    ("per_day", 86400, 10, 1.0),           # exactly one day
    ("per_day", 86401, 10, 2.0),
    ("per_day", 30 * 86400, 10, 10.0),     # capped at the whole score
    ("zero", 5, 7, 7),
    ("none", 10 * 86400, 10, None),
])
def test_penalties(method, seconds, score, expected):
    rule = policy(penalty=method, percent_per_day=10.0)
    assert rule.late_submission_penalty("s", score, seconds) == expected


def test_grace_minutes():
    rule = policy(penalty="zero", grace_minutes=5.0)
    assert rule.late_submission_penalty("s", 3, 299) is None
    assert rule.late_submission_penalty("s", 3, 301) == 3


def test_extensions_days_or_dates():
    rule = policy(due_dates={"a": "2026-10-19 23:59 UTC"},
                  extensions={"a": {"s1": 2, "s2": "2026-10-20 11:59 UTC", "s3": 0.5}})
    assert rule.extension("a", "s1") == datetime.timedelta(days=2)
    assert rule.extension("a", "s2") == datetime.timedelta(hours=12)
    assert rule.extension("a", "s3") == datetime.timedelta(hours=12)
    assert rule.extension("a", "nobody") is None
    assert rule.check(["a"]) == []


def test_configuration_mistakes_are_named():
    rule = policy(due_dates={"a": "soon", "typo": "2026-10-19 23:59 UTC"},
                  extensions={"a": {"s1": -1}, "b": {"s2": "2026-10-01 10:00"}})
    problems = "\n".join(rule.check(["a", "b"]))
    assert "'typo', which is not an assignment" in problems
    assert "LatePolicy.due_dates['a']: cannot read the time 'soon'" in problems
    assert "extensions['b']['s2']: 'b' has no due date" in problems
    with pytest.raises(LatePolicyError, match="before the due date"):
        policy(due_dates={"a": "2026-10-19 23:59 UTC"},
               extensions={"a": {"s": "2026-10-18 10:00 UTC"}}).extension("a", "s")
    with pytest.raises(TraitError, match="0..100"):
        policy(percent_per_day=150.0)
    with pytest.raises(TraitError):
        policy(penalty="half")
