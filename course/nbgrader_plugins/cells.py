"""What nbgrader marks in a notebook cell: its metadata and the marker lines in its source.

Metadata: nbgrader keeps a cell's role under ``cell.metadata["nbgrader"]``: ``grade_id``,
``solution`` (the student writes here), ``grade`` (it earns points), ``points``,
``locked``. A submitted notebook may hold anything there, so every reader here takes a
missing or damaged entry as "no nbgrader metadata" instead of failing.

Markers: a source cell hides what students must not get between marker lines, which
``nbgrader generate_assignment`` removes::

    ### BEGIN SOLUTION            (replaced by the stub)
    ### END SOLUTION
    ### BEGIN HIDDEN TESTS        (dropped)
    ### END HIDDEN TESTS

A line is a marker when it contains the marker's text anywhere, which is how nbgrader's
ClearSolutions and ClearHiddenTests decide (their default delimiters, which
nbgrader_config.py keeps), so that what is read here is what nbgrader removes. A BEGIN
without its END runs to the end of the cell: nbgrader refuses such a cell; here, shown to
a student, it hides more rather than less.

Standard library only: nbgrader's plugins and the instructor's tools both read cells
through this module.
"""

BEGIN_SOLUTION = "BEGIN SOLUTION"
END_SOLUTION = "END SOLUTION"
BEGIN_HIDDEN_TESTS = "BEGIN HIDDEN TESTS"
END_HIDDEN_TESTS = "END HIDDEN TESTS"
MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS)

# A kind of marked region: its (begin, end) marker texts.
SOLUTION = (BEGIN_SOLUTION, END_SOLUTION)
HIDDEN_TESTS = (BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS)

# Where a line of source is, as marked_lines says.
OUTSIDE, MARKER, INSIDE = "outside", "marker", "inside"


def nbgrader_meta(cell):
    """The cell's nbgrader metadata as a dict; {} when it has none or it is not a dict."""
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def has_nbgrader_meta(cell):
    """True when the cell carries an nbgrader entry at all, whatever it holds (a pasted or
    hand-edited cell may hold something nbgrader cannot read)."""
    return cell.get("metadata", {}).get("nbgrader") is not None


def grade_id(cell):
    """The cell's nbgrader grade_id, or None."""
    return nbgrader_meta(cell).get("grade_id")


def is_solution(cell):
    """True for a cell the student writes in (nbgrader's ``solution``)."""
    return bool(nbgrader_meta(cell).get("solution"))


def is_graded(cell):
    """True for a cell that earns points: a test, or a manually graded answer."""
    return bool(nbgrader_meta(cell).get("grade"))


def is_test(cell):
    """True for an autograder test: a graded cell that is not a student's answer."""
    return is_graded(cell) and not is_solution(cell)


def is_locked(cell):
    """True for a cell nbgrader marks read-only (its source is restored when grading)."""
    return bool(nbgrader_meta(cell).get("locked"))


def points(cell):
    """The most points the cell can earn, as a float (0.0 for an ungraded cell)."""
    return float(nbgrader_meta(cell).get("points", 0))


def marked_lines(source, regions=(SOLUTION, HIDDEN_TESTS)):
    """[(line, where)] for each line of `source`, split at "\\n" as nbgrader splits it.

    where is MARKER for a marker line of one of `regions`, INSIDE for a line between a
    BEGIN and the next END (any of `regions`'), OUTSIDE otherwise. An unterminated
    region runs to the end of the source.
    """
    begins = tuple(begin for begin, _ in regions)
    ends = tuple(end for _, end in regions)
    result, inside = [], False
    for line in source.split("\n"):
        # BEGIN first, as nbgrader checks it: a line with both text opens a region
        if any(begin in line for begin in begins):
            inside = True
            result.append((line, MARKER))
        elif any(end in line for end in ends):
            inside = False
            result.append((line, MARKER))
        else:
            result.append((line, INSIDE if inside else OUTSIDE))
    return result


def has_region(source, regions=(SOLUTION, HIDDEN_TESTS)):
    """True when `source` opens one of `regions` (its BEGIN marker text appears)."""
    return any(begin in source for begin, _ in regions)


def without_regions(source, regions=(HIDDEN_TESTS,)):
    """`source` without its marked regions, marker lines included, and without the
    trailing newlines left behind: the source as nbgrader hides it."""
    kept = [line for line, where in marked_lines(source, regions) if where == OUTSIDE]
    return "\n".join(kept).rstrip("\n")


def without_markers(source, regions=(SOLUTION,)):
    """`source` with only its marker lines removed: the code inside a region stays
    (a solution cell's reference answer)."""
    return "\n".join(line for line, where in marked_lines(source, regions) if where != MARKER)
