"""Reviewed cases back from the PACS: the feedback loop (issue 13, part 4).

Finds LungFlow review SRs over QIDO-RS (Modality SR, Series Description "LungFlow review", Manufacturer LungFlow),
keeps each study's latest revision, reads label and references from the SR, fetches the analysed image and the
review SEG over WADO-RS, and writes them under `--out` with a manifest in the format of `manifest.py` (COLUMNS,
paths relative to `--out`) plus `lesion_mask_path`. Patient-level split: `patient_id` is `pacs:<sha256 of the
PACS Patient ID>[:16]`, so `split.py` keeps one patient's studies on one side and no identifier leaves the PACS.

    python -m lungflow_training.reviewed --dicomweb http://127.0.0.1:8042/dicom-web --user lungflow \\
        --password-env DICOMWEB_PASSWORD --out /data/reviewed

Labels "indeterminate" are skipped (no class to train on). CXR reviews become task `cxr`, CT reviews task `ct` with
COVID-19 → covid19 and every other label → non_covid.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pydicom
from PIL import Image

from .manifest import COLUMNS

REVIEW_SERIES = "LungFlow review"
SEG_CLASS = "1.2.840.10008.5.1.4.1.1.66.4"
LABEL_CODES = {"882784691000119100": "covid19", "233604007": "other_pneumonia", "17621005": "no_finding", "82334004": "indeterminate"}
MANIFEST_COLUMNS = [*COLUMNS, "lesion_mask_path", "study_uid", "reviewer_revision"]


@dataclass
class DicomWeb:
    base: str
    auth: str | None = None

    def _get(self, path: str, accept: str) -> tuple[bytes, str]:
        request = urllib.request.Request(f"{self.base.rstrip('/')}/{path}", headers={"Accept": accept, **({"Authorization": self.auth} if self.auth else {})})
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (a configured PACS URL)
            return response.read(), response.headers.get("Content-Type", "")

    def qido(self, path: str, query: dict[str, str]) -> list[dict]:
        body, _ = self._get(f"{path}?{urllib.parse.urlencode(query, safe='*?,', quote_via=urllib.parse.quote)}", "application/dicom+json")
        return json.loads(body) if body.strip() else []

    def instance(self, study: str, series: str, sop: str) -> pydicom.Dataset:
        body, content_type = self._get(f"studies/{study}/series/{series}/instances/{sop}", 'multipart/related; type="application/dicom"')
        return pydicom.dcmread(io.BytesIO(_first_part(body, content_type)))


def _first_part(body: bytes, content_type: str) -> bytes:
    boundary = next(p.split("=", 1)[1].strip('"') for p in content_type.split(";") if p.strip().startswith("boundary="))
    part = body.split(f"--{boundary}".encode())[1]
    return part.split(b"\r\n\r\n", 1)[1].rstrip(b"\r\n")


def _value(json_ds: dict, tag: str) -> str:
    values = json_ds.get(tag, {}).get("Value") or [""]
    return str(values[0])


def _walk(items):
    for item in items or []:
        yield item
        yield from _walk(getattr(item, "ContentSequence", None))


def read_review(sr: pydicom.Dataset) -> dict:
    """Label, agreement, the analysed image and the SEG, from a review SR's content tree."""
    out: dict = {"label": None, "image": None, "seg": None}
    for item in _walk(sr.ContentSequence):
        name = item.ConceptNameCodeSequence[0] if getattr(item, "ConceptNameCodeSequence", None) else None
        code = name.get("CodeValue", "") if name is not None else ""
        if item.ValueType == "CODE" and code == "121071":
            concept = item.ConceptCodeSequence[0]
            out["label"] = LABEL_CODES.get(concept.get("CodeValue") or concept.get("LongCodeValue", ""))
        elif item.ValueType == "IMAGE":
            ref = item.ReferencedSOPSequence[0]
            if ref.ReferencedSOPClassUID == SEG_CLASS:
                out["seg"] = ref.ReferencedSOPInstanceUID
            elif name is None:
                out["image"] = (ref.ReferencedSOPClassUID, ref.ReferencedSOPInstanceUID)
    return out


def _series_of(evidence: pydicom.Sequence, sop: str) -> str:
    for study in evidence:
        for series in study.ReferencedSeriesSequence:
            if any(r.ReferencedSOPInstanceUID == sop for r in series.ReferencedSOPSequence):
                return series.SeriesInstanceUID
    raise ValueError(f"SOP Instance {sop} is not in the SR's evidence")


def export_reviewed(pacs: DicomWeb, out: Path) -> pd.DataFrame:
    """Writes images, lesion masks (PNG, 0/255) and `manifest.csv` under `out`; returns the manifest."""
    # Orthanc matches Series Description at series level only (series first, then their instances), and an exact
    # value with a space matches nothing there: a wildcard pattern does, checked exactly below.
    found = []
    for series in pacs.qido("series", {"Modality": "SR", "SeriesDescription": REVIEW_SERIES.replace(" ", "?"), "includefield": "0008103E"}):
        if _value(series, "0008103E") != REVIEW_SERIES:
            continue
        study, uid = _value(series, "0020000D"), _value(series, "0020000E")
        found += pacs.qido(f"studies/{study}/series/{uid}/instances", {"includefield": "00200013,00080070,0020000E,0020000D"})
    latest: dict[str, dict] = {}
    for j in found:
        if _value(j, "00080070") != "LungFlow":
            continue
        study = _value(j, "0020000D")
        if study not in latest or int(_value(j, "00200013") or 0) > int(_value(latest[study], "00200013") or 0):
            latest[study] = j
    rows = []
    for study, j in sorted(latest.items()):
        sr = pacs.instance(study, _value(j, "0020000E"), _value(j, "00080018"))
        review = read_review(sr)
        if review["label"] in (None, "indeterminate") or not review["image"] or not review["seg"]:
            continue
        evidence = sr.CurrentRequestedProcedureEvidenceSequence
        image_sop = review["image"][1]
        try:
            image = pacs.instance(study, _series_of(evidence, image_sop), image_sop)
            seg = pacs.instance(study, _series_of(evidence, review["seg"]), review["seg"])
        except urllib.error.HTTPError as error:
            # A PACS may have deleted the image or the SEG since the review (retention, a correction): that case
            # cannot be trained on, and it must not cost the export every other case.
            if error.code != 404:
                raise
            print(f"skipped study {study}: its review SR names an instance the PACS no longer has ({error.url})", file=sys.stderr)
            continue
        mask = seg.pixel_array.astype(np.uint8).reshape(int(seg.Rows), int(seg.Columns))
        folder = out / study
        folder.mkdir(parents=True, exist_ok=True)
        image.save_as(folder / "image.dcm")
        Image.fromarray(mask * 255).save(folder / "lesion_mask.png")
        task = "ct" if image.Modality == "CT" else "cxr"
        label = review["label"] if task == "cxr" else ("covid19" if review["label"] == "covid19" else "non_covid")
        rows.append({
            "path": f"{study}/image.dcm", "task": task, "label": label,
            "patient_id": "pacs:" + hashlib.sha256(str(image.get("PatientID", "")).encode()).hexdigest()[:16],
            "source": "pacs-review", "view": str(image.get("ViewPosition", "")), "age_group": "unknown",
            "lung_mask_path": "", "lesion_mask_path": f"{study}/lesion_mask.png", "study_uid": study,
            "reviewer_revision": int(sr.InstanceNumber),
        })
    manifest = pd.DataFrame(rows, columns=MANIFEST_COLUMNS)
    out.mkdir(parents=True, exist_ok=True)
    manifest.to_csv(out / "manifest.csv", index=False)
    return manifest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dicomweb", required=True, help="DICOMweb root, e.g. http://127.0.0.1:8042/dicom-web")
    parser.add_argument("--user", help="HTTP Basic user of the PACS")
    parser.add_argument("--password-env", default="DICOMWEB_PASSWORD", help="environment variable holding the password")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    auth = None
    if args.user:
        auth = "Basic " + base64.b64encode(f"{args.user}:{os.environ.get(args.password_env, '')}".encode()).decode()
    manifest = export_reviewed(DicomWeb(args.dicomweb, auth), args.out)
    print(f"{len(manifest)} reviewed case(s) written to {args.out / 'manifest.csv'}")


if __name__ == "__main__":
    main()
