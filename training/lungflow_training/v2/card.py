"""model-card.md for cxr-v2, written from card.json and evaluation.json (release.py): every number in it is read
from those files, none typed by hand."""
from __future__ import annotations

from pathlib import Path


def _ci(m: dict | None) -> str:
    if not m or m.get("value") is None or m["value"] != m["value"]:
        return "n/a"
    if m.get("ci_low") is None or m.get("ci_high") is None:
        return f"{m['value']:.3f} (no interval)"
    return f"{m['value']:.3f} ({m['ci_low']:.3f}–{m['ci_high']:.3f})"


def _num(v: float | None) -> str:
    return "–" if v is None or v != v else f"{v:.3f}"


def write_model_card(path: Path, card: dict, ev: dict) -> None:
    op = card["operatingPoint"]
    seg = ev["segmentation"]
    t, a, lo = ev["test"]["all"], ev["test"]["adult"], ev["leaveOneSourceOut"]["pooled"]
    mask = ev["audits"]["lungMasking"]
    probe = ev["audits"]["sourceProbe"]
    lines = [
        f"# Model card: {card['id']} {card['version']} (frontal chest radiographs: COVID-19 / other pneumonia / no finding)",
        "",
        f"**{card['intendedUse']}** Research prototype; not a medical device.",
        "",
        "## What it is",
        "One ONNX graph (`model.onnx`): uint8 224×224 image → lung segmentation (lungseg-v1, a small U-Net at 112 px) →",
        "histogram equalisation weighted by the lung probability → crop to the lung bounding box (128 px), everything",
        "outside the dilated lungs set to 0 → LUT (" + card["lut"]["color"] + ") → CNN → temperature softmax. The CAM is",
        "warped back into the image frame (56×56) and is zero outside the lungs. A study whose lungs cover less than",
        f"{card['segmentation']['minAreaFraction']:.0%} of the image is reported **indeterminate** (no lungs found), never negative.",
        f"Cost: {ev['flops']['segmentation'] / 1e9:.2f} GFLOP segmentation + {ev['flops']['classifier'] / 1e9:.2f} GFLOP classifier per image.",
        "",
        "## What a new hospital should expect",
        "Leave-one-source-out: each site (hospital or collection) is predicted by a model trained without it; the",
        "threshold is the highest one that keeps COVID-19 sensitivity ≥ 0.90 on these pooled held-out-site predictions",
        f"(threshold {op['threshold']:.4f}). The test split was not used for any choice.",
        "",
        "| held-out site | images | COVID-19 | not COVID-19 | COVID-19 AUC | sensitivity | specificity | adult specificity |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in ev["leaveOneSourceOut"]["sites"]:
        lines.append(f"| {r['site']} | {r['images']} | {r['covid19']} | {r['not_covid19']} | {_num(r['auc'])} | "
                     f"{_num(r['sensitivity'])} | {_num(r['specificity'])} | {_num(r['adult_specificity'])} |")
    lines += [
        f"| **pooled** | | | | {_ci(lo['roc_auc'])} | {_ci(lo['sensitivity'])} | {_ci(lo['specificity'])} | |",
        "",
    ]
    w = ev["leaveOneSourceOut"].get("wholeIeee8023Collection")
    if w:
        lines += ["", f"Stricter fold, the whole ieee8023 collection held out at once ({w['images']} images): COVID-19 AUC "
                  f"{_num(w['auc'])}, sensitivity {_num(w['sensitivity'])}, specificity {_num(w['specificity'])} at the shipped threshold. "
                  "Its only COVID-19 training source is then Hannover (one hospital, CLAHE films): this row measures that look, "
                  "and it is the clearest sign that the model still leans on how a source's films look.", ""]
    lines += [
        "A site that holds only one class has no AUC of its own; its row still shows how often the flag fires there.",
        "Where the held-out site is the only source of one look (Hannover's CLAHE films are all COVID-19; NIH's normals",
        "are all normal), these rows are the honest estimate of what a hospital with another look will see.",
        "",
        "## Internal test split (group-level: no patient, paper case or duplicate image in two splits)",
        f"{ev['test']['images']} images, {ev['test']['groups']} groups; 95 % CIs by group bootstrap ({t['sensitivity']['n_valid']} valid resamples).",
        "",
        "| subset | COVID-19 sensitivity | specificity | F1 | ROC AUC |",
        "|---|---|---|---|---|",
        f"| all | {_ci(t['sensitivity'])} | {_ci(t['specificity'])} | {_ci(t['f1'])} | {_ci(t['roc_auc'])} |",
        f"| adults only | {_ci(a['sensitivity'])} | {_ci(a['specificity'])} | {_ci(a['f1'])} | {_ci(a['roc_auc'])} |",
        "",
        f"Indeterminate (no lungs found) on the test split: {ev['test']['indeterminate']} images.",
        "",
        "| test site | images | COVID-19 | AUC | sensitivity | specificity |",
        "|---|---|---|---|---|---|",
    ]
    for r in ev["test"]["sites"]:
        lines.append(f"| {r['site']} | {r['images']} | {r['covid19']} | {_num(r['auc'])} | {_num(r['sensitivity'])} | {_num(r['specificity'])} |")
    lines += ["", "Flag rate by label and age group (test):", "", "| label | age group | images | flagged COVID-19 |", "|---|---|---|---|"]
    for r in ev["test"]["subgroups"]:
        lines.append(f"| {r['label']} | {r['age_group']} | {r['n_images']} | {r['covid19_flag_rate']:.3f} |")
    lines += [
        "",
        "## Lung segmentation (lungseg-v1)",
        f"Trained on {seg['supervision'].get('train', {})} masks (V7 Labs human masks; lungVAE model-made masks only where no V7 mask",
        "exists, never in the test figure); best epoch on validation Dice. Test Dice on human V7 masks of test-split",
        f"groups ({seg['test']['images']} images, {seg['test']['groups']} groups): at the mask's own size",
        f"{_ci(seg['test']['dice_full_size'])}, at 112 px {_ci(seg['test']['dice_112'])}; {seg['test']['dice_below_0.8']} images below 0.8.",
        "No masks exist for the NIH normals, the children or Hannover: on those the segmentation is unmeasured.",
        "",
        "## Shortcut audits (test split)",
        f"- Lungs removed ({mask['region']}): balanced accuracy {mask['region_removed']['balanced_accuracy']:.3f}"
        f" (original {mask['original']['balanced_accuracy']:.3f}, chance {mask['chance_balanced_accuracy']:.3f});"
        f" lungs only: {mask['region_only']['balanced_accuracy']:.3f}.",
    ]
    if "balanced_accuracy" in probe:
        lines.append(f"- Source probe (logistic regression on the pooled features, group-wise CV): balanced accuracy "
                     f"{_ci(probe['balanced_accuracy'])}, chance {probe['chance']:.3f}, sites {', '.join(probe['sources'])}. "
                     "Sites confound label (Hannover is all COVID-19, NIH all normal), so part of this is the disease itself.")
    lines += [
        "",
        "## Choices made on leave-one-source-out / validation (never test)",
        "| arm | pooled LOSO COVID-19 AUC | validation COVID-19 AUC |",
        "|---|---|---|",
    ]
    for k, v in ev["arms"].items():
        lines.append(f"| {k} {'(shipped)' if k == ev['chosenArm'] else ''} | {_num(v['pooled_loso_covid_auc'])} | {_num(v['validation_covid_auc'])} |")
    lines += ["", "## Limitations"] + [f"- {x}" for x in card["limitations"]]
    lines += ["", f"Produced by `{card['training']['command']}`; ONNX vs PyTorch max |diff| "
              f"{max(ev['onnxMaxAbsDiff'].values()):.1e}.", ""]
    path.write_text("\n".join(lines))
