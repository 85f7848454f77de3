"""What may enter grading from submitted/: plain files and folders, plain names, bounded sizes.

Run by course.nbgrader_plugins.autograde_guard for every submission nbgrader's Autograde
lists, before nbgrader copies a file or adds the student to the gradebook, whichever way
grading was started (``nbgrader autograde``, the formgrader's button, ``python -m course grade``).

submitted/ is filled by `collect` and `collect-zip`, which check what they write, but also
by hand with `unzip`, `rsync` or `cp -r`, which keep symbolic links, named pipes and odd
names. nbgrader's copy into autograded/ follows links (a link to the gradebook or to the
source notebook would be copied in, and the student's kernel would read it) and blocks
forever on a named pipe. So before grading, every entry of a submission folder that is
not a regular file or folder, and every entry whose name a shell, a spreadsheet or an
HTML page would read specially, is moved (never followed, never opened) into
``<student folder>/.set-aside-<assignment>/``, beside the folder that is graded (the one
set-aside place: files Python could import go there too), and reported.

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

from course.nbgrader_plugins import repair
from course.nbgrader_plugins.student_ids import ID_PATTERN, valid_id  # noqa: F401 (callers find them here)

# A student id: nbgrader puts it into exchange file names (split on '+'), folder names and
# the formgrader's pages: letters, digits and . _ @ - only, so that it is safe in all three.

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


def aside_folder(folder):
    """Where the entries taken out of a submission folder (<student>/<assignment>) go:
    <student>/.set-aside-<assignment>, beside it, where neither nbgrader nor an import finds them."""
    folder = Path(folder)
    return folder.parent / f".set-aside-{folder.name}"


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


def link_problem(root, submitted, folder):
    """A reason not to grade when the submission `folder` or a folder between it and
    `submitted` (nbgrader's submitted directory) is a link (everything under it would be
    followed), else None."""
    folder, submitted = Path(folder), Path(submitted)
    between = [path for path in [folder, *folder.parents] if submitted in path.parents]
    for path in reversed(between):  # the outermost first: a link there moves everything under it
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


_IMPORTABLE = (".py", ".pyc", ".pth", ".so", ".pyd")


def set_aside_importables(folder, released, aside):
    """Move files and folders Python could import (numpy.py, course/, x.pth) that the
    release does not have into `aside`, where no import finds them: the grading kernel
    runs in the submission folder, which is on sys.path, so a submitted `course/` or
    `numpy.py` would replace what the hidden tests import. Returns the names moved."""
    moved = []
    for path in sorted(Path(folder).iterdir()):
        if path.name in released or path.name.startswith("."):
            continue
        if path.is_dir() or path.suffix in _IMPORTABLE:
            _move(str(path), Path(aside) / path.name)
            moved.append(path.name)
    return moved


# Notes that make a graded submission "flagged": something an instructor should look at.
# (Unsafe names are only noted: "Jane's hw.ipynb" is more likely than an attack.)
FLAG_NOTES = ("set aside, not followed:",)
UNSAFE_NOTE = "set aside, unsafe names:"
# nbgrader's own files in a collected submission (exchange collect)
_NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")


def admit(folder, student, submitted, released, limit, root):
    """Look at one submission folder before nbgrader does, and make it safe to grade.

    folder: the submission (nbgrader's CourseDirectory.format_path of submitted_directory);
    submitted: nbgrader's submitted directory; released: the release folder of the
    assignment; limit: a SubmissionLimits; root: the course root (for notes).
    Returns (notes, fatal): notes are short strings for the instructor; fatal is a reason
    not to let nbgrader near it (None when grading can go ahead). In order: the id and the
    folders must not be links; links, pipes, devices and unsafe names are set aside,
    unread; a single notebook under a wrong name is copied to the expected name; each
    notebook must be a regular file within SubmissionLimits, parse, and is mended if
    damaged (course.nbgrader_plugins.repair).
    """
    folder, released = Path(folder), Path(released)
    problem = id_problem(student) or link_problem(root, submitted, folder)
    if problem:
        return [], problem
    if not folder.is_dir():
        return [], "no submission folder"
    notes = []
    aside = aside_folder(folder)
    special = set_aside_special(folder, aside)
    odd = [f"{shown(rel)} ({what})" for rel, what in special if what != "unsafe name"]
    if odd:
        notes.append(f"{FLAG_NOTES[0]} " + ", ".join(odd) + f" (moved to {aside.name}/)")
    unsafe = [shown(rel) for rel, what in special if what == "unsafe name"]
    if unsafe:
        notes.append(f"{UNSAFE_NOTE} " + ", ".join(unsafe) + f" (moved to {aside.name}/)")
    expected = sorted(p.name for p in released.glob("*.ipynb"))
    linked = [rel for rel, what in special if rel in expected and what != "unsafe name"]
    if linked:
        return notes, (f"{linked[0]} is not a regular file ({dict(special)[linked[0]]}): not graded; "
                       "the notebook must be a file of its own, not a link to one")
    present = sorted(p.name for p in folder.glob("*.ipynb"))
    others = sorted(p.name for p in folder.iterdir()
                    if p.is_file() and p.suffix != ".ipynb" and not p.name.startswith(".")
                    and p.name not in _NBGRADER_FILES)
    release_names = {p.name for p in released.iterdir()} if released.is_dir() else set()
    shadowing = set_aside_importables(folder, release_names, aside)
    if shadowing:
        notes.append(f"set aside (could shadow modules the tests import): {', '.join(shadowing)}")
    extra = [name for name in others if name not in release_names and name not in shadowing]
    if extra:
        notes.append("extra files ignored: " + ", ".join(extra[:5]) + (" ..." if len(extra) > 5 else ""))
    missing = [name for name in expected if name not in present]
    strangers = [name for name in present if name not in expected]
    # a notebook set aside for its name ("Jane's hw.ipynb") is still the student's work
    odd_named = [aside / rel for rel, what in special if what == "unsafe name" and "/" not in rel
                 and rel.endswith(".ipynb") and (aside / rel).is_file() and not (aside / rel).is_symlink()]
    if missing and len(missing) == 1 and len(strangers) + len(odd_named) == 1:
        chosen = folder / strangers[0] if strangers else odd_named[0]
        repair.replace_whole(folder / missing[0], chosen.read_bytes(), aside)
        notes.append(f"notebook {shown(chosen.name)} graded as {missing[0]!r} (wrong name)")
        present.append(missing[0])
        missing = []
    elif strangers:  # nbgrader skips notebooks its gradebook does not know
        notes.append("unknown notebooks ignored: " + ", ".join(strangers))
    if missing and not any(name in present for name in expected):
        return notes, "no notebook named " + " or ".join(repr(m) for m in missing)
    if missing:
        notes.append("missing notebooks: " + ", ".join(missing))
    for name in expected:
        path = folder / name
        if not path.is_file():
            continue
        fatal = size_problem(path, limit)
        if fatal:
            return notes, fatal
        if path.stat().st_size == 0:
            return notes, f"{name} is empty (0 bytes)"
        mended, fatal = repair.mend_file(path, released / name, aside, limit.max_cells)
        notes += mended
        if fatal:
            return notes, fatal
    return notes, None
