"""One manifest of every labelled image in ../shared/data, for both tasks.

Paths (`path`, `lung_mask_path`) are relative to the shared data folder so the manifest, the caches and the golden
files stay valid wherever the data folder is mounted; join them with `resolve(data_dir, rel)`.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

COLUMNS = ["path", "task", "label", "patient_id", "source", "view", "age_group", "lung_mask_path"]
CXR_CLASSES = ["covid19", "other_pneumonia", "no_finding"]
CT_CLASSES = ["covid19", "non_covid"]
CLASSES = {"cxr": CXR_CLASSES, "ct": CT_CLASSES}
FRONTAL_VIEWS = {"PA", "AP", "AP Supine"}

# ieee8023 findings that are infectious pneumonia but not COVID-19 (SOURCES.md: the 96 "other pneumonia" rows).
# Lipoid pneumonia and ARDS alone are not clearly infectious, so they are left out rather than forced into a class.
IEEE_OTHER_PNEUMONIA = {
    "SARS", "Pneumocystis", "Pneumonia", "Streptococcus", "Klebsiella", "Mycoplasma Bacterial Pneumonia",
    "Legionella", "Varicella", "E.Coli", "Bacterial", "Influenza",
}
IEEE_COVID = {"COVID-19", "COVID-19, ARDS"}
PEDIATRIC_MAX_AGE = 17


def resolve(data_dir: str | Path, rel: str) -> Path:
    """Absolute path of a manifest path ('' stays '')."""
    return Path(data_dir) / rel if rel else Path("")


def _age_group(age: object) -> str:
    try:
        value = float(age)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "unknown"
    if value != value:  # NaN
        return "unknown"
    return "pediatric" if value <= PEDIATRIC_MAX_AGE else "adult"


def _ieee8023(data_dir: Path, modality: str, task: str) -> pd.DataFrame:
    folder = "cxr" if task == "cxr" else "ct"
    staged = pd.read_csv(data_dir / folder / "ieee8023" / "staged_index.csv", dtype=str).fillna("")
    meta = pd.read_csv(data_dir / folder / "ieee8023" / "metadata.csv", dtype=str).fillna("")
    staged = staged[(staged["excluded_reason"] == "") & (staged["modality"] == modality)]
    path_col = "staged_path (relative to shared/data)"
    staged = staged[staged[path_col].str.startswith(f"{folder}/ieee8023/")]
    ages = meta.drop_duplicates("filename").set_index("filename")["age"]
    masks: dict[str, str] = {}
    if task == "cxr":
        index = pd.read_csv(data_dir / "cxr/ieee8023/annotations/v7labs_lung_masks_index.csv", dtype=str)
        for _, m in index.iterrows():
            if m["empty"] != "1":
                masks[Path(m["image_file"]).name] = f"cxr/ieee8023/{m['mask_file']}"
    rows = []
    for _, r in staged.iterrows():
        finding = r["finding"]
        if task == "cxr":
            if r["view"] not in FRONTAL_VIEWS:
                continue
            if finding in IEEE_COVID:
                label = "covid19"
            elif finding in IEEE_OTHER_PNEUMONIA:
                label = "other_pneumonia"
            elif finding == "No Finding":
                label = "no_finding"
            else:
                continue
        else:
            label = "covid19" if finding in IEEE_COVID else "non_covid"
        rows.append({
            "path": r[path_col], "task": task, "label": label, "patient_id": f"ieee8023:{r['patientid']}",
            "source": "ieee8023", "view": r["view"], "age_group": _age_group(ages.get(r["filename"], "")),
            "lung_mask_path": masks.get(r["filename"], ""),
        })
    # A few metadata rows point at the same file (SOURCES.md: 569 rows, 564 files); keep each image once.
    return pd.DataFrame(rows, columns=COLUMNS).drop_duplicates("path")


def _kermany(data_dir: Path) -> pd.DataFrame:
    labels = pd.read_csv(data_dir / "cxr/kermany_pediatric/labels.csv", dtype=str)
    label_map = {"NORMAL": "no_finding", "BACTERIA": "other_pneumonia", "VIRUS": "other_pneumonia"}
    return pd.DataFrame({
        "path": "cxr/kermany_pediatric/" + labels["image"], "task": "cxr", "label": labels["label"].map(label_map),
        # Pneumonia ('personN') and normal ('IM-XXXX') ids are separate spaces, so the prefix keeps them apart.
        "patient_id": "kermany:" + labels["patient_id"], "source": "kermany_pediatric", "view": "",
        "age_group": "pediatric", "lung_mask_path": "",
    }, columns=COLUMNS)


def _rsna(data_dir: Path) -> pd.DataFrame:
    labels = pd.read_csv(data_dir / "cxr/rsna_normal/labels.csv", dtype=str)
    return pd.DataFrame({
        "path": "cxr/rsna_normal/" + labels["file"], "task": "cxr", "label": "no_finding",
        "patient_id": "rsna:" + labels["patient_id"], "source": "rsna_normal", "view": labels["view"],
        "age_group": labels["age"].map(_age_group), "lung_mask_path": "",
    }, columns=COLUMNS)


def _ucsd(data_dir: Path) -> pd.DataFrame:
    base = data_dir / "ct/ucsd_covid_ct"
    meta = pd.read_csv(base / "covid_metainfo_from_xlsx.csv", dtype=str).fillna("")
    by_file = meta.set_index("image_file")
    rows = []
    for cls, label in (("CT_COVID", "covid19"), ("CT_NonCOVID", "non_covid")):
        for f in sorted(p.name for p in (base / cls).iterdir() if p.is_file()):
            if label == "covid19" and f in by_file.index and by_file.loc[f, "Patient ID"]:
                pid = by_file.loc[f, "Patient ID"]
                age = by_file.loc[f, "Age"]
            else:
                # NonCOVID files carry no patient id; SOURCES.md suggests the stem before '%' as a heuristic.
                pid = f"{cls}/{Path(f).stem.split('%')[0]}"
                age = ""
            rows.append({
                "path": f"ct/ucsd_covid_ct/{cls}/{f}", "task": "ct", "label": label,
                "patient_id": f"ucsd:{pid}", "source": "ucsd_covid_ct", "view": "",
                "age_group": _age_group(age), "lung_mask_path": "",
            })
    return pd.DataFrame(rows, columns=COLUMNS)


def load_manifest(shared_data_dir: str | Path) -> pd.DataFrame:
    """Every labelled image of both tasks (filter on `task`), sorted by path so the order is reproducible."""
    d = Path(shared_data_dir)
    parts = [
        _ieee8023(d, "X-ray", "cxr"), _kermany(d), _rsna(d),
        _ieee8023(d, "CT", "ct"), _ucsd(d),
    ]
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["task", "path"], kind="stable").reset_index(drop=True)
    return out.astype(str)
