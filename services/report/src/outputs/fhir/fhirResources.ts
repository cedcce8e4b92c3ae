import type { ReportStoredV2 } from '@lungflow/contracts';
import type { StudyContext } from '../studyContext';
import { TRIAGE_NOTICE } from '../hl7/oruMessage';

/** LungFlow's own code and identifier systems (no LOINC or SNOMED code exists for these AI outputs). */
export const LUNGFLOW_SYSTEM = {
  result: 'urn:lungflow:result',
  code: 'urn:lungflow:code',
  priority: 'urn:lungflow:priority',
} as const;
const DICOM_UID_SYSTEM = 'urn:dicom:uid';

export type FhirResource = Record<string, unknown> & { resourceType: string };

/** A resource with the identifier its conditional create searches by (If-None-Exist: identifier=system|value). */
export interface Conditional {
  resource: FhirResource;
  identifier: { system: string; value: string };
}

/**
 * The identifier of one result: study, model (id and version) and study version. A re-run of the same result
 * (redelivery, restart, replay) finds it and creates nothing; a later study version is a new report.
 */
export function resultIdentifier(stored: ReportStoredV2, suffix = ''): { system: string; value: string } {
  const { id, version } = stored.result.model;
  return { system: LUNGFLOW_SYSTEM.result, value: `${stored.studyInstanceUid}/${id}/${version}/v${stored.studyVersion}${suffix}` };
}

function subject(context: StudyContext): Record<string, unknown> {
  // A logical reference: the hospital's Patient resource is found by the identifier the PACS holds.
  if (context.patientId) return { identifier: { value: context.patientId }, ...(context.patientName ? { display: context.patientName.replace(/\^+/g, ' ').trim() } : {}) };
  return { display: 'patient unknown to the PACS' };
}

function code(value: string, display: string): Record<string, unknown> {
  return { coding: [{ system: LUNGFLOW_SYSTEM.code, code: value, display }], text: display };
}

const IMAGING = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'imaging', display: 'Imaging' }] }];

/** ImagingStudy: created only when the server has none for the study (a PACS or gateway may have made it). */
export function imagingStudy(stored: ReportStoredV2, context: StudyContext): Conditional {
  const identifier = { system: DICOM_UID_SYSTEM, value: `urn:oid:${stored.studyInstanceUid}` };
  const identifiers: Record<string, unknown>[] = [identifier];
  if (context.accessionNumber) {
    identifiers.push({ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'ACSN' }] }, value: context.accessionNumber });
  }
  return { identifier, resource: { resourceType: 'ImagingStudy', identifier: identifiers, status: 'available', subject: subject(context) } };
}

/** The Observations: decision, one probability per class, lesion extent when measured. */
export function observations(stored: ReportStoredV2, context: StudyContext, imagingStudyRef: string): Conditional[] {
  const { result } = stored;
  const base = {
    resourceType: 'Observation',
    // Preliminary: a model's output that no radiologist has read yet.
    status: 'preliminary',
    category: IMAGING,
    subject: subject(context),
    derivedFrom: [{ reference: imagingStudyRef }],
    issued: stored.storedAt,
    method: { text: `${result.model.id} ${result.model.version} (weights sha256 ${result.model.sha256})` },
    note: [{ text: TRIAGE_NOTICE }],
  };
  const list: Conditional[] = [];
  const add = (suffix: string, fields: Record<string, unknown>) => {
    const identifier = resultIdentifier(stored, suffix);
    list.push({ identifier, resource: { ...base, identifier: [identifier], ...fields } });
  };
  add('/decision', {
    code: code('triage-decision', 'LungFlow triage decision'),
    valueCodeableConcept: code(result.decision.className, result.decision.className),
    interpretation: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: result.decision.positive ? 'POS' : 'NEG', display: result.decision.positive ? 'Positive' : 'Negative' },
        ],
      },
    ],
    referenceRange: [{ text: `positive when P(${result.decision.className}) ≥ ${result.decision.threshold}` }],
  });
  for (const [className, probability] of Object.entries(result.probabilities).sort(([a], [b]) => (a < b ? -1 : 1))) {
    add(`/probability/${className}`, {
      code: code(`probability-${className}`, `Probability of ${className}`),
      valueQuantity: { value: Number(probability.toFixed(6)), unit: 'ratio', system: 'http://unitsofmeasure.org', code: '1' },
    });
  }
  if (result.lesionExtent) {
    add('/lesion-extent', {
      code: code('lesion-extent', 'Affected lung fraction'),
      valueQuantity: { value: result.lesionExtent.affectedLungFraction, unit: 'ratio', system: 'http://unitsofmeasure.org', code: '1' },
      method: { text: `${result.model.id} ${result.model.version}: ${result.lesionExtent.method}` },
    });
  }
  return list;
}

/** The DiagnosticReport that links the ImagingStudy and the Observations; LungFlow's priority is a meta tag. */
export function diagnosticReport(stored: ReportStoredV2, context: StudyContext, imagingStudyRef: string, observationRefs: readonly string[]): Conditional {
  const identifier = resultIdentifier(stored);
  const { decision, model } = stored.result;
  return {
    identifier,
    resource: {
      resourceType: 'DiagnosticReport',
      meta: { tag: [{ system: LUNGFLOW_SYSTEM.priority, code: stored.priority, display: `LungFlow priority: ${stored.priority}` }] },
      identifier: [identifier],
      status: 'preliminary',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD', display: 'Radiology' }] }],
      code: code('lungflow-triage', 'LungFlow AI chest triage (COVID-19 / pneumonia)'),
      subject: subject(context),
      issued: stored.storedAt,
      imagingStudy: [{ reference: imagingStudyRef }],
      result: observationRefs.map((reference) => ({ reference })),
      conclusion: `${decision.positive ? 'Positive' : 'Negative'} for ${decision.className} (model ${model.id} ${model.version}); priority ${stored.priority}. ${TRIAGE_NOTICE}`,
    },
  };
}
