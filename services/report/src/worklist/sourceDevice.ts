import { attr, dicomWebJsonToNaturalized, type NaturalizedDataset } from '@lungflow/dicom';
import type { ReportPacs } from '../pacs/ReportPacs';

/** "Manufacturer Model" of the source image, or undefined when it names neither (a device name is not PHI). */
export function deviceOf(dataset: NaturalizedDataset): string | undefined {
  const name = [attr.string(dataset, 'Manufacturer'), attr.string(dataset, 'ManufacturerModelName')]
    .map((part) => part?.trim())
    .filter(Boolean)
    .join(' ');
  return name ? name.slice(0, 64) : undefined;
}

/** The drawn image of a stored result, as report.stored names it: the PACS it came from and its UIDs. */
export interface SourceImageRef {
  sourcePacsId: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
}

/**
 * The device of an image asked of the PACS that holds it (QIDO-RS with includefield Manufacturer and Manufacturer's
 * Model Name, PS3.18 §10.6): what the worklist rebuild needs, since no Kafka event carries the device. Two tags,
 * not the whole image the report handler reads.
 */
export function deviceFromPacs(pacs: Pick<ReportPacs, 'searchInstances' | 'forPacs'>): (ref: SourceImageRef) => Promise<string | undefined> {
  return async (ref) => {
    const routed = pacs.forPacs?.(ref.sourcePacsId) ?? pacs;
    const found = await routed.searchInstances({ SeriesInstanceUID: ref.seriesInstanceUid, SOPInstanceUID: ref.sopInstanceUid, includefield: ['00080070', '00081090'] }, ref.studyInstanceUid);
    return found[0] ? deviceOf(dicomWebJsonToNaturalized(found[0])) : undefined;
  };
}
