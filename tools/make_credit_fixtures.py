#!/usr/bin/env python3
"""Reference numbers for canary's credit layer (tests/credit/reference_test.cpp).

Writes tests/fixtures/credit/german_reference.json from the embedded German Credit data
(data/scorecardpy_germancredit.csv), with training rows = the first 700 records and test rows
= the last 300:

  - WoE, bin IV and total IV for given breaks (numeric cuts, groups of categories), from
    scorecardpy.woebin(breaks_list=...) -- canary's numeric_binning_with_cuts and
    categorical_binning_with_groups must give the same counts, WoE and IV;
  - PSI of each of those attributes between training and test rows over the same bins
    (sum (a - e) ln(a / e), computed here with numpy);
  - AUROC (sklearn.metrics.roc_auc_score), Gini = 2 AUROC - 1, KS = max(tpr - fpr) over
    sklearn.metrics.roc_curve, for a fixed score with ties (scorecardpy.perf_eva rounds to 4 digits
    and reads a score as "higher = better", so it is not used here);
  - one-hot + standardised matrix: sklearn OneHotEncoder(handle_unknown='ignore') and
    StandardScaler fitted on the training rows without the purpose level 'retraining', applied to
    selected test rows (some with 'retraining': all-zero purpose columns).

Run (versions used for the committed file: scorecardpy 0.1.9.7, pandas 2.1.4, numpy 1.26.4,
scikit-learn 1.4.2; scorecardpy 0.1.9.7 does not run on pandas >= 3):
  python3 -m venv /tmp/venv && /tmp/venv/bin/pip install scorecardpy==0.1.9.7 pandas==2.1.4 \
      numpy==1.26.4 scikit-learn==1.4.2
  /tmp/venv/bin/python tools/make_credit_fixtures.py
"""
import json
import os
import warnings

import numpy as np
import pandas as pd
import scorecardpy as sc
import sklearn
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.preprocessing import OneHotEncoder, StandardScaler

warnings.filterwarnings("ignore")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
df = pd.read_csv(os.path.join(ROOT, "data", "scorecardpy_germancredit.csv"))
y = (df["creditability"] == "bad").astype(int).to_numpy()
train, test = df.iloc[:700].copy(), df.iloc[700:].copy()

NUMERIC_CUTS = {
    "duration_in_month": [12, 24, 36],
    "credit_amount": [2000, 4000, 7000],
    "age_in_years": [26, 35, 45],
}
CATEGORY_GROUPS = {
    "purpose": [["retraining", "education"], ["car (new)"], ["car (used)"], ["radio/television"],
                ["furniture/equipment", "business", "others", "repairs", "domestic appliances"]],
    "status_of_existing_checking_account": [[v] for v in sorted(df["status_of_existing_checking_account"].unique())],
    "savings_account_and_bonds": [[v] for v in sorted(df["savings_account_and_bonds"].unique())],
}
breaks = dict(NUMERIC_CUTS)
breaks.update({k: ["%,%".join(g) for g in v] for k, v in CATEGORY_GROUPS.items()})
bins = sc.woebin(train, y="creditability", x=list(breaks), breaks_list=breaks, positive="bad|1", print_info=False)

def bin_index(name, values):
    if name in NUMERIC_CUTS:
        return np.searchsorted(NUMERIC_CUTS[name], values, side="right")  # [a, b) bins
    lookup = {c: k for k, g in enumerate(CATEGORY_GROUPS[name]) for c in g}
    return np.array([lookup[v] for v in values])

attributes = []
for name in breaks:
    b = bins[name]
    nb = len(b)
    e = np.bincount(bin_index(name, train[name].to_numpy()), minlength=nb) / len(train)
    a = np.bincount(bin_index(name, test[name].to_numpy()), minlength=nb) / len(test)
    attributes.append({
        "name": name,
        "kind": "numeric" if name in NUMERIC_CUTS else "categorical",
        "cuts": NUMERIC_CUTS.get(name, []),
        "groups": CATEGORY_GROUPS.get(name, []),
        "good": b["good"].astype(float).tolist(),
        "bad": b["bad"].astype(float).tolist(),
        "woe": b["woe"].astype(float).tolist(),
        "bin_iv": b["bin_iv"].astype(float).tolist(),
        "total_iv": float(b["total_iv"].iloc[0]),
        "psi_train_test": float(np.sum((a - e) * np.log(a / e))),
    })

score = (df["duration_in_month"] / 12.0 + df["credit_amount"] / 5000.0 - df["age_in_years"] / 30.0).round(1).to_numpy()
fpr, tpr, _ = roc_curve(y, score)
auc = roc_auc_score(y, score)
ranking = {
    "score_formula": "round(duration_in_month / 12 + credit_amount / 5000 - age_in_years / 30, 1)",
    "score": score.tolist(), "auroc": float(auc), "gini": float(2 * auc - 1), "ks": float(np.max(tpr - fpr)),
}

categorical = [c for c in df.columns if df[c].dtype == object and c != "creditability"]
numeric = [c for c in df.columns if df[c].dtype != object]
fit_rows = train[train["purpose"] != "retraining"]
ohe = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(fit_rows[categorical])
scaler = StandardScaler().fit(fit_rows[numeric])
retraining = [i for i in range(700, 1000) if df.at[i, "purpose"] == "retraining"]
rows = sorted(set(list(range(700, 730)) + retraining[:3]))
sel = df.iloc[rows]
onehot_names = [c + "=" + str(level) for c, levels in zip(categorical, ohe.categories_) for level in levels]
matrix = np.hstack([ohe.transform(sel[categorical]), scaler.transform(sel[numeric])])
encoding = {
    "fit_rows": [int(i) for i in fit_rows.index], "rows": rows,
    "columns": onehot_names + numeric, "values": matrix.tolist(),
    "retraining_rows": retraining[:3],
}

out = {
    "generator": "tools/make_credit_fixtures.py",
    "versions": {"scorecardpy": "0.1.9.7", "pandas": pd.__version__, "numpy": np.__version__,
                 "scikit-learn": sklearn.__version__},
    "train_rows": "0..699", "test_rows": "700..999",
    "attributes": attributes, "ranking": ranking, "one_hot": encoding,
}
path = os.path.join(ROOT, "tests", "fixtures", "credit", "german_reference.json")
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path + ".tmp", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
os.replace(path + ".tmp", path)
print("wrote", path)
