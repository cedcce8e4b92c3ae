import net from 'node:net';
import { OutputError } from '../OutputError';
import { parseSegments } from './er7';

/** MLLP framing (HL7 v2 Minimal Lower Layer Protocol, release 2): <VT> message <FS><CR>. */
const START = 0x0b;
const END = Buffer.from([0x1c, 0x0d]);

export function frame(message: string): Buffer {
  return Buffer.concat([Buffer.from([START]), Buffer.from(message, 'utf8'), END]);
}

export interface Ack {
  /** MSA-1: AA accepted, AE application error, AR rejected (or CA/CE/CR in enhanced mode). */
  code: string;
  /** MSA-2: the control id of the message this ACK answers. */
  controlId: string;
  /** MSA-3 and ERR text, for the dead-letter reason. */
  text: string;
}

export function parseAck(er7: string): Ack {
  const segments = parseSegments(er7);
  const msa = segments.find((fields) => fields[0] === 'MSA');
  if (!msa) throw new OutputError('HL7_ACK_INVALID', 'the RIS answered without an MSA segment');
  const errors = segments.filter((fields) => fields[0] === 'ERR').map((fields) => fields.slice(1).filter(Boolean).join(' '));
  return { code: msa[1] ?? '', controlId: msa[2] ?? '', text: [msa[3], ...errors].filter(Boolean).join('; ') };
}

export interface MllpEndpoint {
  host: string;
  port: number;
  /** Covers connecting, sending and waiting for the ACK. */
  timeoutMs: number;
}

/**
 * Sends one framed message on its own connection and resolves with the ACK's text. Written here rather than taken
 * from npm: MLLP is the three framing bytes above, and the HL7 packages on npm that include a client are small
 * one-maintainer projects whose framing and reconnect behaviour we would have to review anyway. One connection per
 * message keeps failure handling trivial (a broken connection never holds a half-read ACK of another message); at
 * triage volumes (a few results a minute) its cost does not matter.
 */
export function sendMllp(endpoint: MllpEndpoint, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    let settled = false;
    const where = `${endpoint.host}:${endpoint.port}`;
    const socket = net.connect({ host: endpoint.host, port: endpoint.port });
    const finish = (error: Error | undefined, ack?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(ack as string);
    };
    const timer = setTimeout(() => finish(new OutputError('MLLP_UNAVAILABLE', `no ACK from the RIS at ${where} within ${endpoint.timeoutMs} ms`)), endpoint.timeoutMs);
    socket.on('connect', () => socket.write(frame(message)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const start = received.indexOf(START);
      const end = received.indexOf(END, start + 1);
      if (start >= 0 && end > start) finish(undefined, received.subarray(start + 1, end).toString('utf8'));
    });
    socket.on('error', (error) => finish(new OutputError('MLLP_UNAVAILABLE', `RIS at ${where}: ${error.message}`, { cause: error })));
    socket.on('close', () => finish(new OutputError('MLLP_UNAVAILABLE', `the RIS at ${where} closed the connection before its ACK`)));
  });
}
