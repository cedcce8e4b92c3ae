import type { DicomJson } from '@lungflow/dicomweb';
import { firstString } from '@lungflow/dicomweb';
import { OutputError } from './OutputError';

/**
 * What the RIS and the FHIR server need to file a result that events never carry (patient identity stays off
 * Kafka): read from the PACS by QIDO-RS when the result is sent, so a correction made in the PACS is honoured.
 */
export interface StudyContext {
  accessionNumber?: string;
  patientId?: string;
  /** DICOM PN, components separated by ^ (family^given^middle^prefix^suffix), as HL7 XPN orders them too. */
  patientName?: string;
  studyDate?: string;
  studyTime?: string;
}

export interface StudySearch {
  searchStudies(query: Record<string, string | number | string[]>): Promise<DicomJson[]>;
}

function personName(json: DicomJson, tag: string): string | undefined {
  const value = json[tag]?.Value?.[0] as { Alphabetic?: string } | string | undefined;
  if (typeof value === 'string') return value || undefined;
  return value?.Alphabetic || undefined;
}

export async function studyContext(pacs: StudySearch, studyInstanceUid: string): Promise<StudyContext> {
  const [study] = await pacs.searchStudies({ StudyInstanceUID: studyInstanceUid, includefield: ['00080050', '00100020', '00100010', '00080020', '00080030'] });
  if (!study) throw new OutputError('STUDY_NOT_IN_PACS', `study ${studyInstanceUid} is not in the PACS (QIDO-RS found nothing)`, { details: { studyInstanceUid } });
  const context: StudyContext = {};
  const accessionNumber = firstString(study, '00080050');
  const patientId = firstString(study, '00100020');
  const patientName = personName(study, '00100010');
  const studyDate = firstString(study, '00080020');
  const studyTime = firstString(study, '00080030');
  if (accessionNumber) context.accessionNumber = accessionNumber;
  if (patientId) context.patientId = patientId;
  if (patientName) context.patientName = patientName;
  if (studyDate) context.studyDate = studyDate;
  if (studyTime) context.studyTime = studyTime;
  return context;
}
