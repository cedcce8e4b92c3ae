import { z } from 'zod';
import { decision, modelIdentity } from '../inferenceCompleted/value';
import { reportStoredValue } from '../reportStored/value';

export const REPORT_STORED_V2_SCHEMA_VERSION = 2 as const;

/**
 * How much of the lungs the model marks as affected. No released model measures it yet, so the field is optional
 * and the outputs (HL7 ORU, FHIR) send it only when present.
 */
export const lesionExtent = z
  .object({
    /** Affected fraction of the lung fields, 0..1. */
    affectedLungFraction: z.number().min(0).max(1),
    /** How it was measured (e.g. "cam-threshold-0.5"). */
    method: z.string().min(1),
  })
  .strict();

/**
 * `report.stored` v2: v1 plus the result itself, so that the result outputs (HL7 v2 ORU to the RIS, FHIR R4) need
 * no second source. A new topic because v1 readers validate strictly and would refuse the new field; report writes
 * both until no v1 reader is left.
 */
export const reportStoredV2Value = reportStoredValue
  .omit({ schemaVersion: true })
  .extend({
    schemaVersion: z.literal(REPORT_STORED_V2_SCHEMA_VERSION),
    result: z
      .object({
        /** Modality of the analysed image the SR and SC were made from. */
        modality: z.string().min(1).max(16),
        model: modelIdentity,
        decision,
        /** Study-level probability per class. */
        probabilities: z.record(z.string().min(1), z.number().min(0).max(1)),
        analysedImages: z.number().int().positive(),
        lesionExtent: lesionExtent.optional(),
      })
      .strict(),
  })
  .strict();

export type ReportStoredV2 = z.infer<typeof reportStoredV2Value>;
export type LesionExtent = z.infer<typeof lesionExtent>;
