#!/usr/bin/env python3
"""Tables of docs/paper-2512.17185.md and docs/paper-2502.06847.md from a `canary-risk study` output folder.

usage: tools/study/paper_tables.py OUT_DIR 2512|2502

Reads OUT_DIR/study.csv and OUT_DIR/predictions.csv (standard library only) and prints Markdown: our measured rows
beside the papers' printed numbers (the numbers below are copied from the papers as printed; they are not ours).
Accuracy is recomputed from the per-day alarms in predictions.csv (alarm == label).
"""
import collections
import csv
import sys

PAPER_2512 = {  # (crisis, model): AUROC, precision, recall, accuracy -- arXiv 2512.17185, Table 2
    ("Dot-com", "logistic"): ("0.463", "0.592", "0.438", "0.470"),
    ("Dot-com", "random_forest"): ("0.291", "0.601", "0.948", "0.581"),
    ("Dot-com", "srr_snapshot_gnn"): ("0.412", "0.613", "1.000", "0.613"),
    ("Dot-com", "srr_temporal_gnn"): ("0.589", "0.607", "1.000", "0.607"),
    ("GFC", "logistic"): ("0.738", "0.824", "0.977", "0.808"),
    ("GFC", "random_forest"): ("0.529", "0.827", "1.000", "0.827"),
    ("GFC", "srr_snapshot_gnn"): ("0.248", "0.823", "1.000", "0.823"),
    ("GFC", "srr_temporal_gnn"): ("0.232", "0.820", "1.000", "0.820"),
    ("COVID-19", "logistic"): ("—", "1.000", "0.823", "0.823"),
    ("COVID-19", "random_forest"): ("—", "1.000", "0.967", "0.967"),
    ("COVID-19", "srr_snapshot_gnn"): ("0.000", "1.000", "1.000", "1.000"),
    ("COVID-19", "srr_temporal_gnn"): ("0.000", "1.000", "1.000", "1.000"),
}
PAPER_2502 = {  # model: label, accuracy, recall, F1 -- arXiv 2502.06847, Table 1
    "bilstm_classifier": ("BiLSTM", "0.84", "0.82", "0.83"),
    "cnn_classifier": ("CNN", "0.81", "0.79", "0.80"),
    "transformer_classifier": ("Transformer", "0.86", "0.85", "0.85"),
    "tcn_classifier": ("TCN", "0.85", "0.83", "0.84"),
    "cnn_bilstm_attention": ("CNN+BiLSTM (the paper's model)", "0.89", "0.87", "0.88"),
}
CRISES = ["Dot-com", "GFC", "COVID-19"]


def f(x, d=3):
    return "—" if x == "" else f"{float(x):.{d}f}"


def main(out_dir, paper):
    rows = list(csv.DictReader(open(f"{out_dir}/study.csv")))
    accuracy = collections.defaultdict(lambda: [0, 0])
    for p in csv.DictReader(open(f"{out_dir}/predictions.csv")):
        for key in ((p["signal"], p["fold"]), (p["signal"], "pooled")):
            accuracy[key][0] += p["alarm"] == p["label"]
            accuracy[key][1] += 1

    def get(signal, episode):
        return next(r for r in rows if r["signal"] == signal and r["episode"] == episode)

    def acc(signal, episode):
        a = accuracy[(signal, episode)]
        return f"{a[0] / a[1]:.3f}"

    def delta(r):
        if r["delta_auroc_vs_logistic"] == "":
            return "—"
        return f"{f(r['delta_auroc_vs_logistic'])} [{f(r['delta_auroc_lo'])}, {f(r['delta_auroc_hi'])}]"

    if paper == "2512":
        for ep in CRISES + ["pooled"]:
            r0 = get("logistic", ep)
            print(f"\n### {ep} — canary: {r0['test_days']} test days, base rate {f(r0['base_rate'])}\n")
            print("| source | model | AUROC | precision | recall | accuracy | AP | Brier (cal.) | Δ AUROC vs logistic [95%] "
                  "| p | warned | lead (days) | false alarms / yr |")
            print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
            for sig, label in [("logistic", "logistic regression"), ("random_forest", "random forest"),
                               ("srr_snapshot_gnn", "snapshot GNN"), ("srr_temporal_gnn", "temporal GNN")]:
                if ep != "pooled":
                    pp = PAPER_2512[(ep, sig)]
                    print(f"| paper | {label} | {pp[0]} | {pp[1]} | {pp[2]} | {pp[3]} | | | | | | | |")
                r = get(sig, ep)
                print(f"| canary | {label} | {f(r['auroc_mean'])} ± {f(r['auroc_sd'])} | {f(r['precision'])} | "
                      f"{f(r['recall'])} | {acc(sig, ep)} | {f(r['ap_mean'])} | {f(r['brier_calibrated'])} | {delta(r)} | "
                      f"{f(r['p_value_vs_logistic'])} | {r['warned']}/{r['crises']} | {f(r['lead_days'], 0)} | "
                      f"{f(r['false_alarms_per_year'], 2)} |")
            indicators = [r for r in rows if r["episode"] == ep and r["kind"] == "indicator" and r["auroc_mean"]]
            extra = [(s, s) for s in ("base-rate", "always-positive")]
            if indicators:
                best = max(indicators, key=lambda r: float(r["auroc_mean"]))
                extra.append((best["signal"], f"best indicator on this test ({best['signal']}; chosen here, after the fact)"))
            for sig, label in extra:
                r = get(sig, ep)
                print(f"| canary | {label} | {f(r['auroc_mean'])} | {f(r['precision'])} | {f(r['recall'])} | {acc(sig, ep)} | "
                      f"{f(r['ap_mean'])} | — | {delta(r)} | {f(r['p_value_vs_logistic'])} | {r['warned']}/{r['crises']} | "
                      f"{f(r['lead_days'], 0)} | {f(r['false_alarms_per_year'], 2)} |")
    else:
        print("| model | paper: accuracy | recall | F1 | canary pooled: accuracy | recall | F1 | AUROC mean ± sd | AP | "
              "Δ AUROC vs logistic [95%] | p | crises warned | AUROC per crisis (Dot-com / GFC / COVID-19) |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        signals = list(PAPER_2502) + ["logistic", "mlp", "base-rate", "always-positive"]
        for sig in signals:
            label, pa, pr, pf = PAPER_2502.get(sig, (f"{sig} (not in the paper)", "—", "—", "—"))
            r = get(sig, "pooled")
            per = " / ".join(f(get(sig, e)["auroc_mean"]) for e in CRISES)
            print(f"| {label} | {pa} | {pr} | {pf} | {acc(sig, 'pooled')} | {f(r['recall'])} | {f(r['f1'])} | "
                  f"{f(r['auroc_mean'])} ± {f(r['auroc_sd'])} | {f(r['ap_mean'])} | {delta(r)} | "
                  f"{f(r['p_value_vs_logistic'])} | {r['warned']}/{r['crises']} | {per} |")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in ("2512", "2502"):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
