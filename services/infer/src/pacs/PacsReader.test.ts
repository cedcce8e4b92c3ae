import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DicomWebClient, DicomWebError } from '@lungflow/dicomweb';
import { DicomWebPacsReader } from './PacsReader';

const DATA = process.env.LUNGFLOW_SHARED_DIR ? path.resolve(process.env.LUNGFLOW_SHARED_DIR, 'data') : path.resolve(__dirname, '../../../../../shared/data');
const J2K = new Uint8Array(readFileSync(path.join(DATA, 'dicom/pydicom_data/RG1_J2KI.dcm')));

function client(framesError: DicomWebError, instance: () => Promise<Uint8Array>): { client: DicomWebClient; calls: string[] } {
  const calls: string[] = [];
  const fake = {
    retrieveInstanceMetadata: async () => (calls.push('metadata'), [{ '00080018': { vr: 'UI', Value: ['1.2.3'] } }]),
    retrieveFrames: async () => {
      calls.push('frames');
      throw framesError;
    },
    retrieveInstance: async (_s: string, _se: string, _i: string, options: { transferSyntax?: string }) => {
      calls.push(`instance ${options.transferSyntax}`);
      return instance();
    },
  };
  return { client: fake as unknown as DicomWebClient, calls };
}

describe('DicomWebPacsReader', () => {
  it('reads the instance as stored when the PACS cannot transcode it (500), and decodes it here', async () => {
    const { client: pacs, calls } = client(new DicomWebError('DICOMWEB_HTTP_5XX', 'transcoding failed', { status: 500 }), async () => J2K);
    const instance = await new DicomWebPacsReader(pacs).readInstance('1', '2', '3', 1);
    expect(calls).toEqual(['metadata', 'frames', 'instance *']);
    expect(instance.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.91');
    expect(instance.pixelData?.encapsulated).toBe(true);
  });

  it('keeps an outage an outage: an unreachable PACS is not retried as stored, the retriable error stands', async () => {
    const down = new DicomWebError('DICOMWEB_UNREACHABLE', 'connection refused');
    const { client: pacs, calls } = client(down, async () => J2K);
    await expect(new DicomWebPacsReader(pacs).readInstance('1', '2', '3', 1)).rejects.toBe(down);
    expect(calls).toEqual(['metadata', 'frames']);
  });

  it('a 404 is not a transcoding problem: the study is gone, the error stands (dead letter)', async () => {
    const gone = new DicomWebError('DICOMWEB_HTTP_4XX', 'not found', { status: 404 });
    const { client: pacs } = client(gone, async () => J2K);
    await expect(new DicomWebPacsReader(pacs).readInstance('1', '2', '3', 1)).rejects.toBe(gone);
  });
});
