"""`nbgrader validate`: the solved source passes, the untouched release fails."""

import pytest

from conftest import ASSIGNMENTS, REPO


def _validate(path):
    from nbgrader.validator import Validator

    return Validator().validate(str(path))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_passes_validation(assignment):
    for path in sorted((REPO / "source" / assignment).glob("*.ipynb")):
        result = _validate(path)
        assert not result, f"nbgrader validate {path.relative_to(REPO)} found problems: {result}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_fails_validation(assignment):
    for path in sorted((REPO / "release" / assignment).glob("*.ipynb")):
        result = _validate(path)
        assert result.get("failed"), (
            f"the untouched release {path.relative_to(REPO)} passes validation: "
            "a test cell does not depend on the student's work")
