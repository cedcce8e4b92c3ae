"""Lesion quantification, severity scores and clinical indicators for cxr-v2 (issue 12, parts 1-3, CXR).

Usage: python -m lungflow_training.v2.lesions --release models/cxr-v2   (training/train.sh lesions)

There are no lesion masks for chest radiographs in ../shared/data, so the lesion map is weakly supervised: the
released classifier's CAM of one class, inside its own predicted lungs, thresholded (`lesionMap`). The measurement
rules are fixed in libs/inference/src/lesions/README.md (TypeScript implements the same rules and must reproduce
`lesions-golden.json`); `measure` below is the Python side of that contract and says nothing beyond it.

What is fitted, all with linear ridge models and patient-group cross-validation (groups of training/splits/cxr-v2.csv:
a group is a patient, a source case or one picture filed twice; a group is never on both sides of a fold):
- `brixiaZone`: one model over a zone's measures, target = mean of the two Brixia readers per zone (0-3);
  `brixiaGlobal` is the sum of the six zone predictions.
- `extent` (0-8) and `opacity` (0-6): the Cohen et al. scores (mean of 3 raters).
- `clinical`: the five Hannover lab values with the most patients, measured within LAB_WINDOW_DAYS of the exam.
Every choice (the lesion map, the ridge penalty, the feature set) is made by an inner grouped CV on the outer
training folds only; the outer held-out predictions are the only ones scored, with patient-group bootstrap CIs and
beside a predict-the-training-fold-mean baseline. The released models are then refit on every labelled image with
the same selection run on all of them. The ONNX outputs are cached per image under training/cache (git-ignored).
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from ..evaluate.bootstrap import bootstrap
from ..paths import CACHE_DIR, MODELS_DIR, shared_data_dir
from ..preprocess import load_model_input
from .data import load_cxr_manifest, with_split
from .graph import INPUT_SIZE, SEG_SIZE

SCHEMA = "lungflow.lesions.v1"
GRID = SEG_SIZE  # every measure lives on the 112 x 112 lung grid (README rule 1)
ZONES = ["rightUpper", "rightMiddle", "rightLower", "leftUpper", "leftMiddle", "leftLower"]
REGIONS = ["total", "right", "left", *ZONES]
MEASURES = ["lesionFraction", "meanCam", "meanIntensity", "lungFraction"]
CAM_MEASURES = ("lesionFraction", "meanCam")  # the measures the lesion map (the CAM) changes
FEATURES = [f"{r}.{m}" for r in REGIONS for m in MEASURES]
# Brixia zones (BS-Net layout): A-C the patient's right lung top to bottom, D-F the left.
BRIXIA_ZONES = dict(zip("ABCDEF", ZONES))
BRIXIA_COLUMNS = [f"brixia{z}" for z in BRIXIA_ZONES]  # zone targets, in ZONES order
RANGES = {"brixiaZone": (0.0, 3.0), "extent": (0.0, 8.0), "opacity": (0.0, 6.0)}
# Published MAE of Cohen et al. 2020 (arXiv 2005.11856) on the same 94 images, as quoted in issue 12.
COHEN_PUBLISHED_MAE = {"extent": 1.14, "opacity": 0.78}

LAB_WINDOW_DAYS = 1.0  # a lab value counts for an image when |lab day - exam day| <= 1
MIN_PATIENTS = 20  # fewer patients than this: the indicator is reported not estimable, with no number
N_INDICATORS = 5
LABS = [  # id, labels.csv column, display, UCUM unit
    ("crp", "crp_mg_per_l", "C-reactive protein", "mg/L"),
    ("ldh", "ldh_u_per_l", "Lactate dehydrogenase", "U/L"),
    ("lymphocytes", "lymphocytes_1e3_per_ul", "Lymphocytes", "10*3/uL"),
    ("neutrophils", "neutrophils_1e3_per_ul", "Neutrophils", "10*3/uL"),
    ("po2", "po2_mmhg", "pO2", "mm[Hg]"),
    ("pco2", "pco2_mmhg", "pCO2", "mm[Hg]"),
    ("dDimer", "d_dimer_mg_per_l", "D-dimer", "mg/L"),
]

# The small lesion-map grid. Raw CAM values (normalise `none`) are the class's un-normalised activations; the
# thresholds for them were set from the golden inputs' CAM range (labels never looked at), those for `maxInLungs`
# are fractions of the image's own peak.
LESION_MAP_GRID = [(c, "maxInLungs", t) for c in ("covid19", "other_pneumonia") for t in (0.3, 0.5, 0.7)] + \
                  [(c, "none", t) for c in ("covid19", "other_pneumonia") for t in (0.0, 2.0, 4.0)]
ALPHAS = (1e-3, 1e-2, 1e-1, 1.0, 10.0)  # ridge penalty x n on standardised features
FEATURE_SETS = {  # candidate inputs of extent, opacity and the clinical regressions (full feature names)
    "total": [f"total.{m}" for m in MEASURES],
    "lungs": [f"{r}.{m}" for r in ("total", "right", "left") for m in MEASURES],
    "zones": FEATURES,
}
OUTER_FOLDS = 5
INNER_FOLDS = 4
RESAMPLES = 1000
SEED = 20261202
CARD_HEADING = "## Lesions, severity and clinical indicators"


# ---------------------------------------------------------------------------------------------------------------
# The measurement rules (libs/inference/src/lesions/README.md)

@dataclass(frozen=True)
class LesionMap:
    className: str
    normalise: str  # "none" | "maxInLungs"
    threshold: float


@dataclass
class Measurement:
    features: dict[str, float]
    lung: np.ndarray  # bool [112,112]
    lesion: np.ndarray  # bool [112,112]
    lesionPixels: dict[str, int]
    peak: tuple[float, float] | None  # (x, y) as fractions of 112


def region_masks(lung: np.ndarray) -> dict[str, np.ndarray]:
    """Rules 3-4: sides split at the lung bounding box's centre column, each side's own height in thirds."""
    empty = np.zeros_like(lung)
    out = {r: empty for r in REGIONS}
    out["total"] = lung
    if not lung.any():
        return out
    cols = np.nonzero(lung.any(axis=0))[0]
    mid = (cols[0] + cols[-1] + 1) / 2
    xs = np.arange(lung.shape[1])[None, :]
    ys = np.arange(lung.shape[0])[:, None]
    for side, m in (("right", lung & (xs < mid)), ("left", lung & ~(xs < mid))):
        out[side] = m
        rows = np.nonzero(m.any(axis=1))[0]
        if not len(rows):
            continue
        top = int(rows[0])
        h = int(rows[-1]) - top + 1
        upper, upper_middle = ys < top + h / 3, ys < top + 2 * h / 3
        out[f"{side}Upper"] = m & upper
        out[f"{side}Middle"] = m & ~upper & upper_middle
        out[f"{side}Lower"] = m & ~upper_middle
    return out


def normalised_cam(cam56: np.ndarray, lung: np.ndarray, normalise: str) -> np.ndarray:
    """Rules 1 and 5: the class's 56 x 56 CAM repeated 2 x 2 onto the lung grid, optionally over its lung maximum."""
    cam = np.repeat(np.repeat(np.asarray(cam56, dtype=np.float64), 2, axis=0), 2, axis=1)
    if normalise == "maxInLungs":
        if lung.any():
            peak = cam[lung].max()
            if peak > 0:
                cam = cam / peak
    elif normalise != "none":
        raise ValueError(f"unknown normalise {normalise!r}")
    return cam


def input_on_grid(x224: np.ndarray) -> np.ndarray:
    """Rule 6: the uint8 model input averaged 2 x 2 onto the lung grid, over 255."""
    x = np.asarray(x224, dtype=np.float64).reshape(INPUT_SIZE, INPUT_SIZE)
    return (x[0::2, 0::2] + x[0::2, 1::2] + x[1::2, 0::2] + x[1::2, 1::2]) / 4 / 255


def measure(x224: np.ndarray, lungs112: np.ndarray, cam: np.ndarray, classes: list[str], lesion_map: LesionMap,
            seg_threshold: float = 0.5) -> Measurement:
    """One image's features. x224 uint8 [224,224]; lungs112 [112,112] probability; cam [C,56,56] (model outputs)."""
    lung = np.asarray(lungs112).reshape(GRID, GRID) > seg_threshold
    c = normalised_cam(cam[classes.index(lesion_map.className)], lung, lesion_map.normalise)
    lesion = lung & (c >= lesion_map.threshold)
    grey = input_on_grid(x224)
    features: dict[str, float] = {}
    pixels: dict[str, int] = {}
    for region, m in region_masks(lung).items():
        n = int(m.sum())
        pixels[region] = int((lesion & m).sum())
        features[f"{region}.lesionFraction"] = pixels[region] / n if n else 0.0
        features[f"{region}.meanCam"] = float(c[m].mean()) if n else 0.0
        features[f"{region}.meanIntensity"] = float(grey[m].mean()) if n else 0.0
        features[f"{region}.lungFraction"] = n / GRID ** 2
    peak = None
    if lung.any():
        y, x = divmod(int(np.argmax(np.where(lung, c, -np.inf))), GRID)  # argmax: first in row-major order on ties
        peak = ((x + 0.5) / GRID, (y + 0.5) / GRID)
    return Measurement({k: features[k] for k in FEATURES}, lung, lesion, pixels, peak)


def area_mm2(lesion_pixels: int, rows: int, columns: int, spacing: tuple[float, float] | None) -> float | None:
    """Rule 7: spacing = (row spacing, column spacing) in mm from (Imager) Pixel Spacing, None when unknown."""
    if spacing is None:
        return None
    return lesion_pixels * (rows * spacing[0] / GRID) * (columns * spacing[1] / GRID)


def apply_linear(model: dict, features: dict[str, float]) -> float:
    """Rule 8: clip(intercept + sum of weights x features, range)."""
    v = model["intercept"] + sum(w * features[k] for k, w in model["weights"].items())
    return float(min(max(v, model["range"][0]), model["range"][1]))


def severity(lesions: dict, features: dict[str, float]) -> dict:
    zone = {z: apply_linear(lesions["brixiaZone"], {m: features[f"{z}.{m}"] for m in MEASURES}) for z in ZONES}
    return {"brixiaZones": zone, "brixiaGlobal": float(sum(zone[z] for z in ZONES)),
            "extent": apply_linear(lesions["extent"], features), "opacity": apply_linear(lesions["opacity"], features)}


# ---------------------------------------------------------------------------------------------------------------
# Labelled images

def _hannover_patient(p: str) -> str:
    """labels.csv patient_id -> the manifest's patient id (as v2/data.py writes it)."""
    return f"hannover:{p[len('hannover_'):]}" if p.startswith("hannover_") else f"ieee8023:{p}"


def labelled_images(d: Path) -> pd.DataFrame:
    """One row per staged image with Brixia, Cohen or Hannover labels: path, patient_id and the targets."""
    parts = []
    bi = pd.read_csv(d / "cxr/ieee8023/annotations/brixia/brixia_index.csv", dtype=str).fillna("")
    ann = pd.read_csv(d / "cxr/ieee8023/annotations/brixia/public-annotations.csv", encoding="utf-8-sig")
    bi = bi[bi["staged_file"] != ""].drop(columns=["S-Global", "J-Global"])
    bi = bi.merge(ann, left_on="brixia_filename", right_on="filename", how="inner", validate="one_to_one")
    brixia = pd.DataFrame({"path": bi["staged_file"], "patient_id": "ieee8023:" + bi["patientid"],
                           "brixiaS": bi["S-Global"].astype(float), "brixiaJ": bi["J-Global"].astype(float)})
    brixia["brixiaReadersAbsDiff"] = (brixia["brixiaS"] - brixia["brixiaJ"]).abs()
    brixia["brixiaScorings"] = 1
    for z in BRIXIA_ZONES:
        brixia[f"brixia{z}"] = (bi[f"S-{z}"].astype(float) + bi[f"J-{z}"].astype(float)).to_numpy() / 2
    # Two images were scored twice, under their old and new ieee8023 names (4-x-day1/8 = extubation-1/8): one image,
    # the mean of all its readings.
    brixia = brixia.groupby(["path", "patient_id"], as_index=False).agg(
        {**{c: "mean" for c in brixia.columns if c not in ("path", "patient_id", "brixiaScorings")},
         "brixiaScorings": "sum"})
    parts.append(brixia)
    meta = pd.read_csv(d / "cxr/ieee8023/metadata.csv", dtype=str).fillna("")
    pid = meta.drop_duplicates("filename").set_index("filename")["patientid"]
    cohen = pd.read_csv(d / "cxr/ieee8023/annotations/covid-severity-scores.csv", comment="#")
    cohen = cohen[cohen["filename"].map(lambda f: (d / "cxr/ieee8023/images" / f).exists())]
    parts.append(pd.DataFrame({"path": "cxr/ieee8023/images/" + cohen["filename"],
                               "patient_id": "ieee8023:" + cohen["filename"].map(pid),
                               "extent": cohen["geographic_mean"].astype(float),
                               "opacity": cohen["opacity_mean"].astype(float)}))
    lab = pd.read_csv(d / "cxr/hannover/labels.csv", dtype=str).fillna("")
    lab["path"] = np.where(lab["file"] != "", "cxr/hannover/" + lab["file"],
                           np.where(lab["in_ieee8023"] != "", "cxr/ieee8023/images/" + lab["in_ieee8023"], ""))
    lab = lab[lab["path"] != ""]
    h = pd.DataFrame({"path": lab["path"], "patient_id": lab["patient_id"].map(_hannover_patient), "hannover": True})
    for ident, col, _, _ in LABS:
        value = pd.to_numeric(lab[col], errors="coerce")
        offset = pd.to_numeric(lab[f"{col}_offset_days"], errors="coerce")
        # -inf/inf are below/above the detection limit (censored): not a value a linear model can be scored on
        ok = np.isfinite(value) & (offset.abs() <= LAB_WINDOW_DAYS)
        h[f"lab_{ident}"] = value.where(ok)
    parts.append(h)
    out = None
    for p in parts:
        if out is None:
            out = p
            continue
        clash = out.merge(p, on="path")[["patient_id_x", "patient_id_y"]]
        if (clash["patient_id_x"] != clash["patient_id_y"]).any():
            raise ValueError("one image with two patient ids across the label files")
        out = out.merge(p, on=["path", "patient_id"], how="outer")
    out = out.sort_values("path", kind="stable").reset_index(drop=True)
    out["hannover"] = out["hannover"].eq(True)
    missing = [p for p in out["path"] if not (d / p).exists()]
    if missing:
        raise FileNotFoundError(f"{len(missing)} labelled images are not staged, e.g. {missing[:3]}")
    return out


def with_groups(images: pd.DataFrame, manifest: pd.DataFrame) -> pd.DataFrame:
    """Adds group_id (and the classifier's split) from the v2 manifest: by path, else by patient, else the patient."""
    by_path = manifest.drop_duplicates("path").set_index("path")
    by_patient = manifest.drop_duplicates("patient_id").set_index("patient_id")
    group = images["path"].map(by_path["group_id"]).fillna(images["patient_id"].map(by_patient["group_id"]))
    split = images["path"].map(by_path["split"]).fillna(images["patient_id"].map(by_patient["split"]))
    return images.assign(group_id=group.fillna(images["patient_id"]), classifier_split=split.fillna("none"))


# ---------------------------------------------------------------------------------------------------------------
# Model outputs, cached per image

def model_outputs(model: Path, images: list[np.ndarray], keys: list[str], cache: Path | None) -> list[dict]:
    """ONNX outputs (`cam`, `lungs`, `probabilities`) of each uint8 [224,224] input; cached by model sha + key."""
    from ..export import session  # imports torch: only when the graph has to run

    sha = hashlib.sha256(model.read_bytes()).hexdigest()
    folder = cache / f"lesions-{sha[:16]}" if cache is not None else None
    out: list[dict | None] = [None] * len(images)
    todo = []
    for i, key in enumerate(keys):
        f = folder / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.npz" if folder is not None else None
        if f is not None and f.exists():
            z = np.load(f)
            if np.array_equal(z["image"], images[i]):
                out[i] = {k: z[k] for k in ("cam", "lungs", "probabilities")}
                continue
        todo.append(i)
    if todo:
        sess = session(model)
        for start in range(0, len(todo), 16):
            batch = todo[start:start + 16]
            x = np.stack([images[i] for i in batch])[:, None].astype(np.uint8)
            cam, lungs, probs = sess.run(["cam", "lungs", "probabilities"], {"image": x})
            for j, i in enumerate(batch):
                out[i] = {"cam": cam[j], "lungs": lungs[j, 0], "probabilities": probs[j]}
                if folder is not None:
                    folder.mkdir(parents=True, exist_ok=True)
                    f = folder / f"{hashlib.sha256(keys[i].encode()).hexdigest()[:24]}.npz"
                    np.savez(f, image=images[i], **out[i])
    return out  # type: ignore[return-value]


def feature_table(inputs: list[np.ndarray], outs: list[dict], classes: list[str], lesion_map: LesionMap,
                  seg_threshold: float) -> np.ndarray:
    """[N, len(FEATURES)] under one lesion map."""
    return np.array([[measure(x, o["lungs"], o["cam"], classes, lesion_map, seg_threshold).features[f]
                      for f in FEATURES] for x, o in zip(inputs, outs)])


# ---------------------------------------------------------------------------------------------------------------
# Fitting

def group_folds(groups: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Fold per row; a group's rows share one fold. Largest groups first, each to the fold with fewest rows."""
    uniq, inverse, counts = np.unique(np.asarray(groups, dtype=str), return_inverse=True, return_counts=True)
    k = max(1, min(k, len(uniq)))
    order = np.random.default_rng(seed).permutation(len(uniq))
    order = order[np.argsort(-counts[order], kind="stable")]
    fold_of = np.empty(len(uniq), dtype=int)
    sizes = np.zeros(k)
    for g in order:
        f = int(np.argmin(sizes))
        fold_of[g] = f
        sizes[f] += counts[g]
    return fold_of[inverse]


def fit_ridge(X: np.ndarray, y: np.ndarray, alpha: float) -> tuple[float, np.ndarray]:
    """Ridge on standardised columns (penalty alpha x n, intercept free), returned on the raw feature scale."""
    mu, sd = X.mean(axis=0), X.std(axis=0)
    keep = sd > 1e-12
    w = np.zeros(X.shape[1])
    if keep.any():
        Z = (X[:, keep] - mu[keep]) / sd[keep]
        beta = np.linalg.solve(Z.T @ Z + alpha * len(y) * np.eye(Z.shape[1]), Z.T @ (y - y.mean()))
        w[keep] = beta / sd[keep]
    return float(y.mean() - w @ mu), w


def predict(intercept: float, w: np.ndarray, X: np.ndarray, rng: tuple[float, float]) -> np.ndarray:
    return np.clip(intercept + X @ w, rng[0], rng[1])


def inner_mae(X: np.ndarray, y: np.ndarray, groups: np.ndarray, alpha: float, rng: tuple[float, float] | None,
              seed: int) -> float:
    folds = group_folds(groups, INNER_FOLDS, seed)
    err = np.empty(len(y))
    for f in np.unique(folds):
        tr, te = folds != f, folds == f
        r = rng or (float(y[tr].min()), float(y[tr].max()))
        b, w = fit_ridge(X[tr], y[tr], alpha)
        err[te] = np.abs(predict(b, w, X[te], r) - y[te])
    return float(err.mean()) if len(np.unique(folds)) > 1 else float("inf")


def zone_rows(F: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """[len(rows) * 6, 4]: each image's six zones' measures (image-major, zone order A-F)."""
    idx = [[FEATURES.index(f"{z}.{m}") for m in MEASURES] for z in ZONES]
    return np.concatenate([F[rows][:, i][:, None, :] for i in idx], axis=1).reshape(-1, len(MEASURES))


def choose_brixia(tables: dict[LesionMap, np.ndarray], y6: np.ndarray, groups: np.ndarray, rows: np.ndarray,
                  seed: int) -> tuple[LesionMap, float, float]:
    """(lesion map, alpha, inner MAE) minimising the inner grouped-CV zone MAE on `rows` (image indices)."""
    best = None
    g6 = np.repeat(groups, len(ZONES))
    for lm, F in tables.items():
        X = zone_rows(F, rows)
        for a in ALPHAS:
            e = inner_mae(X, y6.ravel(), g6, a, RANGES["brixiaZone"], seed)
            if best is None or e < best[2] - 1e-12:
                best = (lm, a, e)
    return best  # type: ignore[return-value]


def choose_features(F: np.ndarray, y: np.ndarray, groups: np.ndarray, rng: tuple[float, float] | None,
                    seed: int) -> tuple[str, float, float]:
    best = None
    for name, cols in FEATURE_SETS.items():
        X = F[:, [FEATURES.index(c) for c in cols]]
        for a in ALPHAS:
            e = inner_mae(X, y, groups, a, rng, seed)
            if best is None or e < best[2] - 1e-12:
                best = (name, a, e)
    return best  # type: ignore[return-value]


def mae_table(y: np.ndarray, pred: np.ndarray, base: np.ndarray, groups: np.ndarray, resamples: int,
              spearman: bool = False) -> dict:
    def stat(i: np.ndarray) -> dict:
        s = {"mae": float(np.mean(np.abs(pred[i] - y[i]))), "baselineMae": float(np.mean(np.abs(base[i] - y[i])))}
        s["maeMinusBaseline"] = s["mae"] - s["baselineMae"]
        if spearman:
            rho = spearmanr(pred[i], y[i]).statistic if np.ptp(pred[i]) > 0 and np.ptp(y[i]) > 0 else float("nan")
            s["spearman"] = float(rho)
        return s
    out = bootstrap(list(groups), stat, n_resamples=resamples, seed=SEED)
    out.update({"images": int(len(y)), "groups": int(len(np.unique(groups)))})
    return out


def model_json(intercept: float, w: np.ndarray, names: list[str], rng: tuple[float, float]) -> dict:
    return {"intercept": float(intercept), "weights": {n: float(v) for n, v in zip(names, w) if v != 0.0},
            "range": [float(rng[0]), float(rng[1])]}


def choose_indicators(images: pd.DataFrame) -> list[dict]:
    """The N_INDICATORS labs with the most patients (images with a value in the window), each with its counts."""
    return indicator_counts(images)[:N_INDICATORS]


def indicator_counts(images: pd.DataFrame) -> list[dict]:
    """Every lab with its counts, most patients first (then most images, then LABS order)."""
    rows = []
    for order, (ident, col, display, unit) in enumerate(LABS):
        has = images[f"lab_{ident}"].notna()
        rows.append({"id": ident, "column": col, "display": display, "unit": unit, "order": order,
                     "nPatients": int(images.loc[has, "patient_id"].nunique()),
                     "nGroups": int(images.loc[has, "group_id"].nunique()), "nImages": int(has.sum())})
    rows.sort(key=lambda r: (-r["nPatients"], -r["nImages"], r["order"]))
    for r in rows:
        # groups, not patient ids, are the unit of the CV; they coincide for Hannover but never count more
        r["estimable"] = min(r["nPatients"], r["nGroups"]) >= MIN_PATIENTS
    return rows


def shipped_or_withheld(entry: dict, cv: dict | None) -> dict:
    """A clinical regression ships only when cross-validation shows it beats predict-the-mean (the upper end of the
    CI of its MAE minus the baseline's is below 0). Otherwise the release keeps the indicator with no weights and a
    reason, so LungFlow prints no number a clinician could take for a prediction; the card still shows its figures."""
    if not entry["estimable"] or cv is None or cv["maeMinusBaseline"]["ci_high"] < 0:
        return entry
    return {"id": entry["id"], "display": entry["display"], "unit": entry["unit"], "estimable": False,
            "nPatients": entry["nPatients"],
            "reason": "withheld: in patient-group cross-validation it does not beat predicting the mean"}


def cross_validate(images: pd.DataFrame, tables: dict[LesionMap, np.ndarray], indicators: list[dict],
                   resamples: int, folds: int = OUTER_FOLDS) -> dict:
    """Outer grouped CV; within each outer fold every choice is made on the training groups only."""
    groups = images["group_id"].to_numpy()
    outer = group_folds(groups, folds, SEED)
    is_b = images["brixiaA"].notna().to_numpy()
    y6 = images[BRIXIA_COLUMNS].to_numpy(dtype=float)
    targets = {"extent": images["extent"].to_numpy(dtype=float), "opacity": images["opacity"].to_numpy(dtype=float)}
    for ind in indicators:
        if ind["estimable"]:
            targets[ind["id"]] = images[f"lab_{ind['id']}"].to_numpy(dtype=float)
    n = len(images)
    pred6, base6 = np.full((n, 6), np.nan), np.full((n, 6), np.nan)
    pred = {k: np.full(n, np.nan) for k in targets}
    base = {k: np.full(n, np.nan) for k in targets}
    choices = []
    for k in np.unique(outer):
        tr, te = outer != k, outer == k
        b_tr, b_te = np.nonzero(tr & is_b)[0], np.nonzero(te & is_b)[0]
        lm, a, e = choose_brixia(tables, y6[b_tr], groups[b_tr], b_tr, SEED + int(k))
        F = tables[lm]
        b, w = fit_ridge(zone_rows(F, b_tr), y6[b_tr].ravel(), a)
        if len(b_te):
            pred6[b_te] = predict(b, w, zone_rows(F, b_te), RANGES["brixiaZone"]).reshape(-1, 6)
            base6[b_te] = y6[b_tr].mean()
        fold = {"fold": int(k), "testImages": int(te.sum()), "lesionMap": asdict(lm), "brixiaAlpha": a,
                "brixiaInnerMae": e}
        for name, y in targets.items():
            has = ~np.isnan(y)
            t_tr, t_te = np.nonzero(tr & has)[0], np.nonzero(te & has)[0]
            if len(np.unique(groups[t_tr])) < 2:
                continue
            rng = RANGES.get(name) or (float(y[t_tr].min()), float(y[t_tr].max()))
            fs, fa, fe = choose_features(F[t_tr], y[t_tr], groups[t_tr], RANGES.get(name), SEED + int(k))
            cols = [FEATURES.index(c) for c in FEATURE_SETS[fs]]
            b, w = fit_ridge(F[t_tr][:, cols], y[t_tr], fa)
            if len(t_te):
                pred[name][t_te] = predict(b, w, F[t_te][:, cols], rng)
                base[name][t_te] = y[t_tr].mean()
            fold[name] = {"featureSet": fs, "alpha": fa, "innerMae": fe}
        choices.append(fold)
    results: dict = {"folds": choices}
    ok = ~np.isnan(pred6[:, 0])
    if ok.any():
        g6 = groups[ok]
        results["brixiaZone"] = mae_table(y6[ok].ravel(), pred6[ok].ravel(), base6[ok].ravel(),
                                          np.repeat(g6, 6), resamples)
        results["brixiaGlobal"] = mae_table(y6[ok].sum(axis=1), pred6[ok].sum(axis=1), base6[ok].sum(axis=1), g6,
                                            resamples)
        # secondary: only images whose group the classifier never trained on (its val/test split)
        unseen = ok & images["classifier_split"].isin(["val", "test"]).to_numpy()
        if len(np.unique(groups[unseen])) >= 2:
            results["brixiaGlobalClassifierUnseen"] = mae_table(
                y6[unseen].sum(axis=1), pred6[unseen].sum(axis=1), base6[unseen].sum(axis=1), groups[unseen],
                resamples)
    for name in targets:
        ok = ~np.isnan(pred[name])
        if ok.sum() and len(np.unique(groups[ok])) >= 2:
            results[name] = mae_table(targets[name][ok], pred[name][ok], base[name][ok], groups[ok], resamples,
                                      spearman=name not in ("extent", "opacity"))
            results[name]["patients"] = int(images.loc[ok, "patient_id"].nunique())
    results["oof"] = {"path": list(images["path"]), "brixiaZones": pred6.tolist(),
                      **{k: v.tolist() for k, v in pred.items()}}
    return results


def cam_contribution(images: pd.DataFrame, with_cam: dict, without: dict, indicators: list[dict],
                     resamples: int) -> dict:
    """Paired patient-group bootstrap of MAE(with the CAM) - MAE(without it) on the same held-out images."""
    groups = images["group_id"].to_numpy()
    y6 = images[BRIXIA_COLUMNS].to_numpy(dtype=float)
    cases = {"brixiaGlobal": (y6.sum(axis=1), np.asarray(with_cam["brixiaZones"], dtype=float).sum(axis=1),
                              np.asarray(without["brixiaZones"], dtype=float).sum(axis=1))}
    for name in ["extent", "opacity", *[i["id"] for i in indicators if i["estimable"]]]:
        if name in with_cam and name in without:
            y = images[name if name in ("extent", "opacity") else f"lab_{name}"].to_numpy(dtype=float)
            cases[name] = (y, np.asarray(with_cam[name], dtype=float), np.asarray(without[name], dtype=float))
    out = {}
    for name, (y, a, b) in cases.items():
        ok = ~(np.isnan(y) | np.isnan(a) | np.isnan(b))
        if len(np.unique(groups[ok])) < 2:
            continue
        ya, aa, bb = y[ok], a[ok], b[ok]
        out[name] = bootstrap(list(groups[ok]), lambda i: {
            "value": float(np.mean(np.abs(aa[i] - ya[i])) - np.mean(np.abs(bb[i] - ya[i])))},
            n_resamples=resamples, seed=SEED)["value"]
    return out


def readers(images: pd.DataFrame, resamples: int) -> dict:
    """The two Brixia readers' mean |S-Global - J-Global| per image (an image scored twice: its two scorings' mean)."""
    b = images[images["brixiaS"].notna()]
    diff = b["brixiaReadersAbsDiff"].to_numpy()
    out = bootstrap(list(b["group_id"]), lambda i: {"meanAbsDiff": float(np.mean(diff[i]))},
                    n_resamples=resamples, seed=SEED)
    return {**out, "images": int(len(b)), "scorings": int(b["brixiaScorings"].sum()),
            "groups": int(b["group_id"].nunique()), "exactAgreementImages": int((diff == 0).sum())}


def fit_final(images: pd.DataFrame, tables: dict[LesionMap, np.ndarray], indicators: list[dict]) -> tuple[dict, dict]:
    """The released models: the same selection as inside each outer fold, on every labelled image."""
    groups = images["group_id"].to_numpy()
    b_rows = np.nonzero(images["brixiaA"].notna().to_numpy())[0]
    y6 = images[BRIXIA_COLUMNS].to_numpy(dtype=float)
    lm, a, e = choose_brixia(tables, y6[b_rows], groups[b_rows], b_rows, SEED)
    F = tables[lm]
    b, w = fit_ridge(zone_rows(F, b_rows), y6[b_rows].ravel(), a)
    models = {"lesionMap": asdict(lm), "brixiaZone": model_json(b, w, MEASURES, RANGES["brixiaZone"])}
    chosen = {"lesionMap": asdict(lm), "brixiaZone": {"alpha": a, "innerMae": e, "images": int(len(b_rows))}}

    def fit(name: str, y: np.ndarray, rng: tuple[float, float] | None) -> tuple[dict, dict]:
        rows = np.nonzero(~np.isnan(y))[0]
        fs, fa, fe = choose_features(F[rows], y[rows], groups[rows], rng, SEED)
        cols = FEATURE_SETS[fs]
        r = rng or (float(y[rows].min()), float(y[rows].max()))
        bb, ww = fit_ridge(F[rows][:, [FEATURES.index(c) for c in cols]], y[rows], fa)
        return model_json(bb, ww, cols, r), {"featureSet": fs, "alpha": fa, "innerMae": fe, "images": int(len(rows))}
    for name in ("extent", "opacity"):
        models[name], chosen[name] = fit(name, images[name].to_numpy(dtype=float), RANGES[name])
    clinical = []
    for ind in indicators:
        entry = {"id": ind["id"], "display": ind["display"], "unit": ind["unit"], "estimable": ind["estimable"],
                 "nPatients": ind["nPatients"]}
        if ind["estimable"]:
            m, chosen[ind["id"]] = fit(ind["id"], images[f"lab_{ind['id']}"].to_numpy(dtype=float), None)
            entry.update(m)
        clinical.append(entry)
    models["clinical"] = clinical
    return models, chosen


# ---------------------------------------------------------------------------------------------------------------
# Release files

SUPERVISION = (
    "Lesion map = the thresholded {cls} CAM of the cxr-v2 classifier inside its predicted lungs (lungs > {seg}): "
    "weakly supervised by the classifier's image-level labels; no lesion masks exist for these images, so the lesion "
    "outline and area were never compared with a drawn lesion. Severity regressions (linear ridge on the lesion "
    "measurements) fitted to the Brixia zone scores (mean of two readers, {nb} ieee8023 images) and to Cohen et al.'s "
    "geographic extent and opacity scores ({nc} images); clinical regressions fitted to Hannover lab values measured "
    "within {win:g} day of the exam. Lesion map and penalties chosen by patient-group cross-validation.")


def golden_cases(golden: dict, model: Path, classes: list[str], seg_threshold: float, lesions: dict,
                 cache: Path | None) -> tuple[list[dict], list[dict]]:
    lm = LesionMap(**lesions["lesionMap"])
    inputs = [np.frombuffer(base64.b64decode(c["inputBase64"]), np.uint8).reshape(INPUT_SIZE, INPUT_SIZE)
              for c in golden["cases"]]
    outs = model_outputs(model, inputs, [f"golden:{c['inputSha256']}" for c in golden["cases"]], cache)
    cases, margins = [], []
    for c, x, o in zip(golden["cases"], inputs, outs):
        m = measure(x, o["lungs"], o["cam"], classes, lm, seg_threshold)
        s = severity(lesions, m.features)
        cases.append({"file": c["file"], "features": m.features, "brixiaGlobal": s["brixiaGlobal"],
                      "extent": s["extent"], "opacity": s["opacity"]})
        # How close a pixel sits to a decision boundary: below ~1e-5 another runtime may count it differently.
        # Exact zeros (the graph multiplies the CAM by 0 outside its own lung mask) are the same in every runtime.
        cam_n = normalised_cam(o["cam"][classes.index(lm.className)], m.lung, lm.normalise)[m.lung]
        cam_n = cam_n[cam_n != 0]
        margins.append({"file": c["file"], "lungs": float(np.min(np.abs(o["lungs"] - seg_threshold))),
                        "cam": float(np.min(np.abs(cam_n - lm.threshold))) if cam_n.size else None})
    return cases, margins


def _ci(m: dict | None, digits: int = 2) -> str:
    if not m or m.get("value") is None or m["value"] != m["value"]:
        return "n/a"
    return f"{m['value']:.{digits}f} ({m['ci_low']:.{digits}f} to {m['ci_high']:.{digits}f})"


def _map_name(lm: dict) -> str:
    return f"{lm['className']}/{lm['normalise']}/{lm['threshold']:g}"


def card_section(ev: dict) -> str:
    cv, lm = ev["crossValidation"], ev["final"]["lesionMap"]
    ablation = cv.get("withoutCam", {})
    r = ev["readers"]
    picked: dict[str, int] = {}
    for f in cv["folds"]:
        picked[_map_name(f["lesionMap"])] = picked.get(_map_name(f["lesionMap"]), 0) + 1
    lines = [
        CARD_HEADING, "",
        f"**Supervision.** {ev['supervision']}", "",
        f"Lesion map shipped: CAM of `{lm['className']}`, normalised `{lm['normalise']}`, threshold {lm['threshold']:g} "
        f"(chosen from {len(LESION_MAP_GRID)} candidates, class × normalisation × threshold, by grouped inner CV of "
        "the Brixia zone MAE; the outer folds chose " + ", ".join(f"{k} in {v}" for k, v in picked.items()) +
        f" of {len(cv['folds'])}). Measurements follow libs/inference/src/lesions/README.md: per lung (image left = "
        "patient's right) and per lung third (Brixia zones A–C right, D–F left), lesion fraction of the lung and, "
        "when the DICOM has (Imager) Pixel Spacing, mm².",
        f"{ev['data']['labelledImages']} staged images with labels ({ev['data']['groups']} patient groups: "
        f"{ev['data']['brixiaImages']} Brixia, {ev['data']['cohenImages']} of Cohen et al.'s 94, "
        f"{ev['data']['hannoverImages']} Hannover, {ev['data']['hannoverWithLab']} of them with a lab value in the "
        f"window) were run through the ONNX graph; {ev['data']['noLungs']} whose lungs cover less than the card's "
        "minimum area were left out.", "",
        f"### Severity (outer {ev['outerFolds']}-fold patient-group CV; every choice made on the training folds; "
        f"95% patient-group bootstrap CIs, {ev['resamples']} resamples)", "",
        "| target | images | groups | model MAE | without the CAM | predict-the-training-mean | model − baseline | "
        "reference |",
        "|---|---|---|---|---|---|---|---|",
    ]
    refs = {"brixiaZone": "–",
            "brixiaGlobal": f"readers S vs J (human ceiling): {_ci(r['meanAbsDiff'])} on {r['images']} images"
                            f" ({r['scorings']} scorings)",
            "extent": f"Cohen et al. published MAE {COHEN_PUBLISHED_MAE['extent']}",
            "opacity": f"Cohen et al. published MAE {COHEN_PUBLISHED_MAE['opacity']}"}
    names = {"brixiaZone": "Brixia zone (0–3, mean of 2 readers)", "brixiaGlobal": "Brixia global (0–18, sum of zones)",
             "extent": "Cohen geographic extent (0–8)", "opacity": "Cohen opacity (0–6)"}
    for k, label in names.items():
        t = cv.get(k)
        if t is None:
            lines.append(f"| {label} | 0 | 0 | not run | | | | {refs[k]} |")
            continue
        n = f"{t['images'] // 6} × 6 zones" if k == "brixiaZone" else str(t["images"])
        lines.append(f"| {label} | {n} | {t['groups']} | {_ci(t['mae'])} | {_ci(ablation.get(k, {}).get('mae'))} | "
                     f"{_ci(t['baselineMae'])} | {_ci(t['maeMinusBaseline'])} | {refs[k]} |")
    lines += [
        "", "*Without the CAM*: the same nested CV with the two CAM measures (lesionFraction, meanCam) removed, i.e. "
        "from the lungs' grey level and size alone. What the lesion map adds, MAE with minus without the CAM (paired "
        "patient-group bootstrap): " + "; ".join(f"{names.get(k, k).split(' (')[0]} {_ci(v)}"
                                                  for k, v in cv.get("maeMinusWithoutCam", {}).items()
                                                  if k in names) + ". "
        "The readers' disagreement is between two single readers; the model is scored against their mean, which is "
        "closer to each reader than they are to each other (a reader's absolute difference to the mean is half the "
        "disagreement). Cohen et al.'s figures are their own evaluation on these images, not recomputed here.",
    ]
    u = cv.get("brixiaGlobalClassifierUnseen")
    if u:
        lines += ["", "The classifier that draws the CAM was trained on most of these images (for its own labels, "
                  f"not severity). On the {u['images']} Brixia images ({u['groups']} groups) in its validation/test "
                  f"split only, the same out-of-fold Brixia global MAE is {_ci(u['mae'])} "
                  f"(baseline {_ci(u['baselineMae'])})."]
    lines += ["", f"### Clinical indicators (Hannover labels.csv, lab within ±{LAB_WINDOW_DAYS:g} day of the exam, one "
              "value per image, censored values (±inf) left out; the five with the most patients; same CV)", "",
              "| indicator | unit | patients | images | model MAE | without the CAM | mean-baseline MAE | "
              "model − baseline | Spearman ρ |", "|---|---|---|---|---|---|---|---|---|"]
    for ind in ev["indicators"]:
        t = cv.get(ind["id"])
        if not ind["estimable"]:
            lines.append(f"| {ind['display']} | {ind['unit']} | {ind['nPatients']} | {ind['nImages']} | "
                         f"not estimable (fewer than {MIN_PATIENTS} patients) | | | | |")
            continue
        if t is None:
            lines.append(f"| {ind['display']} | {ind['unit']} | {ind['nPatients']} | {ind['nImages']} | not run | | | | |")
            continue
        lines.append(f"| {ind['display']} | {ind['unit']} | {ind['nPatients']} | {t['images']} | {_ci(t['mae'])} | "
                     f"{_ci(ablation.get(ind['id'], {}).get('mae'))} | {_ci(t['baselineMae'])} | "
                     f"{_ci(t['maeMinusBaseline'])} | {_ci(t['spearman'])} |")
    beats = [i for i in ev["indicators"] if i["estimable"] and i["id"] in cv and cv[i["id"]]["maeMinusBaseline"]["ci_high"] < 0]
    withheld = [i for i in ev["indicators"] if i["estimable"] and i not in beats]
    lines += ["", "**Shipped as predictions** (the CI of MAE minus the baseline's lies below 0): "
              + (", ".join(i["display"] for i in beats) or "none") + ". **Withheld** (no evidence they beat predicting "
              "the mean; `lesions.json` keeps them with no weights, so no number is printed or written to the SR"
              "): " + (", ".join(i["display"] for i in withheld) or "none") + "."]
    rest = [c for c in ev.get("labCounts", []) if c["id"] not in {i["id"] for i in ev["indicators"]}]
    if rest:
        lines += ["", "Not chosen (ranked by patients, then images, then the order CRP, LDH, lymphocytes, "
                  "neutrophils, pO2, pCO2, D-dimer): " +
                  ", ".join(f"{c['display']} ({c['nPatients']} patients, {c['nImages']} images)" for c in rest) + "."]
    extra = "; ".join(f"{i['display']} {_ci(cv['maeMinusWithoutCam'][i['id']])}" for i in ev["indicators"]
                      if i["id"] in cv.get("maeMinusWithoutCam", {}))
    if extra:
        lines += ["", f"MAE with minus without the CAM (paired bootstrap): {extra}."]
    lines += ["", "A clinical prediction is clipped to the range of the values it was fitted on. The baseline's "
              "Spearman ρ is not given: it is a constant within each fold. Lab values come in the source's rounded "
              "intervals; one Hannover patient has many images, so intervals are wide.",
              "", "Produced by `training/train.sh lesions`; every number above is read from "
              "evaluation/lesions.json (out-of-fold predictions only; the released regressions are refit on all "
              "labelled images and never scored on them).", ""]
    return "\n".join(lines)


def write_card(path: Path, section: str, base: Path | None = None) -> None:
    """Appends the section to the card (base's text when path is new); a rerun replaces its own section."""
    source = path if path.exists() else base
    text = source.read_text() if source is not None and source.exists() else ""
    if CARD_HEADING in text:
        text = text[:text.index(CARD_HEADING)]
    path.write_text(text.rstrip("\n") + "\n\n" + section)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--release", type=Path, default=MODELS_DIR / "cxr-v2")
    ap.add_argument("--out", type=Path, default=None, help="where the files go (default: the release folder)")
    ap.add_argument("--limit", type=int, default=None, help="smoke: at most this many labelled images per label file")
    ap.add_argument("--resamples", type=int, default=RESAMPLES)
    ap.add_argument("--folds", type=int, default=OUTER_FOLDS)
    ap.add_argument("--cache", type=Path, default=CACHE_DIR)
    args = ap.parse_args(argv)
    t0 = time.time()
    release, out = args.release, args.out or args.release
    d = shared_data_dir()
    card = json.loads((release / "card.json").read_text())
    golden = json.loads((release / "golden.json").read_text())
    classes = [c["name"] for c in card["classes"]]
    seg_threshold, min_area = card["segmentation"]["threshold"], card["segmentation"]["minAreaFraction"]
    model = release / card["files"]["model"]
    sha = hashlib.sha256(model.read_bytes()).hexdigest()
    if sha != card["files"]["sha256"]:
        raise ValueError(f"{model} is not the file card.json names")

    images = labelled_images(d)
    if args.limit:
        keep = set()
        for cols in (["brixiaA"], ["extent"], [f"lab_{i}" for i, *_ in LABS]):
            keep |= set(images[images[cols].notna().any(axis=1)]["path"].head(args.limit))
        images = images[images["path"].isin(keep)].reset_index(drop=True)
    images = with_groups(images, with_split(load_cxr_manifest(d)))
    inputs = [load_model_input(d / p, "cxr", INPUT_SIZE) for p in images["path"]]
    outs = model_outputs(model, inputs, list(images["path"]), args.cache)
    lung_area = np.array([(o["lungs"] > seg_threshold).mean() for o in outs])
    found = lung_area >= min_area
    n_labelled, no_lungs = len(images), int((~found).sum())
    images = images[found].reset_index(drop=True)
    inputs = [x for x, f in zip(inputs, found) if f]
    outs = [o for o, f in zip(outs, found) if f]
    tables = {LesionMap(*g): feature_table(inputs, outs, classes, LesionMap(*g), seg_threshold) for g in LESION_MAP_GRID}
    print(f"{n_labelled} labelled images, {no_lungs} without lungs; features under {len(tables)} lesion maps "
          f"({time.time() - t0:.0f} s)", flush=True)

    counts = indicator_counts(images)
    indicators = counts[:N_INDICATORS]
    cv = cross_validate(images, tables, indicators, args.resamples, args.folds)
    # Ablation: does the CAM add anything to the lungs' grey level and size? The same CV with the CAM's measures
    # zeroed (constant columns get no weight), one table since the lesion map no longer matters.
    cam_cols = [i for i, f in enumerate(FEATURES) if f.split(".")[1] in CAM_MEASURES]
    no_cam = {}
    for lm, F in list(tables.items())[:1]:
        no_cam[lm] = F.copy()
        no_cam[lm][:, cam_cols] = 0.0
    ablation = cross_validate(images, no_cam, indicators, args.resamples, args.folds)
    cv["withoutCam"] = {k: v for k, v in ablation.items() if k not in ("folds", "oof")}
    cv["maeMinusWithoutCam"] = cam_contribution(images, cv["oof"], ablation["oof"], indicators, args.resamples)
    models, chosen = fit_final(images, tables, indicators)
    models["clinical"] = [shipped_or_withheld(entry, cv.get(entry["id"])) for entry in models["clinical"]]
    nb, nc = int(images["brixiaA"].notna().sum()), int(images["extent"].notna().sum())
    supervision = SUPERVISION.format(cls=models["lesionMap"]["className"], seg=seg_threshold, nb=nb, nc=nc,
                                     win=LAB_WINDOW_DAYS)
    lesions = {"schema": SCHEMA, "appliesTo": {"model": card["id"], "sha256": sha}, "supervision": supervision,
               **models}
    cases, margins = golden_cases(golden, model, classes, seg_threshold, lesions, args.cache)
    ev = {
        "supervision": supervision, "outerFolds": args.folds, "innerFolds": INNER_FOLDS, "resamples": args.resamples,
        "lesionMapGrid": [asdict(LesionMap(*g)) for g in LESION_MAP_GRID], "alphas": list(ALPHAS),
        "featureSets": FEATURE_SETS, "labWindowDays": LAB_WINDOW_DAYS, "minPatients": MIN_PATIENTS,
        "data": {"labelledImages": n_labelled, "noLungs": no_lungs, "images": int(len(images)),
                 "groups": int(images["group_id"].nunique()), "brixiaImages": nb, "cohenImages": nc,
                 "hannoverImages": int(images["hannover"].sum()),
                 "hannoverWithLab": int(images[[f"lab_{i}" for i, *_ in LABS]].notna().any(axis=1).sum()),
                 "limit": args.limit},
        "readers": readers(images, args.resamples), "indicators": indicators, "labCounts": counts,
        "crossValidation": cv, "final": chosen, "goldenMargins": margins,
    }
    ev["seconds"] = time.time() - t0
    (out / "evaluation").mkdir(parents=True, exist_ok=True)
    (out / "lesions.json").write_text(json.dumps(lesions, indent=1, allow_nan=False) + "\n")
    (out / "lesions-golden.json").write_text(json.dumps({"cases": cases}, indent=1, allow_nan=False) + "\n")
    (out / "evaluation" / "lesions.json").write_text(json.dumps(_finite(ev), indent=1, allow_nan=False) + "\n")
    write_card(out / "model-card.md", card_section(_finite(ev)), release / "model-card.md")
    print(json.dumps({"lesionMap": models["lesionMap"],
                      **{k: cv[k]["mae"]["value"] for k in ("brixiaZone", "brixiaGlobal", "extent", "opacity")
                         if k in cv}, "seconds": round(ev["seconds"])}))
    return 0


def _finite(o):
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_finite(v) for v in o]
    if isinstance(o, (float, np.floating)):
        return None if o != o or o in (float("inf"), float("-inf")) else float(o)
    if isinstance(o, np.integer):
        return int(o)
    return o


if __name__ == "__main__":
    sys.exit(main())
