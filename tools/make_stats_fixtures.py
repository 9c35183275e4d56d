#!/usr/bin/env python3
"""Write reference values for canary/risk/paired.hpp, calibration.hpp and logistic_regression.hpp
to tests/fixtures/stats/*.json.

Needs scipy, scikit-learn and arch from PyPI (Debian 12 has no arch package), e.g.
    python3 -m venv /tmp/statsvenv && /tmp/statsvenv/bin/pip install scipy scikit-learn arch
    /tmp/statsvenv/bin/python tools/make_stats_fixtures.py
The committed fixtures were written with the versions recorded in each file's "versions" entry
(scikit-learn 1.9.1, scipy 1.17.1, numpy 2.4.6, arch 8.0.0, Python 3.11). The C++ tests read only the JSON, so CI needs
no Python.

Each reference comes from an implementation that does not share code or algorithm with ours:
  delong.json          AUROC by sklearn.metrics.roc_auc_score; DeLong's variances by the direct
                       O(m n) structural components (DeLong et al. 1988), not by midranks.
  politis_white.json   arch.bootstrap.optimal_block_length ('stationary' and 'circular' columns).
  calibration.json     Platt: scipy.optimize.minimize (trust-exact) of the smoothed-target
                       cross-entropy, polished by scipy.optimize.root on its gradient; isotonic: sklearn.isotonic.IsotonicRegression(
                       out_of_bounds='clip'); reliability bins and ECE: a direct numpy computation.
  logistic_regression.json  sklearn.linear_model.LogisticRegression(C=1/l2, solver='newton-cholesky',
                       tol=1e-14), cross-checked here against lbfgs.
Numbers are written by json (repr, 17 significant digits), so they round-trip exactly.
"""
import json
import os
import sys

import arch
import numpy as np
import scipy
import sklearn
from arch.bootstrap import optimal_block_length
from scipy.optimize import minimize, root
from scipy.stats import norm
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "stats")
VERSIONS = {"numpy": np.__version__, "scipy": scipy.__version__, "scikit-learn": sklearn.__version__,
            "arch": arch.__version__, "python": sys.version.split()[0]}


def floats(values):
    return [float(v) for v in np.asarray(values, dtype=float).ravel()]


def ints(values):
    return [int(v) for v in np.asarray(values).ravel()]


def write(name, payload):
    os.makedirs(OUT, exist_ok=True)
    payload = {"generator": "tools/make_stats_fixtures.py", "versions": VERSIONS, **payload}
    path = os.path.join(OUT, name)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(payload, f, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, path)
    print("wrote", os.path.relpath(path, ROOT))


# ---- DeLong ---------------------------------------------------------------------------------------

def structural_components(scores, labels):
    """V10 for each positive, V01 for each negative, by the O(m n) definition (ties count 1/2)."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    psi = (pos[:, None] > neg[None, :]).astype(float) + 0.5 * (pos[:, None] == neg[None, :])
    return psi.mean(axis=1), psi.mean(axis=0)


def delong_reference(a, b, labels):
    v10a, v01a = structural_components(a, labels)
    v10b, v01b = structural_components(b, labels)
    m, n = len(v10a), len(v01a)
    s10 = np.cov(np.vstack([v10a, v10b]))
    s01 = np.cov(np.vstack([v01a, v01b]))
    s = s10 / m + s01 / n
    auc_a, auc_b = roc_auc_score(labels, a), roc_auc_score(labels, b)
    assert abs(auc_a - v10a.mean()) < 1e-12 and abs(auc_b - v10b.mean()) < 1e-12
    var = s[0, 0] + s[1, 1] - 2 * s[0, 1]
    se = np.sqrt(var)
    z = (auc_a - auc_b) / se
    return {"auc_a": auc_a, "auc_b": auc_b, "variance_a": s[0, 0], "variance_b": s[1, 1], "standard_error": se,
            "z": z, "p_value": 2 * norm.sf(abs(z))}


def delong_cases(rng):
    n = 200
    labels = (rng.random(n) < 0.3).astype(int)
    common = rng.normal(size=n)
    a = 1.2 * labels + common + 0.6 * rng.normal(size=n)
    b = 0.7 * labels + common + 0.8 * rng.normal(size=n)
    yield "correlated_200", a, b, labels
    # Rounded scores: many ties within and across classes.
    n = 60
    labels = rng.integers(0, 2, n)
    yield "ties_60", np.round(0.3 * labels + rng.random(n), 1), np.round(0.2 * labels + rng.random(n), 1), labels
    n = 300
    labels = (rng.random(n) < 0.08).astype(int)
    a = 1.0 / (1.0 + np.exp(-(1.5 * labels + rng.normal(size=n) - 2.0)))
    yield "rare_300", a, 0.5 * a + 0.5 * rng.random(n), labels
    yield "small_8", np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9, 0.5, 0.3]), \
        np.array([0.2, 0.3, 0.5, 0.6, 0.1, 0.7, 0.4, 0.6]), np.array([0, 0, 1, 1, 0, 1, 1, 0])


def make_delong(rng):
    cases = []
    for name, a, b, labels in delong_cases(rng):
        cases.append({"name": name, "scores_a": floats(a), "scores_b": floats(b), "labels": ints(labels),
                      **{k: float(v) for k, v in delong_reference(a, b, labels).items()}})
    write("delong.json", {"cases": cases})


# ---- Politis-White ----------------------------------------------------------------------------------

def ar1(rng, n, phi):
    x = np.zeros(n)
    e = rng.normal(size=n)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    return x


def make_politis_white(rng):
    series = {
        "white_noise_300": rng.normal(size=300),
        "ar1_0.5_500": ar1(rng, 500, 0.5),
        "ar1_0.9_1000": ar1(rng, 1000, 0.9),
        "ma2_200": np.convolve(rng.normal(size=202), [1.0, 0.8, 0.5], mode="valid"),
        # A persistent 0/1 series like a crisis label: runs of mean length about 20.
        "label_runs_400": (ar1(rng, 400, 0.95) > 1.0).astype(float),
        "negative_ar1_-0.6_250": ar1(rng, 250, -0.6),
    }
    cases = []
    for name, x in series.items():
        table = optimal_block_length(x)
        cases.append({"name": name, "series": floats(x), "stationary": float(table["stationary"].iloc[0]),
                      "circular": float(table["circular"].iloc[0])})
    write("politis_white.json", {"cases": cases})


# ---- calibration ------------------------------------------------------------------------------------

CLIP = 1e-12


def platt_reference(p, labels):
    f = np.log(np.clip(p, CLIP, 1 - CLIP)) - np.log1p(-np.clip(p, CLIP, 1 - CLIP))
    npos = labels.sum()
    nneg = len(labels) - npos
    t = np.where(labels == 1, (npos + 1.0) / (npos + 2.0), 1.0 / (nneg + 2.0))

    def objective(theta):
        z = theta[0] * f + theta[1]
        return np.sum(np.logaddexp(0.0, z) - t * z)

    def gradient(theta):
        r = 1.0 / (1.0 + np.exp(-(theta[0] * f + theta[1]))) - t
        return np.array([np.sum(r * f), np.sum(r)])

    def hessian(theta):
        q = 1.0 / (1.0 + np.exp(-(theta[0] * f + theta[1])))
        w = q * (1 - q)
        return np.array([[np.sum(w * f * f), np.sum(w * f)], [np.sum(w * f), np.sum(w)]])

    result = minimize(objective, np.array([1.0, 0.0]), jac=gradient, hess=hessian, method="trust-exact",
                      options={"gtol": 1e-12})
    # trust-exact can stop a little early (clipped logits of exact 0 and 1 are far out); solve the
    # stationarity condition from its answer to full precision.
    solution = root(gradient, result.x, jac=hessian, tol=1e-15)
    assert np.max(np.abs(gradient(solution.x))) < 1e-10 * len(p), solution
    return solution.x


def make_calibration(rng):
    platt = []
    n = 300
    labels = (rng.random(n) < 0.2).astype(int)
    # An over-confident model: true log-odds scaled by 2.5 and shifted.
    logit = 2.5 * (1.2 * labels + rng.normal(size=n) - 1.5) + 0.5
    p = 1.0 / (1.0 + np.exp(-logit))
    platt.append(("overconfident_300", p, labels))
    n = 80
    labels = rng.integers(0, 2, n)
    p = np.clip(np.round(0.5 * labels + 0.5 * rng.random(n), 2), 0, 1)
    p[:3] = [0.0, 1.0, 0.0]  # exact 0 and 1 exercise the clip
    platt.append(("ties_and_extremes_80", p, labels))
    labels = np.array([0, 0, 0, 1, 1, 1])
    platt.append(("separable_6", np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.9]), labels))
    query = np.array([0.0, 1e-6, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999, 1.0])
    platt_cases = []
    for name, p, labels in platt:
        slope, intercept = platt_reference(p, labels)
        fq = np.log(np.clip(query, CLIP, 1 - CLIP)) - np.log1p(-np.clip(query, CLIP, 1 - CLIP))
        platt_cases.append({"name": name, "probabilities": floats(p), "labels": ints(labels), "slope": float(slope),
                            "intercept": float(intercept), "query": floats(query),
                            "calibrated": floats(1.0 / (1.0 + np.exp(-(slope * fq + intercept))))})

    isotonic_cases = []
    n = 150
    labels = (rng.random(n) < 0.35).astype(int)
    scores = 0.8 * labels + rng.normal(size=n)
    isotonic_cases.append(("distinct_150", scores, labels))
    n = 120
    labels = rng.integers(0, 2, n)
    isotonic_cases.append(("ties_120", np.round(0.3 * labels + rng.random(n), 1), labels))
    isotonic_cases.append(("decreasing_10", np.arange(10.0), np.array([1, 1, 1, 0, 1, 0, 0, 0, 0, 1])))
    iso_out = []
    for name, scores, labels in isotonic_cases:
        model = IsotonicRegression(out_of_bounds="clip").fit(scores, labels)
        query = np.concatenate([[scores.min() - 1.0, scores.max() + 1.0], np.linspace(scores.min(), scores.max(), 23),
                                scores[:10]])
        iso_out.append({"name": name, "scores": floats(scores), "labels": ints(labels),
                        "x": floats(model.X_thresholds_), "y": floats(model.y_thresholds_),
                        "query": floats(query), "calibrated": floats(model.predict(query))})

    ece_cases = []
    n = 400
    labels = (rng.random(n) < 0.3).astype(int)
    p = np.clip(0.3 + 0.25 * (labels - 0.3) + 0.2 * rng.normal(size=n), 0, 1)
    p[:8] = [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0, 0.2]  # values on bin edges
    for bins in (10, 7, 1):
        edges = np.arange(bins + 1) / bins
        which = np.searchsorted(edges[1:-1], p, side="right")
        counts = np.bincount(which, minlength=bins)
        mean_predicted = [p[which == k].mean() if counts[k] else float("nan") for k in range(bins)]
        observed = [labels[which == k].mean() if counts[k] else float("nan") for k in range(bins)]
        ece = sum(counts[k] / n * abs(observed[k] - mean_predicted[k]) for k in range(bins) if counts[k])
        ece_cases.append({"name": f"mixed_400_bins_{bins}", "probabilities": floats(p), "labels": ints(labels),
                          "bins": bins, "counts": ints(counts),
                          "mean_predicted": [None if np.isnan(v) else float(v) for v in mean_predicted],
                          "observed_rate": [None if np.isnan(v) else float(v) for v in observed], "ece": float(ece)})
    write("calibration.json", {"platt": platt_cases, "isotonic": iso_out, "ece": ece_cases})


# ---- logistic regression ---------------------------------------------------------------------------

def sklearn_fit(x, y, l2, weights, solver, tol, max_iter):
    c = np.inf if l2 == 0 else 1.0 / l2
    model = LogisticRegression(C=c, solver=solver, tol=tol, max_iter=max_iter)
    model.fit(x, y, sample_weight=weights)
    return model.coef_.ravel(), float(model.intercept_[0])


def make_logistic(rng):
    cases = []
    n, p = 200, 3
    x = rng.normal(size=(n, p))
    y = (rng.random(n) < 1 / (1 + np.exp(-(x @ np.array([1.0, -0.5, 0.2]) - 0.7)))).astype(int)
    cases.append(("gaussian_200x3_l2_1", x, y, 1.0, None))
    cases.append(("gaussian_200x3_l2_0", x, y, 0.0, None))
    cases.append(("gaussian_200x3_l2_25", x, y, 25.0, None))
    weights = rng.uniform(0.5, 2.0, n)
    weights[:10] = 0.0
    cases.append(("weighted_200x3_l2_0.5", x, y, 0.5, weights))
    # Integer features with many duplicate rows (ties), unequal scales.
    n = 150
    x = np.column_stack([rng.integers(0, 4, n), 10.0 * rng.integers(0, 3, n)]).astype(float)
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.6 * x[:, 0] - 0.05 * x[:, 1] - 0.5)))).astype(int)
    cases.append(("integer_ties_150x2_l2_1", x, y, 1.0, None))
    # Nearly separable rare events.
    n = 300
    x = rng.normal(size=(n, 4))
    y = (x[:, 0] + 0.3 * rng.normal(size=n) > 1.6).astype(int)
    cases.append(("rare_300x4_l2_0.1", x, y, 0.1, None))
    out = []
    for name, x, y, l2, w in cases:
        coef, intercept = sklearn_fit(x, y, l2, w, "newton-cholesky", 1e-14, 1000)
        coef_lbfgs, intercept_lbfgs = sklearn_fit(x, y, l2, w, "lbfgs", 1e-12, 100000)
        scale = 1 + np.max(np.abs(coef))
        assert np.max(np.abs(coef - coef_lbfgs)) < 1e-4 * scale and abs(intercept - intercept_lbfgs) < 1e-4 * scale, name
        case = {"name": name, "n": int(x.shape[0]), "p": int(x.shape[1]), "x": floats(x), "labels": ints(y), "l2": l2,
                "coefficients": floats(coef), "intercept": intercept,
                "probabilities": floats(1 / (1 + np.exp(-(x @ coef + intercept))))}
        if w is not None:
            case["sample_weight"] = floats(w)
        out.append(case)
    write("logistic_regression.json", {"cases": out})


def main():
    rng = np.random.default_rng(20240607)
    make_delong(rng)
    make_politis_white(rng)
    make_calibration(rng)
    make_logistic(rng)


if __name__ == "__main__":
    main()
