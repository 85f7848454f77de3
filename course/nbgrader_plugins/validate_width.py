"""`nbgrader validate` prints every message whole, under a short separator.

nbgrader 0.9.6's Validator (nbgrader/validator.py) uses its one setting ``width`` three
ways: the separator before each failed cell is ``"=" * width`` characters; each line of
the cell and of its error is cut at ``width - 3`` characters, ending in "..."; the closing
warning is wrapped by textwrap at ``width - len(indent)``. The course's messages put the
likely cause at the end of a long line, so a cut loses it, and a width of 10,000 kept them
whole but printed a 10,000-character separator before every failed cell.
``nbgrader validate`` builds ``Validator(parent=app)`` itself, so no subclass can take its
place; the width can be a number that counts SEPARATOR columns where nbgrader repeats a
character, and has no limit where nbgrader subtracts from it to get one.
"""

SEPARATOR = 78


class WholeLines(int):
    """A ``Validator.width``: int(self) columns of "=" as the separator, and lines never cut
    or wrapped (``width - n``, nbgrader's and textwrap's only use of it as a limit, is
    UNLIMITED)."""

    UNLIMITED = 10 ** 9

    def __sub__(self, other):
        return self.UNLIMITED


def validator_width():
    """The value for ``c.Validator.width`` in nbgrader_config.py."""
    return WholeLines(SEPARATOR)
