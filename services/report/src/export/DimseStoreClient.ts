import dimse from 'dcmjs-dimse';
import type { StowResult } from '@lungflow/dicomweb';
import { readPart10Header } from '@lungflow/dicom';
import { LungFlowError } from '@lungflow/errors';

const { Client, Dataset, log: dimseLog } = dimse;
const { CStoreRequest } = dimse.requests;
const { RejectResult } = dimse.constants;

export interface DimseDestination {
  host: string;
  port: number;
  /** The PACS's AE title (called). */
  calledAeTitle: string;
  /** Ours (calling); the PACS must know it. */
  callingAeTitle: string;
  timeoutMs: number;
}

type P10Reader = { _fromP10Buffer(buffer: Buffer): InstanceType<typeof Dataset> };

/** C-STORE statuses that a retry may cure: "Refused: Out of Resources" (A7xx) and the 0xA700-range of PS3.4 B.2.3. */
function retriableStatus(status: number): boolean {
  return (status & 0xff00) === 0xa700;
}

/**
 * What one C-STORE status means for the instance. Success (0000) and the warnings (PS3.4 B.2.3: B000 coercion,
 * B006 elements discarded, B007 data set does not match SOP class; PS3.7 C.4: 0001, 0107, 0116) mean the PACS
 * stored it. 0111 "Duplicate SOP Instance" (PS3.7 C.4) means it already holds that UID: LungFlow's result UIDs are
 * derived from what the result was computed from, so the copy there is this one (issue 16 item 7: a PACS that
 * refuses duplicates must not dead-letter every redelivery). Anything else is a failure.
 */
export function cStoreOutcome(status: number | undefined): 'stored' | 'already-stored' | 'failed' {
  if (status === undefined) return 'failed';
  if (status === 0x0000 || status === 0x0001 || status === 0x0107 || status === 0x0116 || (status & 0xf000) === 0xb000) return 'stored';
  return status === 0x0111 ? 'already-stored' : 'failed';
}

/**
 * C-STORE SCU (PS3.4 Annex B) for a PACS without STOW-RS: one association per call, all instances on it, each
 * answered by the PACS. Errors follow the DICOMweb client's: unreachable, timed out, a transient association
 * rejection or Out of Resources are retriable (`PACS_UNREACHABLE`); a permanent rejection or any other failure
 * status is a refusal (`PACS_REFUSED`) that the consumer dead-letters with the PACS's answer.
 */
export class DimseStoreClient {
  constructor(private readonly destination: DimseDestination) {
    dimseLog.setLevel('warn');
  }

  async storeInstances(instances: readonly Uint8Array[]): Promise<StowResult> {
    const { host, port, calledAeTitle, callingAeTitle, timeoutMs } = this.destination;
    const where = `${calledAeTitle}@${host}:${port}`;
    const headers = instances.map((bytes) => readPart10Header(bytes));
    const client = new Client();
    const outcomes = new Map<string, number>();
    headers.forEach((header, i) => {
      const dataset = (Dataset as unknown as P10Reader)._fromP10Buffer(Buffer.from(instances[i] as Uint8Array));
      const request = new CStoreRequest(dataset);
      request.on('response', (response: { getStatus(): number }) => void outcomes.set(header.sopInstanceUid, response.getStatus()));
      client.addRequest(request);
    });

    await new Promise<void>((resolve, reject) => {
      const fail = (error: LungFlowError) => {
        clearTimeout(timer);
        reject(error);
      };
      const timer = setTimeout(() => {
        client.abort();
        fail(new LungFlowError('PACS_UNREACHABLE', `C-STORE to ${where} timed out after ${timeoutMs} ms`, { details: { host, port } }));
      }, timeoutMs);
      client.on('associationRejected', (result: { result: number; reason: number }) => {
        const retriable = result.result === RejectResult.Transient;
        fail(new LungFlowError(retriable ? 'PACS_UNREACHABLE' : 'PACS_REFUSED', `${where} rejected the association (result ${result.result}, reason ${result.reason})`, { details: { host, port } }));
      });
      client.on('networkError', (error: Error) => fail(new LungFlowError('PACS_UNREACHABLE', `C-STORE to ${where} failed: ${error.message}`, { cause: error, details: { host, port } })));
      client.on('closed', () => {
        clearTimeout(timer);
        resolve();
      });
      client.send(host, port, callingAeTitle, calledAeTitle, { connectTimeout: timeoutMs, associationTimeout: timeoutMs, pduTimeout: timeoutMs });
    });

    const stored = headers.filter((h) => cStoreOutcome(outcomes.get(h.sopInstanceUid)) === 'stored');
    const alreadyStored = headers.filter((h) => cStoreOutcome(outcomes.get(h.sopInstanceUid)) === 'already-stored');
    const failed = headers.filter((h) => cStoreOutcome(outcomes.get(h.sopInstanceUid)) === 'failed');
    if (failed.length > 0) {
      const statuses = failed.map((h) => outcomes.get(h.sopInstanceUid));
      const retriable = statuses.some((s) => s === undefined || retriableStatus(s));
      const answer = statuses.map((s) => (s === undefined ? 'no answer' : `0x${s.toString(16).padStart(4, '0')}`)).join(', ');
      throw new LungFlowError(retriable ? 'PACS_UNREACHABLE' : 'PACS_REFUSED', `${where} did not store ${failed.length} of ${headers.length} instances (C-STORE status ${answer})`, {
        details: { host, port, failed: failed.map((h) => h.sopInstanceUid) },
      });
    }
    const reference = (h: (typeof headers)[number]) => ({ sopClassUid: h.sopClassUid, sopInstanceUid: h.sopInstanceUid });
    return { stored: stored.map(reference), failed: [], ...(alreadyStored.length > 0 ? { alreadyStored: alreadyStored.map((h) => ({ ...reference(h), failureReason: 0x0111 })) } : {}) };
  }
}
