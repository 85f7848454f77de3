"""Grading throughput: one mixed batch graded three ways, against the floor.

    .venv/bin/python bench/grade_throughput.py [--size 40] [--workers 2] [--keep DIR]

1. serial ``nbgrader autograde ASSIGNMENT --force`` (the real command line, SQLite);
2. ``python -m course grade ASSIGNMENT --workers 2`` (the real command line, SQLite);
3. Dask: a LocalCluster with 2 worker processes (one task at a time each) through
   ``course.admin.grading.scale.grade_on_cluster``, writing to PostgreSQL when a throwaway server can be
   started here (tests/scale_support.py), else to SQLite.

For each: wall time, submissions per minute and the ratio to serial nbgrader, and whether
every student's score on every problem equals serial nbgrader's. The floor is what any
grader has to spend per submission: start a kernel and run the notebook that is graded
(the student's cells with every test cell, hidden tests included: the autograded notebook,
outputs cleared), measured with nbclient alone for every submission of the batch. The
per-submission cost of a run is its wall time x worker processes / submissions.

The batch is tests/scale_support.write_batch on the fastest assignment in source/
(COURSE_SCALE_ASSIGNMENT picks another). Runs take a few minutes on 2 cores; the machine
should be otherwise idle (the load average is printed before and after).
"""

import argparse
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import scale_support as support  # noqa: E402
from course.admin.results import grades  # noqa: E402
from course.admin.grading import scale


def _scores(root, assignment, url=None):
    """{student: scores} from the gradebook at `url` (default: the course's own SQLite)."""
    if url is None:
        url = f"sqlite:///{Path(root).resolve() / 'gradebook.db'}?timeout=60"
    return {r["student"]: r["scores"] for r in grades.scores(root, [assignment], db_url=scale.driver_url(url))}


def _clean_env():
    env = dict(os.environ)
    env.pop("COURSE_DB_URL", None)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


def run_nbgrader(root, assignment):
    start = time.perf_counter()
    out = subprocess.run([os.path.join(os.path.dirname(sys.executable), "nbgrader"), "autograde",
                          assignment, "--force"], cwd=root, env=_clean_env(),
                         capture_output=True, text=True)
    wall = time.perf_counter() - start
    (Path(root) / "nbgrader-autograde.log").write_text(out.stdout + out.stderr)
    return wall, out.returncode


def run_course_grade(root, assignment, workers):
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "course", "--root", str(root), "grade", assignment,
                          "--workers", str(workers)], env=_clean_env(), capture_output=True, text=True)
    wall = time.perf_counter() - start
    (Path(root) / "course-grade.log").write_text(out.stdout + out.stderr)
    return wall, out.returncode


def run_dask(root, assignment, workers, url):
    from dask.distributed import Client, LocalCluster

    t0 = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        startup = time.perf_counter() - t0
        start = time.perf_counter()
        results = scale.grade_on_cluster(root, assignment, client=client, db=url, progress=False)
        wall = time.perf_counter() - start
    return wall, startup, results


def _kernel(sandboxed):
    """(kernel name, traitlets Config) of the plain or the course's sandboxed kernel."""
    from traitlets.config import Config

    if not sandboxed:
        return "python3", Config()
    from course.sandbox_kernel import host as sandbox

    return sandbox.KERNEL_NAME, Config({"KernelManager": {"transport": "ipc", "ip": sandbox.ipc_path()}})


def measure_floor(graded_root, assignment, students, sandboxed=False):
    """Seconds to start a kernel and run each autograded notebook (outputs cleared) with
    nbclient alone: {student: seconds}, plus the kernel start alone (median of 3).
    sandboxed: in the course's sandboxed kernel, as grading runs it (course.sandbox_kernel.host)."""
    import nbformat
    from nbclient import NotebookClient

    folders = [Path(graded_root) / "autograded" / s / assignment for s in students]
    cwd = next(str(f) for f in folders if f.is_dir())

    def kernel_start():
        t = time.perf_counter()
        from jupyter_client.manager import KernelManager

        name, config = _kernel(sandboxed)
        km = KernelManager(kernel_name=name, config=config)
        km.start_kernel(cwd=cwd)
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        elapsed = time.perf_counter() - t
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        return elapsed

    starts = [kernel_start() for _ in range(3)]
    per = {}
    for student in students:
        folder = Path(graded_root) / "autograded" / student / assignment
        paths = sorted(folder.glob("*.ipynb"))
        if not paths:
            continue  # nothing was executed for it (unreadable submission)
        total = 0.0
        for path in paths:
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                if cell.cell_type == "code":
                    cell.outputs, cell.execution_count = [], None
            t = time.perf_counter()
            try:
                name, config = _kernel(sandboxed)
                NotebookClient(nb, kernel_name=name, config=config, timeout=60, allow_errors=True,
                               resources={"metadata": {"path": str(folder)}}).execute()
            except Exception:
                pass  # a kernel the notebook killed (os._exit): its time still counts
            total += time.perf_counter() - t
        per[student] = total
    return per, statistics.median(starts)


def compare(reference, other, skip=()):
    """Problems whose score differs from the reference, over students graded in both."""
    diffs = []
    for student, scores in sorted(reference.items()):
        if student not in other or student in skip:
            continue
        for gid, value in scores.items():
            if other[student].get(gid) != value:
                diffs.append(f"{student}/{gid}: {other[student].get(gid)} vs {value}")
    return diffs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=40, help="submissions in the batch (default 40)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", default=None, help="work in this folder and keep it (default: a temporary one)")
    args = parser.parse_args(argv)

    work = Path(args.keep or tempfile.mkdtemp(prefix="grade-throughput-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; work folder {work}")
    base = work / "batch"
    shutil.rmtree(base, ignore_errors=True)
    os.environ.pop("COURSE_DB_URL", None)
    assignment = support.make_course(base)
    kinds = support.write_batch(base, assignment, args.size)
    n = len(kinds)
    print(f"batch: {n} submissions of {assignment} "
          + ", ".join(f"{sum(1 for k in kinds.values() if k == kind)} {kind}" for kind in sorted(set(kinds.values()))))

    rows = []
    roots = {}
    for name in ("nbgrader", "course", "dask"):
        shutil.rmtree(work / name, ignore_errors=True)
        roots[name] = support.copy_course(base, work / name)

    wall, rc = run_nbgrader(roots["nbgrader"], assignment)
    reference = _scores(roots["nbgrader"], assignment)
    rows.append(("serial nbgrader autograde", wall, 1, reference, f"exit {rc}"))
    print(f"  serial nbgrader autograde: {wall:.1f} s (exit {rc})", flush=True)

    wall, rc = run_course_grade(roots["course"], assignment, args.workers)
    rows.append((f"course grade --workers {args.workers}", wall, args.workers,
                 _scores(roots["course"], assignment), f"exit {rc}"))
    print(f"  course grade --workers {args.workers}: {wall:.1f} s (exit {rc})", flush=True)

    server, url, db_name = None, None, "SQLite"
    try:
        try:
            server = support.start_postgres()
            url, db_name = server.create_database("bench"), "PostgreSQL"
        except support.PostgresUnavailable as err:
            print(f"  (no PostgreSQL server: {str(err).splitlines()[0]}; Dask writes to SQLite)")
        wall, startup, _ = run_dask(roots["dask"], assignment, args.workers, url)
        rows.append((f"dask, {args.workers} workers ({db_name})", wall, args.workers,
                     _scores(roots["dask"], assignment, url), f"cluster start {startup:.1f} s not in wall"))
        print(f"  dask {args.workers} workers: {wall:.1f} s", flush=True)
    finally:
        if server:
            server.stop()

    per, kernel_start = measure_floor(roots["nbgrader"], assignment, sorted(kinds))
    floor_total = sum(per.values())
    floor = floor_total / n
    print(f"  floor: {floor_total:.1f} s for the {len(per)} executable submissions (kernel start alone "
          f"{kernel_start:.2f} s, median of 3)", flush=True)
    from course.sandbox_kernel import host as sandbox

    sandbox_floor = None
    if sandbox.available()[0]:
        per_sb, start_sb = measure_floor(roots["nbgrader"], assignment, sorted(kinds), sandboxed=True)
        sandbox_floor = sum(per_sb.values())
        print(f"  floor in the sandboxed kernel: {sandbox_floor:.1f} s (kernel start alone {start_sb:.2f} s)",
              flush=True)

    serial_rate = 60 * n / rows[0][1]
    broken = {s for s, k in kinds.items() if k == "broken"}
    print()
    print(f"{'method':<34} {'wall s':>7} {'subs/min':>9} {'vs nbgrader':>12} {'cost/sub s':>11} "
          f"{'vs floor':>9}  grades")
    for i, (name, wall, workers, scores, note) in enumerate(rows):
        rate = 60 * n / wall
        cost = wall * workers / n
        # nbgrader alone cannot grade the broken submissions (course grade renames a
        # misnamed notebook, refuses unreadable ones): compare those between course runs.
        diffs = compare(reference, scores, skip=broken) + (compare(rows[1][3], scores) if i else [])
        same = "identical" if not diffs else f"{len(diffs)} differ"
        print(f"{name:<34} {wall:7.1f} {rate:9.1f} {rate / serial_rate:11.2f}x {cost:11.2f} "
              f"{cost / floor:8.2f}x  {same}  ({note})")
        for line in diffs[:10]:
            print(f"    {line}")
    print(f"{'floor (kernel + notebook, 1 core)':<34} {floor_total:7.1f} {60 * n / floor_total:9.1f} "
          f"{(60 * n / floor_total) / serial_rate:11.2f}x {floor:11.2f} {1:8.2f}x")
    if sandbox_floor:
        print(f"{'floor, sandboxed kernel (1 core)':<34} {sandbox_floor:7.1f} {60 * n / sandbox_floor:9.1f} "
              f"{(60 * n / sandbox_floor) / serial_rate:11.2f}x {sandbox_floor / n:11.2f} "
              f"{sandbox_floor / floor_total:8.2f}x")
    print("cost/sub: wall time x worker processes / submissions (floor: its total / submissions)")
    print(f"grades: every problem of every student against serial nbgrader, except the {len(broken)} broken "
          "submissions, which are compared against course grade's run")
    missing = sorted(set(reference) ^ set(rows[1][3]))
    if missing:
        print(f"in one gradebook only (nbgrader keeps rows for submissions it failed on, "
              f"course grade removes them): {missing}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
