"""The v2 CXR manifest and its group-level split.

What changed against v1 (issue 11, "Fix the split first"):
- `cxr/hannover` joins as its own source, and the ieee8023 rows that cite the Hannover repository are counted as the
  `hannover` site too: leave-one-source-out is about hospitals, not about which mirror an image came through.
- Patients are merged into **groups** that a split may never cut: the ieee8023 patient id, the source paper (DOI)
  and case URL when that paper/case holds at most MAX_PATIENTS_PER_CASE patients (a larger one is a collection such as
  Hannover's, whose patients are real and distinct), and a perceptual duplicate check across every source (the same
  figure filed as two patients, re-crops of one film).
- The split is frozen per group in splits/cxr-v2.csv; the v1 split stays for the v1 release.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from ..manifest import CXR_CLASSES, load_manifest
from ..paths import CACHE_DIR, SPLITS_DIR, shared_data_dir

SEED = 20261202
FRACTIONS = {"val": 0.15, "test": 0.15}
MAX_PATIENTS_PER_CASE = 12
# Pearson r of 32x32 thumbnails above which two images are the same picture. Chosen so that no two RSNA normals
# (800 distinct patients, one image each) are merged, while known same-figure pairs (ieee8023 137/202) are.
DUPLICATE_R_FULL = 0.975
# The same check on crops (70-100 % of each side, 16x16) catches re-cropped copies; stricter because small crops of
# different chest films correlate more.
DUPLICATE_R_CROP = 0.985
SPLIT_FILE = SPLITS_DIR / "cxr-v2.csv"
SITES = ["ieee8023", "hannover", "rsna_normal", "kermany_pediatric"]
# Leave-one-site-out units. ieee8023 is itself a collection of many hospitals' cases, published through a few
# sites; holding the whole collection out would leave Hannover (one hospital, one look) as the only COVID-19 source,
# which measures that look rather than a new hospital. So its cases are held out by the site that published them.
# (The whole-collection fold is still run and reported: `ieee8023`.)
IEEE_SITES = {"radiopaedia.org": "ieee8023:radiopaedia", "eurorad.org": "ieee8023:eurorad", "sirm.org": "ieee8023:sirm"}
LOSO_SITES = [*IEEE_SITES.values(), "ieee8023:other", "hannover", "rsna_normal", "kermany_pediatric"]
# Reviewed cases from a hospital's own PACS (lungflow_training.reviewed): `training/train.sh cxr-v2 --include-reviewed
# DIR` sets this. They are the hospital's own look, which is exactly what the public sources lack.
REVIEWED_ENV = "LUNGFLOW_REVIEWED_DIR"
REVIEWED_SITE = "reviewed"


def _hannover(d: Path) -> pd.DataFrame:
    labels = pd.read_csv(d / "cxr/hannover/labels.csv", dtype=str).fillna("")
    staged = labels[labels["file"] != ""]
    return pd.DataFrame({
        "path": "cxr/hannover/" + staged["file"], "task": "cxr", "label": "covid19",
        "patient_id": staged["patient_id"].map(lambda p: p if p.startswith("hannover_") else f"ieee8023:{p}")
        .map(lambda p: f"hannover:{p[len('hannover_'):]}" if p.startswith("hannover_") else p),
        "source": "hannover", "view": staged["view"], "age_group": "adult", "lung_mask_path": "",
    })


def load_reviewed(directory: Path) -> pd.DataFrame:
    """The CXR rows of a reviewed-cases export (`manifest.csv` of lungflow_training.reviewed), as their own source and
    site. Paths become absolute (the export lives outside ../shared); patients are the export's hashed PACS ids."""
    manifest = pd.read_csv(directory / "manifest.csv", dtype=str).fillna("")
    rows = manifest[manifest["task"] == "cxr"]
    return pd.DataFrame({
        "path": [str((directory / p).resolve()) for p in rows["path"]], "task": "cxr", "label": rows["label"].to_numpy(),
        "patient_id": rows["patient_id"].to_numpy(), "source": REVIEWED_SITE, "view": rows["view"].to_numpy(),
        "age_group": rows["age_group"].to_numpy(), "lung_mask_path": "",
    })


def reviewed_split(group_id: str) -> str:
    """Split of a reviewed group, which the frozen split file cannot know: fixed by a hash of the group id, so a
    patient's later reviews land on the same side and rerunning an export never moves a case between splits."""
    u = int(hashlib.sha256(group_id.encode()).hexdigest()[:12], 16) / 16**12
    return "test" if u < FRACTIONS["test"] else "val" if u < FRACTIONS["test"] + FRACTIONS["val"] else "train"


def _ieee_cases(d: Path, modality: str = "X-ray") -> pd.DataFrame:
    """path -> doi and url of the ieee8023 rows of one modality ("X-ray" under cxr/, "CT" under ct/)."""
    folder = "cxr" if modality == "X-ray" else "ct"
    meta = pd.read_csv(d / folder / "ieee8023/metadata.csv", dtype=str).fillna("")
    meta = meta[meta["modality"] == modality]
    return pd.DataFrame({"path": f"{folder}/ieee8023/images/" + meta["filename"], "doi": meta["doi"].str.strip(),
                         "url": meta["url"].str.strip()}).drop_duplicates("path")


class _Groups:
    def __init__(self, keys: list[str]) -> None:
        self.parent = {k: k for k in keys}

    def find(self, k: str) -> str:
        while self.parent[k] != k:
            self.parent[k] = self.parent[self.parent[k]]
            k = self.parent[k]
        return k

    def union(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


def thumbnails(paths: list[Path]) -> tuple[np.ndarray, np.ndarray]:
    """z-scored 32x32 full thumbnails [N,1024] and 16x16 crops [N,K,256] (K crop boxes per image)."""
    boxes = [(0, 0, 1, 1)] + [(x, y, x + s, y + s) for s in (0.7, 0.85) for x in (0, 1 - s) for y in (0, 1 - s)] \
        + [(0.15, 0.15, 0.85, 0.85), (0.075, 0.075, 0.925, 0.925)]
    full, crops = [], []
    for p in paths:
        with Image.open(p) as img:
            g = img.convert("L")
            w, h = g.size
            full.append(np.asarray(g.resize((32, 32), Image.BILINEAR), dtype=np.float64).ravel())
            crops.append([np.asarray(g.crop((int(a * w), int(b * h), int(c * w), int(e * h))).resize((16, 16), Image.BILINEAR),
                                     dtype=np.float64).ravel() for a, b, c, e in boxes])

    def z(a: np.ndarray) -> np.ndarray:
        a = a - a.mean(axis=-1, keepdims=True)
        return a / (np.linalg.norm(a, axis=-1, keepdims=True) + 1e-9)
    return z(np.stack(full)), z(np.asarray(crops))


def duplicate_pairs(full: np.ndarray, crops: np.ndarray) -> list[tuple[int, int, float]]:
    """Index pairs (i < j) that look like the same picture: full-image r, or any crop of i against the whole of j."""
    pairs = []
    r_full = full @ full.T
    whole = crops[:, 0]
    r_crop = np.max(np.einsum("ikd,jd->ijk", crops, whole), axis=2)
    r_crop = np.maximum(r_crop, r_crop.T)
    n = len(full)
    iu = np.triu_indices(n, 1)
    hit = (r_full[iu] > DUPLICATE_R_FULL) | (r_crop[iu] > DUPLICATE_R_CROP)
    for i, j in zip(iu[0][hit], iu[1][hit]):
        pairs.append((int(i), int(j), float(max(r_full[i, j], r_crop[i, j]))))
    return pairs


def load_cxr_manifest(data_dir: Path | None = None, dedupe: bool = True) -> pd.DataFrame:
    """Every frontal CXR with columns of the v1 manifest plus `site` (hospital, the leave-one-out unit) and `group_id`
    (the unit a split never cuts)."""
    d = Path(data_dir or shared_data_dir())
    base = load_manifest(d)
    base = base[base["task"] == "cxr"]
    parts = [base, _hannover(d)]
    reviewed_dir = os.environ.get(REVIEWED_ENV, "")
    if reviewed_dir:
        parts.append(load_reviewed(Path(reviewed_dir)))
    m = pd.concat(parts, ignore_index=True).sort_values("path", kind="stable").reset_index(drop=True)
    cases = _ieee_cases(d).set_index("path")
    m["site"] = m["source"]
    is_ieee = m["source"] == "ieee8023"
    hannover_url = m["path"].map(cases["url"]).fillna("").str.contains("ml-workgroup")
    m.loc[is_ieee & hannover_url, "site"] = "hannover"

    groups = _Groups(list(m["patient_id"].unique()))
    ieee = m[is_ieee].join(cases, on="path")
    for key in ("doi", "url"):
        by_case = ieee[ieee[key] != ""].groupby(key)["patient_id"].unique()
        for patients in by_case:
            if 1 < len(patients) <= MAX_PATIENTS_PER_CASE:
                for p in patients[1:]:
                    groups.union(patients[0], p)
    m.attrs["duplicates"] = []
    if dedupe:
        # The public images' thumbnails are cached; reviewed ones (a few, and changing) are computed each time.
        public = (m["source"] != REVIEWED_SITE).to_numpy()
        cache = CACHE_DIR / f"cxr-v2-thumbs-{int(public.sum())}.npz"
        if cache.exists():
            z = np.load(cache)
            full_public, crops_public = z["full"], z["crops"]
        else:
            full_public, crops_public = thumbnails([d / p for p in m.loc[public, "path"]])
            cache.parent.mkdir(parents=True, exist_ok=True)
            np.savez(cache, full=full_public, crops=crops_public)
        full = np.zeros((len(m), *full_public.shape[1:]), full_public.dtype)
        crops = np.zeros((len(m), *crops_public.shape[1:]), crops_public.dtype)
        full[public], crops[public] = full_public, crops_public
        if (~public).any():
            full[~public], crops[~public] = thumbnails([Path(p) for p in m.loc[~public, "path"]])
        for i, j, r in duplicate_pairs(full, crops):
            a, b = m.at[i, "patient_id"], m.at[j, "patient_id"]
            if a != b:
                groups.union(a, b)
                m.attrs["duplicates"].append((m.at[i, "path"], m.at[j, "path"], round(r, 4)))
    m["group_id"] = m["patient_id"].map(groups.find)
    domain = m["path"].map(cases["url"]).fillna("").str.extract(r"https?://(?:www\.)?([^/]+)")[0].fillna("")
    m["loso_site"] = np.where(m["site"] == "ieee8023", domain.map(lambda d: IEEE_SITES.get(d, "ieee8023:other")), m["site"])
    # one fold per group: a group (same patient, case or picture) never sits on both sides of a fold
    m["loso_site"] = m.groupby("group_id")["loso_site"].transform(lambda v: v.mode().iloc[0])
    return m.astype(str)


def make_split(m: pd.DataFrame, seed: int = SEED, classes: list[str] = CXR_CLASSES) -> pd.DataFrame:
    """Group-level split stratified by (the group's first label in class order, its site)."""
    rng = np.random.default_rng(seed)
    order = {c: i for i, c in enumerate(classes)}
    g = m.assign(rank=m["label"].map(order)).sort_values(["group_id", "rank"]).drop_duplicates("group_id")
    rows = []
    for _, stratum in g.groupby(["label", "site"], sort=True):
        ids = sorted(stratum["group_id"])
        rng.shuffle(ids)
        n = len(ids)
        n_test, n_val = int(round(n * FRACTIONS["test"])), int(round(n * FRACTIONS["val"]))
        if n >= 3:
            n_test, n_val = max(n_test, 1), max(n_val, 1)
        for i, gid in enumerate(ids):
            rows.append({"group_id": gid, "split": "test" if i < n_test else "val" if i < n_test + n_val else "train"})
    return pd.DataFrame(rows).sort_values("group_id").reset_index(drop=True)


def with_split(m: pd.DataFrame, split_file: Path | None = None) -> pd.DataFrame:
    split_file = split_file or SPLIT_FILE
    split = pd.read_csv(split_file, dtype=str)
    out = m.merge(split, on="group_id", how="left", validate="many_to_one")
    reviewed = (out["site"] == REVIEWED_SITE) & out["split"].isna()
    out.loc[reviewed, "split"] = out.loc[reviewed, "group_id"].map(reviewed_split)
    if out["split"].isna().any():
        raise ValueError(f"{int(out['split'].isna().sum())} images have groups missing from {split_file}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="freeze the v2 CXR group-level split")
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args(argv)
    m = load_cxr_manifest()
    dups = m.attrs["duplicates"]
    print(f"{len(m)} images, {m['patient_id'].nunique()} patients, {m['group_id'].nunique()} groups; "
          f"{len(dups)} cross-patient duplicate pairs")
    for a, b, r in dups[:40]:
        print(f"  dup r={r}: {a} ~ {b}")
    if SPLIT_FILE.exists() and not args.force:
        print(f"{SPLIT_FILE} is frozen; leaving it (use --force to regenerate)")
        return 0
    split = make_split(m)
    split.to_csv(SPLIT_FILE, index=False)
    print(f"wrote {SPLIT_FILE}: {split['split'].value_counts().to_dict()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
