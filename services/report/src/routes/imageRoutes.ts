import type {} from '@fastify/swagger'; // its FastifySchema augmentation (summary, tags)
import { EventEmitter } from 'node:events';
import sharp from 'sharp';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { readPart10, segmentationMasks } from '@lungflow/dicom';
import type { ModelCatalog } from '../ModelCatalog';
import type { ReportPacs } from '../pacs/ReportPacs';
import { renderSource } from '../renderSource';
import type { WorklistItem } from '../worklist/WorklistEntry';
import { THUMBNAIL_SIZE, type WorklistStore } from '../worklist/WorklistStore';
import { outlinesPng } from './outlinesPng';
import { errorBody, studyParams, tokenInUrl } from './schemas';

export interface ImageRoutesOptions {
  worklist: WorklistStore;
  catalog: ModelCatalog;
  pacs: ReportPacs;
  /** Emits 'change' with a WorklistChange (fed by Redis pub/sub, so changes made by any replica arrive). */
  changes: EventEmitter;
}

const CACHE_ENTRIES = 128;
/** Every picture route: its size (the longer side, px) and the page's token in the URL (img tags send no header). */
const pictureQuery = { type: 'object', properties: { size: { type: 'integer', minimum: 32, maximum: 2048 }, access_token: tokenInUrl } } as const;

/**
 * Pictures for the page. Up to THUMBNAIL_SIZE: the thumbnails stored with the result. Larger: proxied from the
 * PACS, so the browser needs no PACS credentials: the analysed image
 * (rendered here by libs/dicom, since this Orthanc cannot render JPEG 2000) and LungFlow's heatmap SC (rendered by
 * the PACS over WADO-RS), PNG, scaled to `size`; the lung and lesion outlines drawn from LungFlow's SEG in the PACS
 * (what a viewer would show, not a second copy of the masks). Plus `/api/v1/events`, the live updates (Server-Sent
 * Events).
 */
export async function imageRoutes(app: FastifyInstance, options: ImageRoutesOptions): Promise<void> {
  const { worklist, catalog, pacs, changes } = options;
  const cache = new Map<string, Buffer>();
  const remember = (key: string, png: Buffer) => {
    cache.set(key, png);
    if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  };

  const segmentsOf = async (seg: NonNullable<WorklistItem['seg']>) => {
    const { rows, columns, segments } = segmentationMasks(readPart10(await pacs.retrieveInstance(seg.studyInstanceUid, seg.seriesInstanceUid, seg.sopInstanceUid)));
    return { rows, columns, byLabel: new Map(segments.map((s) => [s.label.toLowerCase(), s.data])) };
  };

  const picture = (kind: 'image' | 'heatmap', make: (item: WorklistItem, size: number) => Promise<Uint8Array | { raw: Uint8Array; width: number; height: number }>) =>
    app.get<{ Params: { studyInstanceUid: string }; Querystring: { size?: number } }>(
      `/api/v1/studies/:studyInstanceUid/${kind}.png`,
      {
        schema: {
          summary: kind === 'image' ? 'The analysed image, PNG' : "LungFlow's heatmap Secondary Capture from the PACS, PNG",
          tags: ['pictures'],
          params: studyParams,
          querystring: pictureQuery,
          response: { 404: errorBody },
        },
      },
      async (request, reply) => {
        const item = await worklist.get(request.params.studyInstanceUid);
        if (!item) return reply.code(404).send({ error: 'not_found', message: 'this study is not on the worklist' });
        let size = request.query.size ?? 1024;
        if (size <= THUMBNAIL_SIZE) {
          const stored = await worklist.thumbnail(item.studyInstanceUid, kind);
          if (stored) return sendPng(reply, stored);
          size = THUMBNAIL_SIZE;
        }
        const key = `${kind}:${item.studyInstanceUid}:${item.reportedAt}:${size}`;
        let png = cache.get(key);
        if (!png) {
          const made = await make(item, size);
          const input = made instanceof Uint8Array ? sharp(made) : sharp(made.raw, { raw: { width: made.width, height: made.height, channels: 1 } });
          png = await input.resize(size, size, { fit: 'inside', withoutEnlargement: true }).png().toBuffer();
          remember(key, png);
          if (size === THUMBNAIL_SIZE) await worklist.storeThumbnail(item.studyInstanceUid, kind, png);
        }
        return sendPng(reply, png);
      },
    );

  picture('image', async (item, size) => {
    const card = (() => {
      try {
        return catalog.get(item.model.id, item.model.version);
      } catch {
        return undefined;
      }
    })();
    // The PNG is `size` px on its longer side at most: a J2K source decodes at the level that still has them.
    const { image } = await renderSource(pacs, { studyInstanceUid: item.studyInstanceUid, ...item.source }, card, { minLongSide: size });
    return { raw: image.data, width: image.width, height: image.height };
  });
  picture('heatmap', (item) => pacs.retrieveRendered(item.sc.studyInstanceUid, item.sc.seriesInstanceUid, item.sc.sopInstanceUid, { accept: 'image/png' }));

  app.get<{ Params: { studyInstanceUid: string }; Querystring: { size?: number } }>(
    '/api/v1/studies/:studyInstanceUid/outlines.png',
    {
      schema: {
        summary: "Lung (cyan) and lesion (yellow) outlines from LungFlow's SEG in the PACS: a transparent PNG to lay over image.png of the same size",
        tags: ['pictures'],
        params: studyParams,
        querystring: pictureQuery,
        response: { 404: errorBody },
      },
    },
    async (request, reply) => {
      const item = await worklist.get(request.params.studyInstanceUid);
      if (!item) return reply.code(404).send({ error: 'not_found', message: 'this study is not on the worklist' });
      if (!item.seg) return reply.code(404).send({ error: 'not_found', message: 'this result has no lung and lesion segmentation' });
      const size = request.query.size ?? 1024;
      const key = `outlines:${item.studyInstanceUid}:${item.reportedAt}:${size}`;
      let png = cache.get(key);
      if (!png) {
        const { rows, columns, byLabel } = await segmentsOf(item.seg);
        png = await outlinesPng({ rows, columns, ...optional('lung', byLabel.get('lung')), ...optional('lesion', byLabel.get('lesion')) }, size);
        remember(key, png);
      }
      return sendPng(reply, png);
    },
  );

  // The model's lesion mask at the image's own Rows × Columns (the review editor's grid), so a reviewer corrects the
  // model's outline instead of drawing from nothing: lesion pixels opaque red, the rest transparent.
  app.get<{ Params: { studyInstanceUid: string } }>(
    '/api/v1/studies/:studyInstanceUid/lesion-mask.png',
    {
      schema: {
        summary: "The model's lesion segment from LungFlow's SEG at the image's own size: opaque where lesion, for the review editor to start from",
        tags: ['pictures'],
        params: studyParams,
        querystring: { type: 'object', properties: { access_token: tokenInUrl } },
        response: { 404: errorBody },
      },
    },
    async (request, reply) => {
      const item = await worklist.get(request.params.studyInstanceUid);
      if (!item?.seg) return reply.code(404).send({ error: 'not_found', message: item ? 'this result has no lesion segmentation' : 'this study is not on the worklist' });
      const key = `lesion-mask:${item.studyInstanceUid}:${item.reportedAt}`;
      let png = cache.get(key);
      if (!png) {
        const { rows, columns, byLabel } = await segmentsOf(item.seg);
        const lesion = byLabel.get('lesion') ?? new Uint8Array(rows * columns);
        const rgba = new Uint8Array(rows * columns * 4);
        for (let i = 0; i < lesion.length; i += 1) if (lesion[i]) rgba.set([255, 32, 32, 255], i * 4);
        png = await sharp(rgba, { raw: { width: columns, height: rows, channels: 4 } }).png().toBuffer();
        remember(key, png);
      }
      return sendPng(reply, png);
    },
  );

  app.get('/api/v1/events', { schema: { summary: 'Live worklist changes (text/event-stream; each event is a WorklistChange)', tags: ['worklist'] } }, (request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    reply.raw.write('retry: 2000\n\n');
    const onChange = (change: unknown) => reply.raw.write(`event: change\ndata: ${JSON.stringify(change)}\n\n`);
    // Comments keep proxies from closing an idle stream.
    const keepAlive = setInterval(() => reply.raw.write(': keep-alive\n\n'), 15_000);
    changes.on('change', onChange);
    request.raw.on('close', () => {
      clearInterval(keepAlive);
      changes.off('change', onChange);
    });
  });
}

const optional = <K extends string>(key: K, value: Uint8Array | undefined) => (value ? ({ [key]: value } as Record<K, Uint8Array>) : {});

function sendPng(reply: FastifyReply, png: Buffer): FastifyReply {
  // The page's URLs name the result version (?v=reportedAt), so a picture never changes under its URL.
  return reply.header('content-type', 'image/png').header('cache-control', 'private, max-age=86400').send(png);
}
