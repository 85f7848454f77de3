"""course.trusted notices replaced numpy functions, builtins and course helpers.

Each case runs in a fresh interpreter, so that the patching cannot leak into
the test process.
"""

import subprocess
import sys

import pytest

PATCHES = {
    "numpy.allclose": "import numpy as np; np.allclose = lambda *a, **k: True",
    "numpy.max": "import numpy; numpy.max = lambda *a, **k: 0.0",
    "numpy.testing.assert_allclose": "import numpy as np; np.testing.assert_allclose = lambda *a, **k: None",
    "builtins.abs": "import builtins; builtins.abs = lambda x: 0",
    "course.gradcheck.assert_gradients_close":
        "import course.gradcheck as g; g.assert_gradients_close = lambda *a, **k: 0.0",
    "course.gradcheck.rel_error": "import course.gradcheck as g; setattr(g, 'rel_error', lambda x, y: 0.0)",
}


def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_clean_process_passes():
    out = _run("import course.gradcheck; from course.trusted import assert_untampered, tampering;"
               "assert_untampered(); print(tampering())")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", sorted(PATCHES))
def test_patch_is_named(name):
    out = _run(PATCHES[name] + "\nfrom course.trusted import assert_untampered\nassert_untampered()")
    assert out.returncode != 0, f"patching {name} went unnoticed"
    assert name in out.stderr and "scores 0" in out.stderr, out.stderr


def test_references_bind_and_restore():
    from course.trusted import references

    def mine(x):
        return x + 1

    def theirs(x):
        return x

    namespace = {"f": mine}
    with references(namespace, f=theirs, g=theirs):
        assert namespace["f"] is theirs and namespace["g"] is theirs
    assert namespace == {"f": mine}, "the student's function was not put back, or g was left behind"
    with pytest.raises(ZeroDivisionError):
        with references(namespace, f=theirs):
            1 / 0
    assert namespace["f"] is mine, "an exception inside the block left the reference bound"


def test_references_replaced_is_noticed():
    out = _run("import course.trusted as t; t.references = lambda *a, **k: None\n"
               "t.assert_untampered()")
    assert out.returncode != 0 and "course.trusted.references" in out.stderr, out.stderr


def test_replaced_private_helper_is_noticed():
    private = [n for n, v in vars(__import__("course.gradcheck").gradcheck).items()
               if n.startswith("_") and callable(v) and hasattr(v, "__code__")]
    assert private, "course.gradcheck has no private helper to replace"
    out = _run(f"import course.gradcheck as g; g.{private[0]} = lambda *a, **k: None\n"
               "from course.trusted import assert_untampered\nassert_untampered()")
    assert out.returncode != 0 and f"course.gradcheck.{private[0]}" in out.stderr, out.stderr


def test_test_scope_restores_every_global_and_keeps_only_what_it_offers():
    from course.trusted import test_scope

    def student_helper():
        return "student"

    def stand_in():
        return "trusted"

    namespace = {"x": 1, "helper": student_helper, "dx_num": "the student's"}
    with pytest.raises(AssertionError):
        with test_scope(namespace, keep=("dx_num", "err"), helper=stand_in):
            assert namespace["helper"] is stand_in
            namespace.update(x=5, rng=3, dx_num=7, err=0.5)
            del namespace["helper"]
            raise AssertionError("a failing check")
    assert namespace == {"x": 1, "helper": student_helper, "dx_num": "the student's", "err": 0.5}


def test_run_now_runs_a_test_body_whose_variables_no_student_function_sees():
    from course.trusted import run_now, test_scope

    namespace = {}
    exec("def student():\n    return globals().get('y', 'no y')\nseen = []", namespace)
    before = dict(namespace)
    exec("with test_scope(globals()):\n"
         "    @run_now\n"
         "    def _test():\n"
         "        y = 3\n"
         "        seen.append(student())\n",
         namespace | {"test_scope": test_scope, "run_now": run_now})
    assert before["seen"] == ["no y"]
