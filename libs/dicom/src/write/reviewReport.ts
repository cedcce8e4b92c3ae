import type { NaturalizedDataset } from '../read';
import type { Code, ReferencedInstance } from './AnalysisResult';
import { imageAnchor, LESION_CODES } from './lesionMeasurements';
import { dicomDateTime, evidenceSequence, sourceImage } from './resultHeader';
import type { ReviewResult } from './ReviewResult';
import { reviewHeader } from './reviewHeader';
import { LESION_SEGMENT_NUMBER, SEGMENTATION_STORAGE } from './segmentation';
import { codeItem, LUNGFLOW_CODING_SCHEME, srItems } from './srItems';
import { COMPREHENSIVE_3D_SR, SR_CODES } from './structuredReport';
import { derivedUid } from './uids';
import { writePart10 } from './writePart10';
import type { WrittenResult } from './WrittenResult';

export const REVIEW_SR_SERIES_NUMBER = 9912;

export { LUNGFLOW_CODING_SCHEME } from './srItems';
const LF = (value: string, meaning: string): Code => ({ value, scheme: LUNGFLOW_CODING_SCHEME, meaning });
const DCM = (value: string, meaning: string): Code => ({ value, scheme: 'DCM', meaning });

/** Concepts of the review SR; exported so readers (the training exporter, tests) match the same codes. */
export const REVIEW_CODES = {
  ...SR_CODES,
  person: DCM('121006', 'Person'),
  personName: DCM('121008', 'Person Observer Name'),
  referencedSegment: DCM('121191', 'Referenced Segment'),
  agreement: LF('AIAGREE', 'Agreement with AI result'),
  reviewedAiResult: LF('AISR', 'Reviewed AI result'),
  yes: { value: '373066001', scheme: 'SCT', meaning: 'Yes' },
  no: { value: '373067005', scheme: 'SCT', meaning: 'No' },
  score: { value: '{score}', scheme: 'UCUM', meaning: 'score' },
} satisfies Record<string, Code>;

const reference = (instance: ReferencedInstance) => ({ ReferencedSOPClassUID: instance.sopClassUid, ReferencedSOPInstanceUID: instance.sopInstanceUid });

/**
 * The radiologist's review as a Comprehensive 3D SR, TID 1500: the reviewer as person observer (TID 1003 in the
 * Observer Context) and as Verifying Observer (Verification Flag VERIFIED: a person signed it), one Measurement Group
 * with the label as Finding, agreement with the model as a CODE (Yes/No), optional severity scores as NUM (each
 * INFERRED FROM the whole image as a SCOORD, which the group carries too), and the
 * corrected lesion outline as a Referenced Segment into the review SEG. The model's own SR is Pertinent Other
 * Evidence and the reviewer's previous revision a Predecessor Document, so revisions chain and never overwrite.
 */
export function reviewReport(review: ReviewResult, seg: Pick<WrittenResult, 'seriesInstanceUid' | 'sopInstanceUid'>): WrittenResult {
  const header = reviewHeader(review, 'review-sr', COMPREHENSIVE_3D_SR, REVIEW_SR_SERIES_NUMBER);
  const C = REVIEW_CODES;
  const source = sourceImage(review.source, review.frame);
  const segInstance: ReferencedInstance = { sopClassUid: SEGMENTATION_STORAGE, sopInstanceUid: seg.sopInstanceUid, seriesInstanceUid: seg.seriesInstanceUid };
  // The scores grade the whole image (Brixia, CT severity score), so their SCOORD is the whole image as a closed
  // POLYLINE, SELECTED FROM the source: the group carries it (OHIF places only groups with a SCOORD) and every NUM is
  // INFERRED FROM it, as in the model's SR. OHIF before its PR #5703 reads each NUM's ContentSequence as its graphic
  // and throws on a NUM without one.
  const anchor = imageAnchor(review.source, source, undefined);
  const scores = review.severity ?? [];
  const group = srItems.container(
    'CONTAINS',
    C.measurementGroup,
    [
      srItems.text('HAS OBS CONTEXT', C.trackingId, 'LungFlow review'),
      srItems.uidref('HAS OBS CONTEXT', C.trackingUid, derivedUid('lungflow', 'review-tracking', header.sopInstanceUid)),
      {
        RelationshipType: 'CONTAINS',
        ValueType: 'IMAGE',
        ConceptNameCodeSequence: [codeItem(C.referencedSegment)],
        ReferencedSOPSequence: [{ ...reference(segInstance), ReferencedSegmentNumber: LESION_SEGMENT_NUMBER }],
      },
      srItems.code('CONTAINS', C.finding, review.label),
      srItems.code('CONTAINS', C.agreement, review.agreesWithModel ? C.yes : C.no),
      ...(review.modelSr ? [srItems.uidref('CONTAINS', C.reviewedAiResult, review.modelSr.sopInstanceUid)] : []),
      ...(scores.length ? [anchor.scoord('CONTAINS', LESION_CODES.imageRegion)] : []),
      ...scores.map((s) => srItems.num('CONTAINS', s.name, s.value, C.score, anchor.scoord('INFERRED FROM'))),
    ],
    '1501',
  );
  const content = [
    srItems.code('HAS CONCEPT MOD', C.language, C.englishUs),
    srItems.code('HAS OBS CONTEXT', C.observerType, C.person),
    { RelationshipType: 'HAS OBS CONTEXT', ValueType: 'PNAME', ConceptNameCodeSequence: [codeItem(C.personName)], PersonName: review.reviewer.displayName },
    srItems.code('HAS CONCEPT MOD', C.procedureReported, review.source.Modality === 'CT' ? C.chestCt : C.chestXray),
    srItems.container('CONTAINS', C.imageLibrary, [srItems.container('CONTAINS', C.imageLibraryGroup, [srItems.image('CONTAINS', source.sopClassUid, source.sopInstanceUid)])]),
    srItems.container('CONTAINS', C.imagingMeasurements, [group]),
  ];
  const studyUid = header.studyInstanceUid;
  const dataset: NaturalizedDataset = {
    ...header.dataset,
    Modality: 'SR',
    CodingSchemeIdentificationSequence: [{ CodingSchemeDesignator: LUNGFLOW_CODING_SCHEME, CodingSchemeName: 'LungFlow review concepts', CodingSchemeResponsibleOrganization: 'LungFlow' }],
    ReferencedPerformedProcedureStepSequence: [],
    CompletionFlag: 'COMPLETE',
    VerificationFlag: 'VERIFIED',
    VerifyingObserverSequence: [
      { VerifyingObserverName: review.reviewer.displayName, VerifyingObserverIdentificationCodeSequence: [], VerifyingOrganization: review.reviewer.organization ?? 'LungFlow', VerificationDateTime: dicomDateTime(header.now) },
    ],
    ...(review.previousRevision ? { PredecessorDocumentsSequence: evidenceSequence(studyUid, [review.previousRevision]) } : {}),
    ...(review.modelSr ? { PertinentOtherEvidenceSequence: evidenceSequence(studyUid, [review.modelSr]) } : {}),
    PerformedProcedureCodeSequence: [],
    CurrentRequestedProcedureEvidenceSequence: evidenceSequence(studyUid, [source, segInstance]),
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [codeItem(C.report)],
    ContinuityOfContent: 'SEPARATE',
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '1500' }],
    ContentSequence: content,
  };
  return { dataset, part10: writePart10(dataset), studyInstanceUid: studyUid, seriesInstanceUid: header.seriesInstanceUid, sopInstanceUid: header.sopInstanceUid };
}

