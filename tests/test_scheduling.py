"""The suite's own scheduling (tests/conftest.py): which tests share a worker under make test.

The real course is graded once per assignment only if every test that reads an assignment's
batch lands in that assignment's unit; a test module that uses the course without naming an
assignment goes with SHOWCASE's.
"""

import os

import conftest


def test_a_real_course_test_goes_with_the_assignment_its_parameters_name():
    a = conftest.ASSIGNMENTS[0]
    assert conftest._course_scope(f"tests/test_catalogue.py::test_bug_fails[{a}-bug-x]") == f"course:{a}"
    assert conftest._course_scope(f"tests/test_e2e.py::test_reference_gets_full_marks[{a}]") == f"course:{a}"
    assert conftest._course_scope("tests/test_export.py::test_table_lists_every_student") == \
        f"course:{conftest.SHOWCASE}"


def test_only_modules_that_take_the_real_course_are_grouped_by_assignment():
    root = conftest.REPO
    assert conftest._uses_the_real_course(root / "tests" / "test_catalogue.py")
    assert conftest._uses_the_real_course(root / "tests" / "test_fairness.py")
    assert not conftest._uses_the_real_course(root / "tests" / "test_gradcheck.py")
    assert not conftest._uses_the_real_course(root / "tests" / "test_browser.py")


def test_every_weighted_unit_exists():
    """A renamed module or assignment would silently lose its place in the order."""
    for unit in conftest.SCHEDULE_WEIGHTS:
        if unit.startswith("course:"):
            assert unit.split(":", 1)[1] in conftest.ASSIGNMENTS or os.environ.get(
                "COURSE_TEST_ASSIGNMENTS"), unit
        else:
            assert (conftest.REPO / unit).is_file(), unit
