"""The report's charts say what the data say (issue 23, item 6): an assignment without
grades is no box at 0%, counts are whole numbers, failure labels are whole."""

import matplotlib.image

from course.admin.results import report_plots


def _rows(*totals):
    return [{"total": t, "total_after_penalty": t} for t in totals]


def test_an_assignment_without_submissions_is_no_box_and_says_so(tmp_path):
    data = [{"assignment": "a1", "rows": _rows(8, 9, 10), "max_total": 10},
            {"assignment": "a2", "rows": [], "max_total": 10},
            {"assignment": "a3", "rows": _rows(5), "max_total": 10}]
    fig = report_plots.plot_overview(data, tmp_path / "overview.png")
    ax = fig.axes[0]
    medians = [line for line in ax.lines if line.get_color() not in ("black", "k")]
    xs = sorted({round(float(x)) for line in medians for x in line.get_xdata()})
    assert xs == [1, 3], f"boxes drawn at positions {xs}: a2 (position 2) has no grades and must have none"
    notes = [(t.get_text(), round(t.get_position()[0])) for t in ax.texts]
    assert notes == [("no submissions", 2)], notes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a1", "a2", "a3"]


def test_histogram_counts_are_whole_numbers(tmp_path):
    fig = report_plots.plot_scores([1, 2, 2, 3], 3, tmp_path / "scores.png")
    ticks = [t for t in fig.axes[0].get_yticks() if 0 <= t <= 2]
    assert ticks and all(float(t).is_integer() for t in ticks), f"y ticks {ticks}: counts are whole"


def test_failure_labels_are_whole_and_inside_the_image(tmp_path):
    long = ("AssertionError: dW1 of affine_relu_backward is wrong: max relative error # "
            "(tolerance #) at index (…). yours: # numeric: #")
    failures = [((long, "constant factor: missing 1/N (or a path counted twice)"), {"students": {"a", "b"}}),
                (("NotImplementedError: (not attempted)", ""), {"students": {"c"}})]
    path = tmp_path / "failures.png"
    fig = report_plots.plot_failures(failures, path)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    first = " ".join(labels[-1].split())
    assert first == " ".join((long + " [constant factor: missing 1/N (or a path counted twice)]").split()), \
        f"the label lost words: {labels[-1]!r}"
    assert max(len(line) for label in labels for line in label.splitlines()) <= report_plots.LABEL_WIDTH
    # every label lies inside the saved image: nothing is cut at its left edge
    renderer = fig.canvas.get_renderer()
    left = min(t.get_window_extent(renderer).x0 for t in fig.axes[0].get_yticklabels())
    tight = fig.get_tightbbox(renderer)
    assert tight.x0 * fig.dpi <= left + 1, f"labels start at {left:.0f} px, the image at {tight.x0 * fig.dpi:.0f}"
    height, width = matplotlib.image.imread(path).shape[:2]
    assert width >= (tight.width * fig.dpi) - 2, f"image {width} px wide, the labels need {tight.width * fig.dpi:.0f}"
