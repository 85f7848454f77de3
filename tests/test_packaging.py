"""What students install: requirements-student.txt is a subset of the full lock, pinned alike,
without the grading and test packages, and with everything the student helpers and the
release notebooks import.

pyproject.toml's base dependencies are the student set; grading and tests are extras.
bench/student_install.py measures what the smaller lock saves.
"""

import ast
import functools
import json
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

from course import env

REPO = Path(__file__).resolve().parents[1]
STUDENT_MODULES = ["gradcheck", "data", "env", "trusted", "fix_first"]
# Only grading, the instructor's command line or the tests need these.
NOT_FOR_STUDENTS = {"dask", "distributed", "psycopg2", "psycopg2-binary", "playwright",
                    "pytest", "pytest-xdist", "django-static-mathjax"}
STUDENT_SET = {"numpy", "matplotlib", "scikit-learn", "tqdm", "jupyterlab", "nbgrader"}


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(name):
    """{normalized distribution name: version} of a `name==version` lock file."""
    pins = {}
    for line in (REPO / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            dist, _, version = line.partition("==")
            assert version, f"{name}: {line!r} is not pinned with =="
            pins[normalize(dist)] = version
    return pins


def pyproject():
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def requirement_names(requirements):
    return {normalize(Requirement(r).name) for r in requirements}


def top_level_imports(source):
    """First component of every module imported anywhere in source (functions included)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@functools.cache
def installed_providers():
    """{import name: [distribution, ...]} of this venv (the full lock); slow, so read once."""
    return metadata.packages_distributions()


def distributions_for(modules, local=()):
    """{module: set of distributions providing it} for modules outside the standard library."""
    providers = installed_providers()
    found = {}
    for module in sorted(modules):
        if module in sys.stdlib_module_names or module == "course" or module in local:
            continue
        found[module] = {normalize(d) for d in providers.get(module, [])}
    return found


def missing_from_student_lock(modules, where, local=()):
    student = read_lock("requirements-student.txt")
    problems = []
    for module, dists in distributions_for(modules, local).items():
        if not dists & student.keys():
            problems.append(f"{where} imports {module} (from {sorted(dists) or 'no installed package'}), "
                            "which requirements-student.txt does not install")
    return problems


def test_student_lock_pins_the_same_versions_as_the_full_lock():
    full, student = read_lock("requirements.txt"), read_lock("requirements-student.txt")
    differ = {name: (version, full.get(name)) for name, version in student.items()
              if full.get(name) != version}
    assert not differ, ("requirements-student.txt and requirements.txt disagree "
                        f"(student, full): {differ}; regenerate the student lock as its header says")


def test_student_lock_leaves_out_grading_and_test_packages():
    student = read_lock("requirements-student.txt")
    assert not NOT_FOR_STUDENTS & student.keys(), (
        f"requirements-student.txt installs {sorted(NOT_FOR_STUDENTS & student.keys())}, "
        "which only grading or the tests need")
    assert STUDENT_SET <= student.keys(), f"missing: {sorted(STUDENT_SET - student.keys())}"


def test_base_dependencies_are_the_student_set_and_the_rest_are_extras():
    project = pyproject()
    base = requirement_names(project["dependencies"])
    extras = set().union(*(requirement_names(reqs)
                           for reqs in project["optional-dependencies"].values()))
    assert base == STUDENT_SET, f"pyproject.toml's dependencies are {sorted(base)}"
    assert not base & NOT_FOR_STUDENTS
    in_full_lock = NOT_FOR_STUDENTS & read_lock("requirements.txt").keys()
    assert in_full_lock <= extras, (
        f"{sorted(in_full_lock - extras)} are in requirements.txt but in no extra of pyproject.toml")


def test_student_modules_import_only_what_the_student_lock_installs():
    problems = []
    for name in STUDENT_MODULES:
        path = REPO / "course" / f"{name}.py"
        problems += missing_from_student_lock(top_level_imports(path.read_text()), f"course/{name}.py")
    problems += missing_from_student_lock(
        top_level_imports((REPO / "course" / "__init__.py").read_text()), "course/__init__.py")
    assert not problems, "\n".join(problems)


def test_release_notebooks_import_only_what_the_student_lock_installs():
    problems = []
    for path in sorted(REPO.glob("release/*/*.ipynb")):
        local = {p.stem for p in path.parent.glob("*.py")}
        cells = [cell for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "code"]
        for cell in cells:
            source = "".join(cell["source"])
            # IPython magics and shell lines are not Python; blank them.
            source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                               for line in source.splitlines())
            problems += missing_from_student_lock(top_level_imports(source),
                                                  path.relative_to(REPO), local)
    assert not problems, "\n".join(sorted(set(problems)))


def test_environment_check_asks_for_the_student_locks_versions():
    student = read_lock("requirements-student.txt")
    wrong = {dist: (pinned, student.get(normalize(dist))) for dist, pinned in env.REQUIRED
             if student.get(normalize(dist)) != pinned}
    assert not wrong, f"course/env.py's REQUIRED and requirements-student.txt disagree: {wrong}"


def test_notebook_tools_import_no_grammar_compiler():
    """nbformat's validator (imported by every nbgrader and course command, every grading
    worker and JupyterLab) must not pull in rfc3987-syntax, which builds 38 parsers on
    import: 0.9 CPU-s per process (bench/import_cost.py). jsonschema imports it from 4.25;
    requirements.txt holds jsonschema at 4.24.1."""
    import subprocess

    probe = "import sys, nbformat.validator, nbgrader.apps; print(sorted({'rfc3987_syntax', 'lark'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", (
        f"importing nbformat's validator and nbgrader imported {out.stdout.strip()}: a jsonschema "
        "newer than 4.24 (or rfc3987-syntax installed again) costs every grading process 0.9 CPU-s")
    assert read_lock("requirements.txt")["jsonschema"] == "4.24.1"
