import { identityOf, StudyIdentityLookup } from './StudyIdentity';

describe('study identity from QIDO-RS', () => {
  it('reads name, ID, accession, description, acquisition time and the image grid', () => {
    const identity = identityOf({
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^Jane^Q' }] },
      '00100020': { vr: 'LO', Value: ['MRN-1'] },
      '00080050': { vr: 'SH', Value: ['ACC-9'] },
      '00081030': { vr: 'LO', Value: ['XR CHEST PA'] },
      '00080020': { vr: 'DA', Value: ['20261201'] },
      '00080022': { vr: 'DA', Value: ['20261202'] },
      '00080032': { vr: 'TM', Value: ['0815'] },
      '00280010': { vr: 'US', Value: [2048] },
      '00280011': { vr: 'US', Value: [1536] },
    });
    expect(identity).toEqual({ patientName: 'Doe, Jane Q', patientId: 'MRN-1', accessionNumber: 'ACC-9', studyDescription: 'XR CHEST PA', acquiredAt: '2026-12-02T08:15:00', rows: 2048, columns: 1536 });
    expect(identityOf({ '00080020': { vr: 'DA', Value: ['20261201'] } })).toMatchObject({ patientName: '', acquiredAt: '2026-12-01T00:00:00', rows: null });
  });

  it('asks the PACS once per study and minute, and forgets a failed lookup', async () => {
    let calls = 0;
    let fail = true;
    const lookup = new StudyIdentityLookup({
      searchInstances: async () => {
        calls += 1;
        if (fail) throw new Error('PACS down');
        return [{ '00100020': { vr: 'LO', Value: ['MRN-2'] } }];
      },
    });
    expect(await lookup.get('1.2.3', '1.2.3.4')).toBeUndefined();
    fail = false;
    expect((await lookup.get('1.2.3', '1.2.3.4'))?.patientId).toBe('MRN-2');
    expect((await lookup.get('1.2.3', '1.2.3.4'))?.patientId).toBe('MRN-2');
    expect(calls).toBe(2);
  });
});
