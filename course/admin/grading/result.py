"""One submission's grading result, the one type every grading path returns.

``autograde.autograde_one`` builds it for a submission nbgrader ran on (or refused),
:func:`failed` for one whose grading failed on every attempt; local processes
(``pool``), Dask workers (``scale``) and the command line all pass it on as it is.
"""

from dataclasses import asdict, dataclass, field

FAILED = "failed"  # every attempt to grade the submission failed (not the student's fault)


@dataclass
class GradingResult:
    """student, assignment: ids; status: graded, flagged, not graded, crashed, timed out,
    time budget exhausted, needs manual grading or failed (course.nbgrader_plugins.statuses);
    notes: what the instructor should know, one sentence each; sandboxed: whether student
    code ran in the sandbox (None when none ran); success: nbgrader's autograde ran;
    seconds: wall time of this attempt; log: nbgrader's error and log when it failed."""

    student: str
    assignment: str
    status: str
    notes: list = field(default_factory=list)
    sandboxed: bool | None = None
    success: bool = False
    seconds: float = 0.0
    log: str = ""
    worker: str = ""  # the machine that graded it (Dask workers fill it in)
    # Unchanged since its last grading, not graded again (course.admin.grading.incremental):
    # its status and notes are the recorded ones.
    skipped: bool = False
    # A shipped submission's autograded files ({relative path: bytes}) on their way back
    # from a Dask worker; taken off on arrival.
    files: dict | None = field(default=None, repr=False)

    def status_record(self):
        """What the assignment's status file keeps of it."""
        return {"status": self.status, "notes": list(self.notes), "sandboxed": self.sandboxed}

    def as_dict(self):
        return asdict(self)


def failed(student, assignment, error):
    """The result of a submission whose grading raised (or whose worker died) on every attempt."""
    text = f"{type(error).__name__}: {error}".strip()
    return GradingResult(student, assignment, FAILED, sandboxed=None, log=text,
                         notes=[f"grading failed on every attempt, grade it again "
                                f"({text.splitlines()[0][:300]})"])


def summary_lines(assignment, results, wall=None):
    """The terminal summary of a grading run: a count per status, a warning when student code
    ran unsandboxed, and a line per submission that is not plainly graded. wall: the run's
    wall time in seconds (the summary then gives the rate), else the sum of the attempts'."""
    skipped = [r for r in results if r.skipped]
    results = [r for r in results if not r.skipped]
    counts = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    if wall is None:
        took = f"({sum(r.seconds for r in results):.1f} s of grading)"
    else:
        took = f"in {wall:.1f} s ({60 * len(results) / wall if wall > 0 else 0:.1f}/min)"
    lines = [f"{assignment}: {len(results)} submissions {took}"
             + (": " + ", ".join(f"{n} {name}" for name, n in sorted(counts.items())) if counts else "")]
    if skipped:
        lines.append(f"  {len(skipped)} unchanged since their last grading (same files, release and "
                     "configuration): not graded again, their statuses stand (--force grades them again)")
    unsandboxed = sum(1 for r in results if r.sandboxed is False)
    if unsandboxed:
        lines.append(f"  WARNING: student code ran UNSANDBOXED on {unsandboxed} submission(s) "
                     "(it could read source/ and the gradebook); their notes say so. Where that "
                     "was not meant: make system-deps on every grading machine, then "
                     "python -m course.sandbox_kernel.host check")
    for r in results:
        if r.status != "graded":
            # ids come from folder names: escape them, a name may carry terminal escapes
            student = r.student if r.student.isprintable() else ascii(r.student)
            lines.append(f"  {student}: {r.status}" + (f" ({'; '.join(r.notes)})" if r.notes else ""))
    return lines


def any_failed(results):
    """True when some submission's grading failed (the command's exit status says so)."""
    return any(r.status == FAILED for r in results)
