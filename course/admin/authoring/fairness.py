"""`python -m course fairness ASSIGNMENT`: does a mistake cost points outside its own exercise?

Grades variants of the reference (course.admin.authoring.variants) as students' submissions,
through the real autograder (course.admin.grading.pipeline.grade, hidden tests included),
in a scratch copy of the course, and checks for each that only the test cells it may cost
lost points:

- leave-one-out: one solution cell as released, raising NotImplementedError;
- break-one: one solution function returning zeros of the right shapes;
- helper-names: helpers named like the tests' variables, called by every solution;
- extra-output: print, sys.stderr, logging and warnings.warn from every solution function;
  these keep full marks and must also pass `nbgrader validate` (as a student runs it).

The test cells a solution cell may cost are the catalogue's EXERCISES (which test cells
grade which solution cells) plus its INTEGRATION list (checks the notebook announces as
using several exercises), in catalogues/<assignment>.py.
"""

import os
import random
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course.admin.authoring import samples, variants
from course.admin.course_dir import CourseError, notebooks
from course.nbgrader_plugins import cells
from course.nbgrader_plugins.execute import skipped_when_grading

KINDS = ("leave-one-out", "break-one", "helper-names", "extra-output")
_SCORED = ("graded", "flagged")


@dataclass
class Outcome:
    variant: variants.Variant
    lost: set            # test cells below their maximum
    failed_validate: dict  # {grade id: message} from nbgrader validate ({} if not run or passed)
    status: str

    @property
    def outside(self):
        return sorted(self.lost - self.variant.may_lose)

    @property
    def fair(self):
        return not self.outside and not self.failed_validate and self.status in _SCORED


def catalogue_map(root, assignment):
    """(EXERCISES, INTEGRATION) of catalogues/<assignment>.py; CourseError if it has none."""
    import runpy

    path = samples.catalogue_path(root, assignment)
    names = runpy.run_path(str(path)) if path.is_file() else {}
    if "EXERCISES" not in names:
        raise CourseError(f"{path} has no EXERCISES (which test cells grade which solution "
                          "cells): the fairness checks need it, see AUTHORING.md.")
    return names["EXERCISES"], list(names.get("INTEGRATION", []))


def scratch_course(root, assignment, folder):
    """A copy of the course's config, source/<assignment> and catalogue at `folder`, release built."""
    from course.admin.grading import pipeline

    folder = Path(folder)
    (folder / "source").mkdir(parents=True)
    shutil.copy2(Path(root) / "nbgrader_config.py", folder / "nbgrader_config.py")
    shutil.copytree(Path(root) / "source" / assignment, folder / "source" / assignment)
    catalogue = samples.catalogue_path(root, assignment)
    if catalogue.is_file():
        samples.catalogue_path(folder, assignment).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(catalogue, samples.catalogue_path(folder, assignment))
    pipeline.generate(folder, assignment)
    return folder


def answers_of(root, assignment, where):
    """{grade_id: code} of every solution cell, from source/ (the reference) or release/."""
    result = {}
    for path in notebooks(Path(root) / where / assignment):
        nb = nbformat.read(path, as_version=4)
        if where == "source":
            result.update(samples.reference_answers(nb))
        else:
            result.update({cells.grade_id(c): c.source for c in nb.cells
                           if c.cell_type == "code" and cells.is_solution(c)})
    return result


def make_variants(root, assignment, kinds=KINDS):
    """[Variant] of the chosen kinds for one assignment of the course at `root`."""
    exercises, integration = catalogue_map(root, assignment)
    answers = answers_of(root, assignment, "source")
    made = []
    if "leave-one-out" in kinds:
        made += variants.leave_one_out(answers, answers_of(root, assignment, "release"),
                                       exercises, integration)
    if "break-one" in kinds:
        made += variants.break_one(answers, exercises, integration)
    if "helper-names" in kinds:
        for path in notebooks(Path(root) / "source" / assignment):
            mine = {gid: code for gid, code in answers.items()
                    if gid in samples.reference_answers(nbformat.read(path, as_version=4))}
            made += variants.helper_names(mine, nbformat.read(path, as_version=4))
    if "extra-output" in kinds:
        made += variants.extra_output(answers)
    return made


def sample(made, max_count=None, seed=0):
    """At most max_count variants, drawn by seed, in their order."""
    if max_count is None or max_count >= len(made):
        return list(made)
    keep = set(random.Random(seed).sample(range(len(made)), max_count))
    return [v for i, v in enumerate(made) if i in keep]


def _validator_class():
    from nbgrader.preprocessors import Execute

    class ExecuteSkippingDemos(Execute):
        """Validate's Execute minus the demo cells tagged skip-when-grading (the autograder
        skips them too; they only cost time here)."""

        def preprocess_cell(self, cell, resources, index):
            if skipped_when_grading(cell):
                return cell, resources
            return super().preprocess_cell(cell, resources, index)

    return Execute, ExecuteSkippingDemos


def validate_failures(root, assignment, student, edits):
    """{failed grade id: message} of `nbgrader validate` on the release filled with `edits`."""
    from nbgrader.validator import Validator

    from course.admin.grading import pipeline

    folder = Path(root) / "validate" / student / assignment
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(Path(root) / "release" / assignment, folder)
    for name, nb in samples.submission_notebooks(root, assignment, edits, label=student).items():
        nbformat.write(nb, folder / name)
    execute, skipping = _validator_class()
    validator = Validator(config=pipeline.load_config(root))
    validator.preprocessors = [skipping if p is execute else p for p in validator.preprocessors]
    failed = {}
    for path in notebooks(folder):
        by_source = {c.source.strip(): cells.grade_id(c) for c in nbformat.read(path, as_version=4).cells}
        result = validator.validate(str(path))
        for cell in result.get("failed", []):
            failed[by_source.get(cell["source"], "<unknown cell>")] = cell["raw_error"]
    return failed


def _validate_job(args):
    return validate_failures(*args)


def grade_variants(root, assignment, chosen, workers=2, progress=False):
    """[Outcome] of each variant, graded in the scratch course at `root` with the reference;
    CourseError if the reference itself loses points."""
    from concurrent.futures import ProcessPoolExecutor

    from course.admin.grading import pipeline
    from course.admin.results import grades

    students = {"reference": None}
    students.update({f"variant-{i:03d}": v for i, v in enumerate(chosen, start=1)})
    for student, v in students.items():
        nbs = samples.submission_notebooks(root, assignment, [] if v is None else v.edits, label=student)
        samples.write_submission(root, assignment, student, nbs)
    results = {r.student: r for r in pipeline.grade(root, assignment, list(students),
                                                       workers=workers, progress=progress)}
    maxima = dict(grades.problems(root, assignment))
    lost = {row["student"]: {g for g, s in row["scores"].items() if s is None or s < maxima[g]}
            for row in grades.scores(root, [assignment])}
    if lost.get("reference") or results["reference"].status not in _SCORED:
        raise CourseError(f"the reference of {assignment} does not get full marks "
                          f"({results['reference'].status}, lost {sorted(lost.get('reference', []))})")
    to_validate = [(str(root), assignment, s, v.edits) for s, v in students.items() if v and v.validate]
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        seen = dict(zip([job[2] for job in to_validate], pool.map(_validate_job, to_validate)))
    return [Outcome(v, lost.get(s, set()), seen.get(s, {}), results[s].status)
            for s, v in students.items() if v is not None]


def measure(root, assignment, kinds=KINDS, max_count=None, seed=0, workers=2, progress=False):
    """([Outcome], seconds) for the chosen kinds, in a scratch copy of the course."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fairness-") as tmp:
        scratch = scratch_course(root, assignment, Path(tmp) / "course")
        chosen = sample(make_variants(scratch, assignment, kinds), max_count, seed)
        outcomes = grade_variants(scratch, assignment, chosen, workers, progress)
    return outcomes, round(time.perf_counter() - start)


def format_report(assignment, outcomes, seconds=None):
    """One line per variant, then per kind 'N/M fair' and the break-one spread."""
    out = []
    for o in outcomes:
        line = f"{'ok  ' if o.fair else 'FAIL'} {o.variant.kind:13} {o.variant.name}: "
        line += f"loses {sorted(o.lost) or 'nothing'}"
        if o.outside:
            line += f"; OUTSIDE ITS EXERCISE {o.outside}"
        if o.variant.validate:
            line += f"; validate {'FAILS ' + str(sorted(o.failed_validate)) if o.failed_validate else 'Success'}"
        if o.status not in _SCORED:
            line += f"; status {o.status}"
        out.append(line)
        for gid, message in o.failed_validate.items():
            out.append(f"       {gid}: " + message.strip().splitlines()[-1][:300])
    for kind in KINDS:
        mine = [o for o in outcomes if o.variant.kind == kind]
        if mine:
            out.append(f"{assignment} {kind}: {sum(o.fair for o in mine)}/{len(mine)} fair")
    spread = sorted(len(o.lost) for o in outcomes if o.variant.kind == "break-one")
    if spread:
        out.append(f"{assignment} break-one spread (test cells lost per broken function): "
                   f"min {spread[0]}, median {spread[len(spread) // 2]}, max {spread[-1]}; "
                   f"{sum(1 for o in outcomes if o.variant.kind == 'break-one' and not o.lost)} "
                   "broken functions lose nothing")
    if seconds is not None:
        out.append(f"{assignment}: {len(outcomes)} variants graded in {seconds} s")
    return "\n".join(out)


def cmd_fairness(args):
    from course.admin.course_dir import chosen_assignments

    if not args.sandbox:
        # An explicit choice, read by nbgrader_config.py in every grading process.
        os.environ["COURSE_SANDBOX"] = "off"
    bad = 0
    for assignment in chosen_assignments(args.root, args.assignments):
        outcomes, seconds = measure(args.root, assignment, args.kinds or KINDS, args.max, args.seed,
                                    args.workers, progress=True)
        print(format_report(assignment, outcomes, seconds), flush=True)
        bad += sum(not o.fair for o in outcomes)
    return 1 if bad else 0


def add_commands(sub):
    p = sub.add_parser("fairness", help="does one unfinished or broken exercise cost points elsewhere?")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--kinds", nargs="*", choices=KINDS, help="which variants (default all)")
    p.add_argument("--max", type=int, default=None, help="grade at most N variants, sampled by --seed")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--sandbox", action="store_true",
                   help="grade in the sandboxed kernel (scores of honest code are the same)")
    p.set_defaults(func=cmd_fairness)
