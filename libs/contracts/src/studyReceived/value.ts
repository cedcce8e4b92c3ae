import { z } from 'zod';
import { dicomUid, httpUrl, isoTimestamp, traceId } from '../common';

export const STUDY_RECEIVED_SCHEMA_VERSION = 1 as const;

/** One in-scope instance: where to fetch it (WADO-RS), never its pixels. */
export const receivedInstance = z
  .object({
    sopInstanceUid: dicomUid,
    sopClassUid: dicomUid,
    instanceNumber: z.number().int().optional(),
    /** Frames in a multi-frame object (1 for a single-frame image). */
    numberOfFrames: z.number().int().positive().default(1),
    /** WADO-RS location of the instance (…/studies/{s}/series/{se}/instances/{i}). */
    wadoRsUrl: httpUrl,
  })
  .strict();

export const receivedSeries = z
  .object({
    seriesInstanceUid: dicomUid,
    modality: z.enum(['CR', 'DX', 'CT']),
    /** What ingest's scope check decided this series is: a chest radiograph or a chest CT. */
    kind: z.enum(['cxr', 'ct']),
    bodyPartExamined: z.string().optional(),
    seriesDescription: z.string().optional(),
    seriesNumber: z.number().int().optional(),
    instanceCount: z.number().int().positive(),
    wadoRsUrl: httpUrl,
    instances: z.array(receivedInstance).min(1),
  })
  .strict()
  .refine((series) => series.instances.length === series.instanceCount, { message: 'instanceCount must equal instances.length' });

/**
 * `study.received` v1: a study has been quiet for the configured time and holds at least one in-scope series.
 * A study that grows later (a late series) is published again with `studyVersion` + 1 and the full in-scope set;
 * consumers keep the highest version per study.
 */
export const studyReceivedValue = z
  .object({
    schemaVersion: z.literal(STUDY_RECEIVED_SCHEMA_VERSION),
    studyInstanceUid: dicomUid,
    /** 1, 2, …: increases each time the study's in-scope instance set changes. */
    studyVersion: z.number().int().positive(),
    /** sha256 (hex) of the sorted in-scope SOP Instance UIDs: the identity of this version's content. */
    contentHash: z.string().regex(/^[0-9a-f]{64}$/),
    /** Distinct modalities of the in-scope series. */
    modalities: z.array(z.enum(['CR', 'DX', 'CT'])).min(1),
    /** Distinct Body Part Examined values of the in-scope series (empty when the PACS sends none). */
    bodyParts: z.array(z.string()),
    instanceCount: z.number().int().positive(),
    series: z.array(receivedSeries).min(1),
    /** WADO-RS location of the study. */
    wadoRsUrl: httpUrl,
    /** When ingest decided the study was complete (quiet). */
    receivedAt: isoTimestamp,
    /** Which PACS the study came from (INGEST_PACS_ID): consumers fetch pixels and write results there. */
    sourcePacsId: z.string().min(1).max(64),
    /** How ingest learned of the study. */
    source: z.enum(['orthanc-changes', 'qido', 'stow', 'dimse']),
    traceId,
  })
  .strict();

export type StudyReceived = z.infer<typeof studyReceivedValue>;
export type StudyReceivedSeries = z.infer<typeof receivedSeries>;
export type StudyReceivedInstance = z.infer<typeof receivedInstance>;
