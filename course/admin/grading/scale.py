"""Grading at scale: a gradebook on a database server, and a Dask cluster past one machine.

``python -m course grade A --workers N`` grades on this machine (course.admin.grading.pipeline.grade).
This module adds two options to that command:

- ``--db URL`` keeps the gradebook on a database server, e.g.
  ``postgresql://grader:PASSWORD@db.example.edu/backprop`` (default: nbgrader_config.py's,
  which reads ``COURSE_DB_URL``). The URL reaches every worker process and Dask task as
  nbgrader configuration, never through the environment. Before any worker starts,
  the gradebook gets its tables, the course, the assignment (with every graded and locked
  cell, as ``nbgrader generate_assignment`` records them) and the students, so that no two
  workers race to create the same row.
- ``--scheduler tcp://HOST:PORT`` sends one task per submission to a Dask distributed
  cluster. Each task runs ``course.admin.grading.autograde.autograde_one`` on a worker and writes the
  grades to the shared gradebook, whose URL travels with the task as nbgrader configuration
  (``CourseDirectory.db_url``), as does the sandbox setting, so that tasks of different runs
  can share a worker process. The statuses come back to this process, which records
  them in grading/<assignment>.json. A task whose worker raised is retried ``--retries``
  times; a task whose worker died is re-run elsewhere as often as the scheduler's
  ``distributed.scheduler.allowed-failures`` allows (3 by default). A submission that fails
  every attempt gets the status ``failed`` and none of its grades stay in the gradebook.

Grading one submission is idempotent (nbgrader replaces the submission's autograded copy
and its grades), so a retried task can neither lose nor duplicate a grade.
"""

import os
import shutil
import stat
import threading
import time
import uuid
from pathlib import Path

from course.admin.grading import pipeline, pool, status
from course.admin.grading.autograde import autograde_one
from course.admin.grading.result import FAILED, any_failed, failed, summary_lines  # noqa: F401 (FAILED: callers compare with it)
from course.admin.course_dir import CourseError, open_gradebook, quiet, raise_on_failure
from course.nbgrader_plugins import cells as nb_cells

DEFAULT_RETRIES = pool.DEFAULT_RETRIES


# --- the gradebook ---------------------------------------------------------------

def hide_password(url):
    """The URL with its password replaced by ***, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable URL>"


def driver_url(url):
    """`url` with the PostgreSQL driver named: SQLAlchemy 2.1 reads a bare postgresql://
    as psycopg 3, the course installs psycopg2 (psycopg2-binary in requirements.txt)."""
    if url:
        for bare in ("postgresql://", "postgres://"):
            if url.startswith(bare):
                return "postgresql+psycopg2://" + url[len(bare):]
    return url


def db_url(root):
    """The gradebook URL nbgrader_config.py gives now (COURSE_DB_URL included)."""
    return pipeline.load_config(root).CourseDirectory.db_url


def check_db(url):
    """Connect once; raise CourseError saying what to do if the database cannot be reached."""
    from sqlalchemy import create_engine, text

    if url.startswith("postgres"):
        try:
            import psycopg2  # noqa: F401 (SQLAlchemy's default PostgreSQL driver)
        except ImportError:
            raise CourseError("A PostgreSQL gradebook needs the psycopg2 driver: "
                              ".venv/bin/pip install psycopg2-binary==2.9.13") from None
    try:
        engine = create_engine(url)
        with engine.connect() as con:
            con.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise CourseError(f"Cannot open the gradebook {hide_password(url)}: {first}\n"
                          "Check that the server runs, that the database exists "
                          "(createdb NAME), and the user and password in the URL.") from None


def _cells_in_source(root, assignment):
    """What generate_assignment records in the gradebook, as comparable sets:
    ({(notebook, grade_id, source or None for solution cells)}, {(notebook, grade_id, points)})."""
    import nbformat

    cells, points = set(), set()
    for path in pipeline.notebooks(Path(root) / "source" / assignment):
        for cell in nbformat.read(path, as_version=4).cells:
            meta, gid = nb_cells.nbgrader_meta(cell), nb_cells.grade_id(cell)
            if not gid:
                continue
            solution, task = nb_cells.is_solution(cell), bool(meta.get("task"))
            if nb_cells.is_graded(cell) or solution or nb_cells.is_locked(cell) or task:
                cells.add((path.stem, gid, None if solution else cell.source))
            if nb_cells.is_graded(cell) or task:
                points.add((path.stem, gid, nb_cells.points(cell)))
    return cells, points


def _cells_in_gradebook(gb, assignment):
    from nbgrader.api import MissingEntry

    try:
        found = gb.find_assignment(assignment)
    except MissingEntry:
        return None
    cells, points = set(), set()
    for nb in found.notebooks:
        solutions = {c.name for c in nb.solution_cells}
        for c in nb.source_cells:
            cells.add((nb.name, c.name, None if c.name in solutions else c.source))
        for c in list(nb.grade_cells) + list(nb.task_cells):
            points.add((nb.name, c.name, float(c.max_score)))
    return cells, points


def prepare(root, assignment, students, url=None):
    """Make the gradebook at `url` (default: the configuration's) ready for parallel
    workers: its tables, the course, the assignment with its cells (generated into it
    when missing or out of date with source/), and every student. Returns True if the
    assignment was (re)generated."""
    import tempfile

    url = driver_url(url)
    with open_gradebook(root, db_url=url) as gb:
        current = _cells_in_gradebook(gb, assignment) == _cells_in_source(root, assignment)
    if not current:
        # generate_assignment records the cells; its output goes to a scratch folder
        # so that the committed release/ is left alone.
        scratch = tempfile.mkdtemp(prefix="course-generate-")
        try:
            pipeline.check_source_clean(root, assignment)
            api = pipeline.open_api(root, db_url=url, CourseDirectory={"release_directory": scratch})
            with quiet():
                result = api.generate_assignment(assignment, force=True, create=True)
            raise_on_failure(result, f"generate_assignment {assignment} into the gradebook")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    pipeline.register_students(root, students, url)
    return not current


def grade_parallel(root, assignment, students=None, workers=1, db=None, progress=True):
    """course.admin.grading.pipeline.grade on this machine, with the gradebook at `db` (default: the config's)."""
    students = list(students) if students is not None else pipeline.submitted_students(root, assignment)
    url = driver_url(db or db_url(root))
    check_db(url)
    if students:
        prepare(root, assignment, students, url)
    return pipeline.grade(root, assignment, students, workers=workers, progress=progress, db_url=url)


# --- Dask --------------------------------------------------------------------------

# One nbgrader autograde at a time per process: nbgrader's converters change the process's
# working directory and set, then delete, NBGRADER_EXECUTION in os.environ (a second one
# running at once fails with KeyError). Start workers with --nthreads 1 and this costs nothing.
_AUTOGRADE_LOCK = threading.Lock()


def _files_of(folder):
    """{relative path: bytes} of every regular file under `folder`.

    Links are never followed or shipped (a link in submitted/ may point at the
    gradebook or source/), nor are pipes or devices: only what the precheck would grade."""
    folder = Path(folder)
    found = {}
    for top, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(top, d)))
        for name in sorted(files):
            path = Path(top) / name
            if not path.is_symlink() and stat.S_ISREG(path.lstat().st_mode):
                found[str(path.relative_to(folder))] = path.read_bytes()
    return found


def _put_files(folder, files):
    folder = Path(folder).resolve()
    shutil.rmtree(folder, ignore_errors=True)
    for rel, data in files.items():
        path = (folder / rel).resolve()
        if not path.is_relative_to(folder):
            raise CourseError(f"refusing to write {rel!r} outside {folder}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def worker_sandbox(sandbox_off=False):
    """Run on a Dask worker: (hostname, None) if it can grade, else (hostname, why)."""
    import socket

    try:
        require_sandbox(sandbox_off)
    except CourseError as err:
        return socket.gethostname(), str(err).splitlines()[0]
    return socket.gethostname(), None


def require_sandbox(sandbox_off):
    """pipeline.require_sandbox for the client's choice rather than this worker's
    COURSE_SANDBOX (which the client's does not reach): fail closed unless it is off."""
    from course.sandbox_kernel import host

    try:
        return host.require({"COURSE_SANDBOX": "off"} if sandbox_off else {})
    except host.SandboxUnavailable as err:
        raise CourseError(str(err)) from None


def sandbox_config(sandbox_off):
    """nbgrader settings that grade with the sandbox on, or off, whatever this worker's
    COURSE_SANDBOX made nbgrader_config.py choose: the settings
    course.nbgrader_plugins.grading_config.configure_nbgrader gives for the client's choice,
    and nbgrader's defaults where it gives none."""
    from jupyter_client.manager import KernelManager
    from traitlets.config import Config

    from course.nbgrader_plugins.execute import GuardedExecute
    from course.nbgrader_plugins.grading_config import configure_nbgrader

    chosen = Config()
    configure_nbgrader(chosen, sandbox=not sandbox_off)

    def setting(cls, name):
        section = chosen[cls.__name__]
        return section[name] if name in section else cls.class_traits()[name].default_value

    return {"GuardedExecute": {name: setting(GuardedExecute, name)
                               for name in ("require_sandbox", "kernel_name")},
            "KernelManager": {"transport": setting(KernelManager, "transport")}}


def _merged(*configs):
    """One {section: {option: value}} from several; later ones win."""
    merged = {}
    for config in configs:
        for section, values in (config or {}).items():
            merged.setdefault(section, {}).update(values)
    return merged


def grade_task(root, assignment, student, url=None, files=None, overrides=None, sandbox_off=False):
    """Grade one submission on a Dask worker (or anywhere): autograde_one's GradingResult.

    root: the course root as this worker sees it. url: the gradebook (default: the
    worker's configuration's). files: the submission's files ({relative path: bytes})
    when they are shipped with the task rather than read from a shared filesystem; the
    autograded notebooks then come back in its ``files``. The gradebook URL and the
    sandbox setting reach nbgrader as configuration, so that tasks with different ones
    can share a process.
    Raises CourseError when this machine lacks the course or the submission, so that
    the task is retried elsewhere and, failing that, marked failed.
    """
    import socket

    root = Path(root)
    for needed in (root / pipeline.CONFIG_FILE, root / "release" / assignment, root / "source" / assignment):
        if not needed.exists():
            raise CourseError(f"worker {socket.gethostname()} has no {needed}: every worker needs "
                              "the course files (a clone of the course repository) at that path")
    submission = root / "submitted" / student / assignment
    require_sandbox(sandbox_off)  # fail closed on this worker too
    if files is not None:
        _put_files(submission, files)
    elif not submission.is_dir():
        raise CourseError(f"worker {socket.gethostname()} has no {submission}: put submitted/ on "
                          "a filesystem every worker shares, or ship the submissions (--ship)")
    with _AUTOGRADE_LOCK:
        result = autograde_one(root, assignment, student, _merged(overrides, sandbox_config(sandbox_off)),
                               db_url=driver_url(url) if url else None)
    if files is not None:
        graded = root / "autograded" / student / assignment
        result.files = _files_of(graded) if graded.is_dir() else {}
    result.worker = socket.gethostname()
    return result


def connect(scheduler, timeout=30):
    """A dask.distributed Client for tcp://HOST:PORT; CourseError if there is none."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise CourseError("--scheduler needs Dask: .venv/bin/pip install dask==2026.8.0 "
                          "distributed==2026.8.0") from None
    try:
        return Client(scheduler, timeout=timeout)
    except Exception as err:
        raise CourseError(f"Cannot reach the Dask scheduler at {scheduler}: {err}\n"
                          "Start it with `dask scheduler` and check the address and port.") from None


def grade_on_cluster(root, assignment, students=None, client=None, scheduler=None, db=None,
                     retries=DEFAULT_RETRIES, ship=False, worker_root=None, overrides=None,
                     progress=True, wait_for_workers=60):
    """Autograde the submissions of one assignment on a Dask cluster; autograde_one's results.

    client: a dask.distributed Client, or scheduler: its address (tcp://HOST:PORT).
    db: the gradebook URL every worker writes to (default: the config's; it must be a
    server every worker reaches, i.e. PostgreSQL, unless the cluster is on this machine).
    retries: extra attempts for a task that raised. ship: send each submission's files
    with its task and bring the autograded notebooks back, for workers without a shared
    filesystem. worker_root: where the workers have the course (default: the same path).
    """
    from tqdm.auto import tqdm

    root = Path(root).resolve()
    students = list(students) if students is not None else pipeline.submitted_students(root, assignment)
    if not students:
        return []
    own_client = client is None
    # Passed to each task, never set in os.environ: tasks of other runs may share a worker.
    url = driver_url(db or db_url(root))
    check_db(url)
    if own_client:
        client = connect(scheduler)
    try:
        _wait_for_workers(client, wait_for_workers)
        from course.sandbox_kernel.names import OFF_VALUES

        sandbox_off = os.environ.get("COURSE_SANDBOX", "").strip().lower() in OFF_VALUES
        # Fail closed before the gradebook is touched: every worker must have a
        # working sandbox (unless it is explicitly off).
        bad = {h: why for h, why in client.run(worker_sandbox, sandbox_off).values() if why}
        if bad:
            raise CourseError("refusing to grade: the grading sandbox does not work on worker(s) "
                              + "; ".join(f"{h}: {why}" for h, why in sorted(bad.items()))
                              + ". No grade was touched. Run scripts/install-system-deps.sh there "
                              "and `python -m course.sandbox_kernel.host check`, or grade with --no-sandbox.")
        prepare(root, assignment, students, url)
        from dask.distributed import as_completed

        run = uuid.uuid4().hex[:8]
        where = str(worker_root or root)
        futures = {}
        for student in students:
            files = _files_of(root / "submitted" / student / assignment) if ship else None
            future = client.submit(grade_task, where, assignment, student, url, files, overrides,
                                   sandbox_off,
                                   key=f"grade-{assignment}-{student}-{run}", pure=False,
                                   retries=retries)
            futures[future] = student
        results = []
        bar = tqdm(total=len(futures), desc=f"grading {assignment} (dask)", unit="nb",
                   disable=not progress)
        for future in as_completed(futures):
            student = futures[future]
            if future.status == "finished":
                result = future.result()
                if ship:
                    _put_files(root / "autograded" / student / assignment, result.files or {})
                    result.files = None
            else:  # erred after every attempt, or cancelled (the scheduler went away)
                try:
                    error = future.exception()
                except BaseException as err:  # a cancelled future raises instead
                    error = err
                result = failed(student, assignment, error)
                status.forget_failed(root, assignment, student, url)
            future.release()
            results.append(result)
            status.save_result(root, assignment, result)
            bar.update()
        bar.close()
    finally:
        if own_client:
            client.close()
    return sorted(results, key=lambda r: r.student)


def _wait_for_workers(client, timeout):
    try:
        client.wait_for_workers(1, timeout=timeout)
    except Exception:
        raise CourseError(f"The Dask scheduler has no workers after {timeout} s. Start them on each "
                          "grading machine, in the course folder, with the course environment: "
                          "dask worker tcp://HOST:PORT --nthreads 1 --nworkers N") from None


# --- command line --------------------------------------------------------------------

def cmd_grade(args, local_grade):
    if getattr(args, "no_sandbox", False):
        os.environ["COURSE_SANDBOX"] = "off"  # this process, its workers, and the Dask tasks
    if not args.scheduler:
        pipeline.require_sandbox()  # refuse before the gradebook is touched
    if not (args.db or args.scheduler):
        return local_grade(args)
    if args.assignment not in pipeline.assignments(args.root):
        return local_grade(args)  # its error message names the known assignments
    students = args.students if args.students is not None else pipeline.submitted_students(
        args.root, args.assignment)
    # From here on the URL (with the driver the course installs) travels as configuration
    # to every worker process and task.
    url = driver_url(args.db or db_url(args.root))
    check_db(url)
    if not args.scheduler:
        if students:
            prepare(args.root, args.assignment, students, url)
        print(f"gradebook: {hide_password(url)}")
        args.db_url = url
        return local_grade(args)
    if url.startswith("sqlite"):
        print("warning: the gradebook is SQLite; every Dask worker must see the same file on a "
              "local disk. For workers on other machines use --db postgresql://...")
    start = time.perf_counter()
    results = grade_on_cluster(args.root, args.assignment, students, scheduler=args.scheduler, db=url,
                               retries=DEFAULT_RETRIES if args.retries is None else args.retries,
                               ship=args.ship, worker_root=args.worker_root)
    for line in summary_lines(args.assignment, results, wall=time.perf_counter() - start):
        print(line)
    return 1 if any_failed(results) else 0
