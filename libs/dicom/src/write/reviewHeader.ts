import { LUNGFLOW_MANUFACTURER, LUNGFLOW_MODEL_NAME } from '../identity';
import { attr, type NaturalizedDataset } from '../read';
import { contentTimes, dicomDateTime, patientAndStudy } from './resultHeader';
import type { ReviewResult } from './ReviewResult';
import { reviewUids, type ReviewKind } from './reviewUids';
import { codeItem } from './srItems';

/** Series Description of both review series: how the training exporter's QIDO finds them (with Manufacturer). */
export const REVIEW_SERIES_DESCRIPTION = 'LungFlow review';

/**
 * The header of a review object: the source's patient and study, the review series, and LungFlow's equipment
 * identity (identity.ts), so ingest's scope check sees LungFlow's own output and never analyses a review.
 */
export function reviewHeader(review: ReviewResult, kind: ReviewKind, sopClassUid: string, seriesNumber: number) {
  const studyInstanceUid = attr.string(review.source, 'StudyInstanceUID');
  if (!studyInstanceUid) throw new RangeError('source data set has no StudyInstanceUID');
  if (!Number.isInteger(review.revision) || review.revision < 1) throw new RangeError(`revision must be a positive integer, got ${review.revision}`);
  const uids = reviewUids(studyInstanceUid, review.reviewer.username, review.revision, kind);
  const now = review.now ?? new Date();
  const software = [review.softwareVersion ?? '0'];
  const dataset: NaturalizedDataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: sopClassUid,
    SOPInstanceUID: uids.sopInstanceUid,
    ...patientAndStudy(review.source),
    SeriesInstanceUID: uids.seriesInstanceUid,
    SeriesNumber: seriesNumber,
    SeriesDescription: REVIEW_SERIES_DESCRIPTION,
    InstanceNumber: review.revision,
    ...contentTimes(now),
    Manufacturer: LUNGFLOW_MANUFACTURER,
    ManufacturerModelName: LUNGFLOW_MODEL_NAME,
    DeviceSerialNumber: 'review',
    SoftwareVersions: software,
    ContributingEquipmentSequence: [
      {
        Manufacturer: LUNGFLOW_MANUFACTURER,
        ManufacturerModelName: LUNGFLOW_MODEL_NAME,
        SoftwareVersions: software,
        PurposeOfReferenceCodeSequence: [codeItem({ value: '109103', scheme: 'DCM', meaning: 'Modifying Equipment' })],
        ContributionDateTime: dicomDateTime(now),
        ContributionDescription: `Radiologist review, revision ${review.revision}`,
      },
    ],
  };
  return { dataset, studyInstanceUid, ...uids, now };
}
