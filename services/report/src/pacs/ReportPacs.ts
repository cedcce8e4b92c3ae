import type { DicomJson, RenderedOptions, StowResult } from '@lungflow/dicomweb';

/**
 * What the report service asks of the PACS (a DicomWebClient in production, a fake in unit tests). Whole instances,
 * not frames: this Orthanc cannot decompress JPEG 2000, and libs/dicom decodes every syntax we accept.
 */
export interface ReportPacs {
  retrieveInstance(studyUid: string, seriesUid: string, sopUid: string): Promise<Uint8Array>;
  searchInstances(query: Record<string, string | number | string[]>, studyUid?: string): Promise<DicomJson[]>;
  storeInstances(instances: readonly Uint8Array[], studyUid?: string): Promise<StowResult>;
  retrieveRendered(studyUid: string, seriesUid: string, sopUid: string, options?: RenderedOptions): Promise<Uint8Array>;
  /** The PACS of one `sourcePacsId` where several are configured (LUNGFLOW_PACS), with its DICOMweb root. */
  forPacs?(sourcePacsId: string): ReportPacs & { dicomWebUrl: string };
}
