import { randomBytes } from 'node:crypto';
import { quoteParam } from './contentType';
import { MultipartError } from './MultipartError';

export interface OutgoingPart {
  body: Uint8Array;
  /** Content-Type of the part; omitted when the message's `type` parameter covers it. */
  contentType?: string;
  headers?: Record<string, string>;
}

export interface BuiltMultipart {
  body: Uint8Array;
  /** The Content-Type header for the whole message, boundary included. */
  contentType: string;
}

/**
 * Builds a multipart/related message (RFC 2387), e.g. a STOW-RS request with `type: 'application/dicom'`. A random
 * boundary is checked against every part so that no payload can contain it; a boundary given by the caller that occurs
 * in a payload is refused rather than producing a message that parses differently.
 */
export function buildMultipart(parts: OutgoingPart[], options: { type: string; boundary?: string }): BuiltMultipart {
  const inAnyPart = (boundary: string): boolean => {
    const needle = Buffer.from(`--${boundary}`, 'latin1');
    return parts.some((part) => Buffer.from(part.body.buffer, part.body.byteOffset, part.body.byteLength).includes(needle));
  };
  let boundary = options.boundary;
  if (boundary !== undefined) {
    if (!/^[0-9A-Za-z'()+_,\-./:=?]{1,70}$/.test(boundary)) throw new MultipartError(`invalid multipart boundary "${boundary}"`);
    if (inAnyPart(boundary)) throw new MultipartError(`multipart boundary "${boundary}" occurs inside a part`);
  } else {
    do {
      boundary = `lungflow-${randomBytes(12).toString('hex')}`;
    } while (inAnyPart(boundary));
  }

  const chunks: Buffer[] = [];
  for (const part of parts) {
    const headers = { ...(part.contentType ? { 'Content-Type': part.contentType } : {}), ...part.headers };
    const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    chunks.push(Buffer.from(`--${boundary}\r\n${head}\r\n`, 'latin1'));
    chunks.push(Buffer.from(part.body.buffer, part.body.byteOffset, part.body.byteLength));
    chunks.push(Buffer.from('\r\n', 'latin1'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  const body = Buffer.concat(chunks);
  return {
    body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
    contentType: `multipart/related; type=${quoteParam(options.type)}; boundary=${quoteParam(boundary)}`,
  };
}
