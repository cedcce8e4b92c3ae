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

  it('never writes accession number, the exam\'s people, institution and dates, nor a credential', () => {
    const out = captureLines();
    const logger = createLogger({ service: 'report', destination: out.stream });
    logger.info({ dataset: { AccessionNumber: 'ACC-777', ReferringPhysicianName: 'HOUSE^GREGORY', OperatorsName: 'TECH^ANNA', InstitutionName: 'ST ELSEWHERE', StudyDate: '20261202', StudyInstanceUID: '1.2.9' } }, 'dataset');
    logger.info({ metadata: { '00080050': { vr: 'SH', Value: ['ACC-777'] }, '00080090': { vr: 'PN', Value: [{ Alphabetic: 'HOUSE^GREGORY' }] }, '00080020': { vr: 'DA', Value: ['20261202'] } } }, 'metadata');
    logger.info({ req: { method: 'GET', url: '/api/v1/studies/1.2.9/heatmap.png?size=256&access_token=s3cr3t-token' }, headers: { authorization: 'Bearer s3cr3t-token' } }, 'incoming request');
    logger.warn({ err: new Error('GET /events?access_token=s3cr3t-token failed') }, 'failure');
    const text = out.raw();
    for (const secret of ['ACC-777', 'HOUSE^GREGORY', 'TECH^ANNA', 'ST ELSEWHERE', '20261202', 's3cr3t-token']) expect(text).not.toContain(secret);
    expect(text).toContain('size=256&access_token=[REDACTED]');
    expect(text).toContain('1.2.9');
  });
});
