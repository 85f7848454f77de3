"""nbgrader configuration for the course.

Every nbgrader command run from this folder (and `python -m course ...`) reads
this file. Each setting says why it is here; nbgrader's defaults hold for the
rest. Instructors usually change only the first block.
"""

import os

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

# --- Course ---------------------------------------------------------------
c.CourseDirectory.course_id = "backprop-from-scratch"
# The course root is this folder, wherever the repository was cloned, so that
# source/, release/, submitted/, autograded/ and feedback/ sit beside this file.
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))

# --- Gradebook ----------------------------------------------------------------
# SQLite next to this file. ?timeout=60 makes a connection wait up to 60 s for a
# lock instead of failing at once: several grading processes may write at the
# same time, and without it one lock held by another process aborts a whole run
# (measured here). COURSE_DB_URL overrides it, for a PostgreSQL gradebook.
c.CourseDirectory.db_url = os.environ.get(
    "COURSE_DB_URL",
    "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db") + "?timeout=60",
)

# --- Autograding ----------------------------------------------------------------
# Seconds one cell may run before it is interrupted. The slowest reference cell
# (training on digits) takes a few seconds; 60 s leaves room for slow laptops
# and a loaded grading machine while bounding a student's infinite loop.
c.Execute.timeout = 60
# A cell that times out is recorded as an error in that cell and grading goes
# on with the next one, rather than abandoning the notebook.
c.Execute.interrupt_on_timeout = True

# Students may delete or edit a test cell, by accident or not: put the original
# test cells back from the gradebook before grading, including deleted ones.
c.OverwriteCells.add_missing_cells = True

# A runaway print must not make a 100 MB notebook: keep the first lines of each
# cell's output and the first lines of a traceback.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 50

# nbgrader gives 0 points to a test cell with *any* output on stderr. Warnings
# (a DeprecationWarning from a library, a RuntimeWarning from numpy) and tqdm
# progress bars are not failures, so drop those stderr outputs before grading.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"Warning|it/s\]|s/it\]"

# --- Generating the release -----------------------------------------------------
# Release notebooks ship without outputs, and solution cells get the usual stub.
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
}
