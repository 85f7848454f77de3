"""Written questions: ungraded by default; one setting makes them manually graded answers.

Through real nbgrader on a tiny course: with ``c.GradeWrittenAnswers.points = 2``,
generate turns the tagged answer cell into a manually graded answer, autograde
leaves the submission "needs manual grading", and a hand-given score enters the
gradebook and the total. The real assignments' answer cells are checked too.
"""

import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell

import tiny_course
from conftest import ASSIGNMENTS, REPO
from course.admin.results import grades
from course.admin.grading import pipeline
from course.nbgrader_plugins.written_answers import TAG, GradeWrittenAnswers, WrittenAnswerError, is_written_answer


def _question_and_answer():
    question = tiny_course._cell("markdown", "**Question.** Why is a + b = b + a?", "why_commutative")
    answer = new_markdown_cell("*Your answer here.*")
    answer.metadata["tags"] = [TAG]
    return question, answer


def test_points_zero_leaves_answers_ungraded():
    question, answer = _question_and_answer()
    nb = nbformat.v4.new_notebook(cells=[question, answer])
    out, _ = GradeWrittenAnswers(points=0).preprocess(nb, {})
    assert "nbgrader" not in out.cells[1].metadata


def test_answer_without_a_question_above_is_refused():
    _, answer = _question_and_answer()
    nb = nbformat.v4.new_notebook(cells=[new_markdown_cell("no grade id here"), answer])
    with pytest.raises(WrittenAnswerError, match="right after its question"):
        GradeWrittenAnswers(points=1).preprocess(nb, {})


def graded_answer_course(root):
    """The tiny course with a written question worth 2 points by hand; ada's submission
    (answer written, code right) autograded. Returns (root, release notebook, result)."""
    root = tiny_course.make_template(root)
    source = root / "source" / tiny_course.ASSIGNMENT / f"{tiny_course.ASSIGNMENT}.ipynb"
    nb = nbformat.read(source, as_version=4)
    nb.cells[1:1] = list(_question_and_answer())
    nbformat.write(nb, source)
    tiny_course.add_config(root, "c.GradeWrittenAnswers.points = 2")
    pipeline.generate(root, tiny_course.ASSIGNMENT)
    release = root / "release" / tiny_course.ASSIGNMENT / f"{tiny_course.ASSIGNMENT}.ipynb"
    folder = root / "submitted" / "ada" / tiny_course.ASSIGNMENT
    folder.mkdir(parents=True)
    mine = nbformat.read(release, as_version=4)
    mine.cells[2].source = "The order of the terms does not change a sum."
    nbformat.write(mine, folder / release.name)
    tiny_course.answer(folder / release.name, root)
    [result] = pipeline.grade(root, tiny_course.ASSIGNMENT, ["ada"], progress=False)
    return root, release, result


@pytest.fixture(scope="module")
def graded_answers(tmp_path_factory):
    return graded_answer_course(tmp_path_factory.mktemp("written") / "course")


def test_setting_makes_each_answer_manually_graded(graded_answers):
    root, release, result = graded_answers
    cell = nbformat.read(release, as_version=4).cells[2]
    meta = cell.metadata["nbgrader"]
    assert (meta["grade_id"], meta["points"], meta["solution"], meta["grade"]) == \
        ("why_commutative_answer", 2, True, True), meta
    assert result.status == "needs manual grading", result
    assert ("why_commutative_answer", 2.0) in grades.problems(root, tiny_course.ASSIGNMENT), \
        "the export and the report would not show the written answer's column"


def test_hand_given_score_enters_the_total(graded_answers):
    root, _release, _result = graded_answers
    api = pipeline.open_api(root)
    with api.gradebook as gb:
        grade = gb.find_grade("why_commutative_answer", "hw", tiny_course.ASSIGNMENT, "ada")
        assert grade.auto_score is None and grade.needs_manual_grade
        grade.manual_score = 1.5
        gb.db.commit()
        total = gb.find_submission(tiny_course.ASSIGNMENT, "ada").score
    assert total == 1 + 2 + 1.5, f"total {total}: autograded 3 points plus 1.5 given by hand"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_question_has_an_answer_cell_right_below(assignment):
    for path in pipeline.notebooks(REPO / "source" / assignment):
        cells = nbformat.read(path, as_version=4).cells
        for i, cell in enumerate(cells):
            text = cell.source if cell.cell_type == "markdown" else ""
            if re.search(r"^\*\*Question", text, re.MULTILINE):  # a question, not a mention of one
                below = cells[i + 1] if i + 1 < len(cells) else None
                assert below is not None and is_written_answer(below), (
                    f"{Path(path).name}: the question in cell {i} ({text[:60]!r}) has no answer cell "
                    f"(markdown, tag {TAG!r}) right below it")
        assert any("graded" in c.source and "question" in c.source.lower()
                   for c in cells if c.cell_type == "markdown"), (
            f"{Path(path).name} does not say how written questions are graded")
