"""Checks that release/ is what nbgrader makes from source/, and leaks nothing.

Drift: regenerating the release from source/ in a scratch copy of the course
must give byte-identical files. Leak: no solution or hidden-test marker, and no
line of solution or hidden-test code, may reach a released notebook, and no
text meant for instructors (paths of the course repository, asides to them).
"""

import filecmp
import re
import shutil
import tempfile
from pathlib import Path

import nbformat

from course.admin.grading import pipeline
from course.nbgrader_plugins import cells
# Text addressed to instructors, or naming files only the course repository has.
# Students may read that an instructor grades their answers; not asides to one.
INSTRUCTOR_TEXT = re.compile(
    r"\binstructors?\s*:|\(\s*instructors?\b|\bINSTRUCTORS\.md|\bAUTHORING\.md"
    r"|\b(?:bench|tests|source|autograded|submitted)/|\bgradebook\.db\b|\banswer key",
    re.IGNORECASE)
# Lines this short or this generic appear in any code; they prove nothing.
_MIN_LINE = 12


def _split(source):
    """(secret lines, public lines) of one cell: inside or outside the marker regions."""
    secret, public = set(), set()
    for line, where in cells.marked_lines(source, [cells.SOLUTION, cells.HIDDEN_TESTS]):
        if where == cells.INSIDE:
            secret.add(line.strip())
        elif where == cells.OUTSIDE:
            public.add(line.strip())
    return secret, public


def secret_lines(source_nb):
    """Solution and hidden-test code lines that appear nowhere else in the source."""
    secret, public = set(), set()
    for cell in source_nb.cells:
        cell_secret, cell_public = _split(cell.source)
        secret |= cell_secret
        public |= cell_public
    return {line for line in secret - public
            if len(line) >= _MIN_LINE and not line.startswith("#")}


def leaks(root, release_root=None, assignment_ids=None):
    """Human-readable leak findings (for every assignment by default); [] when clean."""
    root = Path(root)
    release_root = Path(release_root or root / "release")
    findings = []
    for assignment in assignment_ids or pipeline.assignments(root):
        for src_path in pipeline.notebooks(root / "source" / assignment):
            rel_path = release_root / assignment / src_path.name
            if not rel_path.is_file():
                findings.append(f"{rel_path} is missing: run `python -m course build`")
                continue
            text = rel_path.read_text(encoding="utf-8")
            for marker in cells.MARKERS:
                if marker in text:
                    findings.append(f"{rel_path}: contains the marker '{marker}'")
            released = nbformat.read(rel_path, as_version=4)
            code = {line.strip() for cell in released.cells for line in cell.source.splitlines()}
            for line in sorted(secret_lines(nbformat.read(src_path, as_version=4)) & code):
                findings.append(f"{rel_path}: solution or hidden-test line leaked: {line!r}")
            findings += instructor_text(rel_path, released)
    return findings


def instructor_text(path, nb):
    """Findings for text meant for instructors in a released notebook's cells."""
    found = []
    for index, cell in enumerate(nb.cells):
        for match in INSTRUCTOR_TEXT.finditer(cell.source):
            start = max(0, match.start() - 30)
            found.append(f"{path}: cell {index} speaks to instructors: "
                         f"...{cell.source[start:match.end() + 30]!r}...")
    return found


def _files(folder):
    folder = Path(folder)
    skip = {".ipynb_checkpoints", "__pycache__"}
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and not skip & set(p.parts))


def compare_trees(fresh, committed):
    """Differences between a freshly generated release folder and the committed one."""
    fresh, committed = Path(fresh), Path(committed)
    fresh_files, committed_files = _files(fresh), _files(committed)
    problems = [f"release/{f}: not produced by source/ (stale?)"
                for f in sorted(set(committed_files) - set(fresh_files))]
    problems += [f"release/{f}: missing (regenerate with `python -m course build`)"
                 for f in sorted(set(fresh_files) - set(committed_files))]
    for f in sorted(set(fresh_files) & set(committed_files)):
        if not filecmp.cmp(fresh / f, committed / f, shallow=False):
            problems.append(f"release/{f}: differs from what source/ generates")
    return problems


def drift(root):
    """Files of release/ that differ from a fresh generation (or exist on one side only)."""
    root = Path(root)
    with tempfile.TemporaryDirectory(prefix="course-release-") as tmp:
        scratch = Path(tmp)
        shutil.copy2(root / pipeline.CONFIG_FILE, scratch / pipeline.CONFIG_FILE)
        shutil.copytree(root / "source", scratch / "source")
        for assignment in pipeline.assignments(scratch):
            pipeline.generate(scratch, assignment)
        return compare_trees(scratch / "release", root / "release")
