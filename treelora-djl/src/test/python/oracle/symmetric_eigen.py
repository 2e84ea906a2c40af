"""Rank-deficient covariances like InfLoRA's, with numpy.linalg.eigh's decomposition, for SymmetricEigenOracleTest.

Run by the Java tests through PythonOracle (never at run time of the library):

    .venv-oracle/bin/python treelora-djl/src/test/python/oracle/symmetric_eigen.py OUT_DIR

Writes OUT_DIR/eigen.safetensors (float64) with, for every case,
  <case>.matrix   [n, n]  the symmetric positive semi-definite matrix
  <case>.values   [n]     numpy's eigenvalues, largest first
  <case>.vectors  [n, n]  row k is numpy's unit eigenvector of values[k] (numpy's sign)
and in the metadata: "cases", the case names, comma-separated, and "ranks", each case's rank (its number of
samples), in the same order.

Cases: X^T X of fewer samples than dimensions (n = 256 and 688, a small decoder's hidden and MLP widths), with
correlated, decaying features and a non-zero mean like real activations; and the same matrix projected away from
an orthonormal basis, (I - M M^T) C (I - M M^T), as InfLoRA decomposes it from the second task on.
"""
import os
import sys

import numpy as np
from safetensors.numpy import save_file


def covariance(rng, n, samples):
    scales = 0.98 ** np.arange(n)
    mix = rng.standard_normal((n, n)) / np.sqrt(n)
    x = (rng.standard_normal((samples, n)) * scales) @ mix + 0.3
    return x.T @ x


def projected(rng, c, basis_size):
    n = c.shape[0]
    m, _ = np.linalg.qr(rng.standard_normal((n, basis_size)))
    p = np.eye(n) - m @ m.T
    return p @ c @ p


def main(out):
    rng = np.random.default_rng(2024)
    cases = {
        "cov256": covariance(rng, 256, 100),
        "cov688": covariance(rng, 688, 300),
    }
    cases["projected256"] = projected(rng, covariance(rng, 256, 120), 40)
    ranks = [100, 300, 120]
    tensors = {}
    for name, a in cases.items():
        a = 0.5 * (a + a.T)
        values, vectors = np.linalg.eigh(a)
        order = np.argsort(-values, kind="stable")
        tensors[name + ".matrix"] = np.ascontiguousarray(a)
        tensors[name + ".values"] = np.ascontiguousarray(values[order])
        tensors[name + ".vectors"] = np.ascontiguousarray(vectors[:, order].T)
    os.makedirs(out, exist_ok=True)
    save_file(tensors, os.path.join(out, "eigen.safetensors"),
              metadata={"cases": ",".join(cases), "ranks": ",".join(map(str, ranks)),
                        "numpy": np.__version__})


if __name__ == "__main__":
    main(sys.argv[1])
