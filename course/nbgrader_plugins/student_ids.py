"""What a student id may be: one rule for intake, the roster, the exchange and LMS zips.

Standard library only, so that the command line can check ids without loading nbgrader.
"""

import re

# Letters, digits and . _ @ -: safe in a path, a shell, a spreadsheet cell and an HTML page.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$")


def valid_id(student_id):
    """True if `student_id` may be a student id (ID_PATTERN)."""
    return bool(ID_PATTERN.match(student_id or ""))
