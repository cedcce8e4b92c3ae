import { buildMultipart, contentType, parseMultipart } from './index';

const enc = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

describe('contentType', () => {
  it('finds the boundary after a quoted type that carries its own transfer-syntax parameter (PS3.18 §8.7.3.5)', () => {
    const parsed = contentType(
      'multipart/related; type="application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1"; boundary=abc',
    );
    expect(parsed.mediaType).toBe('multipart/related');
    expect(parsed.params).toEqual({ type: 'application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1', boundary: 'abc' });
  });

  it('unquotes, unescapes, lower-cases names but keeps the boundary case', () => {
    const parsed = contentType('Multipart/Related;BOUNDARY="Ab\\"c;d" ; Type=application/dicom;flag');
    expect(parsed.mediaType).toBe('multipart/related');
    expect(parsed.params).toEqual({ boundary: 'Ab"c;d', type: 'application/dicom' });
  });

  it('handles a bare media type', () => {
    expect(contentType('application/dicom+json')).toEqual({ mediaType: 'application/dicom+json', params: {} });
  });
});

describe('parseMultipart (RFC 2046 §5.1.1)', () => {
  it('ignores preamble and epilogue and reads part headers', () => {
    const body = enc(
      'this is a preamble\r\n--b1\r\nContent-Type: application/octet-stream\r\nContent-Location: /f/1\r\n\r\nAAA\r\n' +
        '--b1\r\nContent-Type: application/octet-stream\r\n\r\nBB\r\n--b1--\r\nepilogue --b1\r\n',
    );
    const parts = parseMultipart(body, 'b1');
    expect(parts.map((p) => text(p.body))).toEqual(['AAA', 'BB']);
    expect(parts[0]?.headers).toEqual({ 'content-type': 'application/octet-stream', 'content-location': '/f/1' });
  });

  it('accepts a first delimiter at offset 0, transport padding, empty parts and parts without headers', () => {
    const parts = parseMultipart(enc('--x  \t\r\n\r\n\r\n--x\r\nA: b\r\n\r\n\r\n--x--'), 'x');
    expect(parts.map((p) => p.body.length)).toEqual([0, 0]);
    expect(parts[0]?.headers).toEqual({});
    expect(parts[1]?.headers).toEqual({ a: 'b' });
  });

  it('keeps boundary-like bytes, CR/LF and NUL inside binary payloads', () => {
    // Near misses: CRLF--bnd followed by a byte that is neither padding, CRLF nor "--"; LF--bnd without CR;
    // --bnd without CRLF before it. Only CRLF--bnd + (CRLF | --) delimits (RFC 2046 §5.1.1).
    const payload = new Uint8Array([
      0x00, 0xff, 0x0d, 0x0a, ...enc('--bnd'), 0x41, 0x0d, 0x0a, ...enc('--bndX'), 0x0a, ...enc('--bnd\r\n'),
      ...enc('x--bnd--'), 0x0d, 0x0a, 0x0d, 0x0a, 0x00,
    ]);
    const body = new Uint8Array([...enc('--bnd\r\nContent-Type: application/octet-stream\r\n\r\n'), ...payload, ...enc('\r\n--bnd--')]);
    const parts = parseMultipart(body, 'bnd');
    expect(parts).toHaveLength(1);
    expect(Array.from(parts[0]?.body ?? [])).toEqual(Array.from(payload));
  });

  it('keeps a payload that ends in CRLF (only the last CRLF belongs to the delimiter)', () => {
    const parts = parseMultipart(enc('--q\r\n\r\nline\r\n\r\n--q--'), 'q');
    expect(text(parts[0]?.body ?? new Uint8Array())).toBe('line\r\n');
  });

  it('unfolds folded header lines', () => {
    const parts = parseMultipart(enc('--q\r\nContent-Type: multipart/x;\r\n a=b\r\n\r\nz\r\n--q--'), 'q');
    expect(parts[0]?.headers['content-type']).toBe('multipart/x; a=b');
  });

  it('rejects a body without delimiter, a truncated body and a part whose headers never end', () => {
    expect(() => parseMultipart(enc('no parts here'), 'q')).toThrow(/no multipart delimiter/);
    expect(() => parseMultipart(enc('--q\r\n\r\nhalf a frame'), 'q')).toThrow(/truncated/);
    expect(() => parseMultipart(enc('--q\r\nContent-Type: a\r\n--q--'), 'q')).toThrow(/blank line/);
    expect(() => parseMultipart(enc('--q--'), '')).toThrow(/without a boundary/);
  });

  it('works on a view into a larger buffer (byteOffset ≠ 0)', () => {
    const backing = enc('garbage--z\r\n\r\nok\r\n--z--');
    const parts = parseMultipart(backing.subarray(7), 'z');
    expect(text(parts[0]?.body ?? new Uint8Array())).toBe('ok');
  });
});

describe('buildMultipart', () => {
  it('round-trips binary parts through parseMultipart', () => {
    const a = new Uint8Array(1000).map((_, i) => (i * 7) % 256);
    const b = enc('\r\n--not-the-boundary\r\n');
    const built = buildMultipart([{ body: a }, { body: b, contentType: 'application/dicom' }], { type: 'application/dicom' });
    const ct = contentType(built.contentType);
    expect(ct.mediaType).toBe('multipart/related');
    expect(ct.params.type).toBe('application/dicom');
    const parts = parseMultipart(built.body, ct.params.boundary ?? '');
    expect(parts.map((p) => Array.from(p.body))).toEqual([Array.from(a), Array.from(b)]);
    expect(parts[1]?.headers['content-type']).toBe('application/dicom');
  });

  it('quotes a type with parameters and refuses a boundary that occurs in a payload', () => {
    const built = buildMultipart([{ body: enc('x') }], { type: 'application/dicom; transfer-syntax=1.2.3', boundary: 'zz' });
    expect(built.contentType).toBe('multipart/related; type="application/dicom; transfer-syntax=1.2.3"; boundary=zz');
    expect(text(built.body)).toBe('--zz\r\n\r\nx\r\n--zz--\r\n');
    expect(() => buildMultipart([{ body: enc('a--zz') }], { type: 'a/b', boundary: 'zz' })).toThrow(/occurs inside/);
  });
});
