import { createHash } from 'node:crypto';

/**
 * A UID under the `2.25` root (PS3.5 §B.2): the decimal value of a name-based UUID (RFC 4122 version 5 layout,
 * SHA-1 of the seed) so that the same seed always gives the same UID and different seeds practically never collide.
 * Wrapping the same source image twice therefore yields the same study, series and instance, and Orthanc overwrites
 * rather than duplicating. At most 44 characters (2.25. plus up to 39 digits).
 */
export function uidFromSeed(seed: string): string {
  if (seed.length === 0) throw new RangeError('uidFromSeed: the seed must not be empty');
  const bytes = createHash('sha1').update(`lungflow-uid\u0000${seed}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  return `2.25.${BigInt(`0x${bytes.toString('hex')}`).toString(10)}`;
}
