"""The figures of the item analysis (course.admin.results.report): one function per
PNG file, drawn on matplotlib's Agg canvas without pyplot, so no display and no
global figure state are needed; each returns its Figure, saved. matplotlib is
imported inside the functions, so that importing this module stays cheap.
"""

import textwrap

from course.admin.results.report_data import shorten

LABEL_WIDTH = 60  # characters per line of a failure label, wrapped, never cut mid-word


def _figure(width, height):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path):
    # bbox "tight" grows the image to its labels, so that none is cut at the edge
    fig.savefig(path, bbox_inches="tight", pad_inches=0.15)
    return fig


def _whole_numbers(axis):
    """Ticks on whole numbers only: the axis counts students or submissions."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def plot_scores(totals, max_total, path):
    """Histogram of total scores."""
    import numpy as np

    fig = _figure(6.4, 3.2)
    ax = fig.add_subplot()
    nbins = int(max(1, min(25, round(max_total) or 1)))
    edges = np.linspace(0, max_total or 1, nbins + 1)
    ax.hist(totals, bins=edges, color="#4878a8", edgecolor="white")
    if totals:
        mean = float(np.mean(totals))
        ax.axvline(mean, color="#c44e52", linestyle="--", label=f"mean {mean:.1f}")
        ax.legend(loc="upper left")
    _whole_numbers(ax.yaxis)
    ax.set_xlabel(f"total score after late penalty (of {max_total:g})")
    ax.set_ylabel("submissions")
    ax.set_title("Score distribution")
    fig.tight_layout()
    return _save(fig, path)


def plot_problems(per_problem, path):
    """Per problem: mean score as a share of its points, and share of students who lost points."""
    names = [p["grade_id"] for p in per_problem][::-1]
    mean = [(p["mean"] or 0) / p["points"] if p["points"] else 0 for p in per_problem][::-1]
    lost = [p["lost_share"] or 0 for p in per_problem][::-1]
    fig = _figure(8, 1.0 + 0.32 * max(1, len(names)))
    left, right = fig.subplots(1, 2, sharey=True)
    left.barh(names, mean, color="#4878a8")
    left.set_xlim(0, 1)
    left.set_xlabel("mean score / points")
    right.barh(names, lost, color="#c44e52")
    right.set_xlim(0, 1)
    right.set_xlabel("share of students who lost points")
    fig.suptitle("Problems")
    fig.tight_layout()
    return _save(fig, path)


def plot_failures(failures, path):
    """The most common failure groups, by number of students."""
    top = failures[:10][::-1]
    labels = [failure_label(message, cause) for (message, cause), _ in top]
    counts = [len(g["students"]) for _, g in top]
    lines = sum(label.count("\n") + 1 for label in labels)
    fig = _figure(10, 1.2 + 0.16 * lines + 0.14 * len(top))
    ax = fig.add_subplot()
    ax.barh(range(len(top)), counts, color="#dd8452")
    ax.set_yticks(range(len(top)), labels, fontsize=7)
    _whole_numbers(ax.xaxis)
    ax.set_xlabel("students")
    ax.set_title("Most common failures")
    fig.tight_layout()
    return _save(fig, path)


def failure_label(message, cause):
    """A failure group's label, wrapped on words in lines of LABEL_WIDTH characters
    (at most 3 lines: the page's table has the whole message)."""
    text = message + (f" [{cause}]" if cause else "")
    return "\n".join(textwrap.wrap(shorten(text, 3 * LABEL_WIDTH), LABEL_WIDTH)) or "(no message)"


def plot_overview(data, path):
    """Box plot of percent scores per assignment."""
    fig = _figure(6.4, 3.2)
    ax = fig.add_subplot()
    series = [[100 * r["total_after_penalty"] / d["max_total"] for r in d["rows"]] if d["max_total"] else []
              for d in data]
    drawn = [i for i, s in enumerate(series) if s]
    if drawn:  # an assignment without grades gets no box (a box at 0% would read as all failed)
        ax.boxplot([series[i] for i in drawn], positions=[i + 1 for i in drawn], widths=0.5)
    for i, s in enumerate(series):
        if not s:
            ax.text(i + 1, 50, "no submissions", ha="center", va="center", rotation=90,
                    fontsize=8, color="#666666")
    ax.set_xticks(range(1, len(data) + 1), [d["assignment"] for d in data])
    ax.set_xlim(0.5, len(data) + 0.5)
    ax.set_ylabel("score after late penalty (%)")
    ax.set_ylim(-2, 102)
    ax.set_title("Scores per assignment")
    ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    return _save(fig, path)
