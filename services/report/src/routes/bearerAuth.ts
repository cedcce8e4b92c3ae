import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * A preHandler that requires `Authorization: Bearer <token>`. Browsers cannot put headers on <img> and EventSource
 * requests, so the page's images and live updates may carry it as `?access_token=` (RFC 6750 §2.3) instead.
 */
export function bearerAuth(token: string | undefined) {
  const expected = token === undefined ? undefined : Buffer.from(token);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!expected) return;
    const header = request.headers.authorization ?? '';
    const fromQuery = (request.query as Record<string, unknown> | undefined)?.access_token;
    const given = header.startsWith('Bearer ') ? header.slice(7) : typeof fromQuery === 'string' ? fromQuery : '';
    const candidate = Buffer.from(given);
    if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) return;
    await reply.code(401).header('www-authenticate', 'Bearer realm="lungflow-worklist"').send({ error: 'unauthorized', message: 'a valid bearer token is required' });
  };
}
