"""What may enter grading from submitted/: plain files and folders, plain names, bounded sizes.

submitted/ is filled by `collect` and `collect-zip`, which check what they write, but also
by hand with `unzip`, `rsync` or `cp -r`, which keep symbolic links, named pipes and odd
names. nbgrader's copy into autograded/ follows links (a link to the gradebook or to the
source notebook would be copied in, and the student's kernel would read it) and blocks
forever on a named pipe. So before grading, every entry of a submission folder that is
not a regular file or folder, and every entry whose name a shell, a spreadsheet or an
HTML page would read specially, is moved (never followed, never opened) into
``submitted/<student>/.set-aside-<assignment>/``, beside the folder that is graded, and
reported.

Limits on a notebook (``SubmissionLimits`` in nbgrader_config.py) are checked from the
file's size before it is parsed, and from its cell count before any kernel starts.
"""

import os
import re
import shutil
import stat
from pathlib import Path

from traitlets import Float, Integer
from traitlets.config import Configurable

from course.admin.distribution.roster import valid_id

# Control characters; HTML's < > & " '; the shell's ` $ ; | \ (spaces and parentheses
# are left alone: "hw (1).ipynb" is what browsers make of a second download).
_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f<>&\"'`$;|\\]")
# A leading - reads as an option to most commands; = + @ (and -) start a formula in a
# spreadsheet.
_UNSAFE_START = ("-", "=", "+", "@")


class SubmissionLimits(Configurable):
    """Bounds on one submitted notebook, checked before any kernel starts."""

    max_notebook_mb = Float(
        20.0, help="Largest notebook file graded, in MB (10**6 bytes). The course's notebooks "
                   "are under 0.1 MB without outputs; outputs (plots) add a few MB at most."
    ).tag(config=True)
    max_cells = Integer(
        1000, help="Most cells a graded notebook may have. The course's notebooks have "
                   "about 60; thousands mean a generated or damaged file."
    ).tag(config=True)


def limits(root):
    from course.admin.course_dir import load_config

    return SubmissionLimits(config=load_config(root))


def unsafe_name(name):
    """True if `name` holds a character a shell, spreadsheet or HTML page reads specially."""
    return bool(_UNSAFE_CHARS.search(name)) or name.startswith(_UNSAFE_START)


def shown(name):
    """`name` as it can be printed in a note: quoted, with odd characters escaped."""
    return ascii(name) if unsafe_name(name) or not name.isprintable() else repr(name)


def id_problem(student):
    """Why `student` (a folder name under submitted/) cannot be a student id, or None."""
    if valid_id(student):
        return None
    return (f"student id {shown(student)} (the folder name under submitted/) is not a valid id: "
            "letters, digits and . _ @ -, starting with a letter or digit. Rename the folder "
            "to the student's id and grade again")


def aside_folder(root, assignment, student):
    """Where the entries taken out of submitted/<student>/<assignment> go."""
    return Path(root) / "submitted" / student / f".set-aside-{assignment}"


def _kind(mode, path):
    """What a non-regular entry is, for a note (None for a regular file or folder)."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISLNK(mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return f"symbolic link to {shown(target[:200])}"
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device file"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def link_problem(root, assignment, student):
    """A reason not to grade when the student's folder or the assignment folder under
    submitted/ is itself a link (everything under it would be followed), else None."""
    for path in (Path(root) / "submitted" / student, Path(root) / "submitted" / student / assignment):
        if path.is_symlink():
            return (f"{path.relative_to(root)} is a {_kind(os.lstat(path).st_mode, path)}, not a folder: "
                    "not graded (a link can point at anything, the gradebook or source/ included); "
                    "put the real files there")
    return None


def _move(src, dest):
    """Move one entry without following it; a special file that cannot be moved is removed
    (it holds no student work)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if os.path.lexists(dest):
        if dest.is_dir() and not dest.is_symlink():
            shutil.rmtree(dest)
        else:
            dest.unlink()
    try:
        os.rename(src, dest)
    except OSError:
        if os.path.isdir(src) and not os.path.islink(src):
            shutil.move(src, dest)
        else:
            os.unlink(src)


def set_aside_special(folder, aside):
    """Move every entry under `folder` that is not a regular file or folder, or whose name
    is unsafe, to the same relative path under `aside`, without following or opening it.

    Returns [(relative path, what it was)], e.g. [("notes.txt", "symbolic link to
    '/etc/passwd'"), ("pipe", "named pipe (FIFO)"), ("=cmd.py", "unsafe name")].
    """
    folder = Path(folder)
    moved = []
    for dirpath, dirnames, filenames in os.walk(folder):  # never descends into a link
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            what = _kind(os.lstat(path).st_mode, path)
            if what is None and unsafe_name(name):
                what = "unsafe name"
            if what is None:
                continue
            rel = os.path.relpath(path, folder)
            _move(path, Path(aside) / rel)
            moved.append((rel, what))
        dirnames[:] = [d for d in dirnames if os.path.isdir(os.path.join(dirpath, d))
                       and not os.path.islink(os.path.join(dirpath, d))]
    return moved


def size_problem(path, limit):
    """A reason not to grade notebook `path` for its size (from lstat, unread), or None."""
    size = os.lstat(path).st_size
    if size <= limit.max_notebook_mb * 1e6:
        return None
    return (f"{path.name} is {size / 1e6:.1f} MB, over the {limit.max_notebook_mb:g} MB limit "
            "(SubmissionLimits.max_notebook_mb): not graded, no kernel started. Outputs make most "
            "of such a file: clear them (Edit > Clear Outputs of All Cells) and submit again")


def cells_problem(name, n_cells, limit):
    """A reason not to grade a notebook of `n_cells` cells, or None."""
    if n_cells <= limit.max_cells:
        return None
    return (f"{name} has {n_cells} cells, over the limit of {limit.max_cells} "
            "(SubmissionLimits.max_cells): not graded, no kernel started")
