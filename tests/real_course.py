"""The real course of the suite: every sample of an assignment graded once, on first use.

One scratch course per test session (per xdist worker): the repo's config, source/ and
catalogues. An assignment is built, and its samples graded, the first time a test asks
for it; tests/conftest.py sends every test of one assignment to the same worker, so each
assignment is graded once per run and the workers grade different assignments.

An assignment's batch holds, graded together through the real pipeline (sandboxed kernel,
hidden tests, gradebook):
- the catalogue's samples: reference, untouched release, correct variants, bugs;
- a fixed sample of the fairness variants (course.admin.authoring.fairness: unfinished or
  zeroed exercises, helpers named like the tests' variables, extra output) and of the
  fuzzer's rewrites of the reference (course.admin.authoring.fuzz), students `fair-NN`
  and `fuzz-NN`; 01 also has every kind of extra output;
- for 04 and 05, a fixed sample of the allowed random draws of the weights
  (tests/test_fairness_draws.py), students `draw-NN`.
Validation verdicts come from catalogue_runs.validate_verdicts: `nbgrader validate` itself
where the grading run cannot stand in for it, or where the check is about validate's own
handling of output (the extra-output variants and the fuzzer's printing rewrites).
"""

import random
import shutil
from pathlib import Path

import catalogue_runs
from course.admin.authoring import fairness, fuzz, samples
from course.admin.grading import pipeline
from course.admin.results import grades

REPO = Path(__file__).resolve().parents[1]

# Per assignment, a few fairness variants and fuzz rewrites drawn by a fixed seed; the
# full runs are `python -m course fairness A` and `python -m course fuzz A`.
FAIRNESS_SAMPLE = 6
FUZZ_SAMPLE = 3
SEED = 25
# Where every kind of extra output (print, stderr, logging, warnings) is graded and validated.
ALL_OUTPUTS = "01_staged_backprop"
# Variants whose point is validate's handling of output, validated for real: every extra-output
# variant, and the fuzzer's rewrites that print (the other rewrites' verdicts are read from grading,
# as for the catalogue's correct variants).
VALIDATE_FOR_REAL = {"extra-output"}
PRINTING_FUZZ = {"stdout", "stderr"}
# Grading (and validating) processes per test worker: make test runs three test workers.
GRADING_WORKERS = 1


class RealCourse:
    """A scratch course at `root`; each assignment built and graded on first use."""

    def __init__(self, root):
        self.root = Path(root)
        self._built, self._graded, self._verdicts = set(), {}, {}
        self.root.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / "nbgrader_config.py", self.root / "nbgrader_config.py")
        (self.root / "source").mkdir(exist_ok=True)

    def built(self, assignment):
        """The course root, with source/<assignment>, its catalogue and its release generated."""
        if assignment not in self._built:
            shutil.copytree(REPO / "source" / assignment, self.root / "source" / assignment)
            catalogue = samples.catalogue_path(REPO, assignment)
            if catalogue.is_file():
                samples.catalogue_path(self.root, assignment).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(catalogue, samples.catalogue_path(self.root, assignment))
            pipeline.generate(self.root, assignment)
            self._built.add(assignment)
        return self.root

    def fairness_variants(self, assignment):
        """{student: Variant}: the fixed samples of fairness variants and fuzz rewrites."""
        root = self.built(assignment)
        chosen = fairness.sample(fairness.make_variants(root, assignment), FAIRNESS_SAMPLE, SEED)
        made = fuzz.fuzz_variants(root, assignment)
        keep = set(random.Random(SEED).sample(range(len(made)), min(FUZZ_SAMPLE, len(made))))
        chosen_fuzz = [v for i, v in enumerate(made) if i in keep]
        found = {f"fair-{i:02d}": v for i, v in enumerate(chosen, start=1)}
        found.update({f"fuzz-{i:02d}": v for i, v in enumerate(chosen_fuzz, start=1)})
        if assignment == ALL_OUTPUTS:
            outputs = fairness.make_variants(root, assignment, kinds=("extra-output",))
            found.update({f"output-{i:02d}": v for i, v in enumerate(outputs, start=1)})
        return found

    @staticmethod
    def draws(assignment):
        """{student: (draw name, edits)}: test_fairness_draws.SAMPLE's draws of `assignment`."""
        from test_fairness_draws import DRAWS, SAMPLE

        if assignment not in SAMPLE:
            return {}
        made = DRAWS[assignment]()
        return {f"draw-{i:02d}": made[i] for i in SAMPLE[assignment]}

    def graded(self, assignment):
        """{"rows": {student: gradebook score row}, "results": {student: GradingResult},
        "samples": sample_students rows, "lost": {student: set of test cells below maximum},
        "variants": {student: fairness Variant}, "draws": {student: (name, edits)}}
        for one assignment."""
        if assignment not in self._graded:
            root = self.built(assignment)
            rows = samples.write_samples(root, assignment)
            found, draws = self.fairness_variants(assignment), self.draws(assignment)
            edits = {**{s: v.edits for s, v in found.items()}, **{s: e for s, (_, e) in draws.items()}}
            for student, mine in edits.items():
                samples.write_submission(root, assignment, student, samples.submission_notebooks(
                    root, assignment, mine, label=f"{assignment}/{student}"))
            students = [r[0] for r in rows] + list(edits)
            # One grading process per xdist worker: the workers grade at once, and more would
            # only queue for the two cores.
            results = {r.student: r for r in pipeline.grade(root, assignment, students, workers=GRADING_WORKERS,
                                                               progress=False)}
            scores = {row["student"]: row for row in grades.scores(root, [assignment])}
            self._graded[assignment] = {"rows": scores, "results": results, "samples": rows,
                                        "lost": catalogue_runs.lost_cells(root, assignment),
                                        "variants": found, "draws": draws}
        return self._graded[assignment]

    def verdicts(self, assignment):
        """catalogue_runs.validate_verdicts of every sample and variant of the batch."""
        if assignment not in self._verdicts:
            graded = self.graded(assignment)
            extra = [(student, v.kind, v.edits, sorted(v.may_lose)) for student, v in graded["variants"].items()
                     if v.validate]
            for_real = {student for student, v in graded["variants"].items()
                        if v.validate and (v.kind in VALIDATE_FOR_REAL
                                           or (v.kind == "fuzz" and v.name in PRINTING_FUZZ))}
            self._verdicts[assignment] = catalogue_runs.validate_verdicts(
                self.root, assignment, graded["samples"] + extra, graded["results"], workers=GRADING_WORKERS,
                for_real=for_real)
        return self._verdicts[assignment]

    def validated(self, assignment):
        """{student: {failed test cell: validate's message}} of every sample and variant."""
        return self.verdicts(assignment)["visible"]

    def fairness_outcomes(self, assignment, kinds=None):
        """[fairness.Outcome] of the batch's variants (of `kinds`: variant kinds, default all)."""
        graded, validated = self.graded(assignment), self.validated(assignment)
        return [fairness.Outcome(v, graded["lost"].get(student, set()), validated.get(student, {}),
                                 graded["results"][student].status)
                for student, v in graded["variants"].items() if kinds is None or v.kind in kinds]

