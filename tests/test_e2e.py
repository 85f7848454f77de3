"""End to end through real nbgrader: generate, submit, autograde, read the gradebook.

For every assignment: the reference solution gets full marks and an untouched
release gets 0 without breaking the run. The bug catalogues are checked in
test_catalogue.py.
"""

import pytest

from conftest import ASSIGNMENTS, REPO


def _row(real_course, assignment, student):
    graded = real_course.graded(assignment)
    result = graded["results"][student]
    assert result.success, f"autograde failed for {student}/{assignment}:\n{result.log[-2000:]}"
    row = graded["rows"].get(student)
    assert row is not None, f"no gradebook entry for {student}/{assignment}"
    return row


def _lost(real_course, assignment, row):
    return {gid: v for gid, v in row["scores"].items()
            if gid in real_course.graded(assignment)["lost"].get(row["student"], set())}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_gets_full_marks(real_course, assignment):
    row = _row(real_course, assignment, "reference")
    assert row["total"] == row["max_total"] > 0, f"reference lost points: {_lost(real_course, assignment, row)}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_gets_zero_without_crashing(real_course, assignment):
    row = _row(real_course, assignment, "untouched")
    assert row["total"] == 0, f"an untouched notebook scored {row['total']}: {row['scores']}"
    assert all(v == 0 for v in row["scores"].values()), row["scores"]


def _tagged_demo_cells(assignment):
    import nbformat

    from course.nbgrader_plugins.execute import skipped_when_grading

    found = []
    for path in sorted((REPO / "source" / assignment).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if "skip-when-grading" in cell.get("metadata", {}).get("tags", []):
                assert skipped_when_grading(cell), (
                    f"{path.name}: cell {cell.metadata.get('nbgrader', {}).get('grade_id')} is tagged "
                    "skip-when-grading but is not a locked, ungraded cell, so the tag does nothing")
                found.append(cell.metadata["nbgrader"]["grade_id"])
    return found


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_demonstration_cells_are_skipped_when_grading(real_course, assignment):
    import nbformat

    from course.nbgrader_plugins.execute import grading_report

    tagged = _tagged_demo_cells(assignment)
    skipped, outputs = [], {}
    real_course.graded(assignment)
    for path in sorted((real_course.root / "autograded" / "reference" / assignment).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        skipped += [c["grade_id"] for c in grading_report(nb)["skipped_cells"]]
        outputs.update({c.metadata.get("nbgrader", {}).get("grade_id"): c.outputs for c in nb.cells
                        if c.cell_type == "code"})
    assert skipped == tagged, f"skipped {skipped} when grading, the source tags {tagged}"
    for gid in tagged:
        text = "".join(o.get("text", "") for o in outputs[gid])
        assert "not run when grading" in text, f"{gid}: outputs {outputs[gid]}"


def test_tag_cannot_skip_a_test_or_a_solution_cell():
    from nbformat.v4 import new_code_cell

    from course.nbgrader_plugins.execute import skipped_when_grading

    def cell(**nbgrader):
        c = new_code_cell("x = 1")
        c.metadata["tags"] = ["skip-when-grading"]
        c.metadata["nbgrader"] = {"grade_id": "c", "schema_version": 3, "locked": False,
                                  "grade": False, "solution": False, **nbgrader}
        return c

    assert skipped_when_grading(cell(locked=True))
    assert not skipped_when_grading(cell(locked=True, grade=True, points=2)), "a test cell was skipped"
    assert not skipped_when_grading(cell(solution=True)), "a solution cell was skipped"
    assert not skipped_when_grading(cell(locked=False)), "an unlocked (student's) cell was skipped"
    untagged = cell(locked=True)
    untagged.metadata["tags"] = []
    assert not skipped_when_grading(untagged)
