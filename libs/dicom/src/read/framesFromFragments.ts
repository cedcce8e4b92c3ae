import { DicomError } from '../errors';
import { concat } from './concat';

/**
 * Groups encapsulated Pixel Data fragments into frames when the Basic Offset Table is empty (PS3.5 A.4): a single
 * frame owns every fragment; otherwise a new frame starts at each fragment that opens a codestream (JPEG SOI
 * FFD8, JPEG 2000 SOC FF4F or a JP2 signature box). RLE frames are one fragment each (PS3.5 G.2), so they never
 * need grouping.
 */
export function framesFromFragments(fragments: Uint8Array[], numberOfFrames: number, sopInstanceUid?: string): Uint8Array[] {
  if (fragments.length === numberOfFrames || fragments.length === 0) return fragments;
  if (numberOfFrames <= 1) return [concat(...fragments)];
  const frames: Uint8Array[][] = [];
  for (const fragment of fragments) {
    if (frames.length === 0 || opensCodestream(fragment)) frames.push([fragment]);
    else frames[frames.length - 1].push(fragment);
  }
  if (frames.length !== numberOfFrames) {
    throw new DicomError(
      'DICOM_MALFORMED',
      `${fragments.length} pixel data fragments without offset table cannot be split into ${numberOfFrames} frames`,
      { sopInstanceUid, fragments: fragments.length, numberOfFrames },
    );
  }
  return frames.map((parts) => concat(...parts));
}

function opensCodestream(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  if (bytes[0] === 0xff && (bytes[1] === 0xd8 || bytes[1] === 0x4f)) return true;
  return bytes[4] === 0x6a && bytes[5] === 0x50 && bytes[6] === 0x20 && bytes[7] === 0x20;
}
