import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { verifyPassword } from './passwords';
import { sessionCookieOf, type SessionCookies } from './sessionCookie';
import { hasRole, ROLES, type Principal, type Role } from './Principal';
import type { UserEntry } from './userList';

export interface AuthOptions {
  /** Header the authenticating proxy puts the user in (e.g. `x-forwarded-user`); unset: no proxy. */
  proxyHeader?: string;
  /** Header with the user's groups (comma-separated; `reviewer` or `lungflow-reviewer` grant that role). */
  proxyGroupsHeader?: string;
  /** Addresses (IPs or CIDRs) the proxy connects from; the header from anyone else is ignored. */
  proxyAddresses: string[];
  /** Role of a proxy user whose groups name none. */
  proxyDefaultRole: Role;
  /** Local users (REPORT_USERS_FILE), HTTP Basic. */
  users?: Map<string, UserEntry>;
  /** The shared bearer token (REPORT_API_TOKEN): a machine client with the admin role. */
  apiToken?: string;
  /** The page's session cookies, which stand for the token once the page exchanged it (POST /api/v1/session). */
  sessions?: SessionCookies;
  /**
   * Deprecated: accept the token as `?access_token=` (REPORT_TOKEN_IN_URL), for clients written before the session
   * cookie. Off: such a request gets 401 saying what to do instead.
   */
  tokenInUrl?: boolean;
  /** Called on each request that used `?access_token=` (a deprecation warning). */
  onTokenInUrl?: (request: FastifyRequest) => void;
}

/** How the token reached us: the session route mints a cookie only for the Authorization header. */
export type TokenCredential = 'header' | 'query' | 'cookie';

/** Methods that change nothing: a session cookie alone suffices for them (see CSRF_HEADER). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/**
 * A change (POST/PUT/DELETE) authenticated by the session cookie must also carry this header, which the page's
 * fetch() sets: another origin cannot send a custom header without a CORS preflight this service never grants, so
 * the header backs up SameSite=Strict against cross-site request forgery in browsers that ignore SameSite.
 */
export const CSRF_HEADER = 'x-requested-with';

const principals = new WeakMap<FastifyRequest, Principal>();
const credentials = new WeakMap<FastifyRequest, TokenCredential>();
const ANONYMOUS: Principal = { username: 'anonymous', displayName: 'anonymous', roles: ['admin'], method: 'none' };
const VERIFIED_TTL_MS = 5 * 60_000;

/** How the request presented REPORT_API_TOKEN, when it did. */
export function tokenCredentialOf(request: FastifyRequest): TokenCredential | undefined {
  return credentials.get(request);
}

/** Constant-time comparison with the configured token. */
function tokenMatcher(token: string): (given: string) => boolean {
  const expected = Buffer.from(token);
  return (given) => {
    const candidate = Buffer.from(given);
    return candidate.length === expected.length && timingSafeEqual(candidate, expected);
  };
}

/** The principal authenticate() attached to the request (anonymous when authentication is off). */
export function principalOf(request: FastifyRequest): Principal {
  return principals.get(request) ?? ANONYMOUS;
}

function addressList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address ?? '') === 6 ? 'ipv6' : 'ipv4';
    if (!address || !isIP(address)) throw new Error(`REPORT_AUTH_PROXY_ADDRESSES: "${entry}" is not an IP address or CIDR`);
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

/**
 * Authentication and roles for the API and page, in one preHandler per route group (`authenticate(options)(role)`):
 * 1. an authenticating proxy (oauth2-proxy and the like): the user header, honoured only from the configured proxy
 *    addresses, with roles from a groups header;
 * 2. a local user list: HTTP Basic against scrypt hashes (a trial without SSO; browsers send it on images and
 *    event streams too, so nothing secret goes in a URL);
 * 3. the shared bearer token (REPORT_API_TOKEN) in `Authorization: Bearer`, for machine clients; the page exchanges
 *    it once for a session cookie (sessionCookie.ts), which its images and event stream then carry: nothing secret
 *    goes in a URL. `?access_token=` only with `tokenInUrl` (deprecated).
 * With none configured the service is open (development): the caller is `anonymous`, and no patient identity is
 * shown. 401 when authentication is configured and none succeeded; 403 when the role is missing.
 */
export function authenticate(options: AuthOptions) {
  const proxies = addressList(options.proxyAddresses);
  const header = options.proxyHeader?.toLowerCase();
  const configured = Boolean(header || options.users?.size || options.apiToken);
  const tokenMatches = options.apiToken ? tokenMatcher(options.apiToken) : undefined;
  const sessions = options.apiToken ? options.sessions : undefined;
  // scrypt costs ~50 ms of CPU: remember a verified (user, password) pair for a while, by digest only.
  const verified = new Map<string, number>();

  const fromProxy = (request: FastifyRequest): Principal | undefined => {
    if (!header) return undefined;
    const user = request.headers[header];
    if (typeof user !== 'string' || user === '') return undefined;
    const address = request.socket.remoteAddress ?? '';
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (!isIP(address) || !proxies.check(address, family)) return undefined;
    const groups = String(request.headers[options.proxyGroupsHeader?.toLowerCase() ?? ''] ?? '')
      .split(',')
      .map((g) => g.trim().toLowerCase().replace(/^lungflow[-:_]/, ''));
    const roles = ROLES.filter((role) => groups.includes(role));
    return { username: user, displayName: user.slice(0, 64), roles: roles.length ? roles : [options.proxyDefaultRole], method: 'proxy' };
  };

  const fromBasic = async (request: FastifyRequest): Promise<Principal | undefined> => {
    const authorization = request.headers.authorization ?? '';
    if (!options.users?.size || !authorization.startsWith('Basic ')) return undefined;
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = options.users.get(decoded.slice(0, colon));
    if (colon < 0 || !user) return undefined;
    const digest = createHash('sha256').update(decoded).update(user.passwordHash).digest('hex');
    const until = verified.get(digest);
    if (!(until && until > Date.now())) {
      if (!(await verifyPassword(decoded.slice(colon + 1), user.passwordHash))) return undefined;
      verified.set(digest, Date.now() + VERIFIED_TTL_MS);
    }
    return { username: user.username, displayName: user.displayName ?? user.username, roles: user.roles, method: 'local' };
  };

  const challenge = (reply: FastifyReply) =>
    reply
      .code(401)
      .header('www-authenticate', options.users?.size ? 'Basic realm="LungFlow", charset="UTF-8"' : 'Bearer realm="lungflow-worklist"')
      .send({ error: 'unauthorized', message: 'sign in to use the LungFlow worklist' });

  const refuseToken = (reply: FastifyReply, message: string) =>
    reply.code(401).header('www-authenticate', 'Bearer realm="lungflow-worklist"').send({ error: 'unauthorized', message });

  /** Which form of the token the request carries and whether it is right; undefined when it carries none. */
  const tokenCredential = async (request: FastifyRequest, reply: FastifyReply): Promise<TokenCredential | undefined> => {
    const authorization = request.headers.authorization ?? '';
    const fromQuery = (request.query as Record<string, unknown> | undefined)?.access_token;
    if (authorization.startsWith('Bearer ')) {
      if (tokenMatches!(authorization.slice(7))) return 'header';
      return void (await refuseToken(reply, 'a valid bearer token is required'));
    }
    if (typeof fromQuery === 'string') {
      if (!options.tokenInUrl) {
        return void (await refuseToken(reply, '?access_token= is not accepted (it ends up in logs and browser history): send Authorization: Bearer, or open the page, which trades the token for a session cookie'));
      }
      if (!tokenMatches!(fromQuery)) return void (await refuseToken(reply, 'a valid bearer token is required'));
      // RFC 9745: the caller should move to the Authorization header.
      void reply.header('deprecation', 'true');
      options.onTokenInUrl?.(request);
      return 'query';
    }
    if (sessions?.verify(sessionCookieOf(request))) {
      if (!SAFE_METHODS.has(request.method) && request.headers[CSRF_HEADER] === undefined) {
        return void (await reply.code(403).send({ error: 'forbidden', message: `a change made with the session cookie needs the ${CSRF_HEADER} header` }));
      }
      return 'cookie';
    }
    return undefined;
  };

  return (role: Role) =>
    async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      let principal: Principal | undefined = configured ? (fromProxy(request) ?? (await fromBasic(request))) : ANONYMOUS;
      if (!principal && tokenMatches) {
        const credential = await tokenCredential(request, reply);
        if (reply.sent) return;
        if (credential) {
          credentials.set(request, credential);
          principal = { username: 'api-token', displayName: 'API token', roles: ['admin'], method: 'token' };
        }
      }
      if (!principal) return void (await challenge(reply));
      principals.set(request, principal);
      if (!hasRole(principal, role)) {
        await reply.code(403).send({ error: 'forbidden', message: `this needs the ${role} role` });
      }
    };
}

/** A route's own role check, after the group's authenticate(...)('reader') attached the principal. */
export function requireRole(role: Role) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!hasRole(principalOf(request), role)) await reply.code(403).send({ error: 'forbidden', message: `this needs the ${role} role` });
  };
}
