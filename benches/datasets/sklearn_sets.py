"""Writes three small data sets that ship inside scikit-learn (no network) in
the layouts `mlp --data` takes, for trying `mlp` on data other than MNIST:

- wine.csv: 178 wines, 13 chemical measures of very different scales, the
  cultivar (0, 1, 2) in the column `target` (UCI Wine);
- breast_cancer.csv: 569 tumours, 30 features, `target` malignant or benign as words;
- digits.npz: 1,797 8x8 digit images (values 0-16, float64), Keras' layout
  with a seeded quarter held out as the test set.

    python3 benches/datasets/sklearn_sets.py --out DIR
"""

import argparse
import pathlib

import numpy as np
from sklearn import datasets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, required=True)
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)

    wine = datasets.load_wine(as_frame=True).frame
    wine.to_csv(out / "wine.csv", index=False)

    cancer = datasets.load_breast_cancer(as_frame=True)
    frame = cancer.frame.copy()
    frame["target"] = [cancer.target_names[t] for t in cancer.target]
    frame.to_csv(out / "breast_cancer.csv", index=False)

    digits = datasets.load_digits()
    order = np.random.default_rng(0).permutation(len(digits.target))
    test, train = order[: len(order) // 4], order[len(order) // 4 :]
    images = digits.images.astype(np.float64)
    np.savez(
        out / "digits.npz",
        x_train=images[train],
        y_train=digits.target[train].astype(np.int64),
        x_test=images[test],
        y_test=digits.target[test].astype(np.int64),
    )
    for name in ["wine.csv", "breast_cancer.csv", "digits.npz"]:
        print(out / name)


if __name__ == "__main__":
    main()
