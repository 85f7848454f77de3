"""Benchmark: assignment 06's convolution with loops against the same convolution by im2col.

Forward and backward of one convolutional layer (16 filters of 3 x 3, stride 1, pad 1) on a
batch of digits (1 x 8 x 8), each way: conv_forward_naive + conv_backward_naive against
conv_forward_im2col + conv_backward_im2col, both the notebook's own reference cells. Prints the
best of several timings of each and their ratio, for a few batch sizes.

Run from the repository root:

    .venv/bin/python bench/im2col_speedup.py                 # batches of 50, 100 and 200
    .venv/bin/python bench/im2col_speedup.py --batch 100     # one batch size

Goal: im2col at least 20 times faster on a batch of 100. BLAS is pinned to one thread: the
matrices are small, and on a busy machine several threads make them slower, not faster.
"""

import argparse
import time

from notebook_cells import namespace

CELLS = ["imports", "load_data", "conv_forward_naive", "conv_backward_naive", "im2col", "col2im",
         "conv_forward_im2col", "conv_stages", "conv_backward_staged"]
GOAL = 20.0


def best_of(fn, repeats):
    """The shortest wall-clock time of `repeats` calls of fn(), in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, nargs="*", default=[50, 100, 200], help="batch sizes")
    parser.add_argument("--repeats", type=int, default=3, help="timings of the loops (im2col: 10x as many)")
    args = parser.parse_args()

    import numpy as np
    from threadpoolctl import threadpool_limits

    ns = namespace("06_convolution", CELLS)
    rng = np.random.default_rng(0)
    w, b = rng.standard_normal((16, 1, 3, 3)), rng.standard_normal(16)
    param = {"stride": 1, "pad": 1}
    ratios = {}
    print(f"{'batch':>5}  {'loops ms':>9}  {'im2col ms':>9}  {'speed-up':>8}")
    with threadpool_limits(limits=1, user_api="blas"):
        for n in args.batch:
            x = ns["data"]["X_train"][:n]

            def loops():
                out, cache = ns["conv_forward_naive"](x, w, b, param)
                ns["conv_backward_naive"](np.ones_like(out), cache)

            def staged():
                out, cache = ns["conv_forward_im2col"](x, w, b, param)
                ns["conv_backward_im2col"](np.ones_like(out), cache)

            slow, fast = best_of(loops, args.repeats), best_of(staged, 10 * args.repeats)
            ratios[n] = slow / fast
            print(f"{n:5d}  {slow * 1e3:9.1f}  {fast * 1e3:9.2f}  {ratios[n]:7.0f}x")
    target = 100 if 100 in ratios else max(ratios)
    verdict = "met" if ratios[target] >= GOAL else "NOT met"
    print(f"goal: im2col at least {GOAL:.0f}x faster on a batch of {target}: {verdict} ({ratios[target]:.0f}x)")
    return 0 if ratios[target] >= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
