import { createHash } from 'node:crypto';

/** sha256 (hex) of a set of UIDs, independent of order: the identity of a study's content at one moment. */
export function contentHash(uids: Iterable<string>): string {
  return createHash('sha256').update([...uids].sort().join('\n')).digest('hex');
}
