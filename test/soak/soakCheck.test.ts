import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanLogsForIdentity } from './soakCheck';
import type { SoakStudy } from './soakStudies';

/**
 * The soak's PHI check (issue 16, item 4): every line of the soak's service logs is searched for the names, IDs,
 * birth dates and accession numbers of the patients it stored, and the soak fails on any hit. Here: that each piece
 * is found however it is cased, and that a timestamp or offset holding the same digits is not taken for a birth date.
 */
const study = (index: number, birthDate: string): SoakStudy =>
  ({ index, patient: { name: `SOAKFAMILYQX${index}^GIVENQX${index}`, id: `SOAKPIDQX${index}`, birthDate, accessionNumber: `ACCQX${index}` } }) as unknown as SoakStudy;

describe('scanLogsForIdentity', () => {
  const dir = mkdtempSync(join(tmpdir(), 'soak-scan-'));
  const studies = [study(1, '19520314'), study(2, '19861122')];
  const scan = (lines: string[]) => {
    writeFileSync(join(dir, 'soak-report-a.log'), lines.join('\n'));
    return scanLogsForIdentity(dir, studies);
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes a log that names nobody, and ignores what is not a soak service log', () => {
    writeFileSync(join(dir, 'orthanc.log'), 'SOAKPIDQX1 stored'); // the PACS's own log may name patients
    const result = scan([
      '{"level":"info","time":1952031412345,"studyInstanceUid":"1.2.19520314.7","seriesInstanceUid":"2.25.19520314","msg":"report stored"}',
      '{"level":"info","time":"2026-12-03T05:00:00.000Z","offset":"119861122","msg":"committed"}',
    ]);
    expect(result).toEqual({ files: 1, lines: 2, hits: [] });
  });

  it('finds a name, either part of it, an ID, an accession number and a birth date in both spellings, in any case', () => {
    const leaks = [
      '{"msg":"x","patientName":"SOAKFAMILYQX1^GIVENQX1"}',
      '{"msg":"family only: soakfamilyqx2"}',
      '{"msg":"given only: GivenQx2"}',
      '{"err":{"message":"PACS said: no such patient SOAKPIDQX2"}}',
      '{"msg":"accession ACCQX1 refused"}',
      '{"msg":"born 19520314."}',
      '{"msg":"born 1986-11-22"}',
    ];
    for (const line of leaks) expect(scan([line]).hits).not.toEqual([]);
    expect(scan(leaks).hits).toHaveLength(9); // the full name also matches both its parts
  });
});
