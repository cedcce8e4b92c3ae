import { createHash } from 'node:crypto';
import { ContractError, decodeMessage } from '@lungflow/contracts';
import type { Contract, DeadLetter, KeyOf, ValueOf } from '@lungflow/contracts';
import { DEFAULT_BACKOFF, MAX_ATTEMPTS_CEILING, backoffDelay, errorCodeOf, isRetriable, retryDelay, shouldRetry, sleep } from '@lungflow/errors';
import type { BackoffPolicy } from '@lungflow/errors';


export interface RawMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface HandlerContext {
  topic: string;
  partition: number;
  offset: string;
  headers: Record<string, string>;
  attempt: number;
}

export type EventHandler<C extends Contract> = (event: { key: KeyOf<C>; value: ValueOf<C> }, context: HandlerContext) => Promise<void>;

export interface ProcessOptions<C extends Contract> {
  contract: C;
  handler: EventHandler<C>;
  /** The consumer group / service name written into dead letters. */
  service: string;
  deadLetter: (key: { topic: string; partition: number; offset: string }, value: DeadLetter) => Promise<void>;
  backoff?: BackoffPolicy;
  /**
   * Attempts before a retriable failure is dead-lettered too. Default and upper bound: MAX_ATTEMPTS_CEILING of
   * @lungflow/errors (hours of outage, never for ever); unclassified errors get a few attempts, bugs one.
   */
  maxAttempts?: number;
  /**
   * How long one message may keep failing with retriable errors (since its first failure) before it is
   * dead-lettered too, whatever the attempt count: an outage longer than this, or a Retry-After stretching every
   * attempt, ends in a dead letter an operator can replay, not in a partition blocked for days. Default: none.
   */
  retryWindowMs?: number;
  /** Called between attempts so the group coordinator does not evict a consumer that is waiting out an outage. */
  heartbeat?: () => Promise<void>;
  signal?: AbortSignal;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  now?: () => Date;
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** What happened to one message: the caller commits the offset for `handled` and `dead-lettered`, never for `aborted`. */
export type ProcessOutcome = 'handled' | 'dead-lettered' | 'aborted';

function isUtf8(buffer: Buffer): boolean {
  return Buffer.from(buffer.toString('utf8'), 'utf8').equals(buffer);
}

function envelopeOriginal(message: RawMessage): DeadLetter['original'] {
  const buffers = [message.key, message.value].filter((b): b is Buffer => b !== null);
  const encoding = buffers.every(isUtf8) ? 'utf8' : 'base64';
  const text = (b: Buffer | null) => (b === null ? null : b.toString(encoding));
  return { topic: message.topic, partition: message.partition, offset: message.offset, encoding, key: text(message.key), value: text(message.value), headers: message.headers };
}

/**
 * The consumer policy for one message: decode against the contract, run the handler, and
 * - on success: `handled` (commit);
 * - on a retriable error (or an unclassified one, a few times): wait with backoff and jitter and try again, without
 *   committing (the retry policy of @lungflow/errors: shouldRetry);
 * - on an invalid message or a non-retriable error (or retriable ones past `maxAttempts`, past `retryWindowMs` of
 *   failing, or past their code's own cap in the catalogue: 5 DICOMWEB_TIMEOUTs of one message): write a dead letter, then
 *   `dead-lettered` (commit and move on). A dead letter that cannot be written is retried like any retriable error.
 */
export async function processMessage<C extends Contract>(message: RawMessage, options: ProcessOptions<C>): Promise<ProcessOutcome> {
  const { backoff = DEFAULT_BACKOFF, maxAttempts = MAX_ATTEMPTS_CEILING, now = () => new Date(), wait = sleep } = options;
  let firstFailureAt: Date | undefined;
  let failure: unknown;
  let attempt = 0;
  let deadLetterTries = 0;
  let trimmed = false;
  // Failures per error code: the catalogue caps some codes (DICOMWEB_TIMEOUT) apart from the overall attempts.
  const failuresByCode = new Map<string, number>();
  for (;;) {
    if (options.signal?.aborted) return 'aborted';
    if (failure === undefined) {
      attempt += 1;
      try {
        const event = decodeMessage(options.contract, message.key, message.value);
        await options.handler(event, { topic: message.topic, partition: message.partition, offset: message.offset, headers: message.headers, attempt });
        return 'handled';
      } catch (error) {
        firstFailureAt ??= now();
        const code = errorCodeOf(error);
        const codeAttempts = (failuresByCode.get(code) ?? 0) + 1;
        failuresByCode.set(code, codeAttempts);
        const window = options.retryWindowMs === undefined ? undefined : { failingForMs: now().getTime() - firstFailureAt.getTime(), maxMs: options.retryWindowMs };
        if (error instanceof ContractError || !shouldRetry(error, attempt, maxAttempts, codeAttempts, window)) failure = error;
        else {
          const delayMs = retryDelay(error, attempt, backoff);
          options.onRetry?.(error, attempt, delayMs);
          await options.heartbeat?.().catch(() => undefined);
          await wait(delayMs, options.signal);
          continue;
        }
      }
    }
    try {
      await options.deadLetter({ topic: message.topic, partition: message.partition, offset: message.offset }, deadLetterFor(message, failure, trimmed));
      return 'dead-lettered';
    } catch (error) {
      // A dead letter Kafka refuses for good (MESSAGE_TOO_LARGE: it quotes a big original) would otherwise be
      // retried for ever and block the partition: write it once more trimmed (no value, its size and hash instead;
      // key cut, big headers left out), a few KB whatever the original, which stays readable at the topic,
      // partition and offset it names. Failures of the trimmed letter are Kafka's (down, refusing us): retried.
      if (!trimmed && !isRetriable(error)) {
        trimmed = true;
        continue;
      }
      deadLetterTries += 1;
      const delayMs = backoffDelay(deadLetterTries, backoff);
      options.onRetry?.(error, attempt, delayMs);
      await wait(delayMs, options.signal);
    }
  }

  function deadLetterFor(raw: RawMessage, error: unknown, trim: boolean): DeadLetter {
    const original = envelopeOriginal(raw);
    const text = (error instanceof Error ? error.message : String(error)) || 'no message';
    const common = {
      schemaVersion: 1 as const,
      errorCode: errorCodeOf(error),
      service: options.service,
      attempts: attempt,
      firstFailureAt: (firstFailureAt ?? now()).toISOString(),
      lastFailureAt: now().toISOString(),
    };
    if (!trim) return { ...common, original, reason: withGiveUpNote(text, error) };
    const value = raw.value ?? Buffer.alloc(0);
    const headersLeftOut = Buffer.byteLength(JSON.stringify(original.headers)) > TRIMMED_HEADERS_MAX_BYTES;
    const note = ` (original value of ${value.length} bytes, sha256 ${sha256(value).slice(0, 12)}…, left out of this dead letter; read it at ${raw.topic}/${raw.partition}/${raw.offset})`;
    return {
      ...common,
      original: {
        ...original,
        key: original.key?.slice(0, TRIMMED_KEY_MAX_CHARS) ?? null,
        value: null,
        headers: headersLeftOut ? {} : original.headers,
        truncated: { valueBytes: value.length, valueSha256: sha256(value), ...(headersLeftOut ? { headersLeftOut } : {}) },
      },
      // The note goes in whole: the error's own text gives way to it at the contract's limit.
      reason: `${withGiveUpNote(text, error).slice(0, REASON_MAX_CHARS - note.length)}${note}`,
    };
  }

  /** A retriable failure given up on says for how long it was tried, so the operator knows a replay may work. */
  function withGiveUpNote(text: string, error: unknown): string {
    if (!isRetriable(error) || firstFailureAt === undefined) return text.slice(0, REASON_MAX_CHARS);
    const note = ` (still failing after ${attempt} attempts over ${formatDuration(now().getTime() - firstFailureAt.getTime())}; replay it once the cause is fixed)`;
    return `${text.slice(0, REASON_MAX_CHARS - note.length)}${note}`;
  }
}

function formatDuration(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1_000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** The dead-letter contract's limit on `reason`. */
const REASON_MAX_CHARS = 4_000;
const TRIMMED_KEY_MAX_CHARS = 1_000;
const TRIMMED_HEADERS_MAX_BYTES = 2_048;

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
