"""reviewed.py: reading a review SR's content tree and WADO-RS multipart bodies (the real round trip runs in
test/browser/review.e2e.test.ts against Orthanc)."""
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from lungflow_training.reviewed import SEG_CLASS, _first_part, read_review


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def _image(sop_class: str, sop: str, name: Dataset | None = None) -> Dataset:
    item = Dataset()
    item.RelationshipType, item.ValueType = "CONTAINS", "IMAGE"
    ref = Dataset()
    ref.ReferencedSOPClassUID, ref.ReferencedSOPInstanceUID = sop_class, sop
    item.ReferencedSOPSequence = Sequence([ref])
    if name is not None:
        item.ConceptNameCodeSequence = Sequence([name])
    return item


def test_reads_label_image_and_segment_from_the_tree():
    finding = Dataset()
    finding.RelationshipType, finding.ValueType = "CONTAINS", "CODE"
    finding.ConceptNameCodeSequence = Sequence([_code("121071", "DCM", "Finding")])
    label = Dataset()
    label.LongCodeValue, label.CodingSchemeDesignator, label.CodeMeaning = "882784691000119100", "SCT", "Pneumonia caused by SARS-CoV-2"
    finding.ConceptCodeSequence = Sequence([label])
    group = Dataset()
    group.ValueType = "CONTAINER"
    group.ContentSequence = Sequence([_image(SEG_CLASS, "2.25.9", _code("121191", "DCM", "Referenced Segment")), finding])
    library = Dataset()
    library.ValueType = "CONTAINER"
    library.ContentSequence = Sequence([_image("1.2.840.10008.5.1.4.1.1.1", "2.25.5")])
    sr = Dataset()
    sr.ContentSequence = Sequence([library, group])
    assert read_review(sr) == {"label": "covid19", "image": ("1.2.840.10008.5.1.4.1.1.1", "2.25.5"), "seg": "2.25.9"}


def test_takes_the_first_part_of_a_multipart_related_body():
    body = b"--b1\r\nContent-Type: application/dicom\r\n\r\nDICM-bytes\r\n--b1--\r\n"
    assert _first_part(body, 'multipart/related; type="application/dicom"; boundary=b1') == b"DICM-bytes"


def test_skips_a_review_whose_seg_the_pacs_no_longer_has(tmp_path, monkeypatch, capsys):
    import urllib.error

    from lungflow_training import reviewed

    series = {"0008103E": {"Value": ["LungFlow review"]}, "0020000D": {"Value": ["2.25.1"]}, "0020000E": {"Value": ["2.25.2"]}}
    instance = {"00080070": {"Value": ["LungFlow"]}, "0020000D": {"Value": ["2.25.1"]}, "0020000E": {"Value": ["2.25.2"]}, "00080018": {"Value": ["2.25.3"]}, "00200013": {"Value": [1]}}
    evidence = Dataset()
    ref_series = Dataset()
    ref_series.SeriesInstanceUID = "2.25.4"
    refs = []
    for sop in ("2.25.5", "2.25.9"):
        ref = Dataset()
        ref.ReferencedSOPInstanceUID = sop
        refs.append(ref)
    ref_series.ReferencedSOPSequence = Sequence(refs)
    evidence.ReferencedSeriesSequence = Sequence([ref_series])
    sr = Dataset()
    sr.CurrentRequestedProcedureEvidenceSequence = Sequence([evidence])
    sr.InstanceNumber = 1

    class Pacs:
        def qido(self, path, query):
            return [series] if path == "series" else [instance]

        def instance(self, study, series_uid, sop):
            if sop == "2.25.3":
                return sr
            raise urllib.error.HTTPError(f"http://pacs/studies/{study}/series/{series_uid}/instances/{sop}", 404, "Not Found", {}, None)

    monkeypatch.setattr(reviewed, "read_review", lambda _: {"label": "covid19", "image": ("1.2.840.10008.5.1.4.1.1.1", "2.25.5"), "seg": "2.25.9"})
    manifest = reviewed.export_reviewed(Pacs(), tmp_path)
    assert len(manifest) == 0
    assert (tmp_path / "manifest.csv").exists()
    assert "skipped study 2.25.1" in capsys.readouterr().err
