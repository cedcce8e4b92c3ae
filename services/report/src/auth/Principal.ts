export const ROLES = ['reader', 'reviewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is asking, as authenticate() established it. */
export interface Principal {
  /** Login name: the proxy's user header, the user list's username, `api-token` or `anonymous`. */
  username: string;
  /** For Person Observer Name in a review SR (PN); the username when nothing better is known. */
  displayName: string;
  roles: Role[];
  method: 'proxy' | 'local' | 'token' | 'none';
}

/** admin may do everything; a reviewer may also read. */
export function hasRole(principal: Principal, role: Role): boolean {
  if (principal.roles.includes('admin')) return true;
  if (role === 'reader') return principal.roles.includes('reader') || principal.roles.includes('reviewer');
  return principal.roles.includes(role);
}

/** Patient identity goes only to someone who proved who they are (never to the open development mode). */
export function maySeePatientIdentity(principal: Principal): boolean {
  return principal.method !== 'none' && hasRole(principal, 'reader');
}
