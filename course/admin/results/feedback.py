"""Feedback pages for students: nbgrader's generate_feedback, as the course configures it.

nbgrader_config.py gives GenerateFeedback the course's filters (hidden tests removed,
student HTML sanitized, a summary of problems at the top: course.nbgrader_plugins) and
page (course.nbgrader_plugins.feedback_page), so this writes the same page as
``nbgrader generate_feedback`` and the formgrader's button.
"""

from course.admin.course_dir import open_api, quiet, raise_on_failure


def generate(root, assignment, student=None):
    """Feedback HTML for every autograded submission of an assignment (or one student's).

    Writes feedback/<student>/<assignment>/<notebook>.html; raises CourseError
    if nbgrader fails.
    """
    api = open_api(root)
    with quiet():
        if student is None:
            result = api.generate_feedback(assignment, force=True)
        else:
            result = api.generate_feedback(assignment, student, force=True)
    raise_on_failure(result, f"generate_feedback {assignment}")
