"""The static audit flags tampering in students' cells and stays quiet on honest code."""

import nbformat
import pytest

from course.nbgrader_plugins.audit import audit_notebook, audit_source, audit_submission, summarize


def kinds(source):
    return sorted({f.kind for f in audit_source(source)})


@pytest.mark.parametrize("source", [
    "import numpy as np\nnp.allclose = lambda *a, **k: True",
    "import numpy\nnumpy.max = max",
    "import numpy as xp\nxp.linalg.norm = abs",
    "np.testing.assert_allclose = print",
    "setattr(np, 'allclose', lambda *a, **k: True)",
    "np.__dict__['allclose'] = lambda *a, **k: True",
    "vars(np).update(allclose=lambda *a, **k: True)",
    "import course.gradcheck as g\ng.rel_error = lambda a, b: 0.0",
    "from course import gradcheck\ngradcheck.assert_gradients_close = print",
    "import builtins\nbuiltins.len = lambda x: 0",
    "__builtins__.abs = lambda x: 0",
    "__builtins__['abs'] = lambda x: 0",
    "import importlib\nm = importlib.import_module('numpy')\nimportlib.import_module('numpy').isclose = None",
    "getattr(np, 'linalg').norm = None",
    "object.__setattr__(np, 'allclose', None)",
    "del np.allclose",
    "np.max += 0",
])
def test_patching_numpy_course_or_builtins_is_flagged(source):
    assert "patch_module" in kinds(source), f"not flagged: {source!r}"


@pytest.mark.parametrize("source", [
    "import sys\nsys.modules['numpy'] = fake",
    "sys.modules.update(numpy=fake)",
    "del sys.modules['course.gradcheck']",
    "sys.modules.pop('numpy')",
    "sys.meta_path.insert(0, Finder())",
    "sys.modules['numpy'].allclose = None",
])
def test_sys_modules_edits_are_flagged(source):
    found = kinds(source)
    assert "sys_modules" in found or "patch_module" in found, f"not flagged: {source!r}"


@pytest.mark.parametrize("source", [
    "open('/work/main/source/A/A.ipynb').read()",
    "open('../../../gradebook.db', 'rb')",
    "from pathlib import Path\nPath('..', '..', 'source').iterdir()",
    "import os\nos.listdir('../..')",
    "import shutil\nshutil.copy('x', '/tmp/x')",
    "p = 'gradebook' + '.db'\nopen(p)",
    "import sqlite3\nsqlite3.connect(f'{root}/gradebook.db')",
    "np.load('source/A/ref.npy')",
    "open('A.ipynb').read()",
    "from pathlib import Path\nPath.cwd().parent",
    "os.chdir(somewhere)",
    "!cat ../../../source/A/A.ipynb",
])
def test_file_access_outside_the_submission_is_flagged(source):
    assert "file_access" in kinds(source), f"not flagged: {source!r}"


@pytest.mark.parametrize("source,kind", [
    ("import os\nos._exit(0)", "kill_kernel"),
    ("os.kill(os.getppid(), 9)", "kill_kernel"),
    ("import sys\nsys.exit()", "kill_kernel"),
    ("raise SystemExit", "kill_kernel"),
    ("from os import _exit as bye\nbye(1)", "kill_kernel"),
    ("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)", "grader_interference"),
    ("sys.settrace(None)", "grader_interference"),
    ("get_ipython().events.unregister('pre_run_cell', f)", "grader_interference"),
    ("import ctypes", "grader_interference"),
    ("import subprocess\nsubprocess.run(['ls'])", "subprocess"),
    ("os.system('ls')", "subprocess"),
    ("%%bash\nls ..", "subprocess"),
    ("files = !ls", "subprocess"),
])
def test_kernel_killing_and_interference_are_flagged(source, kind):
    assert kind in kinds(source), f"{kind} not flagged: {source!r}"


def test_backward_that_uses_numeric_gradients_is_flagged():
    source = (
        "from course.gradcheck import eval_numerical_gradient_array\n"
        "def affine_backward(dout, cache):\n"
        "    x, w, b = cache\n"
        "    dx = eval_numerical_gradient_array(lambda x: x @ w + b, x, dout)\n"
        "    return dx, None, None\n"
    )
    found = [f for f in audit_source(source) if f.kind == "numeric_backward"]
    assert found and found[0].line == 4 and "affine_backward" in found[0].message
    method = (
        "import course.gradcheck as gc\n"
        "class Layer:\n"
        "    def backward(self, dout):\n"
        "        return gc.eval_numerical_gradient(self.f, self.x)\n"
    )
    assert "numeric_backward" in kinds(method)
    # the same call in a gradient *check* is what students are asked to do
    check = "def check_affine():\n    return eval_numerical_gradient_array(f, x, dout)\n"
    assert "numeric_backward" not in kinds(check)


@pytest.mark.parametrize("source", [
    "import numpy as np\n\ndef softmax(x):\n    z = x - np.max(x, axis=1, keepdims=True)\n    e = np.exp(z)\n    return e / e.sum(axis=1, keepdims=True)",
    "def relu_backward(dout, cache):\n    x = cache\n    dx = dout * (x > 0)\n    return dx",
    "class Net:\n    def __init__(self):\n        self.params = {}\n        self.params['W1'] = np.zeros((3, 4))",
    "rng = np.random.default_rng(0)\nx = rng.standard_normal((4, 5))\nprint(x.shape)",
    "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])",
    "np.set_printoptions(precision=3)",
    "data = np.load('weights.npy')\nwith open('notes.txt', 'w') as f:\n    f.write('ok')",
    "from tqdm.auto import tqdm\nfor i in tqdm(range(3)):\n    pass",
])
def test_honest_code_is_not_flagged(source):
    assert audit_source(source) == [], [str(f) for f in audit_source(source)]


def test_magics_do_not_hide_code_and_lines_are_kept():
    source = "%time x = 1\n!echo hi\nimport numpy as np\nnp.allclose = None"
    found = audit_source(source)
    patch = [f for f in found if f.kind == "patch_module"]
    assert patch and patch[0].line == 4, [str(f) for f in found]


def test_unparseable_cell_is_reported_not_fatal():
    found = audit_source("def f(:\n    pass")
    assert [f.kind for f in found] == ["unparsed"]


def test_notebook_audit_reads_student_cells_only_and_carries_imports():
    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[
        v4.new_code_cell("import numpy as xp", metadata={"nbgrader": {"grade_id": "setup", "locked": True, "solution": False, "grade": False}}),
        v4.new_code_cell("import numpy as foo"),
        v4.new_code_cell("def f(x):\n    foo.allclose = None\n    return x",
                         metadata={"nbgrader": {"grade_id": "f", "solution": True, "grade": False, "locked": False}}),
        v4.new_code_cell("os._exit(0)", metadata={"nbgrader": {"grade_id": "test_f", "grade": True, "solution": False, "locked": True, "points": 1}}),
        v4.new_markdown_cell("open('/etc/passwd')"),
    ])
    found = audit_notebook(nb)
    assert [(f.cell_index, f.grade_id, f.line, f.kind) for f in found] == [(2, "f", 2, "patch_module")]
    assert summarize(found) == {"patch_module": 1}
    assert {f.kind for f in audit_notebook(nb, include_locked=True)} == {"patch_module", "kill_kernel"}
    assert set(found[0].to_dict()) == {"cell_index", "grade_id", "line", "kind", "message"}


def test_audit_submission_reads_a_folder_and_survives_broken_json(tmp_path):
    v4 = nbformat.v4
    nbformat.write(v4.new_notebook(cells=[v4.new_code_cell("import os\nos._exit(0)"),
                                          v4.new_code_cell("def f(:")]), tmp_path / "A.ipynb")
    (tmp_path / "B.ipynb").write_text("{not json")
    out = audit_submission(tmp_path)
    assert out[0].startswith("A.ipynb: cell 0") and "kill_kernel" in out[0], out
    assert len(out) == 2 and out[1].startswith("B.ipynb: not audited"), out
    assert any("unparsed" in line for line in audit_submission(tmp_path, include_info=True))


def test_magics_are_read_as_ipython_reads_them():
    """IPython's own TransformerManager reads the magics: a %%time body is audited on its
    own lines, text inside a string is never a shell escape, %%html and `obj?` run nothing."""
    found = audit_source("%%time\nimport numpy as np\nnp.allclose = None")
    assert [(f.kind, f.line) for f in found] == [("patch_module", 3)], [str(f) for f in found]
    assert audit_source('doc = """\n!rm -rf ~\n"""\nprint(doc)\nlen?') == []
    assert audit_source("%%html\n<b onclick='x'>hi</b>") == []
    found = audit_source("import numpy as np\nx = 1\nout = !cat ../../../source/A/A.ipynb")
    assert {(f.kind, f.line) for f in found} == {("subprocess", 3), ("file_access", 3)}, [str(f) for f in found]
