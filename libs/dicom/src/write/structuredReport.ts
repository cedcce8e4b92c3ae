import { attr, type NaturalizedDataset } from '../read';
import type { AnalysisResult, ClassResult, Code } from './AnalysisResult';
import { ANALYSIS_SEGMENTS } from './analysisSegmentation';
import { ctLungGroups, imageAnchor, LESION_CODES, lesionGroups, outlineAnchors } from './lesionMeasurements';
import { evidenceSequence, resultHeader, sourceImage } from './resultHeader';
import { SECONDARY_CAPTURE_IMAGE_STORAGE } from './secondaryCapture';
import { SEGMENTATION_STORAGE } from './segmentationDataset';
import { LUNGFLOW_CODING_SCHEME, srItems } from './srItems';
import { derivedUid } from './uids';
import { writePart10 } from './writePart10';
import type { WrittenResult } from './WrittenResult';

export const COMPREHENSIVE_3D_SR = '1.2.840.10008.5.1.4.1.1.88.34';
export const SR_SERIES_NUMBER = 9901;

const DCM = (value: string, meaning: string): Code => ({ value, scheme: 'DCM', meaning });
/** The concepts of LungFlow's SRs (the review SR shares them). */
export const SR_CODES = {
  report: DCM('126000', 'Imaging Measurement Report'),
  language: DCM('121049', 'Language of Content Item and Descendants'),
  observerType: DCM('121005', 'Observer Type'),
  device: DCM('121007', 'Device'),
  deviceUid: DCM('121012', 'Device Observer UID'),
  deviceName: DCM('121013', 'Device Observer Name'),
  deviceManufacturer: DCM('121014', 'Device Observer Manufacturer'),
  deviceModel: DCM('121015', 'Device Observer Model Name'),
  procedureReported: DCM('121058', 'Procedure reported'),
  imageLibrary: DCM('111028', 'Image Library'),
  imageLibraryGroup: DCM('126200', 'Image Library Group'),
  imagingMeasurements: DCM('126010', 'Imaging Measurements'),
  measurementGroup: DCM('125007', 'Measurement Group'),
  trackingId: DCM('112039', 'Tracking Identifier'),
  trackingUid: DCM('112040', 'Tracking Unique Identifier'),
  finding: DCM('121071', 'Finding'),
  algorithmName: DCM('111001', 'Algorithm Name'),
  algorithmVersion: DCM('111003', 'Algorithm Version'),
  algorithmParameters: DCM('111002', 'Algorithm Parameters'),
  englishUs: { value: 'en-US', scheme: 'RFC5646', meaning: 'English (United States)' },
  // UMLS C0033204 "Probability": DCM has only finding-specific probabilities (e.g. 111047 Probability of cancer).
  probability: { value: 'C0033204', scheme: 'UMLS', meaning: 'Probability' },
  // UCUM "1" (unity): the model's output is a probability in 0..1, stored as is rather than scaled to percent.
  unity: { value: '1', scheme: 'UCUM', meaning: 'no units' },
  positive: { value: '10828004', scheme: 'SCT', meaning: 'Positive' },
  negative: { value: '260385009', scheme: 'SCT', meaning: 'Negative' },
  indeterminate: { value: '82334004', scheme: 'SCT', meaning: 'Indeterminate' },
  chestXray: { value: '399208008', scheme: 'SCT', meaning: 'Plain chest X-ray' },
  chestCt: { value: '169069000', scheme: 'SCT', meaning: 'Computed tomography of chest' },
} satisfies Record<string, Code>;
const C = SR_CODES;

/** A result object the SR points at (its UIDs as written: secondaryCapture, analysisSegmentation). */
export type WrittenReference = Pick<WrittenResult, 'seriesInstanceUid' | 'sopInstanceUid'>;

export interface StructuredReportOptions {
  /** Procedure Reported; default: the source's Procedure Code, else chest X-ray or chest CT by modality. */
  procedureReported?: Code;
  /** The heatmap SC of the same result: Best illustration of finding on the decided class, Pertinent Other Evidence. */
  heatmap?: WrittenReference;
  /** The analysis SEG of the same result: Referenced Segment on the lesion group, Pertinent Other Evidence. */
  segmentation?: WrittenReference;
}

/**
 * A Comprehensive 3D SR following TID 1500 "Imaging Measurement Report" and the IHE AI Results (AIR) profile:
 * device observer context, Procedure Reported, an Image Library naming the analysed instances, and one Measurement
 * Group (TID 1501) per class with Tracking Identifier + Tracking UID (OHIF shows only groups that have both), the
 * Finding code from the model card, the probability as a NUM in UCUM "1", the operating-point decision as a CODE on
 * the decided class (Positive, Negative, or Indeterminate when the model declined to call it), and TID 4019 Algorithm Identification. Verification Flag UNVERIFIED: nobody signed it.
 */
export function structuredReport(result: AnalysisResult, options: StructuredReportOptions = {}): WrittenResult {
  const header = resultHeader(result, 'sr', COMPREHENSIVE_3D_SR, SR_SERIES_NUMBER);
  const { model, decision } = result;
  if (!result.classes.some((c) => c.name === decision.className)) {
    throw new RangeError(`decision names class "${decision.className}", which is not among the results`);
  }
  const algorithm = [
    srItems.text('HAS CONCEPT MOD', C.algorithmName, model.name),
    srItems.text('HAS CONCEPT MOD', C.algorithmVersion, model.version),
    srItems.text('HAS CONCEPT MOD', C.algorithmParameters, `model id ${model.id}; file SHA-256 ${model.fileSha256}`),
    srItems.text('HAS CONCEPT MOD', C.algorithmParameters, `operating point: ${decision.className} positive when probability >= ${decision.threshold}`),
  ];
  // Every NUM is INFERRED FROM a SCOORD on the source image and every group carries it (lesionMeasurements.ts says why).
  const source = sourceImage(result.source, result.frame);
  const anchor = imageAnchor(result.source, source, result.lesions?.peak);
  const outlines = result.lesions ? outlineAnchors(result.source, source, result.lesions.lesionMask) : [];
  const heatmap = options.heatmap && { sopClassUid: SECONDARY_CAPTURE_IMAGE_STORAGE, sopInstanceUid: options.heatmap.sopInstanceUid, seriesInstanceUid: options.heatmap.seriesInstanceUid };
  const seg = options.segmentation && { sopClassUid: SEGMENTATION_STORAGE, sopInstanceUid: options.segmentation.sopInstanceUid, seriesInstanceUid: options.segmentation.seriesInstanceUid };
  const group = (cls: ClassResult): NaturalizedDataset => {
    const decided = cls.name === decision.className;
    return srItems.container(
      'CONTAINS',
      C.measurementGroup,
      [
        srItems.text('HAS OBS CONTEXT', C.trackingId, `LungFlow ${cls.name}`),
        srItems.uidref('HAS OBS CONTEXT', C.trackingUid, derivedUid('lungflow', 'tracking', header.sopInstanceUid, cls.name)),
        srItems.code('CONTAINS', C.finding, cls.code),
        ...algorithm,
        anchor.scoord('CONTAINS', LESION_CODES.imageRegion),
        srItems.num('CONTAINS', C.probability, cls.probability, C.unity, anchor.scoord('INFERRED FROM')),
        ...(decided ? [srItems.code('CONTAINS', cls.code, decision.status === 'indeterminate' ? C.indeterminate : decision.positive ? C.positive : C.negative)] : []),
        ...(decided && heatmap ? [srItems.image('CONTAINS', heatmap.sopClassUid, heatmap.sopInstanceUid, LESION_CODES.bestIllustration)] : []),
      ],
      '1501',
    );
  };
  const observer = [
    srItems.code('HAS OBS CONTEXT', C.observerType, C.device),
    srItems.uidref('HAS OBS CONTEXT', C.deviceUid, derivedUid('lungflow', 'device', model.id, model.version)),
    srItems.text('HAS OBS CONTEXT', C.deviceName, model.name),
    srItems.text('HAS OBS CONTEXT', C.deviceManufacturer, String(header.dataset.Manufacturer)),
    srItems.text('HAS OBS CONTEXT', C.deviceModel, String(header.dataset.ManufacturerModelName)),
  ];
  const content = [
    srItems.code('HAS CONCEPT MOD', C.language, C.englishUs),
    ...observer,
    srItems.code('HAS CONCEPT MOD', C.procedureReported, options.procedureReported ?? procedureOf(result.source)),
    srItems.container('CONTAINS', C.imageLibrary, [
      srItems.container(
        'CONTAINS',
        C.imageLibraryGroup,
        header.analysed.map((i) => srItems.image('CONTAINS', i.sopClassUid, i.sopInstanceUid)),
      ),
    ]),
    srItems.container('CONTAINS', C.imagingMeasurements, [
      ...result.classes.map(group),
      ...(result.lesions
        ? lesionGroups({
            lesions: result.lesions,
            anchor,
            outlines,
            srInstanceUid: header.sopInstanceUid,
            algorithm,
            ...(seg ? { segmentation: { ...seg, lesionSegmentNumber: ANALYSIS_SEGMENTS.lesion, lungSegmentNumber: ANALYSIS_SEGMENTS.lung } } : {}),
          })
        : []),
      ...(result.ctLungs ? ctLungGroups({ ct: result.ctLungs, anchor, srInstanceUid: header.sopInstanceUid, algorithm }) : []),
    ]),
  ];
  const pertinent = [...(heatmap ? [heatmap] : []), ...(seg ? [seg] : [])];

  const dataset: NaturalizedDataset = {
    ...header.dataset,
    Modality: 'SR',
    SeriesDescription: `AI result (${model.name} ${model.version}), not for diagnosis`.slice(0, 64),
    ...(result.lesions || result.ctLungs
      ? { CodingSchemeIdentificationSequence: [{ CodingSchemeDesignator: LUNGFLOW_CODING_SCHEME, CodingSchemeName: 'LungFlow concepts', CodingSchemeResponsibleOrganization: 'LungFlow' }] }
      : {}),
    ReferencedPerformedProcedureStepSequence: [],
    CompletionFlag: 'COMPLETE',
    VerificationFlag: 'UNVERIFIED',
    PerformedProcedureCodeSequence: [],
    CurrentRequestedProcedureEvidenceSequence: evidenceSequence(header.studyInstanceUid, header.analysed),
    ...(pertinent.length ? { PertinentOtherEvidenceSequence: evidenceSequence(header.studyInstanceUid, pertinent) } : {}),
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [{ CodeValue: C.report.value, CodingSchemeDesignator: 'DCM', CodeMeaning: C.report.meaning }],
    ContinuityOfContent: 'SEPARATE',
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '1500' }],
    ContentSequence: content,
  };
  return { dataset, part10: writePart10(dataset), studyInstanceUid: header.studyInstanceUid, seriesInstanceUid: header.seriesInstanceUid, sopInstanceUid: header.sopInstanceUid };
}

const STANDARD_SCHEMES = new Set(['LN', 'SCT', 'RADLEX', 'DCM']);

function procedureOf(source: NaturalizedDataset): Code {
  const [procedure] = attr.items(source, 'ProcedureCodeSequence');
  const value = attr.string(procedure, 'CodeValue') ?? attr.string(procedure, 'LongCodeValue');
  const scheme = attr.string(procedure, 'CodingSchemeDesignator');
  const meaning = attr.string(procedure, 'CodeMeaning');
  // A local code (e.g. scheme GEIIS) means little outside the hospital; AIR consumers expect a standard procedure.
  if (value && scheme && meaning && STANDARD_SCHEMES.has(scheme)) return { value, scheme, meaning };
  return attr.string(source, 'Modality') === 'CT' ? C.chestCt : C.chestXray;
}
