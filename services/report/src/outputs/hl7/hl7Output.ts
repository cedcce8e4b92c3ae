import type { reportStoredV2 } from '@lungflow/contracts';
import type { EventHandler } from '@lungflow/kafka';
import type { Logger } from '@lungflow/logging';
import type { IdempotencyStore } from '@lungflow/redis';
import { OutputError } from '../OutputError';
import { studyContext, type StudySearch } from '../studyContext';
import { parseAck, type MllpEndpoint } from './mllpClient';
import { oruMessage, type OruParties } from './oruMessage';

export interface Hl7OutputDeps {
  pacs: StudySearch;
  send: (endpoint: MllpEndpoint, er7: string) => Promise<string>;
  endpoint: MllpEndpoint;
  parties: OruParties;
  /** "Sent" marks: a result the RIS acknowledged is not sent again after a restart or redelivery. */
  sent: Pick<IdempotencyStore, 'isDone' | 'markDone'>;
  sentTtlMs: number;
  logger: Logger;
  now?: () => Date;
}

/**
 * report.stored v2 → one ORU^R01 to the RIS over MLLP. The offset is committed (by the consumer) only after an AA,
 * so nothing is lost while the RIS is down: MLLP_UNAVAILABLE, AR and malformed ACKs are retried with backoff; AE
 * (the RIS cannot use this content) is dead-lettered at once with the RIS's text. After an AA the result is marked
 * sent in Redis before the commit; the control id is deterministic, so the one window left (a crash between AA and
 * the mark) re-sends a message the RIS already knows by its MSH-10.
 */
export function handleHl7Output(deps: Hl7OutputDeps): EventHandler<typeof reportStoredV2> {
  const now = deps.now ?? (() => new Date());
  return async ({ value: stored }) => {
    const context = await studyContext(deps.pacs, stored.studyInstanceUid);
    const { controlId, er7 } = oruMessage(stored, context, deps.parties, now());
    const sentKey = `hl7:sent:${controlId}`;
    const ids = { studyInstanceUid: stored.studyInstanceUid, studyVersion: stored.studyVersion, controlId };
    if (await deps.sent.isDone(sentKey)) {
      deps.logger.info(ids, 'ORU already acknowledged by the RIS; not sending it again');
      return;
    }
    const ack = parseAck(await deps.send(deps.endpoint, er7));
    if (ack.controlId !== controlId) throw new OutputError('HL7_ACK_INVALID', `the RIS acknowledged message ${ack.controlId}, not ${controlId}`, { details: ids });
    if (ack.code === 'AE' || ack.code === 'CE') throw new OutputError('HL7_ACK_AE', `the RIS answered ${ack.code} for study ${stored.studyInstanceUid}: ${ack.text || '(no text)'}`, { details: ids });
    if (ack.code === 'AR' || ack.code === 'CR') throw new OutputError('HL7_ACK_AR', `the RIS answered ${ack.code} for study ${stored.studyInstanceUid}: ${ack.text || '(no text)'}`, { details: ids });
    if (ack.code !== 'AA' && ack.code !== 'CA') throw new OutputError('HL7_ACK_INVALID', `unknown acknowledgment code ${JSON.stringify(ack.code)}`, { details: ids });
    await deps.sent.markDone(sentKey, deps.sentTtlMs);
    deps.logger.info({ ...ids, priority: stored.priority }, 'ORU^R01 acknowledged by the RIS');
  };
}
