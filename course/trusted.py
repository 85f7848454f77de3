"""Is the grading process still the one we trust? Checks run by hidden tests.

A submission can replace ``numpy.allclose`` with ``lambda *a, **k: True``, or
``course.gradcheck.assert_gradients_close`` with a function that never fails,
and every later test would pass. Hidden tests call ``assert_untampered()``
first: it finds every watched numpy function, builtin and course helper that
is no longer the original, and fails the test with a message that says which.

The check looks at what a replacement cannot hide without effort: numpy's
functions are ufuncs or functions defined in numpy's own files, builtins are
built-in functions, and the course helpers are defined in course/gradcheck.py
and course/trusted.py. A determined attacker inside the same process can get
around any in-process check; the static audit (course.nbgrader_plugins.audit) and the
sandboxed kernel close what this cannot.
"""

import builtins
import contextlib
import os
import sys
import types

import numpy

# numpy names the course's tests (and students' numeric checks) rely on.
NUMPY_NAMES = (
    "allclose", "isclose", "array_equal", "array_equiv", "abs", "absolute", "max", "min",
    "amax", "amin", "maximum", "minimum", "sum", "mean", "all", "any", "isfinite", "isnan",
    "exp", "log", "sqrt", "zeros", "zeros_like", "ones", "ones_like", "array", "asarray",
    "copy", "argmax", "unravel_index", "nditer", "count_nonzero", "median", "round",
    "errstate", "where", "dot", "matmul", "einsum", "linspace", "arange",
)
TESTING_NAMES = ("assert_allclose", "assert_array_equal", "assert_array_almost_equal")
BUILTIN_NAMES = ("abs", "all", "any", "isinstance", "len", "max", "min", "sum", "float",
                 "int", "round", "getattr", "setattr", "print", "range", "zip", "__import__")
COURSE_MODULES = ("course.gradcheck", "course.trusted")

_HERE = os.path.dirname(os.path.abspath(__file__))


def _numpy_file(obj):
    code = getattr(obj, "__code__", None) or getattr(getattr(obj, "__wrapped__", None), "__code__", None)
    if code is None:
        return False
    return os.path.abspath(code.co_filename).startswith(os.path.dirname(numpy.__file__))


def _is_numpy_original(obj):
    if isinstance(obj, (numpy.ufunc, type, types.BuiltinFunctionType)):
        return True
    if getattr(type(obj), "__module__", "").startswith("numpy") and not callable(obj):
        return True
    module = getattr(obj, "__module__", "") or ""
    return module.startswith("numpy") and (_numpy_file(obj) or not hasattr(obj, "__code__"))


def _course_functions(module_name):
    module = sys.modules.get(module_name)
    if module is None:
        return []
    expected = os.path.join(_HERE, module_name.split(".")[-1] + ".py")
    found = []
    # The public names, and every function in the module: a replaced private helper
    # (gradcheck's table or diagnosis) would weaken the public ones just as well.
    names = set(getattr(module, "__all__", ())) | {
        name for name, value in vars(module).items() if isinstance(value, types.FunctionType)}
    for name in sorted(names):
        fn = getattr(module, name, None)
        # a context manager is contextlib's wrapper around the function we wrote
        code = getattr(getattr(fn, "__wrapped__", fn), "__code__", None)
        if code is None or os.path.abspath(code.co_filename) != expected:
            found.append(f"{module_name}.{name}")
    return found


def tampering():
    """Names of watched functions that were replaced in this process ([] if none)."""
    found = []
    np_module = sys.modules.get("numpy", numpy)
    if np_module is not numpy:
        found.append("sys.modules['numpy']")
    for name in NUMPY_NAMES:
        if hasattr(numpy, name) and not _is_numpy_original(getattr(numpy, name)):
            found.append(f"numpy.{name}")
    for name in TESTING_NAMES:
        if not _is_numpy_original(getattr(numpy.testing, name)):
            found.append(f"numpy.testing.{name}")
    for name in BUILTIN_NAMES:
        value = getattr(builtins, name, None)
        if not isinstance(value, (types.BuiltinFunctionType, type)):
            found.append(f"builtins.{name}")
    for module_name in COURSE_MODULES:
        found += _course_functions(module_name)
    return found


def assert_untampered():
    """Raise AssertionError naming every replaced function, or return None."""
    found = tampering()
    if found:
        raise AssertionError(
            "This notebook replaced functions the tests rely on: " + ", ".join(found) + ". "
            "Tests cannot be trusted after that, so this test scores 0. Remove the code that "
            "assigns to them (look for `np.<name> = ...` or `setattr`) and restart the kernel.")


_MISSING = object()


# Where test_scope and references report each stand-in they install: None (the default,
# nothing kept) or a list that log_standins gave, for the fairness checks (tests/fairness.py).
_standin_log = None


def log_standins(log):
    """Append (name, stand-in, replaced value or None) to the list `log` for every stand-in
    test_scope or references installs from now on; log None stops. For authors' checks
    that each stand-in has the signature of the function it replaces."""
    global _standin_log
    _standin_log = log


def _note_standins(namespace, functions):
    if _standin_log is not None:
        _standin_log.extend((name, value, namespace.get(name)) for name, value in functions.items())


@contextlib.contextmanager
def references(namespace, **functions):
    """Bind trusted reference functions in `namespace` for the duration of a with-block.

    Hidden tests grade one exercise at a time: while they call the function
    under test, every other student function it calls is replaced by a trusted
    reference, so that a bug elsewhere costs points only in its own exercise.

    Inputs:
    - namespace: the dict the student's functions look names up in (a
      notebook's ``globals()``, or a module's ``vars(module)``)
    - functions: name=reference pairs

    On leaving the block, even by an exception, every name is bound again to
    what it was before; a name that did not exist is removed.
    """
    saved = {name: namespace.get(name, _MISSING) for name in functions}
    _note_standins(namespace, functions)
    namespace.update(functions)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is _MISSING:
                namespace.pop(name, None)
            else:
                namespace[name] = value


@contextlib.contextmanager
def test_scope(namespace, *, keep=(), **standins):
    """Run a test cell's code without leaving a trace in the notebook's globals.

    Inputs:
    - namespace: the notebook's ``globals()``
    - keep: names the block creates that stay afterwards, for a student to inspect
      after a failure (say ``"dx_num"``); a name the student had is restored all the same
    - standins: name=function pairs bound while the block runs, replacing the
      student's functions of those names (trusted references, so that a test grades
      one exercise); each must have the documented function's exact signature

    On leaving, even by an exception, every global the block rebound or deleted gets
    its old value back, stand-ins included, and every name it created is removed
    (except `keep`). Assignments inside the block still go to the globals while it
    runs: code that calls student functions belongs in a function the block runs
    (see run_now), so that the student's code never sees the test's variables.
    """
    before = dict(namespace)
    _note_standins(namespace, standins)
    namespace.update(standins)
    try:
        yield
    finally:
        for name in [n for n in namespace if n not in before and n not in keep]:
            del namespace[name]
        for name, value in before.items():
            if namespace.get(name, _MISSING) is not value:
                namespace[name] = value


def install(namespace, **standins):
    """Bind stand-ins in `namespace` (a notebook's ``globals()``) for the rest of the
    enclosing ``test_scope`` block, which puts every name back when it ends.

    For a test cell whose visible checks must run with trusted references when grading:
    its hidden lines, at the top of the visible body, call this. Each stand-in must have
    the documented function's exact signature.
    """
    _note_standins(namespace, standins)
    namespace.update(standins)


def run_now(test):
    """Decorator: call `test()` at once, before its def binds the name; return what the
    name was bound to before (or `test` if it was unbound).

    Inside ``with test_scope(...)`` this runs a test body whose variables are local,
    so that while it runs no global name belongs to the test but the stand-ins:

        with test_scope(globals(), relu_forward=ref_relu_forward):
            @run_now
            def _test():
                x = ...          # local: a student's function never sees it
    """
    test()
    # The def then binds the name to what this returns: the name's value before, if it had
    # one, so that a student's function of that name stays itself for the rest of the block.
    return test.__globals__.get(test.__name__, test)


__all__ = ["tampering", "assert_untampered", "references", "test_scope", "run_now", "log_standins", "install"]
