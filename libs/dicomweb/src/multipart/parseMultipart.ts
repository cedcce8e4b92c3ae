import { MultipartError } from './MultipartError';
import type { MultipartPart } from './MultipartPart';

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

interface Delimiter {
  /** Offset of the CRLF that precedes the delimiter (or 0 for a delimiter at the very start). */
  start: number;
  /** Offset just after the delimiter line (after `--` for the close delimiter). */
  next: number;
  close: boolean;
}

/**
 * Splits a multipart body (RFC 2046 §5.1.1) into its parts, binary-safe: only `CRLF--boundary` followed by `--` or by
 * optional transport padding and CRLF ends a part, so pixel data that happens to hold `--boundary` (without the CRLF,
 * or followed by other bytes) stays inside its part. The preamble before the first delimiter and the epilogue after
 * the close delimiter are ignored. A body without a close delimiter is treated as truncated and rejected, because
 * its last part may be cut short.
 */
export function parseMultipart(body: Uint8Array, boundary: string): MultipartPart[] {
  if (boundary === '') throw new MultipartError('multipart body without a boundary parameter');
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const dashBoundary = Buffer.from(`--${boundary}`, 'latin1');
  const delimiter = Buffer.concat([CRLF, dashBoundary]);

  const delimiterAt = (start: number, afterDashes: number): Delimiter | undefined => {
    if (buf[afterDashes] === 0x2d && buf[afterDashes + 1] === 0x2d) return { start, next: afterDashes + 2, close: true };
    let i = afterDashes;
    while (buf[i] === 0x20 || buf[i] === 0x09) i += 1; // transport padding
    if (buf[i] === 0x0d && buf[i + 1] === 0x0a) return { start, next: i + 2, close: false };
    return undefined; // boundary-like bytes inside a payload
  };
  const findDelimiter = (from: number): Delimiter | undefined => {
    for (let at = buf.indexOf(delimiter, from); at !== -1; at = buf.indexOf(delimiter, at + 1)) {
      const found = delimiterAt(at, at + delimiter.length);
      if (found) return found;
    }
    return undefined;
  };

  // The first delimiter may open the body without a preceding CRLF (no preamble).
  let current = buf.subarray(0, dashBoundary.length).equals(dashBoundary) ? delimiterAt(0, dashBoundary.length) : undefined;
  current ??= findDelimiter(0);
  if (!current) throw new MultipartError(`no multipart delimiter "--${boundary}" found in ${buf.length} bytes`);

  const parts: MultipartPart[] = [];
  while (!current.close) {
    const partStart = current.next;
    const following = findDelimiter(partStart);
    if (!following) {
      throw new MultipartError(`multipart body ends without a close delimiter after ${parts.length} part(s): truncated?`);
    }
    parts.push(splitPart(buf, partStart, following.start));
    current = following;
  }
  return parts;
}

function splitPart(buf: Buffer, start: number, end: number): MultipartPart {
  // A part with no header fields starts straight with the blank line.
  if (buf[start] === 0x0d && buf[start + 1] === 0x0a) {
    return { headers: {}, body: view(buf, start + 2, end) };
  }
  const headerEnd = buf.indexOf(HEADER_END, start);
  if (headerEnd === -1 || headerEnd + HEADER_END.length > end) {
    throw new MultipartError('multipart part without the blank line that ends its headers');
  }
  return { headers: parseHeaders(buf.toString('latin1', start, headerEnd)), body: view(buf, headerEnd + HEADER_END.length, end) };
}

function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  let last: string | undefined;
  for (const line of text.split('\r\n')) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && last !== undefined) {
      headers[last] = `${headers[last]} ${line.trim()}`; // obsolete line folding
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    headers[last] = line.slice(colon + 1).trim();
  }
  return headers;
}

function view(buf: Buffer, start: number, end: number): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset + start, end - start);
}
