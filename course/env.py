"""The environment check that opens every notebook.

``check_environment()`` compares the kernel's packages with the versions the
course was built and tested with, and says exactly what to install when
something is missing. Newer versions only get a note: they usually work.
"""

import sys
from importlib import metadata

# (distribution name, version the course pins in requirements.txt)
REQUIRED = [
    ("numpy", "2.4.6"),
    ("matplotlib", "3.11.2"),
    ("scikit-learn", "1.9.1"),
    ("tqdm", "4.70.1"),
]
MIN_PYTHON = (3, 10)


def _major_minor(version):
    parts = []
    for piece in version.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def environment_problems():
    """List what is missing or too old, as (message, fix) pairs; [] when all is well."""
    problems = []
    if sys.version_info[:2] < MIN_PYTHON:
        problems.append((
            f"Python {sys.version.split()[0]} is older than {MIN_PYTHON[0]}.{MIN_PYTHON[1]}",
            "install Python 3.11 and recreate the environment (see README.md)",
        ))
    for pip_name, pinned in REQUIRED:
        # Read the installed version from package metadata rather than by
        # importing: importing scikit-learn and matplotlib takes seconds.
        try:
            found = metadata.version(pip_name)
        except metadata.PackageNotFoundError:
            problems.append((f"{pip_name} is not installed in this kernel",
                             f"{sys.executable} -m pip install {pip_name}=={pinned}"))
            continue
        if _major_minor(found) < _major_minor(pinned):
            problems.append((f"{pip_name} {found} is older than the course's {pinned}",
                             f"{sys.executable} -m pip install {pip_name}=={pinned}"))
    return problems


def check_environment():
    """Print the versions in use; raise RuntimeError saying what to install if anything is missing."""
    problems = environment_problems()
    if problems:
        lines = ["This kernel is missing what the course needs:"]
        for message, fix in problems:
            lines.append(f"  - {message}. Fix: {fix}")
        lines.append("Then restart the kernel (Kernel > Restart) and run this cell again.")
        raise RuntimeError("\n".join(lines))
    import numpy
    print(f"Environment OK: Python {sys.version.split()[0]}, numpy {numpy.__version__}, "
          f"kernel {sys.executable}")
