import type { z } from 'zod';
import { LungFlowError } from '@lungflow/errors';
import type { TopicId } from './topics';

/** One event type: the topic it lives on and the schemas of its key and value (validated at both ends). */
export interface Contract<K extends z.ZodType = z.ZodType, V extends z.ZodType = z.ZodType> {
  readonly name: string;
  /** Which row of TOPICS this contract lives on (producers and consumers may override the name, e.g. in tests). */
  readonly topic: TopicId;
  readonly key: K;
  readonly value: V;
  /** The partition key (a string) for a message: StudyInstanceUID for study-scoped events. */
  partitionKey(key: z.infer<K>): string;
}

export type KeyOf<C extends Contract> = z.infer<C['key']>;
export type ValueOf<C extends Contract> = z.infer<C['value']>;

/** A message that does not match its contract. Never retriable: the same bytes will fail the same way. */
export class ContractError extends LungFlowError {
  constructor(message: string, details: Record<string, unknown>) {
    super('CONTRACT_INVALID', message, { details });
  }
}

function check<T extends z.ZodType>(schema: T, data: unknown, contract: Contract, part: 'key' | 'value'): z.infer<T> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new ContractError(`${contract.name} ${part} does not match its contract: ${issues.slice(0, 5).join('; ')}`, {
    topic: contract.topic,
    part,
    issues,
  });
}

/** Producer side: validate, then serialise key and value to the bytes that go on the topic. */
export function encodeMessage<C extends Contract>(contract: C, key: KeyOf<C>, value: ValueOf<C>): { key: string; value: string; partitionKey: string } {
  const validKey = check(contract.key, key, contract, 'key');
  const validValue = check(contract.value, value, contract, 'value');
  return { key: JSON.stringify(validKey), value: JSON.stringify(validValue), partitionKey: contract.partitionKey(validKey) };
}

function parseJson(bytes: Buffer | string | null, contract: Contract, part: 'key' | 'value'): unknown {
  if (bytes === null) throw new ContractError(`${contract.name} ${part} is missing`, { topic: contract.topic, part });
  try {
    return JSON.parse(bytes.toString());
  } catch (error) {
    throw new ContractError(`${contract.name} ${part} is not JSON: ${(error as Error).message}`, { topic: contract.topic, part });
  }
}

/** Consumer side: parse and validate a message's bytes; throws ContractError (dead-letter it) when they don't fit. */
export function decodeMessage<C extends Contract>(contract: C, key: Buffer | string | null, value: Buffer | string | null): { key: KeyOf<C>; value: ValueOf<C> } {
  return {
    key: check(contract.key, parseJson(key, contract, 'key'), contract, 'key') as KeyOf<C>,
    value: check(contract.value, parseJson(value, contract, 'value'), contract, 'value') as ValueOf<C>,
  };
}
