import { Writable } from 'node:stream';
import { createLogger } from './index';

function captureLines(): { stream: Writable; lines: () => Record<string, unknown>[]; raw: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const raw = () => chunks.join('');
  return { stream, raw, lines: () => raw().trim().split('\n').map((line) => JSON.parse(line)) };
}

describe('createLogger', () => {
  it('writes JSON lines with service and level', () => {
    const out = captureLines();
    createLogger({ service: 'ingest', destination: out.stream }).info({ studyUid: '1.2.840.1' }, 'study seen');
    expect(out.lines()[0]).toMatchObject({ service: 'ingest', level: 'info', msg: 'study seen', studyUid: '1.2.840.1' });
  });

  it('never writes patient name, patient ID or birth date, whatever the shape of the object', () => {
    const out = captureLines();
    const logger = createLogger({ service: 'ingest', destination: out.stream });
    // A dcmjs-style naturalized dataset, DICOMweb JSON and a nested error detail, all carrying identity.
    logger.info({ dataset: { PatientName: [{ Alphabetic: 'DOE^JANE' }], PatientID: 'MRN-0042', PatientBirthDate: '19700101', StudyInstanceUID: '1.2.3' } }, 'dataset');
    logger.warn({ metadata: [{ '00100010': { vr: 'PN', Value: [{ Alphabetic: 'DOE^JANE' }] }, '00100020': { vr: 'LO', Value: ['MRN-0042'] }, '00100030': { vr: 'DA', Value: ['19700101'] } }] }, 'metadata');
    const error = Object.assign(new Error('store failed'), { details: { patientId: 'MRN-0042', birthDate: '19700101' } });
    logger.error({ err: error }, 'failure');

    const text = out.raw();
    expect(text).not.toContain('DOE^JANE');
    expect(text).not.toContain('MRN-0042');
    expect(text).not.toContain('19700101');
    // The non-identifying UID is kept: that is what logs should name objects by.
    expect(text).toContain('1.2.3');
    expect(text.match(/\[REDACTED\]/g)?.length).toBeGreaterThanOrEqual(8);
  });
});
