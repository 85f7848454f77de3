"""What the sandboxed grading kernel costs: the same submissions graded with and without it.

    .venv/bin/python bench/sandbox_overhead.py [--assignment 02_softmax] [--students 6]

Builds two scratch course roots under a temporary folder (never touches this repo's
gradebook or submissions), each with the course's nbgrader_config.py plus the grading
configuration of course/sandbox_kernel/host.py; one selects the `course-sandbox` kernel, the other the
plain python3 kernel with the same guard and preprocessors. Every student submits the
reference solution (the source notebook). Each root is graded with one
`nbgrader autograde` process, as the pipeline does; the difference in wall time divided
by the number of submissions is the sandbox's extra time per submission.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from course.nbgrader_plugins import grading_config
from course.sandbox_kernel import host as sandbox  # noqa: E402

NBGRADER = [sys.executable, "-m", "nbgrader"]


def nbgrader(root, *args):
    t0 = time.monotonic()
    env = dict(os.environ, PATH=os.path.join(sys.prefix, "bin") + os.pathsep + os.environ.get("PATH", ""))
    proc = subprocess.run(NBGRADER + list(args), cwd=root, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"nbgrader {' '.join(args)} failed in {root}:\n{proc.stderr[-4000:]}")
    return time.monotonic() - t0


def build(root, assignment, students, sandboxed):
    root.mkdir(parents=True)
    text = (REPO / "nbgrader_config.py").read_text() + "\n"
    if sandboxed:
        text += grading_config.NBGRADER_CONFIG
    else:
        text += ('c.GuardedExecute.kernel_name = ""\n'  # the notebook's own python3 kernel
                 "c.GuardedExecute.require_sandbox = False\n"
                 'c.Execute.extra_arguments = ["--ext=course.sandbox_kernel.guard"]\n'
                 "from course.nbgrader_plugins.grading_config import AUTOGRADE_PREPROCESSORS\n"
                 "c.Autograde.autograde_preprocessors = AUTOGRADE_PREPROCESSORS\n")
    (root / "nbgrader_config.py").write_text(text)
    shutil.copytree(REPO / "source" / assignment, root / "source" / assignment)
    nbgrader(root, "generate_assignment", assignment, "--force")
    reference = nbformat.read(root / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    for i in range(students):
        folder = root / "submitted" / f"s{i:03d}" / assignment
        folder.mkdir(parents=True)
        nbformat.write(reference, folder / f"{assignment}.ipynb")


def kernel_cycles(n):
    """Start a kernel in a scratch submission folder, run one numpy cell, shut it down;
    n times per kernel, interleaved so that the machine's load hits both alike."""
    from jupyter_client.manager import KernelManager

    cost = {"python3": [], sandbox.KERNEL_NAME: []}
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-k-") as tmp:
        for i in range(n):
            for name in cost:
                work = Path(tmp) / name / f"s{i}" / "a"
                work.mkdir(parents=True)
                km = KernelManager(kernel_name=name, transport="ipc", ip=sandbox.ipc_path())
                t0 = time.monotonic()
                extra = ["--ext=course.sandbox_kernel.guard"]
                if name == "python3":  # what nbclient adds for a python kernel
                    extra.append("--HistoryManager.hist_file=:memory:")
                km.start_kernel(cwd=str(work), extra_arguments=extra)
                kc = km.client()
                kc.start_channels()
                kc.wait_for_ready(timeout=120)
                reply = kc.execute_interactive("import numpy as np; np.ones(10).sum()", timeout=120,
                                               output_hook=lambda msg: None)
                assert reply["content"]["status"] == "ok", reply["content"]
                kc.stop_channels()
                km.shutdown_kernel()
                cost[name].append(time.monotonic() - t0)
    return cost


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = "02_softmax" if (REPO / "source" / "02_softmax").is_dir() else None
    p.add_argument("--assignment", default=default)
    p.add_argument("--students", type=int, default=6)
    p.add_argument("--rounds", type=int, default=2, help="alternate plain/sandboxed this many times")
    p.add_argument("--kernels", type=int, default=8,
                   help="kernel start/run/stop cycles per kernel for the direct measurement (0: skip)")
    p.add_argument("--no-autograde", action="store_true", help="only the direct kernel measurement")
    args = p.parse_args()
    if not args.assignment:
        sys.exit("no assignment in source/: pass --assignment")
    ok, why = sandbox.available()
    if not ok:
        sys.exit("the sandbox is not available on this machine: " + why)
    sandbox.install_kernelspec()
    if args.kernels:
        import statistics

        cost = kernel_cycles(args.kernels)
        plain_k = statistics.median(cost["python3"])
        sbx_k = statistics.median(cost[sandbox.KERNEL_NAME])
        print(f"kernel start + one numpy cell + shutdown, median of {args.kernels}, interleaved: "
              f"python3 {plain_k:.2f} s, course-sandbox {sbx_k:.2f} s, "
              f"extra {sbx_k - plain_k:+.2f} s per kernel (one kernel per submitted notebook)",
              flush=True)
    if args.no_autograde:
        return
    times = {"plain": [], "sandboxed": []}
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as tmp:
        for r in range(args.rounds):
            for mode in ("plain", "sandboxed"):
                root = Path(tmp) / f"{mode}{r}"
                build(root, args.assignment, args.students, mode == "sandboxed")
                t = nbgrader(root, "autograde", args.assignment, "--force")
                times[mode].append(t)
                print(f"round {r + 1}: {mode:9s} autograde of {args.students} submissions: {t:6.1f} s",
                      flush=True)
    plain, sbx = min(times["plain"]), min(times["sandboxed"])
    extra = (sbx - plain) / args.students
    print(f"\nassignment {args.assignment}, {args.students} submissions, one autograde process, "
          f"best of {args.rounds}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"unsandboxed: {plain:6.1f} s  ({plain / args.students:5.2f} s per submission)")
    print(f"sandboxed:   {sbx:6.1f} s  ({sbx / args.students:5.2f} s per submission)")
    print(f"extra time per submission from the sandbox: {extra:+.2f} s")


if __name__ == "__main__":
    main()
