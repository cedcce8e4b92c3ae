import { ConfigError } from '@lungflow/errors';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/i;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host.replace(/^\[|\]$/g, ''));
}

/**
 * A service listening beyond loopback with none of its credentials set would serve patients' images and results (or
 * accept studies) from anyone who can reach the pod: refuse to start, naming the variables that would fix it (issue 16,
 * item 10). Loopback binds stay open for development: only this machine can call them. Health and metrics are not
 * affected (they take no credentials anywhere).
 *
 * @param credentials the service's credential variables and whether each is set
 * @returns a warning for the log when the service runs open on purpose or on loopback, else undefined
 */
export function requireAuthOffLoopback(
  service: string,
  settings: { HTTP_HOST: string; HTTP_ALLOW_UNAUTHENTICATED: boolean },
  credentials: Record<string, boolean>,
): string | undefined {
  if (Object.values(credentials).some(Boolean)) return undefined;
  const names = Object.keys(credentials).join(' or ');
  if (isLoopback(settings.HTTP_HOST)) return `${service} has no credentials configured (${names}): open to callers on this machine only (HTTP_HOST ${settings.HTTP_HOST})`;
  if (settings.HTTP_ALLOW_UNAUTHENTICATED) return `${service} listens on ${settings.HTTP_HOST} WITHOUT authentication (HTTP_ALLOW_UNAUTHENTICATED=true): anyone who can reach it may call it`;
  throw new ConfigError(
    `${service} would listen on ${settings.HTTP_HOST} with no authentication: set ${names}, bind HTTP_HOST to loopback, ` +
      'or (closed test networks only) HTTP_ALLOW_UNAUTHENTICATED=true',
    { details: { variables: [...Object.keys(credentials), 'HTTP_HOST'] } },
  );
}
