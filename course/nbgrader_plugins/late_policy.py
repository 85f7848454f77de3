"""nbgrader's late-submission plugin: due dates, extensions and the penalty, from the configuration.

``c.AssignLatePenalties.plugin_class = "course.nbgrader_plugins.late_policy.LatePolicy"``
makes nbgrader's autograde ask :class:`LatePolicy` for each late notebook's penalty.
The command line around it (``python -m course late``, the export's lateness columns)
is ``course.admin.distribution.late``; the rules are described there.
"""

import datetime
import math
import re

from dateutil import parser as date_parser
from dateutil import tz as date_tz
from nbgrader.plugins import BasePlugin
from traitlets import Bool, Dict, Enum, Float, TraitError, Unicode, validate

DAY = 86400.0
EXAMPLE = "'2026-10-19 23:59 Europe/Berlin'"
FILE_NAME_TIME = re.compile(r"^(?P<date>\d{4}-\d\d-\d\d)[T _](?P<h>\d\d)-(?P<m>\d\d)(?:-(?P<s>\d\d))?$")


class LatePolicyError(ValueError):
    """A due date or an extension in the configuration that cannot be read; the message
    names the setting."""


def parse_when(text, default_zone="UTC"):
    """A naive UTC datetime from '2026-10-19 23:59 Europe/Berlin', an ISO string
    with an offset, a file-name time '2026-10-19T23-59', or a zone-less time
    read in default_zone. Raises ValueError."""
    if isinstance(text, datetime.datetime):
        moment = text
    else:
        text = str(text).strip()
        zone = None
        head, _, last = text.rpartition(" ")
        if head and ("/" in last or last.upper() in ("UTC", "GMT", "Z")):
            zone = date_tz.gettz(last)
            if zone is None:
                raise ValueError(f"unknown time zone {last!r} in {text!r}")
            text = head
        # File names cannot hold ':', so times in them are written 23-59 or 23-59-30.
        m = FILE_NAME_TIME.match(text)
        if m:
            text = f"{m['date']} {m['h']}:{m['m']}:{m['s'] or '00'}"
        try:
            moment = date_parser.parse(text)
        except (ValueError, OverflowError) as err:
            raise ValueError(f"cannot read the time {text!r} ({err}); write it like {EXAMPLE}") from None
        if zone is not None:
            if moment.tzinfo is not None:
                raise ValueError(f"{text!r} gives both an offset and a zone name")
            moment = moment.replace(tzinfo=zone)
    if moment.tzinfo is None:
        zone = date_tz.gettz(default_zone)
        if zone is None:
            raise ValueError(f"unknown time zone {default_zone!r} (LatePolicy.timezone)")
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)


class LatePolicy(BasePlugin):
    """Due dates, extensions and the late penalty; nbgrader's late-submission plugin."""

    due_dates = Dict(
        help="{assignment: due date}, e.g. '2026-10-19 23:59 Europe/Berlin'. An "
             "assignment without one has no late work.").tag(config=True)
    extensions = Dict(
        help="{assignment: {student: days (a number) or a new due date (a string)}}"
    ).tag(config=True)
    timezone = Unicode("UTC", help="Zone of due dates written without one.").tag(config=True)
    penalty = Enum(("none", "zero", "per_day"), default_value="none",
                   help="What a late submission costs.").tag(config=True)
    percent_per_day = Float(10.0, help="per_day: percent of the score per started day late."
                            ).tag(config=True)
    grace_minutes = Float(0.0, help="Submissions at most this late count as on time."
                          ).tag(config=True)
    check_submission_times = Bool(
        True, help="collect sets aside exchange submissions whose recorded time the files "
                   "contradict (backdated or dated in the future).").tag(config=True)

    @validate("percent_per_day")
    def _check_percent(self, proposal):
        if not 0 <= proposal["value"] <= 100:
            raise TraitError(f"LatePolicy.percent_per_day must be in 0..100, got {proposal['value']}")
        return proposal["value"]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Inside nbgrader's autograde the parent is the AssignLatePenalties
        # preprocessor, which has just been told the submission it works on and
        # reads the due date from the gradebook right after this: write the
        # configured due date and extension there first.
        parent = kwargs.get("parent")
        needed = ("assignment_id", "student_id", "db_url")
        if parent is not None and all(getattr(parent, name, None) for name in needed):
            from nbgrader.api import Gradebook

            course = parent.config.CourseDirectory.get("course_id", "default_course")
            with Gradebook(parent.db_url, course) as gb:
                self.sync(gb, parent.assignment_id, parent.student_id)

    # -- reading the configuration -------------------------------------------
    def due_date(self, assignment):
        """Naive UTC due date of an assignment, or None."""
        if assignment not in self.due_dates:
            return None
        try:
            return parse_when(self.due_dates[assignment], self.timezone)
        except ValueError as err:
            raise LatePolicyError(f"LatePolicy.due_dates[{assignment!r}]: {err}") from None

    def extension(self, assignment, student):
        """The student's extension (a timedelta) or None."""
        given = self.extensions.get(assignment, {}).get(student)
        if given is None:
            return None
        where = f"LatePolicy.extensions[{assignment!r}][{student!r}]"
        if isinstance(given, (int, float)) and not isinstance(given, bool):
            if given < 0:
                raise LatePolicyError(f"{where}: {given} days is negative")
            return datetime.timedelta(days=given)
        due = self.due_date(assignment)
        if due is None:
            raise LatePolicyError(f"{where}: {assignment!r} has no due date in LatePolicy.due_dates")
        try:
            new_due = parse_when(given, self.timezone)
        except ValueError as err:
            raise LatePolicyError(f"{where}: {err}") from None
        if new_due < due:
            raise LatePolicyError(f"{where}: {given!r} is before the due date {due:%Y-%m-%d %H:%M} UTC")
        return new_due - due

    def check(self, known_assignments):
        """Problems with the configuration, as sentences ([] when all is well)."""
        problems = []
        for name in sorted(set(self.due_dates) | set(self.extensions)):
            if name not in known_assignments:
                problems.append(f"LatePolicy names {name!r}, which is not an assignment in source/ "
                                f"(known: {', '.join(known_assignments)})")
        for name in self.due_dates:
            try:
                self.due_date(name)
            except LatePolicyError as err:
                problems.append(str(err))
        for name, students in self.extensions.items():
            if not isinstance(students, dict):
                problems.append(f"LatePolicy.extensions[{name!r}] must be {{student: days or date}}")
                continue
            for student in students:
                try:
                    self.extension(name, student)
                except LatePolicyError as err:
                    problems.append(str(err))
        return problems

    def describe(self):
        if self.penalty == "per_day":
            rule = f"{self.percent_per_day:g}% of the score per started day late"
        elif self.penalty == "zero":
            rule = "a late submission scores 0"
        else:
            rule = "no penalty (lateness is only reported)"
        if self.grace_minutes:
            rule += f", after {self.grace_minutes:g} minutes of grace"
        return rule

    # -- the penalty (called by nbgrader's AssignLatePenalties) ---------------
    def days_charged(self, seconds_late):
        """Started days late, after the grace period (0 when on time)."""
        if seconds_late <= self.grace_minutes * 60:
            return 0
        return math.ceil(seconds_late / DAY)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        """Points to take off one notebook's score; None for no penalty."""
        days = self.days_charged(total_seconds_late)
        if days == 0 or self.penalty == "none":
            return None
        if self.penalty == "zero":
            return score
        return min(score, score * days * self.percent_per_day / 100.0)

    # -- the gradebook --------------------------------------------------------
    def sync(self, gb, assignment, student=None):
        """Write the due date and extensions of an assignment into the gradebook
        (for one student, or every submission). An assignment without a
        configured due date is left as it is (a date set elsewhere stays)."""
        if assignment not in self.due_dates:
            return
        gb.update_or_create_assignment(assignment, duedate=self.due_date(assignment))
        if student is not None:
            submissions = [gb.find_submission(assignment, student)]
        else:
            submissions = list(gb.assignment_submissions(assignment))
        for sub in submissions:
            sub.extension = self.extension(assignment, sub.student_id)
        gb.db.commit()
