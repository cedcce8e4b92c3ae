import { z } from 'zod';
import { dicomUid, isoTimestamp, traceId } from '../common';
import { ctSeriesLungs, lesionFindings } from './lesions';

export const INFERENCE_COMPLETED_SCHEMA_VERSION = 1 as const;

export const modelIdentity = z
  .object({
    id: z.string().min(1),
    version: z.string().min(1),
    /** sha256 (hex) of the weights file that produced the result. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

export const decision = z
  .object({
    className: z.string().min(1),
    threshold: z.number().min(0).max(1),
    /** `status === 'positive'`; an indeterminate result is not positive. */
    positive: z.boolean(),
    /**
     * Optional (added for models that can decline, v2): `indeterminate` when the model found no lungs or the
     * probability lies in the card's indeterminate band; absent from older producers, where `positive` says it all.
     */
    status: z.enum(['positive', 'negative', 'indeterminate']).optional(),
    /** Why indeterminate: `no-lungs` or `uncertain` (in the band). Only with status `indeterminate`. */
    reason: z.enum(['no-lungs', 'uncertain']).optional(),
  })
  .strict()
  .refine((d) => d.status === undefined || d.positive === (d.status === 'positive'), { message: 'positive must equal status === "positive"' })
  .refine((d) => d.reason === undefined || d.status === 'indeterminate', { message: 'reason is only for an indeterminate status' });

/**
 * A low-resolution class activation map (CAM): the model's attention, never pixels of the image. Either a base64
 * float32 little-endian buffer or a plain number array, row-major, of `shape` [height, width], at most 64×64.
 */
export const activationMap = z
  .object({
    shape: z.tuple([z.number().int().min(1).max(64), z.number().int().min(1).max(64)]),
    encoding: z.enum(['float32-base64', 'array']),
    data: z.union([z.string().max(22_000), z.array(z.number()).max(64 * 64)]),
    /** Which class the map explains. */
    className: z.string().min(1),
  })
  .strict()
  .refine((map) => (map.encoding === 'array' ? Array.isArray(map.data) : typeof map.data === 'string'), { message: 'data must match encoding' })
  .refine((map) => {
    const cells = map.shape[0] * map.shape[1];
    return Array.isArray(map.data) ? map.data.length === cells : Buffer.from(map.data, 'base64').length === cells * 4;
  }, { message: 'data length must equal shape[0] × shape[1] values' });

const probabilities = z.record(z.string().min(1), z.number().min(0).max(1));

/** The result for one analysed image: one instance and, for multi-frame objects, one frame. */
export const instanceResult = z
  .object({
    seriesInstanceUid: dicomUid,
    sopInstanceUid: dicomUid,
    /** 1-based frame number (1 for single-frame images). */
    frame: z.number().int().positive(),
    model: modelIdentity,
    probabilities,
    decision,
    activationMap: activationMap.optional(),
    /** Optional (models that segment, v2): share of the model's lung map above the card's lung threshold. */
    lungs: z.object({ areaFraction: z.number().min(0).max(1) }).strict().optional(),
    /** Optional (CXR models with `lungs` and `cam`): lesion areas, severity, clinical indicators and their masks. */
    lesions: lesionFindings.optional(),
    /**
     * Optional (added compatibly, like `lungs`): the analysed instance's SOP Class UID, as study.received gave it, so
     * report names every analysed instance in the SR without asking the PACS again. Absent from older producers.
     */
    sopClassUid: dicomUid.optional(),
    /** Optional, only for multi-frame instances (> 1): how many frames the instance has; `frame` is one of them. */
    numberOfFrames: z.number().int().min(2).optional(),
  })
  .strict()
  .refine((r) => r.numberOfFrames === undefined || r.frame <= r.numberOfFrames, { message: 'frame must not exceed numberOfFrames' });

/** `inference.completed` v1: every analysed image of one study version, and the study-level verdict. */
export const inferenceCompletedValue = z
  .object({
    schemaVersion: z.literal(INFERENCE_COMPLETED_SCHEMA_VERSION),
    studyInstanceUid: dicomUid,
    studyVersion: z.number().int().positive(),
    traceId,
    sourcePacsId: z.string().min(1).max(64),
    results: z.array(instanceResult).min(1),
    /** Optional (CT models): per analysed CT series, lung volume and the CAM-based involved share. */
    ctLungs: z.array(ctSeriesLungs).max(64).optional(),
    aggregate: z
      .object({
        /** How the instance results were combined (e.g. "max", "mean-top-k"). */
        method: z.string().min(1),
        probabilities,
        decision,
        analysedImages: z.number().int().positive(),
      })
      .strict(),
    provenance: z
      .object({
        lungflowVersion: z.string().min(1),
        startedAt: isoTimestamp,
        finishedAt: isoTimestamp,
      })
      .strict(),
  })
  .strict();

export type InferenceCompleted = z.infer<typeof inferenceCompletedValue>;
export type InstanceResult = z.infer<typeof instanceResult>;
export type ActivationMap = z.infer<typeof activationMap>;
export type ModelIdentity = z.infer<typeof modelIdentity>;
