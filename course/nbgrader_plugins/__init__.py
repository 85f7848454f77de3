"""What nbgrader loads: the classes and settings that nbgrader_config.py names.

- ``execute``: GuardedExecute (grades a notebook up to a crash, a timeout costs one cell,
  a time budget per notebook) and CappedOutput (output capped by lines and bytes);
- ``grading_config``: configure_nbgrader(c), the kernel and preprocessor list for autograde;
- ``feedback_filters``: the feedback page's preprocessors (no hidden tests, sanitized HTML,
  a summary of problems), GenerateFeedback.preprocessors;
- ``feedback_page``: FeedbackExporter, the feedback page's exporter and its Jinja2 template
  (templates/course_feedback/: offline MathJax, wrapped messages, a Content-Security-Policy);
- ``student_html``: SanitizeStudentHTML, what a student wrote or displayed made inert (after
  autograding, in the formgrader's exporter, in feedback);
- ``late_policy``: LatePolicy, nbgrader's late-submission plugin;
- ``written_answers``: GradeWrittenAnswers, written answers as manually graded cells;
- ``cells``: nbgrader's cell metadata and the solution/hidden-test markers, read in one
  place (the instructor's tools use it too).

They import nbgrader, nbconvert and ``course.sandbox_kernel``, never ``course.admin``.
"""
