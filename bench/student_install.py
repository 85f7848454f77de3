"""What a student installs, against the full lock: the size of each environment and its install time.

    python3.11 bench/student_install.py [--cold] [--lock student|full ...] [--keep]

For each lock (requirements-student.txt, requirements.txt) this builds a fresh venv under a
temporary folder, upgrades pip there as `make venv` does (not timed), then times
`pip install -r LOCK` followed by `pip install --no-deps -e .` (the course package itself),
and prints the number of packages, the install time (wall clock, and the CPU time of pip,
which varies less on a shared machine) and the venv's size on disk (as `du` counts it).
`--cold` adds `--no-cache-dir`, so nothing comes from pip's cache (pip still reads whatever
index and find-links this machine's pip configuration names). Without it, run it twice: the
first run fills the cache, the second is the warm figure.

It is a benchmark: it prints figures and checks nothing; the tests never run it.
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOCKS = {"student": REPO / "requirements-student.txt", "full": REPO / "requirements.txt"}


def pinned_count(lock):
    lines = (line.strip() for line in lock.read_text().splitlines())
    return sum(1 for line in lines if line and not line.startswith("#"))


def disk_usage(folder):
    """Bytes on disk under folder, hard links counted once (what `du -s` reports)."""
    seen, total = set(), 0
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            st = os.lstat(os.path.join(root, name))
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_blocks * 512
    return total


def pip(venv, *args):
    cmd = [str(venv / "bin" / "python"), "-m", "pip", "--quiet", *args]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr[-4000:]}")


def child_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def build(venv, lock, python, cold):
    """Make venv and install lock into it.

    Returns (wall seconds, CPU seconds) of the two installs. On a shared machine the CPU
    time varies less than the wall time; neither counts the upgrade of pip.
    """
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip(venv, "install", "--upgrade", "pip>=24")
    cache = ["--no-cache-dir"] if cold else []
    t0, cpu0 = time.monotonic(), child_cpu()
    pip(venv, "install", *cache, "-r", str(lock))
    pip(venv, "install", *cache, "--no-deps", "-e", str(REPO))
    return time.monotonic() - t0, child_cpu() - cpu0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", choices=sorted(LOCKS), action="append",
                        help="which lock to build (default: both)")
    parser.add_argument("--cold", action="store_true", help="install with --no-cache-dir")
    parser.add_argument("--python", default=shutil.which("python3.11") or sys.executable,
                        help="interpreter to make the venvs with (default: python3.11)")
    parser.add_argument("--keep", action="store_true", help="keep the venvs and print where")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="student-install-"))
    rows = []
    try:
        for name in dict.fromkeys(args.lock or ["student", "full"]):
            venv = scratch / name
            seconds, cpu = build(venv, LOCKS[name], args.python, args.cold)
            rows.append((name, pinned_count(LOCKS[name]), seconds, cpu, disk_usage(venv) / 2**20))
            print(f"{name:8} {rows[-1][1]:4d} packages  install {seconds:6.1f} s "
                  f"({cpu:.1f} s CPU)  venv {rows[-1][4]:5.0f} MiB", flush=True)
    finally:
        if args.keep:
            print(f"venvs kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    cache = "cold (--no-cache-dir)" if args.cold else "pip cache as it was"
    print(f"\n{'lock':8} {'packages':>8} {'install s':>10} {'CPU s':>7} {'venv MiB':>9}   [{cache}]")
    for name, count, seconds, cpu, mib in rows:
        print(f"{name:8} {count:8d} {seconds:10.1f} {cpu:7.1f} {mib:9.0f}")
    by_name = {name: (seconds, cpu, mib) for name, _, seconds, cpu, mib in rows}
    if len(by_name) == 2:
        (s_student, c_student, m_student), (s_full, c_full, m_full) = by_name["student"], by_name["full"]
        print(f"student / full: {m_student / m_full:.0%} of the size, {s_student / s_full:.0%} of the "
              f"wall time, {c_student / c_full:.0%} of the CPU time")


if __name__ == "__main__":
    main()
