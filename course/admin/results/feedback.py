"""Feedback pages for students: nbgrader's generate_feedback, as the course configures it.

nbgrader_config.py gives GenerateFeedback the course's filters (hidden tests removed,
student HTML sanitized, a summary of problems at the top: course.nbgrader_plugins) and
page (course.nbgrader_plugins.feedback_page), so this writes the same page as
``nbgrader generate_feedback`` and the formgrader's button.
"""

from pathlib import Path

from course.admin.course_dir import CourseError, open_api, quiet, raise_on_failure


def generate(root, assignment, student=None):
    """Feedback HTML for every autograded submission of an assignment (or one student's).

    Writes feedback/<student>/<assignment>/<notebook>.html; raises CourseError
    if nbgrader fails, or (saying what to run) if nothing of the assignment is graded yet.
    """
    require_graded(root, assignment, student)
    api = open_api(root)
    with quiet():
        if student is None:
            result = api.generate_feedback(assignment, force=True)
        else:
            result = api.generate_feedback(assignment, student, force=True)
    raise_on_failure(result, f"generate_feedback {assignment}")


def require_graded(root, assignment, student=None):
    """CourseError saying what to run when autograded/ holds no graded copy of the
    assignment (of that student): nbgrader would fail with a traceback instead."""
    pattern = f"{student or '*'}/{assignment}/*.ipynb"
    if not any((Path(root) / "autograded").glob(pattern)):
        who = f" of {student}" if student else ""
        raise CourseError(f"nothing{who} to give feedback on: autograded/{pattern} is empty. "
                          f"Grade first: python -m course grade {assignment}"
                          + (f" --students {student}" if student else ""))
