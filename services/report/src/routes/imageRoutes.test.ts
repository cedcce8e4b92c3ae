import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Fastify from 'fastify';
import sharp from 'sharp';
import { readPart10, renderFrame } from '@lungflow/dicom';
import { ModelCatalog } from '../ModelCatalog';
import type { ReportPacs } from '../pacs/ReportPacs';
import type { WorklistStore } from '../worklist/WorklistStore';
import { imageRoutes } from './imageRoutes';

jest.setTimeout(60_000);

// LF-DEMO-0006: a 1841 × 1955 JPEG 2000 CR, which image.png renders from the smallest wavelet level with `size` px.
const J2K = new Uint8Array(readFileSync(path.resolve(__dirname, '../../../../samples/LF-DEMO-0006.dcm')));
const item = {
  studyInstanceUid: '1.2.3',
  reportedAt: '2026-12-03T07:00:00.000Z',
  model: { id: 'cxr-v1', version: '1.0.0', sha256: 'a'.repeat(64) },
  source: { seriesInstanceUid: '1.2.3.4', sopInstanceUid: '1.2.3.4.5', frame: 1 },
};

async function app() {
  const server = Fastify();
  const pacs = { retrieveInstance: async () => J2K } as unknown as ReportPacs;
  const worklist = { get: async () => item, thumbnail: async () => undefined, storeThumbnail: async () => undefined } as unknown as WorklistStore;
  await server.register(imageRoutes, { worklist, catalog: ModelCatalog.fromCards([]), pacs, changes: new EventEmitter() });
  return server;
}

describe('image.png of a JPEG 2000 source', () => {
  it.each([1024, 512, 300])('has the size the full decode gives at size=%i, and nearly its pixels', async (size) => {
    const server = await app();
    try {
      const response = await server.inject({ method: 'GET', url: `/api/v1/studies/1.2.3/image.png?size=${size}` });
      expect(response.statusCode).toBe(200);
      const { data, info } = await sharp(response.rawPayload).raw().toBuffer({ resolveWithObject: true });
      // The full decode, scaled as the route scales it: what the outlines PNG of the same size is drawn to match.
      const full = (await renderFrame(readPart10(J2K))).fullResolution;
      const expected = await sharp(full.data, { raw: { width: full.width, height: full.height, channels: 1 } })
        .resize(size, size, { fit: 'inside', withoutEnlargement: true })
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([expected.info.width, expected.info.height]);
      const pixels = info.width * info.height;
      let sum = 0;
      for (let p = 0; p < pixels; p += 1) sum += Math.abs((data[p * info.channels] as number) - (expected.data[p * expected.info.channels] as number));
      expect(sum / pixels).toBeLessThan(2);
    } finally {
      await server.close();
    }
  });
});
