"""Benchmark: assignment 06's ThreeLayerConvNet against assignment 04's two-layer network.

Both train on the same split (course.data.load_digits_split(), seed 0: 1077 train, 270
validation, 450 test) with the hyperparameters of their notebooks (04's `net_config` and
`train_config` cells, 06's `convnet_config` cell), each with 04's `train`, over 5 seeds (the seed
of the initial weights and of the shuffling). The script prints the test accuracy of every run,
the mean and spread of each model, and the mean training time.

The reference solutions are not copied here: the notebooks' own cells are executed
(bench/notebook_cells.py).

Run from the repository root:

    .venv/bin/python bench/cnn_vs_mlp.py              # 5 seeds
    .venv/bin/python bench/cnn_vs_mlp.py --seeds 3

Goal: the convolutional network's mean test accuracy above the two-layer network's. BLAS is
pinned to one thread for both: the matrices are small, and on a busy machine several threads
make them many times slower.
"""

import argparse
import statistics
import time

from notebook_cells import namespace

MLP_CELLS = ["imports", "two_layer_net", "sgd", "sgd_momentum", "adam", "accuracy", "train", "train_config"]
CNN_CELLS = ["imports", "load_data", "im2col", "col2im", "conv_forward_im2col", "conv_stages",
             "conv_backward_staged", "max_pool_forward_naive", "max_pool_backward_naive",
             "three_layer_convnet", "convnet_config"]


def run(model_class, model_config, train, train_config, data, accuracy, seed):
    """(test accuracy, training seconds) of one model trained with one seed."""
    model = model_class(**{**model_config, "seed": seed})
    start = time.perf_counter()
    train(model, data, **{**train_config, "seed": seed}, progress=False)
    seconds = time.perf_counter() - start
    return accuracy(model, data["X_test"], data["y_test"]), seconds


def summary(name, results):
    accs = [a for a, _ in results]
    spread = statistics.stdev(accs) if len(accs) > 1 else 0.0
    print(f"{name:22s} test accuracy {statistics.mean(accs):.4f} +- {spread:.4f} "
          f"(min {min(accs):.4f}, max {max(accs):.4f}), training {statistics.mean(s for _, s in results):.2f} s")
    return statistics.mean(accs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0 .. N-1 (default 5)")
    args = parser.parse_args()

    from threadpoolctl import threadpool_limits

    mlp = namespace("04_digits_mlp", MLP_CELLS)
    cnn = namespace("06_convolution", CNN_CELLS)
    flat = mlp["load_digits_split"]()
    images = cnn["data"]
    results = {"TwoLayerNet (04)": [], "ThreeLayerConvNet (06)": []}
    with threadpool_limits(limits=1, user_api="blas"):
        for seed in range(args.seeds):
            results["TwoLayerNet (04)"].append(run(
                mlp["TwoLayerNet"], mlp["net_config"], mlp["train"], mlp["train_config"], flat,
                mlp["accuracy"], seed))
            results["ThreeLayerConvNet (06)"].append(run(
                cnn["ThreeLayerConvNet"], cnn["convnet_config"], cnn["train"], cnn["convnet_train_config"],
                images, cnn["accuracy"], seed))
            print(f"seed {seed}: " + ", ".join(f"{name} {rows[-1][0]:.4f} in {rows[-1][1]:.2f} s"
                                             for name, rows in results.items()))
    means = {name: summary(name, rows) for name, rows in results.items()}
    wins = means["ThreeLayerConvNet (06)"] > means["TwoLayerNet (04)"]
    print(f"goal: the convolutional network beats the two-layer network on mean test accuracy: "
          f"{'met' if wins else 'NOT met'}")
    return 0 if wins else 1


if __name__ == "__main__":
    raise SystemExit(main())
