import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DicomWebClient, DicomWebError } from '@lungflow/dicomweb';
import { DicomWebPacsReader } from './PacsReader';

const DATA = process.env.LUNGFLOW_SHARED_DIR ? path.resolve(process.env.LUNGFLOW_SHARED_DIR, 'data') : path.resolve(__dirname, '../../../../../shared/data');
const J2K = new Uint8Array(readFileSync(path.join(DATA, 'dicom/pydicom_data/RG1_J2KI.dcm')));

function client(framesError: DicomWebError, instance: () => Promise<Uint8Array>, metadata: Record<string, unknown> = {}): { client: DicomWebClient; calls: string[] } {
  const calls: string[] = [];
  const fake = {
    retrieveInstanceMetadata: async () => (calls.push('metadata'), [{ '00080018': { vr: 'UI', Value: ['1.2.3'] }, ...metadata }]),
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

  it('uses metadata it is given instead of asking again, and maps a series answer by SOP Instance UID', async () => {
    const { client: pacs, calls } = client(new DicomWebError('DICOMWEB_HTTP_5XX', 'transcoding failed', { status: 500 }), async () => J2K);
    const reader = new DicomWebPacsReader(pacs);
    await reader.readInstance('1', '2', '3', 1, { '00080018': { vr: 'UI', Value: ['3'] } });
    expect(calls).toEqual(['frames', 'instance *']);
    const series = [{ '00080018': { vr: 'UI', Value: ['3'] } }, { '00080018': { vr: 'UI', Value: ['4'] } }, { '00100010': { vr: 'PN' } }];
    (pacs as unknown as { retrieveSeriesMetadata: () => Promise<unknown[]> }).retrieveSeriesMetadata = async () => series;
    const bySop = await reader.readSeriesMetadata('1', '2');
    expect([...bySop.keys()]).toEqual(['3', '4']);
    expect(bySop.get('4')).toBe(series[1]);
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

  describe('poison pills (issue 16 item 5): refused from the header, before any frame is downloaded', () => {
    const unused = new DicomWebError('DICOMWEB_HTTP_5XX', 'frames must not be requested', { status: 500 });
    const header = (rows: number, columns: number, frames?: number) => ({
      '00280010': { vr: 'US', Value: [rows] },
      '00280011': { vr: 'US', Value: [columns] },
      ...(frames === undefined ? {} : { '00280008': { vr: 'IS', Value: [frames] } }),
    });

    it('a pixel matrix over the budget (8192² × 5,000 frames) is DICOM_TOO_LARGE without a frames request', async () => {
      const { client: pacs, calls } = client(unused, async () => J2K, header(8192, 8192, 5_000));
      await expect(new DicomWebPacsReader(pacs).readInstance('1', '2', '3', 5_000)).rejects.toMatchObject({ code: 'DICOM_TOO_LARGE', retriable: false });
      expect(calls).toEqual(['metadata']);
    });

    it('NumberOfFrames 999999999 from QIDO is DICOM_TOO_LARGE, not a crash', async () => {
      const { client: pacs, calls } = client(unused, async () => J2K, header(512, 512));
      await expect(new DicomWebPacsReader(pacs).readInstance('1', '2', '3', 999_999_999)).rejects.toMatchObject({ code: 'DICOM_TOO_LARGE' });
      expect(calls).toEqual(['metadata']);
    });

    it('a frame count over the cap is refused even when the header gives no matrix size', async () => {
      const { client: pacs, calls } = client(unused, async () => J2K);
      await expect(new DicomWebPacsReader(pacs).readInstance('1', '2', '3', 999_999_999)).rejects.toMatchObject({ code: 'DICOM_TOO_LARGE' });
      expect(calls).toEqual(['metadata']);
    });
  });
});
