"""The course folder and nbgrader on it: the bottom layer of the instructor's tools.

The course root is the folder that holds ``nbgrader_config.py``. This module finds
it, loads its configuration, lists its assignments and notebooks, and opens
nbgrader's API and gradebook on it. It imports nothing from the rest of ``course``,
so that every other instructor module can build on it.

Importing it changes nothing: what a process needs before it runs nbgrader (this
environment first on PATH, one SQLAlchemy warning silenced) is done by
:func:`prepare_process`, which the functions that open nbgrader call.
"""

import contextlib
import logging
import os
import sys
import warnings
from pathlib import Path

from traitlets.config.loader import PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"


class CourseError(Exception):
    """A problem the instructor must fix; the message says how."""


def prepare_process():
    """Make this process ready to run nbgrader; safe to call again.

    nbgrader runs `alembic` through PATH when it creates a gradebook: this environment's
    bin folder goes first, even when the code was started as `.venv/bin/python -m course`
    without activating the venv. And nbgrader's SQLAlchemy models warn about autoflush on
    plain reads; the warning says nothing about the grades and would bury the
    instructor's output."""
    bindir = os.path.dirname(sys.executable)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[0] != bindir:
        os.environ["PATH"] = os.pathsep.join([bindir, *[p for p in parts if p != bindir]])
    # filterwarnings drops an equal filter before it adds this one: calling again adds nothing
    warnings.filterwarnings("ignore", message=".*not in session.*")


def find_root(start=None):
    """The course root: the nearest folder at or above `start` with nbgrader_config.py."""
    here = Path(start or os.getcwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise CourseError(
        f"No {CONFIG_FILE} found in {here} or above it. Run the command from the "
        "course repository, or pass --root PATH.")


def load_config(root, **overrides):
    """nbgrader's configuration from <root>/nbgrader_config.py, with the root pinned.

    overrides: extra ``Section.option=value`` pairs as a dict of dicts, e.g.
    {"CourseDirectory": {"db_url": "..."}}.
    """
    root = Path(root).resolve()
    config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    # The file computes root from its own location; pin it explicitly so that a
    # copied config (a temporary course in the tests) cannot point elsewhere.
    config.CourseDirectory.root = str(root)
    for section, values in overrides.items():
        for key, value in values.items():
            config[section][key] = value
    return config


def course_directory(root, config=None):
    """nbgrader's CourseDirectory of the course at `root` (its config loaded here unless
    given): where each step's folders are, by CourseDirectory.format_path."""
    from nbgrader.coursedir import CourseDirectory

    return CourseDirectory(config=config if config is not None else load_config(root))


@contextlib.contextmanager
def quiet(level=logging.WARNING):
    """Silence nbgrader's and the Jupyter client's chatter below `level` for a block."""
    loggers = [logging.getLogger(name) for name in ("traitlets", "nbgrader", "")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(level)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def open_api(root, db_url=None, **overrides):
    """An nbgrader NbGraderAPI for the course at `root`.

    db_url: the gradebook, when not the configuration's (as for open_gradebook);
    overrides: other settings, as for load_config."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    prepare_process()
    config = load_config(root, **overrides)
    if db_url:
        config.CourseDirectory.db_url = db_url
    coursedir = CourseDirectory(config=config)
    # The API also sets up nbgrader's exchange, which logs CRITICAL when the
    # exchange folder does not exist yet: irrelevant to grading, so quiet.
    with quiet(logging.ERROR + 10):
        api = NbGraderAPI(coursedir=coursedir, config=config)
    api.log.setLevel(logging.WARNING)
    return api


def open_gradebook(root, db_url=None):
    """nbgrader's Gradebook of the course at `root` (use it in a `with` block).

    db_url: the gradebook's URL when it is not the configuration's, e.g. the one a
    grading task was given (default: nbgrader_config.py's, COURSE_DB_URL included).
    """
    from nbgrader.api import Gradebook

    prepare_process()
    config = load_config(root)
    return Gradebook(db_url or config.CourseDirectory.db_url, config.CourseDirectory.course_id)


def raise_on_failure(result, what):
    """Raise CourseError with nbgrader's error and log when an API call's result failed."""
    if not result.get("success"):
        detail = (result.get("error") or "") + "\n" + (result.get("log") or "")
        raise CourseError(f"{what} failed:\n{detail.strip()}")


def assignments(root):
    """Assignment ids: the folders of source/ that hold a notebook, in order."""
    source = Path(root) / "source"
    if not source.is_dir():
        raise CourseError(f"{source} does not exist: is {root} the course root?")
    return sorted(p.name for p in source.iterdir()
                  if p.is_dir() and any(p.glob("*.ipynb")))


def require_assignment(root, name):
    """Raise CourseError naming the known assignments unless `name` is one of the course's."""
    known = assignments(root)
    if name not in known:
        raise CourseError(f"No assignment {name!r} in {root}/source (known: {', '.join(known)})")


def chosen_assignments(root, names):
    """`names` when each is an assignment of the course, every assignment when none is
    given; CourseError naming the known ones otherwise."""
    for name in names or []:
        require_assignment(root, name)
    return names or assignments(root)


def notebooks(folder):
    """The notebooks of one assignment folder, sorted, checkpoints excluded."""
    return sorted(p for p in Path(folder).glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
