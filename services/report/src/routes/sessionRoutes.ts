import type {} from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { tokenCredentialOf } from '../auth/authenticate';
import { cameOverTls, type SessionCookies } from '../auth/sessionCookie';
import { errorBody } from './schemas';

export interface SessionRoutesOptions {
  /** Undefined when no REPORT_API_TOKEN is set: the proxy or Basic sign-in already rides on every request. */
  sessions: SessionCookies | undefined;
}

/**
 * The page trades the bearer token for a session cookie once (sessionCookie.ts), so that its images and event
 * stream, which cannot carry an Authorization header, need no token in their URLs. Inside the authenticated group:
 * the token is checked before this runs.
 */
export async function sessionRoutes(app: FastifyInstance, options: SessionRoutesOptions): Promise<void> {
  const { sessions } = options;
  app.post(
    '/api/v1/session',
    {
      schema: {
        summary: 'Exchange the bearer token (Authorization header) for an HttpOnly, SameSite=Strict session cookie scoped to /api/v1',
        tags: ['session'],
        response: { 204: { type: 'null' }, 400: errorBody },
      },
    },
    async (request, reply) => {
      // Proxy or Basic sign-in: the browser or the proxy authenticates every request already; nothing to hand out.
      if (!sessions) return reply.code(204).send();
      if (tokenCredentialOf(request) !== 'header') {
        return reply.code(400).send({ error: 'bearer_token_required', message: 'a session is issued for the token in the Authorization header only' });
      }
      return reply.code(204).header('set-cookie', sessions.setCookie(sessions.issue(), cameOverTls(request))).header('cache-control', 'no-store').send();
    },
  );
  app.delete(
    '/api/v1/session',
    { schema: { summary: 'End the page session (clears the cookie)', tags: ['session'], response: { 204: { type: 'null' } } } },
    async (request, reply) => {
      if (sessions) void reply.header('set-cookie', sessions.clearCookie(cameOverTls(request)));
      return reply.code(204).send();
    },
  );
}
