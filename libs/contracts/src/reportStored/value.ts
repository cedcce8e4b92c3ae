import { z } from 'zod';
import { dicomUid, httpUrl, isoTimestamp, traceId } from '../common';

export const REPORT_STORED_SCHEMA_VERSION = 1 as const;

const storedObject = z
  .object({
    studyInstanceUid: dicomUid,
    seriesInstanceUid: dicomUid,
    sopInstanceUid: dicomUid,
    sopClassUid: dicomUid,
    wadoRsUrl: httpUrl,
  })
  .strict();

/** `report.stored` v1: LungFlow's SR (and secondary captures, and segmentations) for one study version are in the PACS. */
export const reportStoredValue = z
  .object({
    schemaVersion: z.literal(REPORT_STORED_SCHEMA_VERSION),
    studyInstanceUid: dicomUid,
    studyVersion: z.number().int().positive(),
    traceId,
    sourcePacsId: z.string().min(1).max(64),
    /** Worklist priority derived from the aggregate decision: `urgent` when positive. */
    priority: z.enum(['urgent', 'routine']),
    sr: storedObject,
    secondaryCaptures: z.array(storedObject),
    /**
     * Optional (added compatibly, like inference.completed's `lesions`): the Segmentation objects stored beside the SR
     * (the lung and lesion SEG of results with lesion findings). Absent when none was written and from older
     * producers. Readers are strict, so deploy the consumers before the producer (report).
     */
    segmentations: z.array(storedObject).max(16).optional(),
    storedAt: isoTimestamp,
  })
  .strict();

export type ReportStored = z.infer<typeof reportStoredValue>;
export type StoredObject = z.infer<typeof storedObject>;
