"""What the scaling tests (tests/test_scale.py) and the benchmark (bench/grade_throughput.py) share.

- ``make_course``: a scratch course with the fastest assignment in source/ generated;
- ``write_batch``: a mixed batch of 40 submissions to it, built with course.admin.authoring.samples
  (correct, buggy, untouched, correct variants), a few hostile ones from tests/hostile.py when
  it is there, and broken files (cut-off JSON, an empty file, a notebook under a wrong name, no
  notebook at all);
- ``PostgresServer``: a throwaway PostgreSQL cluster on 127.0.0.1, from Debian's packages
  (scripts/install-postgres.sh installs them).
"""

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from course.admin.grading import pipeline
from course.admin.authoring import samples

REPO = Path(__file__).resolve().parents[1]
# Fastest to grade first: the batch uses the first of these that exists in source/.
FAST_FIRST = ["01_staged_backprop", "02_softmax", "03_layers", "04_digits_mlp"]


# --- the course -----------------------------------------------------------------

def pick_assignment(repo=REPO):
    """The fastest assignment in the repository's source/ (COURSE_SCALE_ASSIGNMENT=<id>
    picks another one)."""
    present = pipeline.assignments(repo)
    wanted = os.environ.get("COURSE_SCALE_ASSIGNMENT")
    if wanted:
        if wanted not in present:
            raise ValueError(f"COURSE_SCALE_ASSIGNMENT={wanted}: no such assignment in {repo}/source")
        return wanted
    for name in FAST_FIRST:
        if name in present:
            return name
    raise ValueError(f"no assignment in {repo}/source")


def make_course(root, repo=REPO):
    """A scratch course at `root` with one assignment generated; returns the assignment id."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy2(repo / "nbgrader_config.py", root / "nbgrader_config.py")
    assignment = pick_assignment(repo)
    shutil.copytree(repo / "source" / assignment, root / "source" / assignment)
    (root / "catalogues").mkdir(parents=True, exist_ok=True)
    shutil.copy2(repo / "catalogues" / f"{assignment}.py", root / "catalogues")
    pipeline.generate(root, assignment)
    return assignment


# --- the batch --------------------------------------------------------------------

# Hostile cases cheap enough for a throughput batch (no time-outs, no huge outputs).
CHEAP_HOSTILE = ["deleted-test-cell", "edited-test-cells", "raised-points", "patch-numpy",
                 "stderr-warning", "os-exit"]


def write_batch(root, assignment, size=40):
    """Write exactly `size` submissions under submitted/ (more only if the fixed part is
    larger); return {student: kind}.

    The fixed part: a few hostile ones (tests/hostile.py) and the broken files. The rest
    are samples of the catalogue, in the proportions of a class: the reference, an
    untouched notebook, a quarter correct variants and the rest catalogued bugs, the first
    of each in catalogue order. When the catalogue is smaller than that, samples are
    repeated under new student ids: a real class hands in many copies of the same answers.
    """
    kinds = {}
    kinds.update(_write_hostile(root, assignment))
    kinds.update(_write_broken(root, assignment))
    rows = samples.sample_students(root, assignment)
    fixed = [r for r in rows if r[1] in ("reference", "untouched")]
    variants = [r for r in rows if r[1] == "variant"]
    bugs = [r for r in rows if r[1] == "bug"]
    room = max(0, size - len(kinds) - len(fixed))
    n_variants = min(len(variants), room // 4)
    chosen = fixed + variants[:n_variants] + bugs[:room - n_variants]
    for student, kind, edits, _ in chosen:
        nbs = samples.submission_notebooks(root, assignment, edits, untouched=(kind == "untouched"),
                                           label=f"{assignment}/{student}")
        samples.write_submission(root, assignment, student, nbs)
        kinds[student] = kind
    copy_no = 1
    while len(kinds) < size:
        for student, kind, _edits, _loses in chosen:
            if len(kinds) >= size:
                break
            clone = f"{student}-{copy_no}"
            src = Path(root) / "submitted" / student / assignment
            shutil.copytree(src, Path(root) / "submitted" / clone / assignment)
            kinds[clone] = kind
        copy_no += 1
    return kinds


def _write_hostile(root, assignment):
    try:
        import hostile
    except ImportError:
        return {}
    kinds = {}
    for case in getattr(hostile, "CASES", []):
        if case.get("name") in CHEAP_HOSTILE:
            try:
                kinds[hostile.write_case(root, assignment, case)] = "hostile"
            except Exception:  # the catalogue is written by someone else right now
                continue
    return kinds


def _write_broken(root, assignment):
    nbs = samples.submission_notebooks(root, assignment)
    names = list(nbs)

    cut = samples.write_submission(root, assignment, "broken-cut-json", nbs)
    for name in names:
        text = (cut / name).read_text()
        (cut / name).write_text(text[: len(text) // 2])

    empty = samples.write_submission(root, assignment, "broken-empty-file", nbs)
    for name in names:
        (empty / name).write_bytes(b"")

    wrong = samples.write_submission(root, assignment, "broken-wrong-name", nbs)
    if len(names) == 1:
        (wrong / names[0]).rename(wrong / "Copy of my notebook.ipynb")

    nothing = Path(root) / "submitted" / "broken-no-notebook" / assignment
    nothing.mkdir(parents=True, exist_ok=True)
    (nothing / "notes.txt").write_text("I could not get it to run, sorry\n")
    return {"broken-cut-json": "broken", "broken-empty-file": "broken",
            "broken-wrong-name": "broken", "broken-no-notebook": "broken"}


def copy_course(src, dst):
    """A copy of a course root with its submissions and gradebook, without results."""
    ignore = shutil.ignore_patterns("autograded", "feedback", "grading")
    shutil.copytree(src, dst, ignore=ignore)
    return Path(dst)


# --- PostgreSQL ----------------------------------------------------------------------

class PostgresUnavailable(Exception):
    """No PostgreSQL server can be started here; the message says why."""


def postgres_bindir():
    """The newest /usr/lib/postgresql/<version>/bin that has initdb and pg_ctl, or None."""
    found = [d for d in glob.glob("/usr/lib/postgresql/*/bin")
             if os.path.isfile(os.path.join(d, "initdb")) and os.path.isfile(os.path.join(d, "pg_ctl"))]
    found.sort(key=lambda d: int(Path(d).parent.name) if Path(d).parent.name.isdigit() else 0)
    return found[-1] if found else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1 with password authentication.

    As root, the server runs as the `postgres` user (PostgreSQL refuses to run as
    root); otherwise as the current user. ``stop()`` stops it and removes its files.
    """

    def __init__(self, parent=None):
        self.bindir = postgres_bindir()
        if not self.bindir:
            raise PostgresUnavailable(
                "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin; "
                "as root run: bash scripts/install-postgres.sh")
        self.user = None
        if os.geteuid() == 0:
            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable("running as root but there is no `postgres` user; "
                                          "run: bash scripts/install-postgres.sh") from None
        # The data folder must be reachable by the server's user: pytest's own temporary
        # folders are private to the user running the tests (mode 0700).
        self.dir = Path(tempfile.mkdtemp(prefix="course-pg-", dir=parent))
        self.data = self.dir / "data"
        self.password = secrets.token_hex(12)
        self.port = free_port()
        self.started = False
        if self.user:
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)

    def _run(self, *argv, timeout=60):
        cmd = [str(a) for a in argv]
        if self.user:
            cmd = ["setpriv", f"--reuid={self.user.pw_uid}", f"--regid={self.user.pw_gid}",
                   "--init-groups", "--", *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=self.dir)
        if out.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
        return out

    def start(self):
        pwfile = self.dir / "pw"
        pwfile.write_text(self.password + "\n")
        if self.user:
            os.chown(pwfile, self.user.pw_uid, self.user.pw_gid)
        pwfile.chmod(0o600)
        self._run(f"{self.bindir}/initdb", "-D", self.data, "-U", "postgres", "--auth=scram-sha-256",
                  f"--pwfile={pwfile}", "--encoding=UTF8", "--no-locale", "--no-sync")
        pwfile.unlink()
        # Loopback only, no unix socket outside the data folder; a throwaway cluster
        # need not survive a power cut, so skip the fsyncs.
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                   f"-c unix_socket_directories={self.data} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(f"{self.bindir}/pg_ctl", "-D", self.data, "-l", self.dir / "server.log",
                  "-o", options, "-w", "-t", "60", "start")
        self.started = True
        return self

    def url(self, database="postgres"):
        return f"postgresql://postgres:{self.password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name):
        """A new empty database; returns its URL."""
        import psycopg2

        con = psycopg2.connect(self.url())
        con.autocommit = True
        try:
            with con.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
                cur.execute(f'CREATE DATABASE "{name}"')
        finally:
            con.close()
        return self.url(name)

    def stop(self):
        if self.started:
            with contextlib.suppress(Exception):
                self._run(f"{self.bindir}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
            self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)


def start_postgres():
    """A started PostgresServer; PostgresUnavailable (with the reason) if none can be."""
    server = PostgresServer()
    try:
        return server.start()
    except BaseException:
        server.stop()
        raise


def wait_until(predicate, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
