import { z } from 'zod';
import { env } from '@lungflow/config';

/**
 * Settings of the result outputs (see README "Result outputs"). Each output is on only when its endpoint is set;
 * each has its own consumer group so a slow or broken peer holds back only its own output.
 */
export const outputSettings = z.object({
  /** RIS MLLP endpoint (host); unset: no HL7 v2 ORU output. */
  REPORT_RIS_MLLP_HOST: env.optionalString(),
  REPORT_RIS_MLLP_PORT: env.port(2575),
  /** MSH-3/4 (sending) and MSH-5/6 (receiving) of the ORU^R01 messages. */
  REPORT_HL7_SENDING_APPLICATION: z.string().min(1).default('LUNGFLOW'),
  REPORT_HL7_SENDING_FACILITY: z.string().min(1).default('LUNGFLOW'),
  REPORT_RIS_RECEIVING_APPLICATION: z.string().min(1).default('RIS'),
  REPORT_RIS_RECEIVING_FACILITY: z.string().min(1).default('HOSPITAL'),
  /** How long to wait for the RIS's ACK before the attempt counts as failed (retried). */
  REPORT_HL7_ACK_TIMEOUT_MS: env.positiveInt(10_000),
  REPORT_HL7_CONSUMER_GROUP: z.string().min(1).default('lungflow-report-hl7'),
  /** FHIR R4 base URL (…/fhir); unset: no FHIR output. */
  REPORT_FHIR_URL: env.url().optional(),
  REPORT_FHIR_BEARER_TOKEN: env.optionalString(),
  REPORT_FHIR_TIMEOUT_MS: env.positiveInt(15_000),
  REPORT_FHIR_CONSUMER_GROUP: z.string().min(1).default('lungflow-report-fhir'),
  /** Orthanc's REST root; set: the study's priority is written as Orthanc metadata (Orthanc 1.10 has no labels). */
  REPORT_ORTHANC_URL: env.url().optional(),
  /** The metadata name; it must be declared under UserMetadata in the Orthanc configuration. */
  REPORT_ORTHANC_PRIORITY_METADATA: z.string().min(1).default('LungFlowPriority'),
  REPORT_PRIORITY_CONSUMER_GROUP: z.string().min(1).default('lungflow-report-priority'),
  /** How long "sent" marks (HL7 de-duplication) are kept in Redis. */
  REPORT_OUTPUT_DEDUP_TTL_MS: env.positiveInt(30 * 24 * 60 * 60 * 1000),
});

export type OutputSettings = z.infer<typeof outputSettings>;
