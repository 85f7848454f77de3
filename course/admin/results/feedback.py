"""Feedback pages for students: nbgrader's generate_feedback with the course's filters.

The filters (hidden tests removed, student HTML sanitized, a summary of problems at the
top) are ``course.nbgrader_plugins.feedback_filters``; this module runs them.
"""

from course.admin.course_dir import open_api, quiet, raise_on_failure
from course.nbgrader_plugins.feedback_filters import overrides


def generate(root, assignment, student=None):
    """Feedback HTML for every autograded submission of an assignment (or one student's).

    Writes feedback/<student>/<assignment>/<notebook>.html; raises CourseError
    if nbgrader fails.
    """
    api = open_api(root, **overrides())
    with quiet():
        if student is None:
            result = api.generate_feedback(assignment, force=True)
        else:
            result = api.generate_feedback(assignment, student, force=True)
    raise_on_failure(result, f"generate_feedback {assignment}")
