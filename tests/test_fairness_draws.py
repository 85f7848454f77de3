"""Allowed random draws all get full marks (issue 25, rule 1: tests own their inputs).

Where a result depends on a random draw that the docstring leaves open, a correct solution
must get full marks whichever way it draws:
- 04's TwoLayerNet: numbers drawn before the weights, W2 drawn before W1, each weight matrix
  drawn as (in, out) or as (out, in) and transposed (the docstring fixes float64);
- 05's FullyConnectedNet: numbers drawn before the weights, the layers drawn first to last or
  last to first, (in, out) or (out, in).T, float64 or float32; and the dropout mask drawn
  as `rng.random(shape) < p` or as a binomial draw.

Each draw is a set of edits to the reference answers (as a catalogue variant is), and every
one is graded for real: hidden tests, the grading pipeline, batched. `make test` grades a
fixed sample, in the real course's batch (tests/real_course.py); the full run prints N/M
per assignment:

    python tests/test_fairness_draws.py [ASSIGNMENT ...] [--count 50] [--workers 2]
"""

import argparse
import itertools
import os
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import catalogue_runs  # noqa: E402
from conftest import ASSIGNMENTS  # noqa: E402

# Indices of the draws `make test` grades (the first draw of each is the reference itself).
SAMPLE = {"04_digits_mlp": [27, 49], "05_normalization": [13, 38, 49]}
COUNT = 50


def _before(cell, line, k):
    """An edit that draws k numbers from rng right after `line` (none if k is 0)."""
    if not k:
        return []
    return [(cell, line, f"{line}\n        rng.standard_normal({k})  # numbers drawn before the weights")]


def draws_04():
    """[(name, edits)]: allowed ways for TwoLayerNet to draw its initial weights."""
    w1 = 'self.params["W1"] = scale1 * rng.standard_normal((input_dim, hidden_dim))'
    w2 = 'self.params["W2"] = scale2 * rng.standard_normal((hidden_dim, num_classes))'
    b1 = 'self.params["b1"] = np.zeros(hidden_dim)'
    old = f"        {w1}\n        {b1}\n        {w2}"
    found = []
    for k, w2_first, transposed in itertools.product(range(13), (False, True), (False, True)):
        lines = [w1, b1, w2]
        if transposed:
            lines[0] = 'self.params["W1"] = scale1 * rng.standard_normal((hidden_dim, input_dim)).T'
            lines[2] = 'self.params["W2"] = scale2 * rng.standard_normal((num_classes, hidden_dim)).T'
        if w2_first:
            lines = [lines[2], lines[0], lines[1]]
        edits = _before("two_layer_net", "        rng = np.random.default_rng(seed)", k)
        edits.append(("two_layer_net", old, "\n".join("        " + line for line in lines)))
        found.append((f"skip{k}-{'w2first' if w2_first else 'w1first'}-{'outinT' if transposed else 'inout'}",
                      edits))
    return found[:COUNT]


def draws_05():
    """[(name, edits)]: allowed ways for FullyConnectedNet to draw its weights, and for dropout
    to draw its mask."""
    draw = "scale * rng.standard_normal((fan_in, fan_out))"
    found = []
    for k, reverse, transposed, single in itertools.product(range(7), (False, True), (False, True),
                                                            (False, True)):
        shape = "(fan_out, fan_in)" if transposed else "(fan_in, fan_out)"
        new = f"scale * rng.standard_normal({shape}{', dtype=np.float32' if single else ''}){'.T' if transposed else ''}"
        edits = _before("fc_net", "        rng = np.random.default_rng(seed)", k)
        if new != draw:
            edits.append(("fc_net", draw, new))
        if reverse:
            edits.append(("fc_net", "for layer in range(1, self.num_layers + 1):\n            fan_in",
                          "for layer in range(self.num_layers, 0, -1):\n            fan_in"))
        binomial = (k + reverse + transposed + single) % 2 == 1
        if binomial:
            edits.append(("dropout_forward", "mask = rng.random(x.shape) < p",
                          "mask = rng.binomial(1, p, size=x.shape).astype(bool)"))
        found.append((f"skip{k}-{'last' if reverse else 'first'}-{'outinT' if transposed else 'inout'}-"
                      f"{'f32' if single else 'f64'}-{'binomial' if binomial else 'random'}", edits))
    return found[:COUNT]


DRAWS = {"04_digits_mlp": draws_04, "05_normalization": draws_05}


def grade_draws(root, assignment, draws, workers=2):
    """{draw name: sorted test cells that lost points (or the grading status)} for each draw."""
    from course.admin.authoring import samples
    from course.admin.grading import pipeline

    students = {}
    for index, (name, edits) in enumerate(draws):
        student = f"draw-{index:02d}"
        students[student] = name
        nbs = samples.submission_notebooks(root, assignment, edits, label=f"{assignment}/{name}")
        samples.write_submission(root, assignment, student, nbs)
    results = pipeline.grade(root, assignment, list(students), workers=workers, progress=False)
    lost = catalogue_runs.lost_cells(root, assignment)
    outcome = {}
    for result in results:
        name = students[result.student]
        outcome[name] = (sorted(lost.get(result.student, ())) if result.status == "graded"
                         else [f"status {result.status}"])
    return outcome


def test_every_draw_is_a_distinct_edit_of_the_reference():
    for assignment, make in DRAWS.items():
        draws = make()
        assert len(draws) == COUNT, f"{assignment}: {len(draws)} draws"
        assert len({name for name, _ in draws}) == COUNT
        assert len({repr(edits) for _, edits in draws}) == COUNT, f"{assignment}: two draws are the same edit"


@pytest.mark.parametrize("assignment", [a for a in sorted(SAMPLE) if a in ASSIGNMENTS])
def test_sampled_draws_get_full_marks(real_course, assignment):
    """The sample is graded in the real course's batch of the assignment (tests/real_course.py)."""
    graded = real_course.graded(assignment)
    draws = graded["draws"]
    assert len(draws) == len(SAMPLE[assignment])
    failing = {name: (sorted(graded["lost"].get(student, ())) if graded["results"][student].status == "graded"
                      else [f"status {graded['results'][student].status}"])
               for student, (name, _edits) in draws.items()}
    failing = {name: cells for name, cells in failing.items() if cells}
    assert not failing, f"correct solutions that draw differently lost points in {assignment}: {failing}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", default=sorted(DRAWS))
    parser.add_argument("--count", type=int, default=COUNT, help="draws per assignment (at most 50)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    # An explicit choice, as catalogue_check.py makes it: scores of honest code are the same sandboxed.
    os.environ.setdefault("COURSE_SANDBOX", "off")
    bad = 0
    for assignment in args.assignments:
        with tempfile.TemporaryDirectory(prefix="draws-") as tmp:
            root = catalogue_runs.scratch_course(Path(tmp) / "course", [assignment])
            outcome = grade_draws(root, assignment, DRAWS[assignment]()[:args.count], args.workers)
        for name, cells in outcome.items():
            if cells:
                print(f"FAIL {assignment} {name}: lost {cells}")
        passing = sum(1 for cells in outcome.values() if not cells)
        bad += passing != len(outcome)
        print(f"{assignment}: draws passing {passing}/{len(outcome)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
