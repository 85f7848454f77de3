"""Benchmark: assignment 04's reference network against scikit-learn's MLPClassifier.

Both train on the same split (course.data.load_digits_split(), seed 0: 1077 train,
270 validation, 450 test) and are scored on the same test set. The script prints the
test accuracy and the training time of each, and their ratio.

The reference solution is not copied here: the script executes the source notebook's own
cells (the solution cells with their BEGIN/END SOLUTION lines removed, and the read-only
cells they need, including the hyperparameters of the `train_config` cell), so it always
measures what the notebook teaches.

Run from the repository root:

    .venv/bin/python bench/digits_mlp.py                    # 5 timed runs of each, BLAS as is
    .venv/bin/python bench/digits_mlp.py --blas-threads 1   # pin BLAS to one thread

Goal: test accuracy at least 97.5%, and training at least 2x faster than MLPClassifier.
Times are medians over the runs, alternating the two models so that a change in the
machine's load hits both. On a busy machine (other processes on every core), multi-threaded
BLAS can slow small matrix products down many times; --blas-threads 1 avoids that.
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = REPO / "source" / "04_digits_mlp"
NOTEBOOK = ASSIGNMENT / "04_digits_mlp.ipynb"
# The cells that define the reference network and its training, in notebook order.
CELLS = ["imports", "two_layer_net", "sgd", "sgd_momentum", "adam", "accuracy", "train", "train_config"]
GOAL_ACCURACY = 0.975
GOAL_SPEEDUP = 2.0


def reference_namespace():
    """Execute the notebook's cells listed in CELLS in a fresh namespace and return it."""
    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(ASSIGNMENT))  # for `from layers import ...`
    from course.admin.authoring.samples import strip_markers

    nb = nbformat.read(NOTEBOOK, as_version=4)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    missing = [gid for gid in CELLS if gid not in by_id]
    if missing:
        raise SystemExit(f"{NOTEBOOK} has no cells {missing}: update CELLS in {__file__}.")
    namespace = {"__name__": "digits_mlp_reference"}
    for gid in CELLS:
        exec(compile(strip_markers(by_id[gid].source), f"<{NOTEBOOK.name}:{gid}>", "exec"), namespace)
    return namespace


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each model (default 5)")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="limit BLAS threads for both models (default: the library's own choice)")
    args = parser.parse_args()

    from sklearn import __version__ as sklearn_version
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_info, threadpool_limits
    import numpy as np

    ns = reference_namespace()
    data = ns["load_digits_split"]()
    TwoLayerNet, train, accuracy = ns["TwoLayerNet"], ns["train"], ns["accuracy"]
    net_config, train_config = ns["net_config"], ns["train_config"]

    def run_ours():
        net = TwoLayerNet(**net_config)
        start = time.perf_counter()
        train(net, data, **train_config, progress=False)
        seconds = time.perf_counter() - start
        return seconds, accuracy(net, data["X_test"], data["y_test"])

    def run_sklearn():
        mlp = MLPClassifier(hidden_layer_sizes=(100,), random_state=0)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a ConvergenceWarning would only say it hit max_iter
            mlp.fit(data["X_train"], data["y_train"])
        seconds = time.perf_counter() - start
        return seconds, mlp.score(data["X_test"], data["y_test"]), mlp.n_iter_

    limits = threadpool_limits(limits=args.blas_threads) if args.blas_threads else None
    blas = [f"{i['internal_api']} {i['num_threads']} thread(s)" for i in threadpool_info()]
    print(f"numpy {np.__version__}, scikit-learn {sklearn_version}, {os.cpu_count()} CPUs, "
          f"BLAS: {', '.join(blas)}, load average {os.getloadavg()[0]:.1f}")
    print(f"split: {len(data['y_train'])} train / {len(data['y_val'])} validation / "
          f"{len(data['y_test'])} test; {args.repeats} timed runs of each, medians")
    print(f"reference: TwoLayerNet({net_config}), train({ {k: getattr(v, '__name__', v) for k, v in train_config.items()} })")

    run_ours()  # warm-up: imports and first-call costs are not training time
    run_sklearn()
    ours, theirs = [], []
    for _ in range(args.repeats):
        ours.append(run_ours())
        theirs.append(run_sklearn())
    if limits is not None:
        limits.restore_original_limits()

    our_time = statistics.median(s for s, _ in ours)
    their_time = statistics.median(s for s, _, _ in theirs)
    our_acc, their_acc, epochs = ours[-1][1], theirs[-1][1], theirs[-1][2]
    speedup = their_time / our_time
    print()
    print(f"{'':<26}{'test accuracy':>14}{'training time':>15}")
    print(f"{'TwoLayerNet (reference)':<26}{our_acc:>14.4f}{our_time:>13.3f} s")
    print(f"{'MLPClassifier((100,))':<26}{their_acc:>14.4f}{their_time:>13.3f} s   ({epochs} epochs)")
    print(f"accuracy ratio (reference / sklearn): {our_acc / their_acc:.4f}")
    print(f"speed: the reference trains {speedup:.2f}x as fast as MLPClassifier "
          f"(time ratio {our_time / their_time:.3f})")
    print(f"all times (s): reference {[round(s, 3) for s, _ in ours]}, "
          f"sklearn {[round(s, 3) for s, _, _ in theirs]}")
    ok_acc, ok_speed = our_acc >= GOAL_ACCURACY, speedup >= GOAL_SPEEDUP
    print(f"goal test accuracy >= {GOAL_ACCURACY:.1%}: {'met' if ok_acc else 'NOT met'}; "
          f"goal >= {GOAL_SPEEDUP:.0f}x faster: {'met' if ok_speed else 'NOT met'}")
    return 0 if ok_acc and ok_speed else 1


if __name__ == "__main__":
    sys.exit(main())
