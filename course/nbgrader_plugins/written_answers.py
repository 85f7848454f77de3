"""Written questions: ungraded by default, manually graded answers when the instructor wants.

Every written question in a source notebook is a locked markdown cell with a
grade_id, followed by an answer cell: a markdown cell with no nbgrader metadata
and the cell tag ``written-answer``. Students write there; nothing grades it.

An instructor who wants to grade the answers sets one option in
nbgrader_config.py,

    c.GradeWrittenAnswers.points = 1

and rebuilds the release (``python -m course build``). Generating then turns
each tagged answer cell into an nbgrader manually graded answer worth that many
points, named ``<question grade_id>_answer``; autograding leaves those
submissions "needs manual grading", and the answers are graded by hand in
nbgrader's formgrader.
"""

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Float

from course.nbgrader_plugins.cells import grade_id

TAG = "written-answer"


class WrittenAnswerError(ValueError):
    """An answer cell that cannot be named: the cell above it is not a question."""


def is_written_answer(cell):
    return cell.cell_type == "markdown" and TAG in cell.get("metadata", {}).get("tags", [])


def answer_grade_id(question):
    """The answer's grade_id: its question's, with _answer added."""
    question_id = grade_id(question)
    if not question_id:
        raise WrittenAnswerError(
            "a cell tagged written-answer must come right after its question, a markdown cell "
            f"with an nbgrader grade_id; the cell above it is: {question.source[:80]!r}")
    return f"{question_id}_answer"


class GradeWrittenAnswers(NbGraderPreprocessor):
    """At generate time: tagged answer cells become manually graded answers (points > 0)."""

    points = Float(0.0, help=(
        "Points for each written answer. 0 (the default) leaves written answers ungraded; "
        "more makes every answer cell a manually graded answer, graded in the formgrader."
    )).tag(config=True)

    def preprocess(self, nb, resources):
        if self.points <= 0:
            return nb, resources
        for index, cell in enumerate(nb.cells):
            if not is_written_answer(cell):
                continue
            if index == 0:
                raise WrittenAnswerError("the first cell of a notebook is tagged written-answer")
            cell.metadata["nbgrader"] = {
                "grade_id": answer_grade_id(nb.cells[index - 1]),
                "schema_version": 3, "solution": True, "grade": True, "locked": False,
                "points": self.points, "task": False,
            }
        return nb, resources


def generate_preprocessors():
    """nbgrader's generate_assignment preprocessors, with GradeWrittenAnswers first."""
    from nbgrader.converters import GenerateAssignment

    defaults = GenerateAssignment.class_traits()["preprocessors"].default()
    return [GradeWrittenAnswers, *defaults]
