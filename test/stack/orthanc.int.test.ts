import { randomUUID } from 'node:crypto';
import dcmjs from 'dcmjs';
import sharp from 'sharp';
import { wrapImageAsDicom, type WrappedDicom } from '@lungflow/dicom';
import { DicomWebClient, firstString } from '@lungflow/dicomweb';
import { listeningAddresses } from '../helpers/listeningAddresses';
import { orthancAuthHeader, stackSettings } from '../helpers/stackSettings';

// The real Orthanc of deploy/local (npm run stack:up), through DICOMweb (PS3.18) with the development credentials.
jest.setTimeout(60_000);

const settings = stackSettings();
const client = DicomWebClient.fromSettings({ DICOMWEB_URL: settings.dicomwebUrl, DICOMWEB_USERNAME: settings.username, DICOMWEB_PASSWORD: settings.password });

async function orthanc(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${settings.orthancUrl}${path}`, { ...init, headers: { authorization: orthancAuthHeader(settings), ...init.headers } });
}

async function lastChange(): Promise<number> {
  return ((await (await orthanc('/changes?last')).json()) as { Last: number }).Last;
}

/** A fresh CR instance (new UIDs every run) so QIDO can only find what this test stored. */
async function freshInstance(): Promise<WrappedDicom> {
  const image = await sharp({ create: { width: 96, height: 80, channels: 3, background: { r: 90, g: 90, b: 90 } } }).png().toBuffer();
  return wrapImageAsDicom({
    image,
    modality: 'CR',
    patient: { id: 'LF-STACK-TEST', sex: 'O' },
    studySeed: `stack-test/${randomUUID()}`,
    studyDate: '20240102',
    studyTime: '030405',
    studyDescription: 'LungFlow stack test',
    viewPosition: 'PA',
  });
}

describe('local Orthanc (DICOMweb)', () => {
  const stored: string[] = [];

  afterAll(async () => {
    // Leave the PACS as we found it.
    for (const uid of stored) {
      const found = (await (await orthanc('/tools/lookup', { method: 'POST', body: uid })).json()) as Array<{ ID: string; Type: string }>;
      for (const item of found.filter((f) => f.Type === 'Study')) await orthanc(`/studies/${item.ID}`, { method: 'DELETE' });
    }
  });

  it('requires authentication', async () => {
    expect((await fetch(`${settings.dicomwebUrl}/studies`)).status).toBe(401);
    const wrong = `Basic ${Buffer.from(`${settings.username}:not-the-password`).toString('base64')}`;
    expect((await fetch(`${settings.dicomwebUrl}/studies`, { headers: { authorization: wrong } })).status).toBe(401);
  });

  it('stores an instance with STOW-RS, finds it with QIDO-RS and returns it with WADO-RS, then calls the study stable', async () => {
    const instance = await freshInstance();
    const since = await lastChange();
    const result = await client.storeInstances([instance.part10]);
    stored.push(instance.studyInstanceUid);
    expect(result.stored.map((s) => s.sopInstanceUid)).toEqual([instance.sopInstanceUid]);

    const studies = await client.searchStudies({ StudyInstanceUID: instance.studyInstanceUid, includefield: '00081030,00080061' });
    expect(studies).toHaveLength(1);
    expect(firstString(studies[0]!, '00100020')).toBe('LF-STACK-TEST'); // PatientID
    expect(firstString(studies[0]!, '00081030')).toBe('LungFlow stack test'); // StudyDescription
    expect(firstString(studies[0]!, '00080061')).toBe('CR'); // ModalitiesInStudy

    const instances = await client.searchInstances({}, instance.studyInstanceUid);
    expect(instances.map((i) => firstString(i, '00080018'))).toEqual([instance.sopInstanceUid]);

    const metadata = await client.retrieveStudyMetadata(instance.studyInstanceUid);
    expect(metadata.map((m) => firstString(m, '00180015'))).toEqual(['CHEST']); // BodyPartExamined

    const retrieved = await client.retrieveInstance(instance.studyInstanceUid, instance.seriesInstanceUid, instance.sopInstanceUid);
    const dict = dcmjs.data.DicomMessage.readFile(retrieved.buffer.slice(retrieved.byteOffset, retrieved.byteOffset + retrieved.byteLength));
    const dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
    expect(dataset.SOPInstanceUID).toBe(instance.sopInstanceUid);
    expect([dataset.Rows, dataset.Columns]).toEqual([80, 96]);
    expect(new Uint8Array(dataset.PixelData[0]).subarray(0, 96 * 80).every((v: number) => v === 90)).toBe(true);

    // ORTHANC_STABLE_AGE (3 s by default) governs when ingest hears of a study: the StableStudy change must come
    // within that age plus Orthanc's 1 s check period and some slack.
    const studyId = ((await (await orthanc('/tools/lookup', { method: 'POST', body: instance.studyInstanceUid })).json()) as Array<{ ID: string }>)[0]!.ID;
    const deadline = Date.now() + (settings.stableAgeSeconds + 10) * 1000;
    let stable = false;
    while (!stable && Date.now() < deadline) {
      const { Changes } = (await (await orthanc(`/changes?since=${since}&limit=1000`)).json()) as { Changes: Array<{ ChangeType: string; ID: string }> };
      stable = Changes.some((c) => c.ChangeType === 'StableStudy' && c.ID === studyId);
      if (!stable) await new Promise((r) => setTimeout(r, 500));
    }
    expect(stable).toBe(true);
  });

  it('listens on the configured DICOM port too', async () => {
    const system = (await (await orthanc('/system')).json()) as { DicomPort: number; HttpPort: number; DicomAet: string };
    expect(system).toMatchObject({ DicomPort: settings.orthancDicomPort, HttpPort: settings.orthancHttpPort, DicomAet: 'LUNGFLOW' });
  });

  it('listens on loopback only, HTTP and DICOM ports (Orthanc 1.10 has no bind setting; stack.sh preloads a shim)', () => {
    expect(listeningAddresses(settings.orthancHttpPort)).toEqual(['127.0.0.1']);
    expect(listeningAddresses(settings.orthancDicomPort)).toEqual(['127.0.0.1']);
  });
});
