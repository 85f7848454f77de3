"""Mutation testing of the hidden tests (course.admin.authoring.mutate, course.admin.authoring.mutants, `python -m course mutants`).

1. The mutators on small cells: each operator makes the edit it names, only between the
   solution markers, and ids survive edits elsewhere in the cell.
2. End to end on a tiny course with one weak test: a killed mutant, a survivor, an
   equivalent one listed with its reason, a stale entry, the skip-when-grading cell left out.
3. The CI check: a fixed sample of every real assignment's mutants, all killed.
"""

import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from course.admin.authoring import mutants
from course.admin.grading import pipeline
from course.admin.authoring.mutate import mutants_of_cell

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tiny_course  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def cell(body, head="def f(x, y):"):
    """A solution cell: `head`, then `body` (indented) between the markers, then a return."""
    inner = "\n".join("    " + line for line in body.splitlines())
    return f"{head}\n    ### BEGIN SOLUTION\n{inner}\n    ### END SOLUTION\n    return out"


def edits(source, operator):
    """{mutated line, stripped} for every mutant of `operator` in a cell."""
    return {m.mutated.splitlines()[m.line - 1].strip()
            for m in mutants_of_cell(source, "g") if m.operator == operator}


# --- 1. the mutators ------------------------------------------------------------------

@pytest.mark.parametrize("operator, body, expected", [
    ("arith", "out = x @ y - 2 * x", {"out = x * y - 2 * x", "out = x @ y + 2 * x", "out = x @ y - 2 / x"}),
    ("arith", "out = x ** 2 // y", {"out = x * 2 // y", "out = x ** 2 / y"}),
    ("compare", "out = (x > 0) & (y <= 1)", {"out = (x >= 0) & (y <= 1)", "out = (x > 0) & (y < 1)"}),
    ("number", "out = x[0] * 0.5", {"out = x[1] * 0.5", "out = x[-1] * 0.5", "out = x[0] * 1.5", "out = x[0] * -0.5"}),
    ("number", "out = x[-1] - -2.0", {"out = x[0] - -2.0", "out = x[-2] - -2.0",
                                      "out = x[-1] - -1.0", "out = x[-1] - -3.0"}),
    ("unary_minus", "out = x[-1]", {"out = x[1]"}),
    ("axis", "out = np.sum(x, axis=1) + x.max(axis=0) + x.min(axis=-1)",
     {"out = np.sum(x, axis=0) + x.max(axis=0) + x.min(axis=-1)",
      "out = np.sum(x, axis=1) + x.max(axis=1) + x.min(axis=-1)",
      "out = np.sum(x, axis=1) + x.max(axis=0) + x.min(axis=0)"}),
    ("keepdims", "out = np.max(x, axis=1, keepdims=True) + np.sum(x, keepdims=True, axis=0)",
     {"out = np.max(x, axis=1) + np.sum(x, keepdims=True, axis=0)",
      "out = np.max(x, axis=1, keepdims=True) + np.sum(x, axis=0)"}),
    ("augassign", "out = x\nout += y", {"out = y"}),
    ("transpose", "out = x.T @ y", {"out = x @ y"}),
    ("reduction", "out = np.maximum(x.sum(), np.mean(y))",
     {"out = np.minimum(x.sum(), np.mean(y))", "out = np.maximum(x.mean(), np.mean(y))",
      "out = np.maximum(x.sum(), np.sum(y))"}),
    ("ones_zeros", "out = np.zeros_like(x) + np.ones(3)",
     {"out = np.ones_like(x) + np.ones(3)", "out = np.zeros_like(x) + np.zeros(3)"}),
    ("unary_minus", "out = -x * -(y + 1)", {"out = x * -(y + 1)", "out = -x * (y + 1)"}),
    ("unpack_swap", "a, b, c = x\nout = a", {"b, a, c = x"}),
])
def test_each_operator_makes_its_edit(operator, body, expected):
    assert edits(cell(body), operator) == expected


def test_return_swap_and_delete():
    source = "def f(x):\n    ### BEGIN SOLUTION\n    y = x + 1\n    return y, x\n    ### END SOLUTION"
    assert edits(source, "return_swap") == {"return x, y"}
    deleted = [m.mutated for m in mutants_of_cell(source, "g") if m.operator == "delete"]
    assert deleted == [source.replace("y = x + 1", "pass"), source.replace("return y, x", "pass")]


def test_only_the_solution_region_is_mutated():
    source = "def f(x):\n    y = x + 1\n    ### BEGIN SOLUTION\n    z = y * 2\n    ### END SOLUTION\n    return z - 1"
    found = mutants_of_cell(source, "g")
    assert found, "the region holds mutable code"
    for m in found:
        before, after = source.splitlines(), m.mutated.splitlines()
        changed = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
        assert changed == [3], f"{m.id} changed lines {changed}, outside the region:\n{m.diff}"


def test_no_op_and_invalid_mutants_are_dropped():
    # swapping two equal returned values, or deleting a docstring, changes nothing
    source = 'def f(x):\n    ### BEGIN SOLUTION\n    """doc"""\n    return x, x\n    ### END SOLUTION'
    kinds = {m.operator for m in mutants_of_cell(source, "g")}
    assert "return_swap" not in kinds
    assert [m.mutated for m in mutants_of_cell(source, "g") if m.operator == "delete"] == [
        source.replace("return x, x", "pass")]
    assert mutants_of_cell("def f(:\n    ### BEGIN SOLUTION\n    x = 1\n    ### END SOLUTION", "g") == []
    assert mutants_of_cell("x = 1 + 2", "g") == [], "no markers: nothing to mutate"


def test_comments_and_layout_are_kept_and_the_diff_is_one_line():
    source = cell("out = (x  -  y)  # the gap, not a - in this comment")
    [m] = [m for m in mutants_of_cell(source, "g") if m.operator == "arith"]
    assert m.mutated == source.replace("(x  -  y)", "(x  +  y)")
    assert [l for l in m.diff.splitlines() if l.startswith(("-", "+")) and not l.startswith(("---", "+++"))] == [
        "-    out = (x  -  y)  # the gap, not a - in this comment",
        "+    out = (x  +  y)  # the gap, not a - in this comment"]


def test_ids_are_unique_and_survive_edits_elsewhere_in_the_cell():
    source = cell("out = x - y\nz = x - y\nout = out + z")
    first = mutants_of_cell(source, "g")
    ids = [m.id for m in first]
    assert len(ids) == len(set(ids)), "two identical lines still give distinct ids"
    moved = source.replace("### BEGIN SOLUTION", "### BEGIN SOLUTION\n    w = 0  # a new line above")
    again = {m.id for m in mutants_of_cell(moved, "g")}
    assert set(ids) <= again, "an unrelated line above changed the ids of the mutants below it"
    assert [m.id for m in mutants_of_cell(source, "g")] == ids


def test_sample_is_deterministic_and_independent_of_order():
    found = mutants_of_cell(cell("out = x * 2 + np.sum(y, axis=0) - 1"), "g")
    assert len(found) > 6
    a = mutants.sample(found, 4, seed=3)
    assert len(a) == 4 and [m.id for m in a] == [m.id for m in mutants.sample(found, 4, seed=3)]
    assert {m.id for m in a} == {m.id for m in mutants.sample(list(reversed(found)), 4, seed=3)}
    assert {m.id for m in mutants.sample(found, 4, seed=4)} != {m.id for m in a}
    assert mutants.sample(found, None) == found


def test_equivalent_file_needs_a_reason(tmp_path):
    path = tmp_path / "mutants_equivalent.txt"
    path.write_text("# comment\n\ng:number:12345678   only the displayed text changes\n")
    assert mutants.read_equivalent(path) == {"g:number:12345678": "only the displayed text changes"}
    path.write_text("g:number:12345678\n")
    with pytest.raises(pipeline.CourseError, match="has no reason"):
        mutants.read_equivalent(path)


# --- 2. end to end on a tiny course ---------------------------------------------------

def _weak_course(root):
    """hw: add (tested well) and relu (tested on one positive number only: max(x, 0) ->
    max(x, 1) survives), with a skip-when-grading demonstration that breaks relu if run."""
    cell = tiny_course._cell
    demo = new_code_cell("relu = lambda x: -1  # a demonstration the autograder must not run")
    demo.metadata["nbgrader"] = {"schema_version": 3, "grade_id": "demo", "locked": True,
                                 "solution": False, "grade": False, "task": False}
    demo.metadata["tags"] = ["skip-when-grading"]
    nb = new_notebook(cells=[
        cell("solution", "def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION", "add"),
        cell("test", 'assert add(1, 2) == 3, f"add(1, 2) returned {add(1, 2)}, expected 3"', "test_add", 1),
        cell("solution", "def relu(x):\n    ### BEGIN SOLUTION\n    return max(x, 0)\n    ### END SOLUTION", "relu"),
        demo,
        cell("test", 'assert relu(3) == 3, f"relu(3) returned {relu(3)}, expected 3"', "test_relu", 1),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (root / "source" / "hw").mkdir(parents=True)
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    nbformat.write(nb, root / "source" / "hw" / "hw.ipynb")
    return nb


@pytest.mark.parametrize("how", [[], ["--exact"]], ids=["direct", "exact"])
def test_end_to_end_killed_surviving_equivalent_and_stale(tmp_path, capsys, how):
    """Direct (the source notebook run in a kernel) and --exact (handed in and autograded by
    course.admin.grading.pipeline.grade) must judge every mutant alike."""
    _weak_course(tmp_path)
    found = {m.mutated.splitlines()[m.line - 1].strip(): m for m in mutants.all_mutants(tmp_path, "hw")}
    assert set(found) == {"return a - b", "pass", "return min(x, 0)", "return max(x, 1)",
                          "return max(x, -1)"}, sorted(found)
    listed = found["return max(x, -1)"]
    (tmp_path / "source" / "hw" / mutants.EQUIVALENT_FILE).write_text(
        f"{listed.id}  for this test only: relu(3) is all it checks\n"
        "relu:number:00000000  a mutant of code that is gone\n")

    code, out = tiny_course.run_cli(capsys, tmp_path, "mutants", "hw", "--workers", "2", *how)
    print(out)
    assert code == 1, "a survivor and a stale entry make the command fail"
    assert f"SURVIVED {found['return max(x, 1)'].id}" in out
    assert "+    return max(x, 1)" in out and "-    return max(x, 0)" in out, "the survivor's diff"
    assert f"KILLED   {found['return a - b'].id}" in out
    assert "lost points in test_add" in out
    # direct runs stop at the first test cell that loses points; --exact grades whole notebooks
    assert ("lost points in test_add (the first test cell to lose points: its run stopped there)"
            in out) == (not how), out
    assert f"KILLED   {found['return min(x, 0)'].id}" in out
    assert f"EQUIVALENT {listed.id}: for this test only" in out
    assert "STALE    relu:number:00000000" in out
    # 6 mutants ("pass" twice: add and relu), 1 listed as equivalent, 1 survivor
    assert "hw: 6 mutants, 1 equivalent, 5 run: 4 killed, 1 survived; score 4/5 = 80.0%" in out
    # The skip-when-grading cell breaks relu when run: the reference got full marks (or the
    # command would have stopped, see the next test), so it was left out as the autograder does.


def test_a_mutants_run_stops_at_its_first_test_cell_that_loses_points(tmp_path):
    """The early stop changes no verdict, only how much of the notebook runs: a mutant of
    add is killed at test_add, and relu and its test (2 of 4 code cells) are not run."""
    _weak_course(tmp_path)
    found = {m.mutated.splitlines()[m.line - 1].strip(): m for m in mutants.all_mutants(tmp_path, "hw")}
    ids = [found[line].id for line in ("return a - b", "return max(x, 1)", "return min(x, 0)")]
    runs = {stop: {o.mutant.id: o for o in mutants.measure(tmp_path, "hw", ids=ids, workers=2,
                                                             progress=False, stop_early=stop).outcomes}
            for stop in (True, False)}
    early, full = runs[True], runs[False]
    assert sorted(early) == sorted(full) == sorted(ids)
    for i in ids:
        assert (early[i].killed, early[i].killed_by, early[i].note) == \
            (full[i].killed, full[i].killed_by, full[i].note), f"{i}: the early stop changed the verdict"
        assert not full[i].stopped
    add, survivor, relu = ids
    assert early[add].killed_by == ["test_add"] and early[add].stopped
    assert (early[add].cells_run, full[add].cells_run) == (2, 4), "add's mutant ran past test_add"
    assert not early[survivor].killed and not early[survivor].stopped
    assert early[survivor].cells_run == full[survivor].cells_run == 4
    assert early[relu].stopped and early[relu].cells_run == full[relu].cells_run == 4, \
        "the last test cell lost points: nothing was left to skip"


def test_ids_must_match_a_mutant_to_run(tmp_path, capsys):
    _weak_course(tmp_path)
    with pytest.raises(pipeline.CourseError, match="no mutant of hw to run has the id.* add:arith:00000000"):
        mutants.measure(tmp_path, "hw", ids=["add:arith:00000000"], progress=False)
    code, out = tiny_course.run_cli(capsys, tmp_path, "mutants", "hw", "--id", "add:arith:00000000")
    assert code == 2 and "add:arith:00000000" in out and "Traceback" not in out, out


def test_the_reference_must_get_full_marks(tmp_path):
    _weak_course(tmp_path)
    path = tmp_path / "source" / "hw" / "hw.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[3].metadata["tags"] = []  # now the demonstration runs and breaks relu
    nbformat.write(nb, path)
    with pytest.raises(pipeline.CourseError, match="does not get full marks"):
        mutants.measure(tmp_path, "hw", progress=False)


# --- 3. the CI check: a fixed sample of every assignment ------------------------------

# 5 mutants and the unmutated notebook per assignment, 2 kernels at once: about 20 s per
# assignment on 2 idle cores (the notebooks run in 3 to 9 s each)
SAMPLE = 5
SEED = 0


@pytest.mark.parametrize("assignment", pipeline.assignments(REPO))
def test_sampled_mutants_are_all_killed(assignment):
    report = mutants.measure(REPO, assignment, max_count=SAMPLE, seed=SEED, workers=2, progress=False)
    text = mutants.format_report(report)
    assert not report.stale, text
    assert len(report.outcomes) == min(SAMPLE, report.total - len(report.equivalent))
    assert not report.survivors, (
        f"{len(report.survivors)} of {len(report.outcomes)} sampled mutants of {assignment} survive "
        f"the hidden tests (the score must stay at 100%):\n{text}")
