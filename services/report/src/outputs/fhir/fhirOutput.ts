import type { reportStoredV2 } from '@lungflow/contracts';
import type { EventHandler } from '@lungflow/kafka';
import type { Logger } from '@lungflow/logging';
import { studyContext, type StudySearch } from '../studyContext';
import type { FhirClient } from './fhirClient';
import { diagnosticReport, imagingStudy, observations } from './fhirResources';

export interface FhirOutputDeps {
  pacs: StudySearch;
  fhir: Pick<FhirClient, 'createIfNoneExist'>;
  logger: Logger;
}

/**
 * report.stored v2 → ImagingStudy (if the server has none), Observations, then the DiagnosticReport that links
 * them, each a conditional create on its identifier: a redelivery or a restart re-runs the same creates and the
 * server answers 200 with the existing resources, so nothing is duplicated. The report goes last, so a report on
 * the server implies its Observations are there. 5xx/timeouts are retried; a refusal (4xx, e.g. a validation
 * failure, 422) is dead-lettered with the server's OperationOutcome.
 */
export function handleFhirOutput(deps: FhirOutputDeps): EventHandler<typeof reportStoredV2> {
  return async ({ value: stored }) => {
    const context = await studyContext(deps.pacs, stored.studyInstanceUid);
    const study = await deps.fhir.createIfNoneExist(imagingStudy(stored, context));
    const results = [];
    for (const observation of observations(stored, context, study.reference)) results.push(await deps.fhir.createIfNoneExist(observation));
    const report = await deps.fhir.createIfNoneExist(diagnosticReport(stored, context, study.reference, results.map((r) => r.reference)));
    deps.logger.info(
      { studyInstanceUid: stored.studyInstanceUid, studyVersion: stored.studyVersion, diagnosticReport: report.reference, created: report.created, priority: stored.priority },
      report.created ? 'FHIR DiagnosticReport created' : 'FHIR DiagnosticReport already there; nothing created',
    );
  };
}
