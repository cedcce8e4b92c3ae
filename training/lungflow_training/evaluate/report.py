"""report.md from evaluation.json. Every number printed here is read from the evaluation dict, never recomputed."""
from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Sequence

TARGETS = {
    "cxr": [("COVID-19 vs rest F1", ("operating_point", "f1"), 0.97),
            ("COVID-19 vs rest specificity", ("operating_point", "specificity"), 0.993)],
    "ct": [("COVID-19 ROC AUC", ("operating_point", "roc_auc"), 0.97)],
}


def fmt(x: Optional[float], digits: int = 3) -> str:
    return "n/a" if x is None or x != x else f"{x:.{digits}f}"


def fmt_ci(m: Optional[Mapping[str, float]]) -> str:
    if not m or m.get("value") is None or m.get("value") != m.get("value"):
        return "n/a"
    return f"{fmt(m.get('value'))} ({fmt(m.get('ci_low'))}–{fmt(m.get('ci_high'))})"


def table(header: Sequence[str], rows: List[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def target_rows(ev: Mapping[str, object]) -> List[List[str]]:
    rows = []
    test: Dict = ev["test"]  # type: ignore[assignment]
    for name, (group, key), target in TARGETS.get(str(ev["task"]), []):
        m = test[group][key]
        met_point = m["value"] >= target
        met_ci = m["ci_low"] >= target
        verdict = "met (CI lower bound too)" if met_ci else ("point estimate only" if met_point else "not met")
        rows.append([name, f"≥ {target}", fmt_ci(m), verdict])
    return rows


def subgroup_rows(rows: Sequence[Mapping[str, object]], keys: Sequence[str], positive: str) -> List[List[str]]:
    return [[*(str(r[k]) for k in keys), str(r["n_images"]), str(r["n_patients"]), fmt(r["accuracy"]),  # type: ignore
             fmt(r["mean_p_true_class"]), fmt(r[f"{positive}_flag_rate"])] for r in rows]  # type: ignore


def render(ev: Mapping[str, object]) -> str:
    classes: List[str] = ev["classes"]  # type: ignore[assignment]
    positive = str(ev["positive_class"])
    test: Dict = ev["test"]  # type: ignore[assignment]
    op: Dict = ev["operating_point"]  # type: ignore[assignment]
    counts: Dict = ev["counts"]  # type: ignore[assignment]
    figs: Dict[str, str] = ev["figures"]  # type: ignore[assignment]
    audits: Dict = ev["audits"]  # type: ignore[assignment]
    out: List[str] = [f"# Evaluation: {ev['task']} model `{ev['model']['file']}`", "",  # type: ignore[index]
                      f"Model sha256 `{ev['model']['sha256']}`. Split file `{ev['split_file']}`. "  # type: ignore
                      f"Confidence intervals: 95% percentile, {ev['bootstrap']['resamples']} patient-level bootstrap "  # type: ignore
                      f"resamples (seed {ev['bootstrap']['seed']}). Generated from `evaluation.json`.", ""]  # type: ignore
    out += ["## Data evaluated", "", table(["split", "images", "patients", *classes], [
        [s, str(c["images"]), str(c["patients"]), *(str(c["by_label"].get(k, 0)) for k in classes)]
        for s, c in counts.items()]), ""]
    out += ["## Targets (patient-level test split)", "",
            table(["metric", "target", "test (95% CI)", "verdict"], target_rows(ev)), "",
            "Target metrics are taken at the operating point below (the COVID-19 flag the service raises), except ROC "
            "AUC, which needs no threshold.", ""]
    out += ["## Operating point (chosen on validation)", "",
            f"Flag {positive} when P({positive}) ≥ **{fmt(op['threshold'], 4)}**: the highest threshold with "
            f"validation sensitivity ≥ {op['target_sensitivity']} (validation: sensitivity "
            f"{fmt(op['validation_sensitivity'])}, specificity {fmt(op['validation_specificity'])}, "
            f"{op['validation_positives']} positives). On test:", ""]
    tp = test["operating_point"]
    out += [table(["sensitivity", "specificity", "PPV", "NPV", "F1", "ROC AUC"],
                  [[fmt_ci(tp[k]) for k in ("sensitivity", "specificity", "ppv", "npv", "f1", "roc_auc")]]), "",
            "Counts: " + ", ".join(f"{k.upper()} {v}" for k, v in tp["counts"].items()) + ".", "",
            "PPV at other prevalences (from test sensitivity/specificity, CI through the bootstrap): " +
            "; ".join(f"{float(p):.0%}: {fmt_ci(v)}" for p, v in tp["ppv_at_prevalence"].items()) + ".", ""]
    out += ["## Per class (one vs rest, argmax decision)", "", table(
        ["class", "sensitivity", "specificity", "PPV", "NPV", "F1", "ROC AUC"],
        [[c, *(fmt_ci(test["per_class"][c][k]) for k in ("sensitivity", "specificity", "ppv", "npv", "f1", "roc_auc"))]
         for c in classes]), "",
        f"Accuracy {fmt_ci(test['overall']['accuracy'])}, macro F1 {fmt_ci(test['overall']['macro_f1'])}.", "",
        f"![ROC]({figs['roc']})  ![confusion matrix]({figs['confusion']})", ""]
    cal: Dict = ev["calibration"]  # type: ignore[assignment]
    out += ["## Calibration", "",
            f"Temperature-scaled probabilities from the ONNX graph. Test ECE ({cal['test']['n_bins']} bins, top "
            f"label) {fmt_ci(test['overall']['ece'])}; validation ECE {fmt(cal['validation_ece'])}. ECE is biased "
            "upwards in small samples, so its bootstrap interval lies mostly above the point estimate.", "",
            f"![reliability]({figs['reliability']})", ""]
    out += ["## Shortcut audits", "", "### (a) Linear probe for the data source on pooled features", "",
            audits["source_probe"]["method"], ""]
    probe_rows = []
    for name, p in audits["source_probe"]["probes"].items():
        if "skipped" in p:
            probe_rows.append([name, "—", "—", "—", f"skipped: {p['skipped']}"])
        else:
            probe_rows.append([name, ", ".join(p["sources"]), str(p["n_patients"]), fmt_ci(p["balanced_accuracy"]),
                               fmt(p["chance"])])
    out += [table(["probe", "sources", "patients", "balanced accuracy (95% CI)", "chance"], probe_rows), "",
            f"![source probe]({figs['audit_source_probe']})", ""]
    out += ["### (b) Lungs masked out", ""]
    for name, mask in audits["masking"].items():
        out += [f"**{name}.** {mask['method']}", ""]
        if "skipped" in mask:
            out += [f"Skipped: {mask['skipped']}", ""]
            continue
        rows = []
        for variant in ("original", "region_removed", "region_only"):
            v = mask[variant]
            rows.append([variant, fmt(v["accuracy"]), fmt(v["balanced_accuracy"]), fmt(v["mean_p_true_class"]),
                         fmt(v[f"mean_p_{positive}"]), fmt(v[f"{positive}_sensitivity_at_threshold"]),
                         fmt(v[f"{positive}_specificity_at_threshold"]), fmt(v[f"{positive}_roc_auc"]),
                         ", ".join(f"{k} {n}" for k, n in v["predicted_counts"].items())])
        out += [f"{mask['n_images']} test images (" + ", ".join(f"{k} {n}" for k, n in mask["label_counts"].items())
                + f"); chance balanced accuracy {fmt(mask['chance_balanced_accuracy'])}.", "",
                table(["input", "accuracy", "balanced acc.", "mean P(true)", f"mean P({positive})",
                       f"{positive} sens. at threshold", f"{positive} spec. at threshold", f"{positive} AUC",
                       "predicted"], rows), "",
                f"Predicted-class CAM mass inside the region: {fmt(mask['cam']['cam_mass_in_region'])}, against the "
                f"region's share of the image {fmt(mask['cam']['region_area_fraction'])} (an evenly spread map).", "",
                f"![masking {name}]({figs['audit_masking_' + name]})  "
                f"![masked examples {name}]({figs['audit_masking_' + name + '_examples']})", ""]
    head = ["n images", "patients", "accuracy", "mean P(true)", f"{positive} flag rate"]
    out += ["### (c) By age group", "", "For non-COVID rows the flag rate is 1 − specificity within the group.", "",
            table(["label", "age group", *head], subgroup_rows(audits["by_age_group"], ["label", "age_group"], positive)),
            "", f"![age groups]({figs['audit_age']})", "",
            "### By source and by view (test)", "",
            table(["label", "source", *head], subgroup_rows(audits["by_source"], ["label", "source"], positive)), "",
            table(["label", "view", *head], subgroup_rows(audits["by_view"], ["label", "view"], positive)), ""]
    out += ["## Example heatmaps (test images)", "", str(ev["heatmaps"]["method"]), "",
            f"![heatmaps]({figs['heatmaps']})", ""]
    return "\n".join(out)
