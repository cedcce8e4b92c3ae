import type {} from '@fastify/swagger'; // its FastifySchema augmentation (summary, tags)
import type { FastifyInstance } from 'fastify';
import type { ModelCatalog } from '../ModelCatalog';
import type { WorklistFilter, WorklistStore } from '../worklist/WorklistStore';
import { errorBody, listQuery, studyParams } from './schemas';

export interface WorklistRoutesOptions {
  worklist: WorklistStore;
  catalog: ModelCatalog;
}

type StudyParams = { studyInstanceUid: string };

/** The worklist REST API (`/api/v1`), documented by the OpenAPI document at `/api/v1/openapi.json`. */
export async function worklistRoutes(app: FastifyInstance, options: WorklistRoutesOptions): Promise<void> {
  const { worklist, catalog } = options;
  const notFound = { error: 'not_found', message: 'this study is not on the worklist' };

  app.get<{ Querystring: WorklistFilter }>(
    '/api/v1/worklist',
    {
      schema: {
        summary: 'The worklist in priority order (highest first)',
        tags: ['worklist'],
        querystring: listQuery,
        response: { 200: { type: 'object', properties: { generatedAt: { type: 'string' }, items: { type: 'array', items: { $ref: 'WorklistItem#' } } } } },
      },
    },
    async (request) => ({ generatedAt: new Date().toISOString(), items: await worklist.list(request.query) }),
  );

  app.get<{ Params: StudyParams }>(
    '/api/v1/studies/:studyInstanceUid',
    {
      schema: {
        summary: "One study's result: probabilities, decision, model (with its card's limitations), links to the SR and SC",
        tags: ['worklist'],
        params: studyParams,
        response: {
          200: {
            type: 'object',
            properties: {
              item: { $ref: 'WorklistItem#' },
              modelCard: {
                type: 'object',
                properties: {
                  intendedUse: { type: 'string' },
                  limitations: { type: 'array', items: { type: 'string' } },
                  classes: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, display: { type: 'string' } } } },
                },
              },
            },
          },
          404: errorBody,
        },
      },
    },
    async (request, reply) => {
      const item = await worklist.get(request.params.studyInstanceUid);
      if (!item) return reply.code(404).send(notFound);
      let modelCard: Record<string, unknown> = {};
      try {
        const card = catalog.get(item.model.id, item.model.version);
        modelCard = { intendedUse: card.intendedUse ?? '', limitations: card.limitations ?? [], classes: card.classes.map((c) => ({ name: c.name, display: c.display ?? c.name })) };
      } catch {
        // A result from a release this replica has no card for still shows; only the limitations are missing.
      }
      return { item, modelCard };
    },
  );

  for (const [method, read] of [['PUT', true], ['DELETE', false]] as const) {
    app.route<{ Params: StudyParams }>({
      method,
      url: '/api/v1/studies/:studyInstanceUid/read',
      schema: {
        summary: read ? 'Mark a study read' : 'Mark a study unread again',
        tags: ['worklist'],
        params: studyParams,
        response: { 200: { type: 'object', properties: { studyInstanceUid: { type: 'string' }, read: { type: 'boolean' } } }, 404: errorBody },
      },
      handler: async (request, reply) => {
        if (!(await worklist.setRead(request.params.studyInstanceUid, read))) return reply.code(404).send(notFound);
        return { studyInstanceUid: request.params.studyInstanceUid, read };
      },
    });
  }
}


