"""The shape of the `course` package, read from its source: who imports whom.

- No import cycles, counting imports inside functions (they only hide a cycle).
- No private name (`_name`) taken from another course module: a helper that two
  modules share gets a public name in the module that owns it.
- The student-facing helpers import only the standard library, numpy and
  scikit-learn, and each other: a notebook must not pull in nbgrader.
- Importing a module does no work: the environment, the warnings filters and the
  files under HOME and TMPDIR are the same before and after.

The graph is built with `ast`, without importing anything, so that a cycle is
found even where it would only break at run time.
"""

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "course"

# What notebooks import: they run in the students' environment and in the sandbox.
STUDENT_MODULES = ("course.gradcheck", "course.data", "course.env", "course.trusted")
STUDENT_THIRD_PARTY = ("numpy", "sklearn")


def module_name(path):
    """course/admin/grading/pipeline.py -> course.admin.grading.pipeline; course/sandbox_kernel/__init__.py -> course.sandbox_kernel."""
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def course_modules():
    """{module name: path} for every .py file of the package."""
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


def _is_package(name, modules):
    return name in modules and modules[name].name == "__init__.py"


def _package_of(name, modules):
    return name if _is_package(name, modules) else name.rpartition(".")[0]


def _from_target(node, package):
    """The module an ImportFrom node reads from, relative imports resolved."""
    if not node.level:
        return node.module
    base = package.split(".")
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(name, path, modules):
    """Every import in a module, top-level and inside functions, as
    (target module, names taken from it (empty for `import x`), line).

    Relative imports are resolved; `from . import pipeline` is an import of
    course.admin.grading.pipeline; `__import__("course.admin.results.report")` with a literal name counts too."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _package_of(name, modules)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, (), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _from_target(node, package)
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                if submodule in modules:  # from . import pipeline: the module itself
                    found.append((submodule, (), node.lineno))
                else:
                    found.append((target, (alias.name,), node.lineno))
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Name) and node.func.id == "__import__")
                   or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module"))):
            found.append((node.args[0].value, (), node.lineno))
    return found


def module_aliases(path, name, modules):
    """{local name: course module} for the course modules a module binds to a name
    (`from . import pipeline`, `import course.admin.grading.pipeline as p`), wherever it does so."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _package_of(name, modules)
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = _from_target(node, package)
            for alias in node.names:
                if f"{target}.{alias.name}" in modules:
                    aliases[alias.asname or alias.name] = f"{target}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name in modules:
                    aliases[alias.asname] = alias.name
    return aliases


def import_graph():
    """{module: {imported course module: first line}} over the whole package."""
    modules = course_modules()
    graph = {}
    for name, path in modules.items():
        edges = {}
        for target, _, line in imports(name, path, modules):
            # `import course.x` names the package on the way to x; an edge to the
            # package's __init__ alone says nothing about layering.
            if target in modules and target != name and not _is_package(target, modules):
                edges.setdefault(target, line)
        graph[name] = edges
    return graph


def cycles(graph):
    """(modules, one cycle) per strongly connected component of more than one module
    (Tarjan's algorithm): the cycle as a list of modules in import order, the first
    repeated at the end."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [(sorted(component), _one_cycle(graph, component)) for component in components]


def _one_cycle(graph, component):
    """A shortest path from the component's first module back to itself."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for v in frontier:
            for w in sorted(graph[v]):
                if w == start:
                    return paths[v] + [start]
                if w in component and w not in paths:
                    paths[w] = paths[v] + [w]
                    following.append(w)
        frontier = following
    raise AssertionError(f"no cycle through {start} in {sorted(component)}")


def private_names():
    """(importer, line, module, name) for every `_name` one course module takes
    from another, by `from x import _name` or by `x._name` on an imported module."""
    modules = course_modules()
    found = []
    for name, path in modules.items():
        for target, names, line in imports(name, path, modules):
            if target in modules and target != name:
                found += [(name, line, target, n) for n in names
                          if n.startswith("_") and not n.startswith("__")]
        aliases = module_aliases(path, name, modules)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and aliases[node.value.id] != name
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                found.append((name, node.lineno, aliases[node.value.id], node.attr))
    return sorted(set(found))


def _where(graph, cycle):
    return " -> ".join(f"{a} (line {graph[a][b]})" for a, b in zip(cycle, cycle[1:])) + f" -> {cycle[-1]}"


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert len(graph) > 20, f"the graph holds only {sorted(graph)}: is course/ where the test looks?"
    found = cycles(graph)
    assert not found, (
        f"{len(found)} import cycle(s) in course/ (imports inside functions count: they hide a "
        "cycle, they do not break it). Move what both sides need into a module below them:\n"
        + "\n".join(f"  {', '.join(component)}, e.g. {_where(graph, c)}" for component, c in found))


def test_no_module_takes_a_private_name_from_another():
    found = private_names()
    assert not found, (
        f"{len(found)} private name(s) used across course modules; give a shared helper a "
        "public name in the module that owns it:\n"
        + "\n".join(f"  {importer} (line {line}) takes {name} from {module}"
                    for importer, line, module, name in found))


@pytest.mark.parametrize("student_module", STUDENT_MODULES)
def test_student_helpers_import_only_numpy_sklearn_and_each_other(student_module):
    modules = course_modules()
    outside = []
    for target, _, line in imports(student_module, modules[student_module], modules):
        top = target.split(".")[0]
        if top == "course":
            # the package itself (course/__init__.py) is imported with any of its modules
            if target not in (*STUDENT_MODULES, "course"):
                outside.append((line, target))
        elif top not in sys.stdlib_module_names | set(STUDENT_THIRD_PARTY):
            outside.append((line, target))
    assert not outside, (
        f"{student_module} is imported by notebooks, in the students' environment and in the "
        "grading sandbox, so it may import only the standard library, numpy, scikit-learn and "
        f"the other student helpers {STUDENT_MODULES}; it imports:\n"
        + "\n".join(f"  line {line}: {target}" for line, target in outside))


# Run in a fresh interpreter: record the environment, the warnings filters and the files
# under HOME and TMPDIR, import one module after the other, and say which one changed what.
_IMPORT_EACH = textwrap.dedent("""
    import importlib, json, os, sys, warnings
    sys.path.insert(0, sys.argv[1])

    def files():
        return sorted(os.path.join(d, f) for top in (os.environ["HOME"], os.environ["TMPDIR"])
                      for d, _, fs in os.walk(top) for f in fs + [""])

    def state():
        return {"environ": dict(os.environ), "filters": [repr(f) for f in warnings.filters],
                "files": files()}

    # The libraries the course modules import as they load come first: what they
    # do when imported (numpy's and urllib3's warnings filters) is theirs, not ours.
    third_party, course = json.loads(sys.argv[2]), sys.argv[3:]
    for name in third_party:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    changes = []
    for name in course:
        before = state()
        importlib.import_module(name)
        after = state()
        for key in before:
            if before[key] != after[key]:
                if key == "environ":
                    what = {k: [before[key].get(k), after[key].get(k)]
                            for k in set(before[key]) | set(after[key])
                            if before[key].get(k) != after[key].get(k)}
                else:
                    what = {"added": [x for x in after[key] if x not in before[key]],
                            "removed": [x for x in before[key] if x not in after[key]]}
                changes.append([name, key, what])
    print(json.dumps(changes))
""")


def load_time_imports():
    """Top-level names of the libraries outside course/ that course modules import as
    they load (not inside a function), sorted."""
    modules = course_modules()
    found = set()
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        inside = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                  for n in ast.walk(f)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and id(node) not in inside:
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and id(node) not in inside and not node.level:
                found.add(node.module.split(".")[0])
    return sorted(found - {"course"} - set(sys.stdlib_module_names))


def dependency_order(graph):
    """The modules with each one after the course modules it imports (as far as a
    cycle allows), so that a module is blamed for its own work, not its imports'."""
    order, seen = [], set()

    def visit(v):
        seen.add(v)
        for w in sorted(graph[v]):
            if w not in seen:
                visit(w)
        order.append(v)

    for v in sorted(graph):
        if v not in seen:
            visit(v)
    return order


def test_importing_any_module_changes_nothing(tmp_path):
    # __main__ modules are scripts: running is what importing them is for.
    names = [n for n in dependency_order(import_graph()) if not n.endswith("__main__")]
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    # a PATH without this environment's bin folder first: the import must leave it so
    env = {"HOME": str(home), "TMPDIR": str(tmp), "PATH": "/usr/bin:/bin",
           "LANG": os.environ.get("LANG", "C.UTF-8")}
    run = subprocess.run([sys.executable, "-c", _IMPORT_EACH, str(REPO),
                          json.dumps(load_time_imports()), *names],
                         cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"importing the course modules failed:\n{run.stderr[-3000:]}"
    changes = json.loads(run.stdout.strip().splitlines()[-1])
    assert not changes, (
        "importing a course module did work: it must only define things, and the function "
        "that needs the change makes it when it runs:\n"
        + "\n".join(f"  import {name} changed {key}: {what}" for name, key, what in changes))


# Who may import whom, by where the code runs (course/__init__.py draws the map).
SANDBOX_KERNEL = "course.sandbox_kernel"
PLUGINS = "course.nbgrader_plugins"
ADMIN = "course.admin"
# host.py asks jupyter_client whether the kernelspec is installed, and the guard is an
# IPython extension (it runs inside the kernel); the rest of the sandbox kernel launches
# it with the standard library alone.
SANDBOX_THIRD_PARTY = {"course.sandbox_kernel.host": ("jupyter_client",),
                       "course.sandbox_kernel.guard": ("IPython",)}


def _inside(name, package):
    return name == package or name.startswith(package + ".")


def test_each_part_imports_only_the_parts_below_it():
    modules = course_modules()
    wrong = []
    for name, path in modules.items():
        for target, _, line in imports(name, path, modules):
            top = target.split(".")[0]
            if _inside(name, SANDBOX_KERNEL):
                if top == "course" and not _inside(target, SANDBOX_KERNEL) and target != "course":
                    wrong.append(f"{name} (line {line}) imports {target}: the sandbox kernel stands alone")
                elif (top != "course" and top not in sys.stdlib_module_names
                      and top not in SANDBOX_THIRD_PARTY.get(name, ())):
                    wrong.append(f"{name} (line {line}) imports {target}: the sandbox kernel uses "
                                 "the standard library only")
            elif _inside(target, ADMIN) and not _inside(name, ADMIN) and name != "course.__main__":
                wrong.append(f"{name} (line {line}) imports {target}: only the instructor's tools "
                             "import course.admin")
            elif _inside(target, PLUGINS) and not (_inside(name, PLUGINS) or _inside(name, ADMIN)):
                wrong.append(f"{name} (line {line}) imports {target}: nbgrader's plugins are for "
                             "nbgrader and the instructor's tools")
    assert len(modules) > 30, f"only {len(modules)} modules found under {PACKAGE}"
    assert not wrong, ("imports against the layering students -> sandbox_kernel -> "
                       "nbgrader_plugins -> admin:\n  " + "\n  ".join(wrong))


# Load nbgrader_config.py the way nbgrader does, in a fresh interpreter, and say what
# changed: the environment, the files under HOME, TMPDIR and the venv's kernelspecs.
_LOAD_CONFIG = textwrap.dedent("""
    import json, os, sys
    sys.path.insert(0, sys.argv[1])
    from traitlets.config.loader import PyFileConfigLoader

    kernels = os.path.join(sys.prefix, "share", "jupyter", "kernels")

    def files():
        return sorted(os.path.join(d, f) for top in (os.environ["HOME"], os.environ["TMPDIR"], kernels)
                      for d, _, fs in os.walk(top) for f in fs + [""])

    def mtimes():
        return {p: os.stat(p).st_mtime_ns for p in files() if os.path.isfile(p)}

    before = {"environ": dict(os.environ), "files": files(), "mtimes": mtimes()}
    config = PyFileConfigLoader("nbgrader_config.py", path=sys.argv[1]).load_config()
    after = {"environ": dict(os.environ), "files": files(), "mtimes": mtimes()}
    changed = {k: [x for x in (set(after[k]) ^ set(before[k]) if k != "mtimes" else
                               [p for p in after[k] if before[k].get(p) != after[k][p]])]
               for k in before}
    changed["environ"] = [k for k in set(before["environ"]) | set(after["environ"])
                          if before["environ"].get(k) != after["environ"].get(k)]
    print(json.dumps({"changed": {k: sorted(v) for k, v in changed.items() if v},
                      "kernel": config.GuardedExecute.get("kernel_name"),
                      "preprocessors": config.Autograde.get("autograde_preprocessors")}))
""")


def test_loading_the_nbgrader_configuration_changes_nothing(tmp_path):
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = {"HOME": str(home), "TMPDIR": str(tmp), "PATH": "/usr/bin:/bin",
           "LANG": os.environ.get("LANG", "C.UTF-8")}
    run = subprocess.run([sys.executable, "-c", _LOAD_CONFIG, str(REPO)], cwd=str(tmp_path),
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"loading nbgrader_config.py failed:\n{run.stderr[-3000:]}"
    result = json.loads(run.stdout.strip().splitlines()[-1])
    # the configuration was really read: it selects the sandboxed kernel and the guards
    assert result["kernel"] == "course-sandbox", result
    assert "course.nbgrader_plugins.execute.GuardedExecute" in result["preprocessors"], result
    assert not result["changed"], (
        "loading nbgrader_config.py (which every nbgrader command in the course folder does, "
        "a student's Validate included) changed something; the grading command makes such "
        f"changes when it runs: {result['changed']}")


# bench/grade_throughput.py still imports tests/scale_support.py (its batch and its
# PostgreSQL server), whose move into the package is that file's owner's to make.
READS_TESTS_FOR_NOW = {"bench/grade_throughput.py"}


def paths_naming_the_tests_folder(path):
    """(line, text) of each string in a file's code, docstrings left out, that names the
    tests/ folder as a path: "tests" alone, or with "tests" as one of its path parts."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            and "tests" in node.value.strip().replace("\\", "/").split("/")]


def test_the_package_and_the_benchmarks_do_not_read_the_tests_folder():
    # What they share with the tests lives in the package (course.admin.authoring) or in a
    # data folder beside source/ (catalogues/): tests/ is the suite's, and not installed.
    found = {str(path.relative_to(REPO)): paths_naming_the_tests_folder(path)
             for folder in ("course", "bench") for path in sorted((REPO / folder).rglob("*.py"))}
    wrong = [f"{name} line {line}: {text!r}" for name, hits in found.items()
             if name not in READS_TESTS_FOR_NOW for line, text in hits]
    stale = sorted(name for name in READS_TESTS_FOR_NOW if not found.get(name))
    assert not wrong, ("code in course/ or bench/ names the tests/ folder; move what it needs "
                       "into course.admin.authoring or catalogues/:\n  " + "\n  ".join(wrong))
    assert not stale, f"{stale} no longer read tests/: take them out of READS_TESTS_FOR_NOW"
