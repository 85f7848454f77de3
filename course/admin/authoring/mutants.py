"""`python -m course mutants ASSIGNMENT`: how many small bugs the hidden tests catch.

Every solution region of the assignment's source notebooks is mutated
(course.admin.authoring.mutate: operator swaps, constants, axis, keepdims, ...). Each mutant
is run as the autograder runs a submission: the source notebook, so hidden
tests included, with the reference answers in every solution cell but the
mutated one, cells tagged ``skip-when-grading`` left out, in a fresh kernel
with a per-cell timeout. Each test cell is then scored by nbgrader's own rule
(``nbgrader.utils.determine_grade``, after the course's ``IgnorePattern``):
a mutant is *killed* when any test cell scores less than it does for the
reference, or the kernel dies.

A mutant's run stops at the first test cell that loses points (the reference is checked to
get every test cell's points, so that cell already kills it): the cells below it, a CNN's
training for instance, are not run. So in this mode `killed_by` names that first test cell
only, not every test the mutant would fail; ``--exact`` grades whole notebooks and names all.

Why the source notebook and not ``course.admin.grading.pipeline.grade`` by default: the
whole pipeline (generate, gradebook, sandbox, autograde) took about 10 s per
submission on the 2 shared cores here against 3 to 9 s for running the
notebook alone, and a full run has hundreds of mutants. The cells run, and
how they are scored, are the autograder's; what is left out is the
bookkeeping around them. ``--exact`` grades every mutant through
``course.admin.grading.pipeline.grade`` instead (tests/test_mutants.py checks that both
judge the mutants of a small course alike).

score = killed / (all - equivalent). Mutants judged equivalent are listed,
with their reasons, in ``source/<assignment>/mutants_equivalent.txt``::

    # mutant id                        why
    sigmoid_forward:compare:66f89b03   x >= 0 or x > 0 differ only at x == 0, where both branches give 0.5

An entry that matches no mutant any more is reported as stale.
"""

import copy
import os
import random
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from course.admin.authoring import mutate
from course.admin.course_dir import CourseError, notebooks
from course.nbgrader_plugins import cells

# nbformat, nbclient and nbgrader are imported where they are used: `mutants --help`
# answers without them (tests/test_cli.py).

EQUIVALENT_FILE = "mutants_equivalent.txt"
DEFAULT_TIMEOUT = 30


@dataclass
class Outcome:
    """What happened to one mutant when its notebook ran."""
    mutant: mutate.Mutant
    killed: bool
    killed_by: list = field(default_factory=list)   # test grade ids that lost points
    note: str = ""                                  # a crash, a timeout
    seconds: float = 0.0
    cells_run: int = 0                              # code cells executed (direct mode)
    stopped: bool = False                           # the run stopped at killed_by[0]


@dataclass
class Report:
    assignment: str
    total: int                  # every mutant of the assignment
    equivalent: dict            # id -> reason, for listed ids that match a mutant
    stale: dict                 # id -> reason, for listed ids that match none
    outcomes: list              # [Outcome] of the mutants that ran
    seconds: float

    @property
    def killed(self):
        return [o for o in self.outcomes if o.killed]

    @property
    def survivors(self):
        return [o for o in self.outcomes if not o.killed]

    @property
    def score(self):
        return len(self.killed) / len(self.outcomes) if self.outcomes else 1.0


def read_equivalent(path):
    """{mutant id: reason} from a mutants_equivalent.txt ('#' starts a comment)."""
    path = Path(path)
    if not path.is_file():
        return {}
    result = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        if len(parts) < 2:
            raise CourseError(f"{path}:{number}: {parts[0]!r} has no reason. Each line is "
                              "'<mutant id> <why it cannot change any grade>'.")
        result[parts[0]] = parts[1].strip()
    return result


def all_mutants(root, assignment):
    """[Mutant] of every source notebook of an assignment, in notebook order."""
    import nbformat

    result = []
    for path in notebooks(Path(root) / "source" / assignment):
        result += mutate.mutants_of_notebook(nbformat.read(path, as_version=4), path.name)
    return result


def sample(mutants, max_count=None, seed=0):
    """At most max_count mutants, drawn by seed from the id-sorted list (so the same
    ids come back whatever order they were made in), kept in notebook order."""
    if max_count is None or max_count >= len(mutants):
        return list(mutants)
    chosen = set(random.Random(seed).sample(sorted(m.id for m in mutants), max_count))
    return [m for m in mutants if m.id in chosen]


def _ignore_pattern(root):
    """The course's IgnorePattern setting (stderr warnings that do not cost points)."""
    from course.admin.grading.pipeline import load_config

    config = load_config(root)
    section = config.get("IgnorePattern", {})
    return section.get("pattern", "") if section.get("enabled", False) else ""


def grading_notebook(source_nb, mutant=None):
    """The source notebook as the autograder runs it, with one solution cell mutated:
    skip-when-grading cells removed. Returns a new notebook."""
    from course.nbgrader_plugins.execute import skipped_when_grading

    nb = copy.deepcopy(source_nb)
    if mutant is not None:
        nb.cells[mutant.cell_index].source = mutant.mutated
    nb.cells = [c for c in nb.cells if not skipped_when_grading(c)]
    return nb


def cell_points(cell, ignore_pattern=""):
    """Points of one executed test cell by nbgrader's rule (determine_grade), stderr output
    that matches the course's IgnorePattern dropped first (from the cell itself, as the
    course's IgnorePattern preprocessor does)."""
    import re

    from nbgrader.utils import determine_grade

    if ignore_pattern:
        cell.outputs = [o for o in cell.outputs
                        if not (o.output_type == "stream" and o.name == "stderr"
                                and re.search(ignore_pattern, o.text))]
    return determine_grade(cell)[0]


def cell_scores(nb, ignore_pattern=""):
    """{test grade_id: points} by nbgrader's rule for an executed notebook."""
    return {cells.grade_id(cell): cell_points(cell, ignore_pattern) for cell in nb.cells
            if cell.cell_type == "code" and cells.is_test(cell)}


def _client_class():
    from nbclient import NotebookClient

    class Client(NotebookClient):
        """nbclient's client whose kernel talks over ipc sockets in the scratch folder:
        no TCP port to race for, and no warning on stderr about unencrypted TCP.

        It scores each test cell as soon as it has run (`scores`, by cell_points); with
        `stop_early`, the first test cell below its maximum ends the run: the cells after
        it are passed over unexecuted (`stopped_at` names it)."""
        socket_prefix = None
        ignore_pattern = ""
        stop_early = False

        def reset_execution_trackers(self):
            super().reset_execution_trackers()
            self.scores, self.stopped_at = {}, None

        def create_kernel_manager(self):
            km = super().create_kernel_manager()
            km.transport, km.ip = "ipc", self.socket_prefix
            return km

        async def async_execute_cell(self, cell, cell_index, execution_count=None,
                                     store_history=True):
            if self.stopped_at is not None:
                return cell
            cell = await super().async_execute_cell(cell, cell_index, execution_count,
                                                    store_history)
            if cell.cell_type == "code" and cells.is_test(cell) and cell.source.strip():
                gid = cells.grade_id(cell)
                self.scores[gid] = cell_points(cell, self.ignore_pattern)
                if self.stop_early and self.scores[gid] < cells.points(cell):
                    self.stopped_at = gid
            return cell

    return Client


@dataclass
class Run:
    """One notebook's run: the points of each test cell that ran, and how it ended."""
    scores: dict            # {test grade_id: points}, the test cells that ran only
    note: str = ""          # why the kernel stopped (died, a cell could not be interrupted)
    cells_run: int = 0      # code cells executed
    stopped_at: str = ""    # stop_early: the first test cell that lost points, where it stopped


def run_notebook(nb, folder, timeout, ignore_pattern="", stop_early=False):
    """Execute nb in a fresh kernel in a scratch copy of `folder`; a Run.

    stop_early: stop at the first test cell that scores below its maximum (`cells.points`);
    the test cells after it are not run and are missing from Run.scores."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    # One BLAS thread per kernel: the workers already use every core given.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    note = ""
    with tempfile.TemporaryDirectory(prefix="mutant-") as scratch:
        for item in Path(folder).iterdir():  # the assignment's other files (e.g. layers.py)
            if item.suffix != ".ipynb" and item.name != EQUIVALENT_FILE:
                (shutil.copytree if item.is_dir() else shutil.copy2)(item, Path(scratch) / item.name)
        client = _client_class()(nb, kernel_name="python3", timeout=timeout, allow_errors=True,
                                 interrupt_on_timeout=True,
                                 resources={"metadata": {"path": scratch}})
        client.socket_prefix = str(Path(scratch) / "kernel")
        client.ignore_pattern, client.stop_early = ignore_pattern, stop_early
        try:
            client.execute()
        except DeadKernelError as err:
            note = f"the kernel died: {err}"
        except CellTimeoutError as err:
            note = f"a cell ran past {timeout} s and could not be interrupted: {err}"
    return Run(client.scores, note, client.code_cells_executed, client.stopped_at or "")


def _run_one(source_path, mutant, timeout, ignore_pattern, stop_early):
    """Runs in a worker process: one notebook, mutated or not (mutant None).

    Returns (source_path, mutant, Run, seconds)."""
    import nbformat

    start = time.perf_counter()
    source_nb = nbformat.read(source_path, as_version=4)
    run = run_notebook(grading_notebook(source_nb, mutant), Path(source_path).parent,
                       timeout, ignore_pattern, stop_early)
    return source_path, mutant, run, round(time.perf_counter() - start, 1)


def _check_reference(path, scores, note):
    """Raise CourseError unless the unmutated notebook at `path` got every test cell's points:
    a mutant is judged against it."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    maximum = {cells.grade_id(c): cells.points(c) for c in nb.cells if cells.is_test(c)}
    short = {gid: (scores.get(gid), m) for gid, m in maximum.items() if (scores.get(gid) or 0) < m}
    if note or short:
        raise CourseError(f"the reference solution of {path} does not get full marks "
                          f"({note or short}): fix the notebook before measuring its tests.")


def measure(root, assignment, max_count=None, seed=0, workers=1, timeout=DEFAULT_TIMEOUT,
            progress=True, exact=False, ids=None, stop_early=True):
    """Run the (sampled) mutants of one assignment; a Report.

    ids: run only the mutants with these ids (a CourseError names any that match none);
    --max then samples among them.
    stop_early: a mutant's notebook stops at its first test cell that loses points (see the
    module's docstring); False runs every cell. Direct mode only.
    exact: grade each mutant through course.admin.grading.pipeline.grade in a scratch course (the
    autograder itself, sandbox and gradebook included; timeout from nbgrader_config.py)
    instead of running the source notebook directly."""
    start = time.perf_counter()
    # A snapshot of the assignment: the notebooks may be edited while this runs, and
    # each worker must read the very cells the mutants were made from.
    with tempfile.TemporaryDirectory(prefix="mutants-") as snapshot:
        root, snapshot = Path(root), Path(snapshot)
        shutil.copytree(root / "source" / assignment, snapshot / "source" / assignment)
        shutil.copy2(root / "nbgrader_config.py", snapshot / "nbgrader_config.py")
        mutants = all_mutants(snapshot, assignment)
        if not mutants:
            raise CourseError(f"source/{assignment} has no solution region to mutate")
        listed = read_equivalent(snapshot / "source" / assignment / EQUIVALENT_FILE)
        existing = {m.id for m in mutants}
        equivalent = {i: r for i, r in listed.items() if i in existing}
        stale = {i: r for i, r in listed.items() if i not in existing}
        candidates = [m for m in mutants if m.id not in equivalent]
        if ids:
            unknown = sorted(set(ids) - {m.id for m in candidates})
            if unknown:
                raise CourseError(f"no mutant of {assignment} to run has the id(s) {', '.join(unknown)} "
                                  "(listed as equivalent, or the code changed?)")
            candidates = [m for m in candidates if m.id in set(ids)]
        chosen = sample(candidates, max_count, seed)
        if exact:
            outcomes = _run_through_pipeline(snapshot, assignment, chosen, workers, timeout, progress)
        else:
            outcomes = _run_directly(snapshot, assignment, chosen, workers, timeout, progress,
                                     stop_early)
    order = {m.id: i for i, m in enumerate(chosen)}
    outcomes.sort(key=lambda o: order[o.mutant.id])
    return Report(assignment, len(mutants), equivalent, stale, outcomes,
                  round(time.perf_counter() - start, 1))


def _run_directly(root, assignment, chosen, workers, timeout, progress, stop_early=True):
    """[Outcome]: the unmutated notebooks and each mutant's notebook, each run in its own
    kernel, `workers` at once; a mutant is killed if a test cell scores less than in the
    unmutated run (which runs alongside the mutants, not before them, and runs whole).
    With stop_early a mutant's run ends at its first test cell below that cell's maximum,
    which the reference must reach: killed_by is then that one cell."""
    from tqdm.auto import tqdm

    pattern = _ignore_pattern(root)
    folder = root / "source" / assignment
    jobs = [(str(path), None, timeout, pattern, False) for path in notebooks(folder)]
    jobs += [(str(folder / m.notebook), m, timeout, pattern, stop_early) for m in chosen]
    bar = tqdm(total=len(jobs), desc=f"mutants {assignment}", unit="nb", disable=not progress)
    runs = []
    if workers <= 1:
        for job in jobs:
            runs.append(_run_one(*job))
            bar.update()
    else:
        import multiprocessing

        # spawn: a forked copy of a process that has talked to a kernel is not safe to reuse
        with ProcessPoolExecutor(max_workers=workers,
                                 mp_context=multiprocessing.get_context("spawn")) as pool:
            for future in as_completed([pool.submit(_run_one, *job) for job in jobs]):
                runs.append(future.result())
                bar.update()
    bar.close()
    reference = {}
    for path, mutant, run, _ in runs:
        if mutant is None:
            _check_reference(path, run.scores, run.note)
            reference[Path(path).name] = run.scores
    outcomes = []
    for path, mutant, run, seconds in runs:
        if mutant is not None:
            # Only the test cells that ran: a stopped run's later cells were not.
            lost = [gid for gid, points in reference[mutant.notebook].items()
                    if gid in run.scores and run.scores[gid] < points]
            outcomes.append(Outcome(mutant, killed=bool(lost or run.note), killed_by=lost,
                                    note=run.note, seconds=seconds, cells_run=run.cells_run,
                                    stopped=bool(run.stopped_at)))
    return outcomes


_SCORED = ("graded", "flagged")  # course.nbgrader_plugins.statuses: statuses whose scores stand as computed


def _run_through_pipeline(root, assignment, chosen, workers, timeout, progress):
    """[Outcome]: every mutant handed in as a student's submission and autograded by
    course.admin.grading.pipeline.grade in the scratch course at `root` (release generated there)."""
    from course.admin.results import grades
    from course.admin.grading import pipeline
    from course.admin.authoring import samples

    pipeline.generate(root, assignment)
    students = {"reference": None}
    for number, m in enumerate(chosen, start=1):
        students[f"mutant-{number:04d}"] = m
    for student, m in students.items():
        edits = [] if m is None else [(m.grade_id, None, samples.strip_markers(m.mutated))]
        samples.write_submission(root, assignment, student,
                                 samples.submission_notebooks(root, assignment, edits, label=student))
    # force: every mutant is graded now, never skipped as unchanged (its seconds are measured)
    results = {r.student: r for r in pipeline.grade(root, assignment, list(students),
                                                       workers=workers, progress=progress, force=True)}
    scores = {row["student"]: row["scores"] for row in grades.scores(root, [assignment])}
    reference = scores.get("reference", {})
    short = {gid: v for gid, v in reference.items() if v is None}
    maximum = dict(grades.problems(root, assignment))
    short.update({gid: v for gid, v in reference.items() if v is not None and v < maximum[gid]})
    if results["reference"].status not in _SCORED or short:
        raise CourseError(f"the reference solution of {assignment} does not get full marks when "
                          f"autograded ({results['reference'].status}, {short or 'all points'}): "
                          "fix the notebook before measuring its tests.")
    outcomes = []
    for student, m in students.items():
        if m is None:
            continue
        mine = scores.get(student, {})
        lost = [gid for gid, points in reference.items() if (mine.get(gid) or 0) < points]
        result = results[student]
        note = "" if result.status in _SCORED else f"status {result.status}"
        outcomes.append(Outcome(m, killed=bool(lost or note), killed_by=lost, note=note,
                                seconds=result.seconds))
    return outcomes


def _where(assignment, m):
    return f"source/{assignment}/{m.notebook} cell {m.cell_index} ({m.grade_id}) line {m.line}"


def _indent(text, prefix="      "):
    return "\n".join(prefix + line for line in text.splitlines())


def format_report(report):
    """The text the command prints: killed, survivors with diffs, equivalents, stale, score."""
    out = []
    a = report.assignment
    for o in report.killed:
        why = ("lost points in " + ", ".join(o.killed_by)) if o.killed_by else ""
        if o.stopped:
            why += " (the first test cell to lose points: its run stopped there)"
        why = "; ".join(x for x in (why, o.note) if x)
        out.append(f"KILLED   {o.mutant.id}  {_where(a, o.mutant)}: {why}")
        out.append(_indent("\n".join(mutate.small_diff(o.mutant.original, o.mutant.mutated,
                                                       context=0).splitlines()[3:])))
    for o in report.survivors:
        out.append(f"SURVIVED {o.mutant.id}  {_where(a, o.mutant)}: every test cell kept its points")
        out.append(_indent("\n".join(o.mutant.diff.splitlines()[2:])))
    for i, reason in sorted(report.equivalent.items()):
        out.append(f"EQUIVALENT {i}: {reason}")
    for i, reason in sorted(report.stale.items()):
        out.append(f"STALE    {i} in source/{a}/{EQUIVALENT_FILE} matches no mutant any more "
                   f"(the code changed?): remove the line, or find the mutant's new id ({reason})")
    run = len(report.outcomes)
    sample_note = f" (a sample of {run}, --max/--seed)" if run + len(report.equivalent) < report.total else ""
    out.append(f"{a}: {report.total} mutants, {len(report.equivalent)} equivalent, {run} run{sample_note}: "
               f"{len(report.killed)} killed, {len(report.survivors)} survived; "
               f"score {len(report.killed)}/{run} = {100 * report.score:.1f}% "
               f"(killed / (all - equivalent)), {report.seconds:.0f} s")
    if report.survivors:
        out.append("A survivor is a change to the reference that no test notices: add or sharpen a "
                   "hidden test that fails for it, or, if it cannot change any result the assignment "
                   f"allows, list its id with the reason in source/{a}/{EQUIVALENT_FILE} "
                   "(AUTHORING.md, 'Mutation score').")
    return "\n".join(out)


def cmd_mutants(args):
    from course.admin.course_dir import chosen_assignments

    chosen_assignments(args.root, [args.assignment])
    report = measure(args.root, args.assignment, max_count=args.max, seed=args.seed,
                     workers=args.workers, timeout=args.timeout, exact=args.exact, ids=args.id)
    print(format_report(report))
    return 1 if report.survivors or report.stale else 0


def add_commands(sub):
    p = sub.add_parser("mutants", help="mutation score of an assignment's hidden tests")
    p.add_argument("assignment")
    p.add_argument("--id", action="append", metavar="ID",
                   help="run only this mutant (repeat for more), e.g. the survivors of a full run")
    p.add_argument("--max", type=int, default=None, help="run at most N mutants, sampled by --seed")
    p.add_argument("--seed", type=int, default=0, help="seed of the --max sample (default 0)")
    p.add_argument("--workers", type=int, default=1, help="kernels at once (default 1)")
    p.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT,
                   help=f"seconds per cell before a mutant's cell is interrupted (default {DEFAULT_TIMEOUT})")
    p.add_argument("--exact", action="store_true",
                   help="grade each mutant through the whole autograding pipeline (sandbox, "
                        "gradebook) in a scratch course: slower, the autograder itself")
    p.set_defaults(func=cmd_mutants)
