"""Grading at scale: parallel workers on PostgreSQL, a Dask cluster, and workers that die.

One mixed batch of at least 40 submissions (tests/scale_support.py: correct, buggy,
untouched, correct variants, hostile, cut-off JSON, an empty file, a wrong file name, no
notebook) has a serial reference: the submissions the catalogue does not describe (hostile
and broken ones) graded one after another into SQLite, and for the catalogue's samples the
grades of their serial run in test_catalogue, which checks them cell by cell against the
catalogue (so the catalogue stands for that run here; the reference and the untouched
release are graded serially here as well, and must equal it). The same batch then goes
through `course.admin.grading.scale.grade_parallel` (2 processes, a PostgreSQL gradebook) and
through a Dask LocalCluster (2 worker processes, PostgreSQL), and every student's status and
every problem's score must be the same. Killing a worker mid-run (a local one or a Dask one)
loses nothing; a submission whose every attempt dies gets the status `failed` and keeps no grade.

PostgreSQL comes from Debian's packages (scripts/install-postgres.sh); each test session
starts a throwaway server on 127.0.0.1 and stops it at the end.
"""

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from course.admin.authoring import samples
from course.admin.results import grades
from course.admin.grading import pipeline, scale, status
import scale_support as support

BATCH_SIZE = 40
DASK_WORKERS = 2


@contextlib.contextmanager
def default_gradebook():
    """Within the block the course's own SQLite gradebook is used, whatever the environment says."""
    before = os.environ.pop("COURSE_DB_URL", None)
    try:
        yield
    finally:
        if before is not None:
            os.environ["COURSE_DB_URL"] = before


# --- fixtures ------------------------------------------------------------------------

@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server on 127.0.0.1 for this test session."""
    try:
        server = support.start_postgres()
    except support.PostgresUnavailable as err:
        if os.geteuid() == 0:
            pytest.fail(f"no PostgreSQL server could be started, although running as root: {err}")
        pytest.skip(f"not root and no PostgreSQL server could be started: {err}")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """A scratch course with the fastest assignment and the mixed batch in submitted/."""
    root = tmp_path_factory.mktemp("scale-batch")
    with default_gradebook():
        assignment = support.make_course(root)
    kinds = support.write_batch(root, assignment, BATCH_SIZE)
    return {"root": root, "assignment": assignment, "kinds": kinds}


def _scores(root, assignment, url=None):
    """{student: {grade_id: score}} from the gradebook at url (default: the course's SQLite)."""
    if url is None:
        url = f"sqlite:///{Path(root).resolve() / 'gradebook.db'}?timeout=60"
    return {row["student"]: row["scores"]
            for row in grades.scores(root, [assignment], db_url=scale.driver_url(url))}


def _catalogue_grades(root, assignment, kinds):
    """{student: {grade_id: score}} for the batch's catalogue samples (copies included), as
    the catalogue gives them: a bug scores 0 on the test cells it loses and full marks on
    the others, the untouched release 0 everywhere, the reference and every variant full
    marks. test_catalogue grades these very notebooks serially and checks exactly that."""
    maxima = dict(grades.problems(root, assignment))
    loses = {student: set(lost) for student, _kind, _edits, lost in samples.sample_students(root, assignment)}
    out = {}
    for student, kind in kinds.items():
        if kind not in ("reference", "untouched", "variant", "bug"):
            continue
        base = student if student in loses else student.rsplit("-", 1)[0]  # write_batch's copies
        lost = set(maxima) if kind == "untouched" else loses[base]
        out[student] = {gid: 0.0 if gid in lost else points for gid, points in maxima.items()}
    return out


@pytest.fixture(scope="module")
def serial(batch, tmp_path_factory):
    """The reference run: the batch's hostile and broken submissions, and the reference and
    the untouched release, graded one after another into SQLite; the catalogue's grades
    (_catalogue_grades) for its other samples."""
    assignment = batch["assignment"]
    from_catalogue = _catalogue_grades(batch["root"], assignment, batch["kinds"])
    graded_here = sorted(s for s in batch["kinds"] if s not in from_catalogue or s in ("reference", "untouched"))
    root = support.copy_course(batch["root"], tmp_path_factory.mktemp("scale-serial") / "course")
    with default_gradebook():
        results = pipeline.grade(root, assignment, graded_here, workers=1, progress=False)
    scores = _scores(root, assignment)
    for student in ("reference", "untouched"):
        assert scores.get(student) == from_catalogue[student], (
            f"graded serially, {student} scored {scores.get(student)}; the catalogue gives {from_catalogue[student]}")
    statuses = {s: {"status": "graded"} for s in from_catalogue}
    statuses.update({r.student: r.status_record() for r in results})
    return {"results": statuses, "scores": {**from_catalogue, **scores}, "graded_here": graded_here}


@pytest.fixture(scope="module")
def cluster():
    """A Dask LocalCluster with several worker processes, one task at a time each,
    its scheduler on 127.0.0.1 so the command line can reach it too."""
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=DASK_WORKERS, threads_per_worker=1, processes=True,
                      host="127.0.0.1", scheduler_port=0, dashboard_address=None,
                      silence_logs=logging.ERROR) as local, Client(local) as client:
        yield {"cluster": local, "client": client, "address": local.scheduler_address}


def _fresh(batch, tmp_path_factory, name, students=None):
    """A copy of the batch course (optionally only some students) with an empty gradebook."""
    import shutil

    root = support.copy_course(batch["root"], tmp_path_factory.mktemp(name) / "course")
    if students is not None:
        for folder in (root / "submitted").iterdir():
            if folder.name not in students:
                shutil.rmtree(folder)
    return root


# --- comparing runs -------------------------------------------------------------------

def _differences(expected, results, scores, students):
    """Every way a run differs from the serial reference, as readable lines."""
    out = []
    for student in students:
        want = expected["results"][student]["status"]
        got = results.get(student, {}).get("status")
        if got != want:
            out.append(f"{student}: status {got!r}, serial run gave {want!r}")
        want_scores = expected["scores"].get(student)
        got_scores = scores.get(student)
        if want_scores != got_scores:
            if want_scores is None or got_scores is None:
                out.append(f"{student}: in the gradebook {got_scores is not None}, "
                           f"in the serial gradebook {want_scores is not None}")
                continue
            for gid in want_scores:
                if want_scores[gid] != got_scores.get(gid):
                    out.append(f"{student}/{gid}: {got_scores.get(gid)} here, {want_scores[gid]} serially")
    return out


def _assert_same_as_serial(expected, results, root, assignment, url, students):
    by_student = {}
    for r in results:
        assert r.student not in by_student, f"{r.student} was graded twice in one run"
        by_student[r.student] = r.status_record()
    assert sorted(by_student) == sorted(students), (
        f"results for {len(by_student)} of {len(students)} students; "
        f"missing {sorted(set(students) - set(by_student))}")
    scores = _scores(root, assignment, url)
    problems = _differences(expected, by_student, scores, students)
    assert not problems, "differs from the serial SQLite run:\n  " + "\n  ".join(problems[:30])
    _assert_no_duplicates(url, assignment, expected, students)
    saved = status.load(root, assignment)
    assert {s: saved[s]["status"] for s in students} == {s: by_student[s]["status"] for s in students}


def _assert_no_duplicates(url, assignment, expected, students):
    """One submission row per graded student and one grade row per problem of it."""
    from sqlalchemy import create_engine, text

    engine = create_engine(scale.driver_url(url))
    with engine.connect() as con:
        subs = con.execute(text(
            "SELECT s.student_id, COUNT(*) FROM submitted_assignment s JOIN assignment a "
            "ON s.assignment_id = a.id WHERE a.name = :a GROUP BY s.student_id"), {"a": assignment}).all()
        grade_rows = con.execute(text(
            "SELECT s.student_id, COUNT(g.id) FROM grade g "
            "JOIN submitted_notebook n ON g.notebook_id = n.id "
            "JOIN submitted_assignment s ON n.assignment_id = s.id "
            "JOIN assignment a ON s.assignment_id = a.id WHERE a.name = :a "
            "GROUP BY s.student_id"), {"a": assignment}).all()
    engine.dispose()
    assert all(n == 1 for _, n in subs), f"students with more than one submission row: {subs}"
    n_problems = len(next(iter(expected["scores"].values())))
    wrong = {s: n for s, n in grade_rows if n != n_problems}
    assert not wrong, f"expected {n_problems} grade rows per submission, found {wrong}"
    graded = {s for s in students if expected["scores"].get(s) is not None}
    assert {s for s, _ in subs} == graded, (
        f"gradebook has submissions for {sorted({s for s, _ in subs} ^ graded)} that the serial run "
        "did not have (or lacks ones it had)")


# --- the serial reference itself ----------------------------------------------------------

def test_batch_is_mixed_and_large_enough(batch, serial):
    kinds = batch["kinds"]
    assert len(kinds) >= BATCH_SIZE, f"the batch has {len(kinds)} submissions, {BATCH_SIZE} wanted"
    for kind in ("reference", "variant", "bug", "untouched", "hostile", "broken"):
        assert kind in kinds.values(), f"the batch has no {kind} submission"
    by_status = {}
    for student in serial["graded_here"]:
        by_status.setdefault(serial["results"][student]["status"], []).append(student)
    assert "graded" in by_status and "not graded" in by_status, (
        f"the serial run should grade most and refuse the broken ones; statuses: {by_status}")
    full = sum(m for _, m in grades.problems(batch["root"], batch["assignment"]))
    ref = serial["scores"]["reference"]
    assert sum(ref.values()) == full, f"the reference lost points in the serial run: {ref}"


# --- PostgreSQL ---------------------------------------------------------------------------

def test_parallel_workers_on_postgres_equal_serial(batch, serial, postgres, tmp_path_factory):
    root = _fresh(batch, tmp_path_factory, "scale-pg")
    url = postgres.create_database("parallel")
    results = scale.grade_parallel(root, batch["assignment"], workers=2, db=url, progress=False)
    _assert_same_as_serial(serial, results, root, batch["assignment"], url, sorted(batch["kinds"]))


def test_prepare_creates_assignment_and_students_before_workers(batch, postgres, tmp_path_factory):
    from nbgrader.api import Gradebook

    root = _fresh(batch, tmp_path_factory, "scale-prepare", students={"reference"})
    url = postgres.create_database("prepare")
    assert scale.prepare(root, batch["assignment"], ["reference", "someone"], url) is True
    # A second preparation finds the gradebook up to date and generates nothing.
    assert scale.prepare(root, batch["assignment"], ["reference"], url) is False
    config = pipeline.load_config(root)
    assert (root / "release" / batch["assignment"]).is_dir()
    with Gradebook(scale.driver_url(url), config.CourseDirectory.course_id) as gb:
        assert sorted(s.id for s in gb.students) == ["reference", "someone"]
        found = gb.find_assignment(batch["assignment"])
        graded_cells = {c.name for nb in found.notebooks for c in nb.grade_cells}
    assert graded_cells == {gid for gid, _ in grades.problems(root, batch["assignment"])}


def test_bad_db_url_is_a_clear_error_without_the_password(batch):
    out = subprocess.run(
        [sys.executable, "-m", "course", "--root", str(batch["root"]), "grade", batch["assignment"],
         "--students", "reference", "--db", "postgresql://grader:s3cret@127.0.0.1:1/nowhere"],
        capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "Cannot open the gradebook" in out.stderr, out.stderr
    assert "s3cret" not in out.stderr + out.stdout, "the password was printed"


def _write_killer(root, assignment, student="kills-its-grader"):
    """A correct submission with one more cell that kills the process grading it
    (possible only without the sandbox, whose kernel cannot see its parent)."""
    import nbformat

    from course.admin.authoring import samples

    nbs = samples.submission_notebooks(root, assignment)
    first = sorted(nbs)[0]
    nbs[first].cells.insert(2, nbformat.v4.new_code_cell(
        "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"))
    samples.write_submission(root, assignment, student, nbs)
    return student


def test_local_worker_killed_by_a_submission_costs_only_that_submission(batch, serial, tmp_path_factory):
    students = _kill_subset(batch, 5)
    assert "hostile" not in {batch["kinds"][s] for s in students}, "keep the sandbox-only cases out"
    root = _fresh(batch, tmp_path_factory, "scale-local-kill", students=set(students))
    killer = _write_killer(root, batch["assignment"])
    env = {k: v for k, v in os.environ.items() if k != "COURSE_DB_URL"}
    env["COURSE_SANDBOX"] = "off"  # in the sandbox the kernel cannot see its grading process
    out = subprocess.run(
        [sys.executable, "-m", "course", "--root", str(root), "grade", batch["assignment"],
         "--workers", "2", "--retries", "1"],
        capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 1, f"a failed submission should make grade exit 1:\n{out.stdout}{out.stderr}"
    assert f"{killer}: failed" in out.stdout, out.stdout
    by_student = status.load(root, batch["assignment"])
    assert sorted(by_student) == sorted(students + [killer]), f"statuses for {sorted(by_student)}"
    assert by_student[killer]["status"] == scale.FAILED, by_student[killer]
    assert "died" in by_student[killer]["notes"][0], by_student[killer]["notes"]
    scores = _scores(root, batch["assignment"])
    assert killer not in scores, f"{killer} failed but keeps grades {scores[killer]}"
    problems = _differences(serial, by_student, scores, students)
    assert not problems, "the other submissions differ from the serial run:\n  " + "\n  ".join(problems)


# --- one worker process, several gradebooks ---------------------------------------------------

def _graded_in_threads(root, assignment, jobs):
    """Run scale.grade_task for each (student, url) at once, each in its own thread of this
    process; ({student: result or exception}, the (COURSE_DB_URL, COURSE_SANDBOX) values
    seen in os.environ meanwhile)."""
    import time

    from course.sandbox_kernel import host as sandbox

    sandbox_off = sandbox.mode() == "off"
    results, seen, done = {}, set(), threading.Event()
    start = threading.Barrier(len(jobs))

    def grade(student, url):
        start.wait()
        try:
            results[student] = scale.grade_task(root, assignment, student, url, sandbox_off=sandbox_off)
        except Exception as err:
            results[student] = err

    def watch():
        while not done.is_set():
            seen.add((os.environ.get("COURSE_DB_URL"), os.environ.get("COURSE_SANDBOX")))
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    threads = [threading.Thread(target=grade, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    watcher.join()
    return results, seen


def _submissions_in(root, assignment, url):
    """{student: total score} of the submissions in the gradebook at `url`."""
    from course.admin.course_dir import open_gradebook

    with open_gradebook(root, db_url=url) as gb:
        return {s.student_id: s.score for s in gb.find_assignment(assignment).submissions}


def test_two_tasks_in_one_process_grade_into_their_own_gradebooks(batch, tmp_path_factory, monkeypatch):
    """The gradebook URL travels with a grading task as configuration: two tasks with two
    SQLite gradebooks, started at once in one process, grade each into its own, while the
    shell's COURSE_DB_URL (a third gradebook) is neither used nor changed. (nbgrader's
    autograde itself runs one at a time per process: scale._AUTOGRADE_LOCK says why.)"""
    assignment = batch["assignment"]
    bug = sorted(s for s, kind in batch["kinds"].items() if kind == "bug")[0]
    root = _fresh(batch, tmp_path_factory, "scale-two-urls", students={"reference", bug})
    urls = {student: f"sqlite:///{root / (student + '.db')}?timeout=60" for student in ("reference", bug)}
    shell = f"sqlite:///{root / 'shell.db'}"
    for student, url in urls.items():
        scale.prepare(root, assignment, [student], url)
    monkeypatch.setenv("COURSE_DB_URL", shell)
    before = dict(os.environ)
    results, seen = _graded_in_threads(root, assignment, list(urls.items()))
    after = dict(os.environ)
    errors = {s: r for s, r in results.items() if isinstance(r, Exception)}
    assert not errors, f"grading raised: {errors}"
    assert seen == {(shell, before.get("COURSE_SANDBOX"))}, (
        f"os.environ was changed while grading: (COURSE_DB_URL, COURSE_SANDBOX) seen {seen}")
    assert after == before, "grading left os.environ changed"
    for student, url in urls.items():
        assert results[student].status == "graded", (student, results[student].notes)
        graded = _submissions_in(root, assignment, url)
        assert list(graded) == [student], f"the gradebook of {student}'s task holds {graded}"
    full = sum(m for _, m in grades.problems(root, assignment))
    assert _submissions_in(root, assignment, urls["reference"])["reference"] == full
    assert _submissions_in(root, assignment, urls[bug])[bug] < full, f"{bug} lost no point"
    assert not (root / "shell.db").exists(), "a task opened the shell's gradebook"


def _kernel_choice(config):
    """(require_sandbox, kernel_name, transport) as nbgrader's grading classes read `config`."""
    from jupyter_client.manager import KernelManager

    from course.nbgrader_plugins.execute import GuardedExecute

    execute = GuardedExecute(config=config)
    return execute.require_sandbox, execute.kernel_name, KernelManager(config=config).transport


@pytest.mark.parametrize("sandbox_off", [False, True])
def test_sandbox_choice_travels_as_configuration(batch, monkeypatch, sandbox_off):
    """A task's sandbox choice, passed as configuration, makes nbgrader pick the kernel that
    COURSE_SANDBOX would, on a worker whose COURSE_SANDBOX says the opposite."""
    monkeypatch.setenv("COURSE_SANDBOX", "off" if sandbox_off else "on")
    wanted = _kernel_choice(pipeline.load_config(batch["root"]))
    monkeypatch.setenv("COURSE_SANDBOX", "on" if sandbox_off else "off")
    got = _kernel_choice(pipeline.load_config(batch["root"], **scale.sandbox_config(sandbox_off)))
    assert got == wanted, (f"with sandbox_off={sandbox_off} the task's configuration gives "
                           f"{got}, COURSE_SANDBOX gives {wanted}")


# --- Dask ---------------------------------------------------------------------------------

def test_dask_local_cluster_equals_serial(batch, serial, postgres, cluster, tmp_path_factory):
    root = _fresh(batch, tmp_path_factory, "scale-dask")
    url = postgres.create_database("dask")
    results = scale.grade_on_cluster(root, batch["assignment"], client=cluster["client"], db=url,
                                     progress=False)
    _assert_same_as_serial(serial, results, root, batch["assignment"], url, sorted(batch["kinds"]))
    workers = {r.worker for r in results if r.status != scale.FAILED}
    assert workers, "no result says which worker graded it"


def test_cli_grades_on_a_scheduler_with_shipped_submissions(batch, serial, postgres, cluster,
                                                            tmp_path_factory):
    students = ["reference", "broken-cut-json"]
    root = _fresh(batch, tmp_path_factory, "scale-cli", students=set(students))
    url = postgres.create_database("cli")
    out = subprocess.run(
        [sys.executable, "-m", "course", "--root", str(root), "grade", batch["assignment"],
         "--db", url, "--scheduler", cluster["address"], "--ship"],
        capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"{len(students)} submissions" in out.stdout, out.stdout
    assert postgres.password not in out.stdout + out.stderr, "the password was printed"
    scores = _scores(root, batch["assignment"], url)
    problems = _differences(serial, {s: status.load(root, batch["assignment"])[s] for s in students},
                            scores, students)
    assert not problems, "\n".join(problems)
    # Shipped back: the autograded notebooks are here, as feedback needs them.
    assert list((root / "autograded" / "reference" / batch["assignment"]).glob("*.ipynb"))


def _break_sandbox(bwrap):
    """Run on a Dask worker: point the sandbox at a bubblewrap (None: the real one again)."""
    from course.sandbox_kernel import host as sandbox

    if bwrap is None:
        os.environ.pop("COURSE_SANDBOX_BWRAP", None)
    else:
        os.environ["COURSE_SANDBOX_BWRAP"] = bwrap
    sandbox._cache.clear()


def test_dask_refuses_when_a_worker_has_no_sandbox(batch, postgres, cluster, tmp_path_factory):
    """Fail closed on a cluster: one worker without a sandbox stops the run before any
    grade is written, and the error names the worker and the fix."""
    from course.sandbox_kernel import host as sandbox

    if not sandbox.available()[0]:
        pytest.skip("needs the sandbox: " + sandbox.available()[1])
    root = _fresh(batch, tmp_path_factory, "scale-nosandbox", students={"reference"})
    url = postgres.create_database("nosandbox")
    client = cluster["client"]
    workers = sorted(client.scheduler_info()["workers"])
    client.run(_break_sandbox, "/nonexistent/bwrap", workers=workers[:1])
    try:
        with pytest.raises(pipeline.CourseError) as err:
            scale.grade_on_cluster(root, batch["assignment"], client=client, db=url, progress=False)
    finally:
        client.run(_break_sandbox, None)
    text = str(err.value)
    assert "refusing to grade" in text and "bwrap" in text and "--no-sandbox" in text, text
    assert _scores(root, batch["assignment"], url) == {}, "a refused run wrote grades"
    assert not status.load(root, batch["assignment"]), "a refused run wrote statuses"


def test_worker_without_the_course_fails_with_a_reason(batch, postgres, cluster, tmp_path_factory):
    root = _fresh(batch, tmp_path_factory, "scale-noroot", students={"reference"})
    url = postgres.create_database("noroot")
    results = scale.grade_on_cluster(root, batch["assignment"], client=cluster["client"], db=url,
                                     retries=0, worker_root=tmp_path_factory.mktemp("empty"),
                                     progress=False)
    assert [r.status for r in results] == [scale.FAILED]
    assert "every worker needs the course files" in results[0].notes[0], results[0].notes


def _kill_a_busy_worker(client, assignment, done, killed, settle=0.8):
    """In a thread: once a worker has been grading a submission for `settle` seconds,
    SIGKILL that worker's process (its nanny starts a new one). Records what it killed."""
    import time

    pids = client.run(os.getpid)
    first_seen = {}
    while not done.is_set():
        for address, keys in client.processing().items():
            keys = [k for k in keys if str(k).startswith(f"grade-{assignment}-")]
            if not keys or address not in pids:
                continue
            started = first_seen.setdefault((address, keys[0]), time.monotonic())
            if time.monotonic() - started >= settle:
                os.kill(pids[address], signal.SIGKILL)
                killed.update(address=address, pid=pids[address], keys=list(keys))
                return
        time.sleep(0.1)


def _graded_with_a_kill(root, assignment, url, allowed_failures, n_workers=2):
    """Grade on a fresh LocalCluster while one busy worker is killed; (results, killed)."""
    import dask
    from dask.distributed import Client, LocalCluster

    killed, done = {}, threading.Event()
    with dask.config.set({"distributed.scheduler.allowed-failures": allowed_failures}):
        with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                          dashboard_address=None, silence_logs=logging.CRITICAL) as local, Client(local) as client:
            client.wait_for_workers(n_workers, timeout=120)
            killer = threading.Thread(target=_kill_a_busy_worker, args=(client, assignment, done, killed))
            killer.start()
            try:
                results = scale.grade_on_cluster(root, assignment, client=client, db=url, progress=False)
            finally:
                done.set()
                killer.join()
    return results, killed


def _kill_subset(batch, size):
    """Some students of each kind, in a stable order."""
    chosen, kinds = [], batch["kinds"]
    for rank in range(3):
        for kind in ("reference", "bug", "broken", "untouched", "variant", "hostile"):
            of_kind = sorted(s for s, k in kinds.items() if k == kind)
            if rank < len(of_kind):
                chosen.append(of_kind[rank])
    return chosen[:size]


def test_killed_worker_loses_no_grade(batch, serial, postgres, tmp_path_factory):
    students = _kill_subset(batch, 6)
    root = _fresh(batch, tmp_path_factory, "scale-kill", students=set(students))
    url = postgres.create_database("kill")
    results, killed = _graded_with_a_kill(root, batch["assignment"], url, allowed_failures=3)
    assert killed, "no worker was ever busy long enough to be killed: the test did not test anything"
    assert not any(r.status == scale.FAILED for r in results), (
        f"a killed worker's task should be retried elsewhere, not fail: "
        f"{[(r.student, r.notes) for r in results if r.status == scale.FAILED]}")
    _assert_same_as_serial(serial, results, root, batch["assignment"], url, students)


def test_submission_failing_every_attempt_is_marked_failed(batch, serial, postgres, tmp_path_factory):
    students = _kill_subset(batch, 4)
    root = _fresh(batch, tmp_path_factory, "scale-fail", students=set(students))
    url = postgres.create_database("fail")
    # No second chance: the task on the killed worker fails for good.
    results, killed = _graded_with_a_kill(root, batch["assignment"], url, allowed_failures=0)
    assert killed, "no worker was ever busy long enough to be killed: the test did not test anything"
    failed = [r.student for r in results if r.status == scale.FAILED]
    assert failed, f"killing the worker grading {killed['keys']} failed no submission"
    assert sorted(r.student for r in results) == sorted(students), "a submission has no result"
    scores = _scores(root, batch["assignment"], url)
    saved = status.load(root, batch["assignment"])
    for student in failed:
        assert student not in scores, f"{student} failed but keeps grades {scores[student]}"
        assert saved[student]["status"] == scale.FAILED
        assert "KilledWorker" in saved[student]["notes"][0], saved[student]["notes"]
        assert not (root / "autograded" / student / batch["assignment"]).exists()
    others = [s for s in students if s not in failed]
    problems = _differences(serial, {r.student: r.status_record() for r in results}, scores, others)
    assert not problems, "\n".join(problems)


def test_shipping_a_submission_never_follows_links(tmp_path):
    """--ship sends the files of submitted/<s>/<a> to a worker: links (to the gradebook,
    source/ or /etc), linked folders and pipes stay behind, unread."""
    import os

    from course.admin.grading.scale import _files_of

    (tmp_path / "hw.ipynb").write_text("{}")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.txt").write_text("kept")
    os.symlink("/etc/passwd", tmp_path / "passwd")
    os.symlink("/etc", tmp_path / "etc")
    os.mkfifo(tmp_path / "pipe")
    assert sorted(_files_of(tmp_path)) == ["data/x.txt", "hw.ipynb"]
