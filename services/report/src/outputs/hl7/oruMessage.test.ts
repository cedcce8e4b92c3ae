import { reportStoredV2Value } from '@lungflow/contracts';
import { storedResult } from '../testFixtures';
import { escapeEr7, parseSegments } from './er7';
import { messageControlId, oruMessage, TRIAGE_NOTICE } from './oruMessage';

const parties = { sendingApplication: 'LUNGFLOW', sendingFacility: 'LF', receivingApplication: 'RIS', receivingFacility: 'HOSP' };
const context = { accessionNumber: 'ACC|1', patientId: 'P-1', patientName: 'Doe^Jane', studyDate: '20261201', studyTime: '101500' };
const now = new Date('2026-12-02T15:00:05Z');

function field(er7: string, segmentId: string, index: number, occurrence = 0): string | undefined {
  return parseSegments(er7).filter((f) => f[0] === segmentId)[occurrence]?.[index];
}

describe('oruMessage (HL7 v2.5.1 ORU^R01)', () => {
  it('is a valid report.stored v2 fixture', () => {
    expect(reportStoredV2Value.safeParse(storedResult()).success).toBe(true);
  });

  it('fills MSH, PID, ORC and OBR from the result and the PACS context', () => {
    const { controlId, er7 } = oruMessage(storedResult(), context, parties, now);
    const msh = parseSegments(er7)[0] as string[];
    // MSH-1 is the separator itself, so split index i is MSH-(i+1).
    expect(msh.slice(0, 5)).toEqual(['MSH', '^~\\&', 'LUNGFLOW', 'LF', 'RIS']);
    expect(msh[8]).toBe('ORU^R01^ORU_R01');
    expect(msh[9]).toBe(controlId);
    expect(msh[11]).toBe('2.5.1');
    expect(field(er7, 'PID', 3)).toBe('P-1');
    expect(field(er7, 'PID', 5)).toBe('Doe^Jane');
    // The accession number's "|" must be escaped (HL7 v2.5.1 2.7.1), or it would open a new field.
    expect(field(er7, 'OBR', 18)).toBe('ACC\\F\\1');
    expect(field(er7, 'OBR', 25)).toBe('F');
    expect(field(er7, 'OBR', 27)).toBe('^^^^^S');
  });

  it('sends the decision, each probability, the threshold, the model and the triage notice as OBX', () => {
    const { er7 } = oruMessage(storedResult(), context, parties, now);
    const obx = parseSegments(er7).filter((f) => f[0] === 'OBX');
    const byCode = new Map(obx.map((f) => [(f[3] ?? '').split('^')[0], f]));
    expect(byCode.get('STUDY-UID')?.[5]).toBe('1.2.3');
    expect(byCode.get('DECISION')?.[5]).toBe('covid19^positive for covid19^L');
    expect(byCode.get('DECISION')?.[8]).toBe('A');
    expect(byCode.get('P-covid19')?.[5]).toBe('0.8125');
    expect(byCode.get('P-no_finding')?.[5]).toBe('0.0625');
    expect(byCode.get('THRESHOLD')?.[5]).toBe('0.5000');
    expect(byCode.get('MODEL')?.[5]).toBe(`cxr-v1 1.0.0 ${'a'.repeat(64)}`);
    expect(byCode.get('PRIORITY')?.[5]).toBe('urgent');
    expect(byCode.get('NOTICE')?.[5]).toBe(escapeEr7(TRIAGE_NOTICE));
    expect(byCode.has('LESION-EXTENT')).toBe(false);
    expect(obx.map((f) => f[1])).toEqual(obx.map((_, i) => String(i + 1)));
  });

  it('adds lesion extent only when the model measured it, and marks later study versions corrected', () => {
    const base = storedResult();
    const stored = storedResult({ studyVersion: 2, priority: 'routine', result: { ...base.result, lesionExtent: { affectedLungFraction: 0.25, method: 'cam' } } });
    const { er7 } = oruMessage(stored, {}, parties, now);
    expect(er7).toContain('|LESION-EXTENT^');
    expect(field(er7, 'OBR', 25)).toBe('C');
    expect(field(er7, 'OBR', 27)).toBe('^^^^^R');
    expect(field(er7, 'PID', 3) ?? '').toBe(''); // trailing empty fields are left out
  });

  it('gives one control id per study, version and model (20 characters)', () => {
    const a = messageControlId(storedResult());
    expect(a).toHaveLength(20);
    expect(messageControlId(storedResult())).toBe(a);
    expect(messageControlId(storedResult({ studyVersion: 2 }))).not.toBe(a);
  });

  it('escapes every delimiter in free text', () => {
    expect(escapeEr7('a|b^c~d&e\\f')).toBe('a\\F\\b\\S\\c\\R\\d\\T\\e\\E\\f');
  });
});
