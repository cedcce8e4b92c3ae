import { createHash } from 'node:crypto';
import type { ReportStoredV2 } from '@lungflow/contracts';
import type { StudyContext } from '../studyContext';
import { components, escapeEr7, hl7Timestamp, segment } from './er7';

export const TRIAGE_NOTICE =
  'LungFlow AI triage aid (research prototype): not a diagnosis and not cleared for clinical use. A radiologist must read the study.';

export interface OruParties {
  sendingApplication: string;
  sendingFacility: string;
  receivingApplication: string;
  receivingFacility: string;
}

/**
 * MSH-10 for one result: the same study, study version and model give the same control id, so a message re-sent
 * after a crash between the ACK and our record of it carries the id the RIS has already seen and can discard.
 * 20 characters: MSH-10 is ST(20) in v2.5.1.
 */
export function messageControlId(result: Pick<ReportStoredV2, 'studyInstanceUid' | 'studyVersion' | 'result'>): string {
  const { id, version } = result.result.model;
  return createHash('sha256').update(`${result.studyInstanceUid}\n${result.studyVersion}\n${id}\n${version}`).digest('hex').slice(0, 20).toUpperCase();
}

const LOCAL = 'L'; // HL7 table 0396: a code system local to the sender
const RESULT_STATUS_FINAL = 'F';
const RESULT_STATUS_CORRECTED = 'C';

/**
 * ORU^R01 (v2.5.1) for one stored result: PID (patient as the PACS has it), ORC/OBR (order by accession number,
 * OBR-27.6 priority S/R, OBR-25 F for the first version and C for a later one), then one OBX per fact: study UID,
 * decision (OBX-8 A when positive), each probability, the threshold, lesion extent when the model measured one,
 * model id/version/sha256, LungFlow's priority, and the triage-aid notice. Codes are local (`L`): LOINC has none for
 * these AI outputs.
 */
export function oruMessage(stored: ReportStoredV2, context: StudyContext, parties: OruParties, now: Date): { controlId: string; er7: string } {
  const controlId = messageControlId(stored);
  const { result } = stored;
  const status = stored.studyVersion > 1 ? RESULT_STATUS_CORRECTED : RESULT_STATUS_FINAL;
  const observed = hl7Timestamp(new Date(stored.storedAt));
  const accession = context.accessionNumber ? escapeEr7(context.accessionNumber) : undefined;
  const priority = stored.priority === 'urgent' ? 'S' : 'R';
  const name = context.patientName ? context.patientName.split('^').map(escapeEr7).join('^') : undefined;
  const service = components('LUNGFLOW-TRIAGE', 'LungFlow AI chest triage', LOCAL);

  const observations: { type: string; code: string; text: string; value: string; units?: string; abnormal?: string }[] = [
    { type: 'ST', code: 'STUDY-UID', text: 'Study Instance UID', value: stored.studyInstanceUid },
    {
      type: 'CWE',
      code: 'DECISION',
      text: 'Triage decision',
      value: components(escapeEr7(result.decision.className), escapeEr7(`${result.decision.positive ? 'positive' : 'negative'} for ${result.decision.className}`), LOCAL),
      ...(result.decision.positive ? { abnormal: 'A' } : {}),
    },
    ...Object.entries(result.probabilities)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([className, probability]) => ({ type: 'NM', code: `P-${escapeEr7(className)}`, text: escapeEr7(`Probability of ${className}`), value: probability.toFixed(4), units: components('1', 'ratio', 'UCUM') })),
    { type: 'NM', code: 'THRESHOLD', text: escapeEr7(`Decision threshold for ${result.decision.className}`), value: result.decision.threshold.toFixed(4), units: components('1', 'ratio', 'UCUM') },
    ...(result.lesionExtent
      ? [{ type: 'NM', code: 'LESION-EXTENT', text: escapeEr7(`Affected lung fraction (${result.lesionExtent.method})`), value: result.lesionExtent.affectedLungFraction.toFixed(4), units: components('1', 'ratio', 'UCUM') }]
      : []),
    { type: 'ST', code: 'MODEL', text: 'Model id, version, weights sha256', value: escapeEr7(`${result.model.id} ${result.model.version} ${result.model.sha256}`) },
    { type: 'ST', code: 'PRIORITY', text: 'LungFlow worklist priority', value: stored.priority },
    { type: 'FT', code: 'NOTICE', text: 'Notice', value: escapeEr7(TRIAGE_NOTICE) },
  ];

  const segments = [
    // MSH-1 is the field separator itself, so MSH's fields start at MSH-2 (the encoding characters).
    `MSH|^~\\&|${[
      escapeEr7(parties.sendingApplication),
      escapeEr7(parties.sendingFacility),
      escapeEr7(parties.receivingApplication),
      escapeEr7(parties.receivingFacility),
      hl7Timestamp(now),
      '',
      'ORU^R01^ORU_R01',
      controlId,
      'P',
      '2.5.1',
      '',
      '',
      'AL', // MSH-15 accept acknowledgment: always
      'NE', // MSH-16 application acknowledgment: never (the original-mode ACK carries the answer)
    ].join('|')}`,
    segment('PID', ['1', '', context.patientId ? escapeEr7(context.patientId) : undefined, '', name]),
    segment('ORC', ['RE', accession, accession, '', 'CM']),
    segment('OBR', [
      '1', accession, accession, service, '', '', context.studyDate ? `${context.studyDate}${(context.studyTime ?? '').slice(0, 6)}` : undefined,
      '', '', '', '', '', '', '', '', '', '', accession, '', '', '', observed, '', 'RAD', status, '', components('', '', '', '', '', priority),
    ]),
    ...observations.map((obs, index) =>
      segment('OBX', [String(index + 1), obs.type, components(obs.code, obs.text, LOCAL), '', obs.value, obs.units, '', obs.abnormal, '', '', status, '', '', observed]),
    ),
  ];
  return { controlId, er7: segments.join('\r') };
}
