import { createServer } from 'node:net';
import type { Server as NetServer, Socket } from 'node:net';
import type { Writable } from 'node:stream';
import dimse from 'dcmjs-dimse';
import { part10FromDataSet } from '@lungflow/dicom';
import type { Logger } from '@lungflow/logging';
import type { IngestMetrics } from '../metrics';
import { STORE_STATUS, forwardInstance } from './forwardInstance';
import type { ForwardDeps } from './forwardInstance';
import { decideContext, isCallingAeAllowed, normaliseAeTitle } from './presentationContexts';

const { Dataset, Scp, log: dimseLog } = dimse;
const { PresentationContextResult, RejectResult, RejectSource, RejectReason, Status } = dimse.constants;
const { CEchoResponse: EchoResponse, CStoreResponse: StoreResponse } = dimse.responses;
type Association = dimse.association.Association;
type PresentationContext = dimse.association.PresentationContext;
type CEchoRequest = dimse.requests.CEchoRequest;
type CStoreRequest = dimse.requests.CStoreRequest;
type CEchoResponse = dimse.responses.CEchoResponse;
type CStoreResponse = dimse.responses.CStoreResponse;

export interface DimseReceiverOptions extends ForwardDeps {
  host: string;
  port: number;
  /** Our AE title: associations calling another one are rejected (called-AE-title-not-recognized). */
  aeTitle: string;
  /** Calling AE titles admitted; `*` admits any. */
  allowedCallingAeTitles: readonly string[];
  metrics: IngestMetrics;
  log: Logger;
}

/** The received bytes of each C-STORE, by the placeholder Dataset dcmjs-dimse hands to cStoreRequest. */
type RawStore = { bytes: Uint8Array; transferSyntaxUid: string };

/**
 * C-STORE SCP (PS3.4 Annex B) and Verification SCP (Annex A) on a TCP port, built on dcmjs-dimse's association and
 * PDU handling. Each received instance goes through forwardInstance (PACS of record first, then Redis, then the
 * Success status), so a DIMSE sender gets the same guarantee as a STOW-RS one. The data set bytes are kept as
 * received (no dcmjs parse and re-encode), which keeps compressed pixel data and private tags byte-exact.
 */
export class DimseReceiver {
  private server: NetServer | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly pending = new Set<Promise<unknown>>();
  /** The port actually bound (differs from options.port when that is 0, as in tests). */
  port = 0;

  private readonly stored;

  constructor(private readonly options: DimseReceiverOptions) {
    this.stored = options.metrics.metrics.counter('ingest_dimse_instances_total', 'Instances received by C-STORE and stored in the PACS of record');
    // dcmjs-dimse logs every PDU at info through loglevel on the console; our own log lines say what matters.
    dimseLog.setLevel('warn');
  }

  async start(): Promise<void> {
    const ScpClass = this.scpClass();
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      const scp = new ScpClass(socket, { associationTimeout: 60_000, pduTimeout: 60_000 });
      (scp as unknown as { connected: boolean }).connected = true;
      scp.on('networkError', (error: Error) => {
        this.options.log.warn({ err: error, remote: socket.remoteAddress }, 'DIMSE network error; closing the association');
        socket.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : this.options.port;
    this.options.log.info({ host: this.options.host, port: this.port, aeTitle: this.options.aeTitle }, 'DIMSE C-STORE SCP listening');
  }

  /** Stops accepting, lets stores in flight finish (their senders get an answer), then drops the connections. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.allSettled([...this.pending]);
    for (const socket of this.sockets) socket.destroy();
  }

  private scpClass(): new (socket: Socket, opts?: Record<string, unknown>) => InstanceType<typeof Scp> {
    const options = this.options;
    const pending = this.pending;
    const store = (request: CStoreRequest, received: RawStore | undefined, callingAeTitle: string) => this.store(request, received, callingAeTitle);
    const raw = new WeakMap<object, RawStore>();
    return class LungFlowScp extends Scp {
      private association: Association | undefined;

      override associationRequested(association: Association): void {
        this.association = association;
        const calling = normaliseAeTitle(association.getCallingAeTitle());
        const called = normaliseAeTitle(association.getCalledAeTitle());
        if (called !== options.aeTitle) {
          options.metrics.errors.labels('dimse', 'CALLED_AE_UNKNOWN').inc();
          options.log.warn({ callingAeTitle: calling, calledAeTitle: called }, 'DIMSE association rejected: called AE title is not ours');
          this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CalledAeNotRecognized);
          return;
        }
        if (!isCallingAeAllowed(calling, options.allowedCallingAeTitles)) {
          options.metrics.errors.labels('dimse', 'CALLING_AE_NOT_ALLOWED').inc();
          options.log.warn({ callingAeTitle: calling }, 'DIMSE association rejected: calling AE title not allowed');
          this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeNotRecognized);
          return;
        }
        for (const proposed of association.getPresentationContexts()) {
          const context = association.getPresentationContext(proposed.id);
          const decision = decideContext(context.getAbstractSyntaxUid(), context.getTransferSyntaxUids());
          if (decision.accept) context.setResult(PresentationContextResult.Accept, decision.transferSyntaxUid);
          else if (decision.reason === 'abstract-syntax-not-supported') context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
          else context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
        }
        options.log.info({ callingAeTitle: calling }, 'DIMSE association accepted');
        this.sendAssociationAccept();
      }

      override abort(): void {
        // The peer aborted (A-ABORT): stores already answered are in the PACS; the rest the sender resends.
        options.log.info({ callingAeTitle: normaliseAeTitle(this.association?.getCallingAeTitle() ?? '') }, 'DIMSE association aborted by the peer');
      }

      override associationReleaseRequested(): void {
        this.sendAssociationReleaseResponse();
      }

      override cEchoRequest(request: CEchoRequest, callback: (response: CEchoResponse) => void): void {
        const response = EchoResponse.fromRequest(request);
        response.setStatus(Status.Success);
        callback(response);
      }

      override createDatasetFromStoreWritableStream(writable: Writable, context: PresentationContext, callback: (dataset: InstanceType<typeof Dataset>) => void): void {
        const placeholder = new Dataset({});
        const bytes = (writable as unknown as { toBuffer(): Buffer }).toBuffer();
        raw.set(placeholder, { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), transferSyntaxUid: context.getAcceptedTransferSyntaxUid() ?? '' });
        callback(placeholder);
      }

      override cStoreRequest(request: CStoreRequest, callback: (response: CStoreResponse) => void): void {
        const work = store(request, raw.get(request.getDataset() as object), normaliseAeTitle(this.association?.getCallingAeTitle() ?? '')).then((outcome) => {
          const response = StoreResponse.fromRequest(request);
          response.setStatus(outcome.status);
          if (outcome.comment) response.setErrorComment(outcome.comment.slice(0, 64));
          callback(response);
        });
        pending.add(work);
        void work.finally(() => pending.delete(work));
      }
    };
  }

  private async store(request: CStoreRequest, received: RawStore | undefined, callingAeTitle: string) {
    const sopInstanceUid = request.getAffectedSopInstanceUid();
    if (!received || received.bytes.length === 0) return { status: STORE_STATUS.cannotUnderstand, comment: 'no data set received' };
    const part10 = part10FromDataSet(received.bytes, request.getAffectedSopClassUid(), sopInstanceUid, received.transferSyntaxUid);
    const outcome = await forwardInstance(this.options, part10);
    if (outcome.status === STORE_STATUS.success) {
      this.stored.inc();
      this.options.log.debug({ studyInstanceUid: outcome.studyInstanceUid, sopInstanceUid, callingAeTitle }, 'DIMSE instance stored');
    } else {
      this.options.metrics.errors.labels('dimse', outcome.code ?? 'UNEXPECTED').inc();
      this.options.log.warn({ studyInstanceUid: outcome.studyInstanceUid, sopInstanceUid, callingAeTitle, code: outcome.code, status: outcome.status, reason: outcome.comment }, 'DIMSE store failed; the sender gets a failure status');
    }
    return outcome;
  }
}
