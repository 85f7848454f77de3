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
# After a cell's reply, its last outputs may still be on their way; nbgrader waits 4 s for
# them and then fails the cell ("Timeout waiting for IOPub output"). On a loaded machine 4 s
# once failed an honest cell under Validate (04's scikit-learn import). Grading already waits
# GuardedExecute.interrupt_grace (10 s); Validate now waits as long. It costs nothing when the
# outputs come sooner.
c.Execute.iopub_timeout = 10

# Students may delete or edit a test cell, by accident or not: put the original
# test cells back from the gradebook before grading, including deleted ones.
c.OverwriteCells.add_missing_cells = True

# A runaway print must not make a 100 MB notebook: keep the first lines of each
# cell's output and the first lines of a traceback (course.nbgrader_plugins.execute.CappedOutput
# reads these, and also caps each cell's output by bytes: one 10 MB line stays
# otherwise).
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 50

# Student code runs in a sandboxed kernel (course/sandbox_kernel/host.py): a uid of its own
# per kernel, no network, no view of source/, the gradebook or other students,
# caps on memory, CPU time, processes and the disk it writes. Grading fails
# closed: where this machine cannot build the sandbox (no bubblewrap: run
# scripts/install-system-deps.sh as root), `python -m course grade` refuses to
# run and says why. Only COURSE_SANDBOX=off (or `grade --no-sandbox`) grades
# without it, and every status then says so. The same call replaces nbgrader's
# Execute and LimitOutput with course.nbgrader_plugins.execute.GuardedExecute (a timeout costs one
# cell even when student code catches KeyboardInterrupt; a notebook whose kernel
# dies is graded up to the crash) and CappedOutput.
from course.nbgrader_plugins.grading_config import OFF_VALUES, configure_nbgrader  # noqa: E402

# time_budget: seconds of wall clock for all the cells of one notebook together.
# The slowest reference notebook needs well under a minute on a loaded grading
# machine; past the budget the remaining cells are not run (their tests score 0)
# and the status is "time budget exhausted", so one notebook that sleeps in every
# cell holds a grading slot for 5 minutes at most, not 13 x 60 s.
configure_nbgrader(c, sandbox=os.environ.get("COURSE_SANDBOX", "").strip().lower() not in OFF_VALUES,
                   max_bytes=64 * 1024, time_budget=300)

# --- Grading protections, whichever way grading starts ----------------------------
# `nbgrader autograde`, the formgrader's Autograde button (NbGraderAPI.autograde) and
# `python -m course grade` all run nbgrader's Autograde, which reads only this file. It
# builds this exporter once per run, after listing the submissions and before touching
# any (course/nbgrader_plugins/autograde_guard.py): each submission goes through intake
# (a student id of letters, digits and . _ @ - only; links, pipes, devices and unsafe
# names set aside unread; SubmissionLimits), mending and the static audit. A refused
# submission is never copied, run or added to the gradebook, and says why in
# grading/<assignment>.json, where every graded one gets its status too.
c.Autograde.exporter_class = "course.nbgrader_plugins.autograde_guard.GuardedAutogradeExporter"
# Bounds on one notebook, checked before it is parsed and before any kernel starts.
c.SubmissionLimits.max_notebook_mb = 20.0
c.SubmissionLimits.max_cells = 1000

# nbgrader gives 0 points to a test cell with *any* output on stderr. Warnings
# (a DeprecationWarning from a library, a RuntimeWarning from numpy) and tqdm
# progress bars are not failures, so drop those stderr outputs before grading
# (student code's own stderr arrives as stdout: course.sandbox_kernel.stderr_to_stdout).
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"Warning|it/s\]|s/it\]"

# --- Validating (students' Validate button and `nbgrader validate`) ---------------
# What student code writes to stderr (logging, warnings.warn, sys.stderr) reaches the notebook
# as stdout, in the kernels validate starts as in grading kernels (course.sandbox_kernel.guard
# loads the same extensions): validate and autograde judge a cell by the same outputs. A flush
# from a running cell (logging flushes every record) does not wait for its send:
# course.sandbox_kernel.batched_flush.
c.Execute.extra_arguments = ["--ext=course.sandbox_kernel.stderr_to_stdout",
                             "--ext=course.sandbox_kernel.batched_flush"]
# Once the last cell has run every output is in and nothing in the kernel is kept: stop it at
# once (a graceful stop waited about half a second per notebook).
c.Execute.shutdown_kernel = "immediate"
# (issue 23, item 8) nbgrader cuts every line of a failure message at Validator.width
# columns (default 90), losing the likely cause at the end of the course's long lines,
# and prints "=" * width before each failed cell. This width prints lines whole under
# a 78-column separator (course/nbgrader_plugins/validate_width.py says how).
from course.nbgrader_plugins.validate_width import validator_width  # noqa: E402

c.Validator.width = validator_width()

# --- Generating the release -----------------------------------------------------
# Files nbgrader never copies from source/ (into the release, or from a submission):
# its defaults, and the mutation-score notes of each assignment (python -m course
# mutants), which describe the solution and are for authors only.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
                            "mutants_equivalent.txt"]
# Release notebooks ship without outputs, and solution cells get the usual stub.
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
}

# --- Written questions -----------------------------------------------------------
# Each written question has an answer cell below it (tag written-answer). By default
# answers are not graded. Set points > 0 and rebuild (python -m course build): every
# answer becomes a manually graded answer worth that many points, graded by hand in
# nbgrader's formgrader (course/nbgrader_plugins/written_answers.py).
from course.nbgrader_plugins.written_answers import generate_preprocessors  # noqa: E402

c.GenerateAssignment.preprocessors = generate_preprocessors()
c.GradeWrittenAnswers.points = 0

# --- Distribution: exchange, due dates, late work ---------------------------------
# (course/admin/distribution/exchange.py, course/admin/distribution/lms.py, course/admin/distribution/late.py; README "Getting work to students")
# The exchange is the folder that `python -m course release`, the students'
# `nbgrader fetch_assignment` / `nbgrader submit` and `python -m course collect`
# pass files through. By default exchange/ in this folder (git-ignored), enough on
# one machine; on a shared JupyterHub set COURSE_EXCHANGE to a folder outside
# every home and outside this course folder (e.g. /srv/nbgrader/exchange), give
# students the same value (README), and chmod 700 this folder.
c.Exchange.root = os.environ.get("COURSE_EXCHANGE", os.path.join(c.CourseDirectory.root, "exchange"))
# The inbound folder cannot be listed, so the 72 random bits at the end of each
# submission's folder name are what keep one student out of another's work:
# nbgrader's default, written here so that nobody turns it off by accident.
c.ExchangeSubmit.add_random_string = True
# A student may submit again until the deadline: `nbgrader collect` (like
# `python -m course collect`) then replaces the copy it collected before with
# the newest, so that the latest submission is the one graded.
c.ExchangeCollect.update = True
# collect moves aside (to <exchange>/<course>/quarantine/, unread) a submission
# whose folder is not owned by the login named in it: someone submitting under
# another student's name. Set False only if student ids are not login names.
c.ExchangeCollect.check_owner = True

# nbgrader's autograde asks this class for each late notebook's penalty; it reads
# the due dates, extensions and policy below (course/admin/distribution/late.py).
c.AssignLatePenalties.plugin_class = "course.nbgrader_plugins.late_policy.LatePolicy"
# Due dates, one per assignment: "YYYY-MM-DD HH:MM Zone/Name" (or an ISO time
# with an offset). An assignment missing here has no late work. Example:
#   {"01_staged_backprop": "2026-10-12 23:59 Europe/Berlin", "02_softmax": ...}
c.LatePolicy.due_dates = {}
# Zone for due dates written without one.
c.LatePolicy.timezone = "UTC"
# What late work costs: "none" (lateness is only shown in the export), "zero",
# or "per_day": percent_per_day of the score for each started day late, so that
# a day late costs a little and a week late costs most of it.
c.LatePolicy.penalty = "per_day"
c.LatePolicy.percent_per_day = 10
# Minutes after the due date that still count as on time (a slow upload, a
# clock a minute off); 0 means the due date is exact.
c.LatePolicy.grace_minutes = 5
# nbgrader takes a submission's time from the student's own clock and files;
# collect sets aside one whose files were written long after the time it claims
# (a backdated submission dodging the penalty). Turn off only after copying the
# exchange to a new disk (the copy renews the times it compares with).
c.LatePolicy.check_submission_times = True
# Extensions for single students: {assignment: {student id: days (a number)
# or a new due date (a string)}}; example: {"02_softmax": {"s0042": 3}}.
c.LatePolicy.extensions = {}

# --- Student content is inert; feedback hides the hidden tests (issue 22) ---------------
# nbgrader's own commands and the formgrader's buttons read only this file, so the
# protections live here, in nbgrader's extension points, and every entry point gets them:
# `nbgrader autograde`/`generate_feedback`, the formgrader, `python -m course grade`/`feedback`.
# (course/nbgrader_plugins/student_html.py, feedback_filters.py, feedback_page.py)
from course.nbgrader_plugins import feedback_filters, feedback_page  # noqa: E402

# A student's markdown (<script>, <img onerror>) and what their code displayed while it was
# graded (IPython.display.HTML, Javascript, SVG, widgets) would run as JavaScript where an
# instructor opens the submission: the formgrader has the Jupyter server's origin, so such a
# script could use the API and read the _xsrf cookie. So: sanitize after grading (the
# autograded notebook holds nothing active; text and images stay), kept last so that
# nbgrader scores what ran ...
c.Autograde.autograde_preprocessors = list(c.Autograde.autograde_preprocessors) + [
    "course.nbgrader_plugins.student_html.SanitizeStudentHTML"]
# ... and again where the formgrader renders a submission (its exporter is nbconvert's
# HTMLExporter with this file's settings), for notebooks graded before this setting.
c.HTMLExporter.preprocessors = ["course.nbgrader_plugins.student_html.SanitizeStudentHTML"]
# Feedback: no hidden tests, sanitized, a summary of problems on top (GenerateFeedback's
# preprocessors), in the course's page: offline MathJax, wrapped messages, and a
# Content-Security-Policy that lets only the page's own scripts run (FeedbackExporter).
c.GenerateFeedback.preprocessors = feedback_filters.preprocessors()
c.GenerateFeedback.exporter_class = feedback_page.FeedbackExporter
c.FeedbackExporter.template_name = feedback_page.TEMPLATE_NAME
c.FeedbackExporter.extra_template_basedirs = [feedback_page.TEMPLATES, feedback_page.NBGRADER_TEMPLATES]
c.FeedbackExporter.preprocessors = []  # the sanitizing is in GenerateFeedback.preprocessors already
