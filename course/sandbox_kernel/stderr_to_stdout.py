"""IPython extension: what student code writes to stderr reaches the notebook as stdout.

nbgrader scores a test cell 0 when it has any stderr output, and `nbgrader validate` fails
it; the autograder used to drop stderr matching ``IgnorePattern`` (``warnings.warn``) but not
the rest (``logging``, ``print(file=sys.stderr)``), so validate and grading disagreed. A
failing test raises, and its error output is what costs points; a log line or a warning
from a student's function is not a failure. With this extension loaded, in every grading
kernel (course.sandbox_kernel.guard loads it) and in every kernel `nbgrader validate` starts
(``c.Execute.extra_arguments`` in nbgrader_config.py), both see the same: the text, as stdout.

Standard library only; loading it twice is harmless.
"""

import sys

EXTENSION = "course.sandbox_kernel.stderr_to_stdout"


def load_ipython_extension(ip):
    # logging and warnings look sys.stderr up when they write (a StreamHandler made later
    # binds it then), so rebinding the name is enough for them and for print(file=sys.stderr).
    sys.stderr = sys.stdout
