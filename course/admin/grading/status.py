"""The status file of a grading run, seen from the instructor's side.

Statuses are classified and recorded by nbgrader's own Autograde, through the course's
plugins (course.nbgrader_plugins.statuses, which lists them, and autograde_guard); this
module adds what only the course's command does: recording a GradingResult that came back
from a worker, and forgetting a submission whose grading failed on every attempt.
"""

import shutil
from pathlib import Path

from course.admin.course_dir import load_config
from course.nbgrader_plugins.statuses import (  # noqa: F401 (callers find them here)
    export_columns, load, save, status_file)
from course.nbgrader_plugins import statuses


def save_result(root, assignment, result):
    """Record one submission's GradingResult in the assignment's status file."""
    save(root, assignment, {result.student: result.status_record()})


def error_names(root, assignment, student):
    """Names of the errors (ename) in a submission's autograded notebooks, in order."""
    return statuses.error_names(autograded_folder(root, assignment, student))


def autograded_folder(root, assignment, student):
    """autograded/<student>/<assignment>, as nbgrader's CourseDirectory.format_path lays it out."""
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=load_config(root))
    return Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))


def forget_failed(root, assignment, student, db_url=None):
    """A submission whose grading failed on every attempt keeps nothing that looks current:
    its grades leave the gradebook (at `db_url`, default the configuration's) and its
    half-written autograded copy goes."""
    config = load_config(root)
    shutil.rmtree(autograded_folder(root, assignment, student), ignore_errors=True)
    statuses.forget_grades(db_url or config.CourseDirectory.db_url, config.CourseDirectory.course_id,
                           assignment, student)
