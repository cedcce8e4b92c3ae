"""Fixed content of the release cards (class codes, sources and licences, limitations) and the markdown card."""
from __future__ import annotations

from typing import Dict, List, Mapping

from .report import fmt, fmt_ci, table

CLASS_CODES: Dict[str, Dict[str, object]] = {
    "covid19": {"display": "COVID-19",
                "code": {"value": "882784691000119100", "scheme": "SCT", "meaning": "Pneumonia caused by SARS-CoV-2"}},
    "other_pneumonia": {"display": "Other pneumonia",
                        "code": {"value": "233604007", "scheme": "SCT", "meaning": "Pneumonia"}},
    "no_finding": {"display": "No finding", "code": {"value": "17621005", "scheme": "SCT", "meaning": "Normal"}},
    "non_covid": {"display": "Non-COVID", "code": {"value": "260385009", "scheme": "SCT", "meaning": "Negative"}},
}
MODALITIES = {"cxr": ["CR", "DX"], "ct": ["CT"]}
WINDOWING = {
    # Mirrors training/lungflow_training/dicom_input.py and the TypeScript path (libs/dicom pixels).
    "cxr": {"CR/DX": "modality LUT (rescale), then the data set's first Window Center/Width (VOI LUT Function, "
                     "default LINEAR), else a 0.5th/99.5th percentile window (LINEAR_EXACT); MONOCHROME1 "
                     "inverted; floor to uint8"},
    "ct": {"CT": {"center": -600, "width": 1500, "unit": "HU",
                  "note": "always this lung window, after rescale slope/intercept; floor to uint8"}},
}
OUTPUTS = {
    "probabilities": "float32 [N,C], temperature-calibrated softmax, class order as `classes`",
    "logits": "float32 [N,C], before temperature",
    "features": "float32 [N,F], globally average-pooled final-ReLU features",
    "cam": "float32 [N,C,h,w], class activation maps: W_c · final-ReLU features at the last convolution's "
           "resolution (for this GAP + linear head this equals Grad-CAM)",
}
IEEE8023 = {"name": "ieee8023 COVID-19 image data collection (Cohen et al.), June-2020 snapshot",
            "licence": "per image (metadata `license` column: CC BY-NC-SA 4.0, CC BY 3.0/4.0, CC BY-NC-ND, "
                       "Apache 2.0; some blank); metadata CC BY-NC-SA 4.0; annotations CC BY-SA"}
DATA_SOURCES: Dict[str, List[Dict[str, str]]] = {
    "cxr": [
        {"id": "ieee8023", **IEEE8023, "role": "COVID-19, adult other pneumonia, a few no-finding; frontal only"},
        {"id": "ieee8023-v7-lung-masks", "name": "V7 Labs lung masks for ieee8023", "licence": "CC BY 4.0",
         "role": "lung-masking audit"},
        {"id": "kermany_pediatric", "name": "Kermany et al. paediatric CXR (Guangzhou), 299-image subset",
         "licence": "mirror states none; upstream Mendeley release cited as CC BY 4.0 (verify before "
                    "redistributing)", "role": "paediatric normals and bacterial/viral pneumonia (age 1-5)"},
        {"id": "rsna_normal", "name": "RSNA Pneumonia Challenge normals (NIH Clinical Center) via COVID-19 "
                                      "Radiography Database, 224 px",
         "licence": "RSNA: non-commercial research and education with attribution; NIH ChestX-ray14: no "
                    "restrictions; cite Chowdhury et al. and Rahman et al.", "role": "adult normals, one hospital"},
    ],
    "ct": [
        {"id": "ucsd_covid_ct", "name": "COVID-CT (UCSD-AI4H, Zhao et al. 2020), cropped figure images",
         "licence": "'All copyrights of the data belong to the authors and publishers of these papers'",
         "role": "COVID-19 and non-COVID slices"},
        {"id": "ieee8023", **IEEE8023, "role": "COVID-19 and no-finding CT slices from case reports"},
    ],
}


def limitations(task: str, ev: Mapping, log: Mapping) -> List[str]:
    config = log.get("config", {})
    common: List[str] = []
    if config.get("per_class") or config.get("max_steps") or ev.get("smoke_per_class"):
        common.append(f"PLACEHOLDER RELEASE: trained for at most {config.get('max_steps')} steps on "
                      f"{config.get('per_class')} images per class (a smoke run), or evaluated on a subset. Its "
                      "numbers only show that the pipeline runs; do not use this model.")
    common += [
        "Not for diagnosis. A triage aid that reorders a worklist; a radiologist reads every study.",
        "Trained and tested on public research images (" + ("figures from papers and web cases, normals from one "
                                                           "hospital or from children" if task == "cxr" else
                                                           "slices cropped from figures in papers") + "), not "
        "on the studies of any site that runs it. Figures from this data very likely overestimate performance on "
        "studies from other hospitals; an external test set from other hospitals has not been run for this card.",
        "Test-split confidence intervals are wide because the test split has few patients per class.",
        "Trained on images whose terms include non-commercial or unclear licences (" +
        ("CC BY-NC-SA ieee8023 images, RSNA challenge terms" if task == "cxr" else
         "CC BY-NC-SA ieee8023 images; COVID-CT copyrights stay with the papers' authors and publishers") +
        "): the weights are for research and evaluation, not cleared for commercial or clinical use.",
    ]
    if task == "cxr":
        common += [
            "COVID-19 images are almost all from ieee8023 (adult, many sources, often cropped/annotated figures); "
            "adult normals are from one hospital (NIH) at 224 px; paediatric normals and most other pneumonia are "
            "children aged 1-5 (Kermany). Source, age, view and burned-in text can separate the classes without "
            "any disease signal: see the shortcut audits.",
            "Frontal views (PA/AP) only; lateral views are out of scope.",
        ]
    else:
        common += [
            "Slice-level model on 8-bit figure crops, not on DICOM volumes in Hounsfield units: DICOM CT is windowed "
            "(W1500/L-600) to match, but the training images' own windowing is unknown and varies.",
            "Non-COVID slices come from one collection and COVID slices mostly from papers: a source shortcut "
            "remains possible (see the audits).",
        ]
    return common


def windowing_text(windowing: Mapping) -> str:
    parts = []
    for modality, rule in windowing.items():
        if isinstance(rule, Mapping):
            parts.append(f"{modality}: centre {rule['center']}, width {rule['width']} {rule.get('unit', '')}".strip())
        else:
            parts.append(f"{modality}: {rule}")
    return "; ".join(parts)


def render_markdown(card: Mapping) -> str:
    m = card["metrics"]
    op = card["operatingPoint"]
    out: List[str] = [f"# Model card: {card['id']} ({card['task'].upper()}, version {card['version']})", "",
                      "## Intended use", "", card["intendedUse"], "",
                      f"Input: {', '.join(card['modality'])} images, {card['input']['size']}×{card['input']['size']} "
                      f"8-bit grey. Windowing of DICOM input: {windowing_text(card['preprocessing']['windowing'])}. "
                      "Classes: " +
                      ", ".join(f"{c['display']} (SCT {c['code']['value']})" for c in card["classes"]) + ".", ""]
    out += ["## Results on the patient-level test split", "",
            f"Operating point: flag {op['className']} when P ≥ {fmt(op['threshold'], 4)}, chosen on validation for "
            f"sensitivity ≥ {op['targetSensitivity']}. 95% CIs from {m['ci']['resamples']} patient-level bootstrap "
            "resamples.", "",
            table(["metric", "target (published method)", "test (95% CI)", "met?"],
                  [[t["metric"], f"≥ {t['target']}", fmt_ci(t["test"]),
                    "yes, CI lower bound too" if t["metLowerBound"] else ("point estimate only" if
                                                                          t["metPointEstimate"] else "no")]
                   for t in m["targets"]]), ""]
    out += [target_reading(card), ""]
    tp = m["operatingPoint"]
    out += [table(["at operating point", "sensitivity", "specificity", "PPV", "F1", "ROC AUC"],
                  [[op["className"], *(fmt_ci(tp[k]) for k in ("sensitivity", "specificity", "ppv", "f1", "roc_auc"))]]),
            "", "PPV at other prevalences: " + "; ".join(f"{float(p):.0%}: {fmt_ci(v)}"
                                                          for p, v in tp["ppv_at_prevalence"].items()) + ".", "",
            table(["class (argmax)", "sensitivity", "specificity", "F1", "ROC AUC"],
                  [[c, *(fmt_ci(v[k]) for k in ("sensitivity", "specificity", "f1", "roc_auc"))]
                   for c, v in m["perClass"].items()]), "",
            f"Expected calibration error (test, 15 bins): {fmt_ci(m['overall']['ece'])}; temperature "
            f"{fmt(card['temperature'])}. Full report with figures: `evaluation/report.md`.", ""]
    if card["ablation"]:
        out += ["## Ablation: grey vs pseudo-colour (same seed, budget and split)", "",
                table(["arm", "colour", "COVID-19 F1", "specificity", "ROC AUC", "macro F1"],
                      [[a["run"], str(a["color"]), fmt_ci(a["test"]["f1"]), fmt_ci(a["test"]["specificity"]),
                        fmt_ci(a["test"]["roc_auc"]), fmt_ci(a["macroF1"])] for a in card["ablation"]]), "",
                f"Shipped: `{card['ablationChoice']['chosen']}`, LUT `{card['lut']['name']}` "
                f"({card['lut'].get('description', '')}). Arms are compared on "
                f"{card['ablationChoice']['criterion']}, not on test: " +
                ", ".join(f"{k} {fmt(v)}" for k, v in card["ablationChoice"]["values"].items()) +
                ("" if card["ablationChoice"]["chosenIsBestOnValidation"] else
                 ". NOTE: the shipped arm is not the best on validation.") + ".", ""]
    out += audit_markdown(card)
    counts = card["data"]["counts"]
    out += ["## Training data", "", table(["split", "images", "patients", "by class"],
            [[s, str(c["images"]), str(c["patients"]), ", ".join(f"{k} {v}" for k, v in c["byClass"].items())]
             for s, c in counts.items()]), "",
            "By source and class: " + "; ".join(f"{s}: " + ", ".join(f"{k} {v}" for k, v in c["bySourceAndClass"].items())
                                                 for s, c in counts.items()) + ".", "",
            table(["source", "role", "licence (as stated)"],
                  [[d["name"], d["role"], d["licence"]] for d in card["data"]["sources"]]), ""]
    t = card["training"]
    out += ["## Training", "", f"`{t['command']}` at commit `{t['commit']}`, seed {t['seed']}, "
            f"{t['durationSeconds']} s on {t['device']}. Model file sha256 `{card['files']['sha256']}`.", ""]
    if card["task"] == "ct":
        out += CT_LUNGS_SECTION
    out += ["## Limitations", ""] + [f"- {x}" for x in card["limitations"]] + [""]
    return "\n".join(out)


# What LungFlow reports beside a CT result (libs/inference/src/lesions/ct), and why there is no table of its accuracy.
CT_LUNGS_SECTION = [
    "## Lung volume and involvement (CT): measured, not validated", "",
    "Beside the probabilities, every CT series gets its lung volume (mL) and the share of it that this model's "
    "class activation map marks (`lungflow analyze --json` `series[]`, the SR's CT lungs group, the worklist). The "
    "lungs come from a classical segmentation in Hounsfield units (air-like pixels inside the body, outside air and "
    "pure gas removed; no learned model); the involvement is a **CAM-based estimate, not a lesion segmentation**. "
    "`../shared/data` has no CT lung or lesion masks, so neither number has an accuracy figure here: no Dice, no "
    "volume error, no table. Dense disease touching the chest wall is not counted as lung (severe involvement is "
    "underestimated), and this model's own audit found its CAM no more concentrated in the lungs than an even map.", "",
]


def target_reading(card: Mapping) -> str:
    targets = card["metrics"]["targets"]
    n_test = card["data"]["counts"]["test"]["patients"]
    if all(t["metPointEstimate"] for t in targets):
        return ("The point estimates reach the published figures. On this data that is expected of a model that "
                "separates the sources, so it is not evidence of clinical performance: read the shortcut audits "
                f"below. The test split has {n_test} patients.")
    if card["task"] == "cxr":
        specific = (f"few patients ({n_test} in test, few adult non-COVID cases); class and source confounded "
                    "(COVID-19 almost only from ieee8023 figures, normals mostly from one hospital or from children), "
                    "which leaves little disease signal that is not also a source signal; images that are figures "
                    "from papers")
    else:
        specific = (f"few patients ({n_test} in test); slices cropped from paper figures with unknown, varying "
                    "windowing and annotations; non-COVID patients grouped by a file-name heuristic (no patient ids "
                    "in the source), so patient grouping is approximate; slice-level labels taken from the paper, "
                    "so some COVID-19 slices may show no disease")
    return ("The published figures are not reached on the patient-level test split. What limits them: " + specific +
            "; and a CPU training budget from scratch without pretrained weights. The published figures may rest on another "
            "split or unit of analysis; these are per image on a patient-level split, with patient-bootstrap CIs.")


def audit_findings(audits: Mapping, positive: str = "covid19", specificity: float | None = None) -> List[str]:
    """Plain-language reading of the audit numbers, generated so a regenerated card never disagrees with them.
    `specificity` is the test specificity at the operating point (context for the COVID-only masking part)."""
    out: List[str] = []
    thumb = audits["source_probe"]["probes"].get("thumbnail_baseline", {})
    if "balanced_accuracy" in thumb and thumb["balanced_accuracy"]["value"] is not None:
        out.append(f"16×16 thumbnails of the input alone tell the sources apart with balanced accuracy "
                   f"{fmt_ci(thumb['balanced_accuracy'])} (chance {fmt(thumb['chance'])}): the sources differ "
                   "visibly before any network, so a network can hardly help seeing the source.")
    for name, p in audits["source_probe"]["probes"].items():
        if "skipped" in p or name == "thumbnail_baseline":
            continue
        ba, chance = p["balanced_accuracy"], p["chance"]
        if ba["value"] is None:
            continue
        if ba["ci_low"] is not None and ba["ci_low"] > chance + 0.2:
            out.append(f"Source probe `{name}`: the pooled features tell {', '.join(p['sources'])} apart "
                       f"(balanced accuracy {fmt_ci(ba)} vs chance {fmt(chance)}): the network encodes the source"
                       + (", which within normals is also age." if name == "within_no_finding" else "."))
        elif ba["ci_high"] is not None and ba["ci_high"] < chance + 0.2:
            out.append(f"Source probe `{name}`: close to chance ({fmt_ci(ba)} vs {fmt(chance)}).")
    for name, mk in audits["masking"].items():
        if "skipped" in mk:
            continue
        o, r = mk["original"], mk["region_removed"]
        chance = mk["chance_balanced_accuracy"]
        if len([n for n in mk["label_counts"].values() if n]) > 1 and o["balanced_accuracy"] is not None:
            lost = (o["balanced_accuracy"] - r["balanced_accuracy"]) / max(o["balanced_accuracy"] - chance, 1e-9)
            if o["balanced_accuracy"] <= chance + 0.1:
                verdict = "is near chance on the original images already, so masking cannot tell anything"
            elif lost >= 0.7:
                verdict = "falls to near chance, as a model that reads the lungs should"
            elif lost <= 0.3:
                verdict = ("barely changes: the model gets most of its result from outside the (approximate) lung "
                           "region")
            else:
                verdict = (f"loses {lost:.0%} of its margin over chance: the lungs carry part of what the model uses, "
                           "cues outside them the rest")
            out.append(f"Masking ({name}, {mk['n_images']} images): balanced accuracy {fmt(o['balanced_accuracy'])} "
                       f"as is, {fmt(r['balanced_accuracy'])} with the lungs removed (chance {fmt(chance)}): it "
                       f"{verdict}. {positive} ROC AUC {fmt(o[positive + '_roc_auc'])} -> "
                       f"{fmt(r[positive + '_roc_auc'])}.")
        else:
            flag_o, flag_r = o[positive + "_sensitivity_at_threshold"], r[positive + "_sensitivity_at_threshold"]
            p_o, p_r = o["mean_p_" + positive], r["mean_p_" + positive]
            parts = []
            if p_o and p_r is not None:
                parts.append("the lungs carry part of the signal" if p_r < 0.7 * p_o else
                             "removing the lungs hardly changes the probability")
            if flag_r is not None and flag_r >= 0.5:
                parts.append("yet most COVID-19 images are still flagged without their lungs at the operating "
                             "threshold, so cues outside the lungs are enough for the flag" if parts and
                             parts[0].startswith("the lungs") else
                             "most COVID-19 images are still flagged without their lungs")
            reading = ", ".join(parts) if parts else "no clear change"
            if specificity is not None and specificity < 0.5:
                reading += (f" (the model also flags most non-COVID test images, specificity {fmt(specificity)}, "
                            "so this says little)")
            out.append(f"Masking ({name}, {mk['n_images']} {positive} images only): mean P({positive}) "
                       f"{fmt(p_o)} as is, {fmt(p_r)} with the lungs removed; flagged {fmt(flag_o)} -> "
                       f"{fmt(flag_r)}: {reading}.")
        cam = mk.get("cam", {})
        if cam.get("cam_mass_in_region") is not None:
            out.append(f"Heatmaps ({name}): {fmt(cam['cam_mass_in_region'])} of the predicted class's CAM lies in "
                       f"the lungs, which cover {fmt(cam['region_area_fraction'])} of the image"
                       + (": no more than an evenly spread map." if cam["cam_mass_in_region"] <
                          cam["region_area_fraction"] + 0.05 else "."))
    normals = [r for r in audits["by_age_group"] if r["label"] in ("no_finding", "non_covid")]
    if len({r["age_group"] for r in normals}) > 1:
        out.append("Normals by age group, accuracy / COVID-19 flag rate: " + "; ".join(
            f"{r['age_group']} {fmt(r['accuracy'])} / {fmt(r[positive + '_flag_rate'])} (n={r['n_images']})"
            for r in normals) + ".")
        by_age = {r["age_group"]: r for r in normals}
        if {"adult", "pediatric"} <= set(by_age):
            gap = by_age["adult"][positive + "_flag_rate"] - by_age["pediatric"][positive + "_flag_rate"]
            if abs(gap) >= 0.1:
                out.append(f"The COVID-19 flag fires on {'adult' if gap > 0 else 'paediatric'} normals far more "
                           "often than on the others: age (and the source that goes with it) moves the flag.")
    return out


def audit_markdown(card: Mapping) -> List[str]:
    a = card["audits"]
    out = ["## Shortcut audits (details and figures in `evaluation/report.md`)", "",
           "(a) Linear probe for the data source on the pooled features (out-of-fold, patient-grouped): "
           "balanced accuracy near 1 means the network encodes where an image came from.", "",
           table(["probe", "balanced accuracy (95% CI)", "chance"],
                 [[k, "skipped" if "skipped" in v else fmt_ci(v["balancedAccuracy"]),
                   "" if "skipped" in v else fmt(v["chance"])] for k, v in a["sourceProbe"].items()]), ""]
    for name, mk in a["masking"].items():
        if "skipped" in mk:
            out += [f"(b) Masking audit `{name}` skipped: {mk['skipped']}", ""]
            continue
        out += [f"(b) Lungs masked out, `{name}` ({mk['n_images']} test images: " +
                ", ".join(f"{k} {n}" for k, n in mk["label_counts"].items()) + "). A model that reads the lungs "
                "should drop towards chance when they are removed.", "",
                table(["input", "balanced accuracy", "mean P(true class)", "COVID-19 ROC AUC", "COVID-19 flagged"],
                      [[v, fmt(mk[v]["balanced_accuracy"]), fmt(mk[v]["mean_p_true_class"]),
                        fmt(mk[v]["covid19_roc_auc"]), fmt(mk[v]["covid19_sensitivity_at_threshold"])]
                       for v in ("original", "region_removed", "region_only")]), "",
                f"Chance balanced accuracy: {fmt(mk['chance_balanced_accuracy'])}.", ""]
    out += ["(c) By age group (non-COVID rows: the COVID-19 flag rate is 1 − specificity):", "",
            table(["label", "age group", "images", "accuracy", "COVID-19 flag rate"],
                  [[r["label"], r["age_group"], str(r["n_images"]), fmt(r["accuracy"]), fmt(r["covid19_flag_rate"])]
                   for r in a["byAgeGroup"]]), ""]
    if a.get("findings"):
        out += ["What the audits say:", ""] + [f"- {f}" for f in a["findings"]] + [""]
    return out
