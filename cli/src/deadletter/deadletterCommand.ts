import { Command, InvalidArgumentError } from 'commander';
import { createKafka, DeadLetterTopic, isReplayable, matchesDeadLetter, type DeadLetterFilter, type StoredDeadLetter } from '@lungflow/kafka';
import type { CommandIo } from '../analyze/analyzeCommand';
import { formatDeadLetter, formatDeadLetterLine } from './formatDeadLetter';

interface ConnectionOptions {
  brokers: string;
  topic?: string;
}
interface FilterOptions extends ConnectionOptions {
  reason?: string;
  study?: string;
  service?: string;
  since?: Date;
  until?: Date;
  json?: boolean;
}

function instant(value: string): Date {
  // An ISO time, or an age such as 30m / 12h / 7d back from now.
  const age = /^(\d+)([smhd])$/.exec(value);
  if (age) return new Date(Date.now() - Number(age[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[age[2] as 's' | 'm' | 'h' | 'd']);
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw new InvalidArgumentError('expected an ISO time (2026-12-01T08:00Z) or an age (30m, 12h, 7d)');
  return parsed;
}

/** `partition:offset`, or a bare offset (the dead-letter topic has one partition). */
function position(value: string): { partition: number; offset: string } {
  const match = /^(?:(\d+):)?(\d+)$/.exec(value);
  if (!match) throw new InvalidArgumentError('expected OFFSET or PARTITION:OFFSET');
  return { partition: Number(match[1] ?? 0), offset: match[2]! };
}

function withConnection(command: Command): Command {
  return command
    .option('--brokers <list>', 'Kafka bootstrap brokers (comma-separated)', process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
    .option('--topic <name>', 'the dead-letter topic (default: lungflow.deadletter.v1)');
}

function withFilters(command: Command): Command {
  return withConnection(command)
    .option('--reason <code-or-text>', 'error code (exact) or a piece of the reason (case-insensitive)')
    .option('--study <StudyInstanceUID>', 'only dead letters whose original message names this study')
    .option('--service <name>', 'only dead letters from this service (ingest, infer, report)')
    .option('--since <time>', 'at or after this ISO time or age (30m, 12h, 7d)', instant)
    .option('--until <time>', 'before this ISO time or age', instant)
    .option('--json', 'one JSON object per dead letter');
}

function openTopic(options: ConnectionOptions): DeadLetterTopic {
  const kafka = createKafka({ brokers: options.brokers.split(',').map((b) => b.trim()).filter(Boolean), clientId: 'lungflow-cli', retries: 3 });
  return options.topic ? new DeadLetterTopic(kafka, options.topic) : new DeadLetterTopic(kafka);
}

async function selected(options: FilterOptions): Promise<StoredDeadLetter[]> {
  const filter: DeadLetterFilter = {
    ...(options.reason !== undefined && { reason: options.reason }),
    ...(options.study !== undefined && { studyInstanceUid: options.study }),
    ...(options.service !== undefined && { service: options.service }),
    ...(options.since !== undefined && { since: options.since }),
    ...(options.until !== undefined && { until: options.until }),
  };
  return (await openTopic(options).read()).filter((record) => matchesDeadLetter(record, filter));
}

/** `lungflow deadletter list|show|replay|ack`: look at what the services gave up on, and retry it once fixed. */
export function deadletterCommand(io: CommandIo): Command {
  const out = (text: string) => void io.stdout.write(text);
  const command = new Command('deadletter').description('List, show, replay and acknowledge dead letters (lungflow.deadletter.v1).');

  command.addCommand(
    withFilters(new Command('list'))
      .description('One line per dead letter: position, time, service, error code, reason')
      .action(async (options: FilterOptions) => {
        const records = await selected(options);
        for (const record of records) out(options.json ? `${JSON.stringify(record)}\n` : `${formatDeadLetterLine(record)}\n`);
        if (!options.json) out(`${records.length} dead letter(s)\n`);
      }),
  );
  command.addCommand(
    withConnection(new Command('show'))
      .description('Everything about one dead letter, the original message included')
      .argument('<position>', 'OFFSET or PARTITION:OFFSET in the dead-letter topic (as `list` prints it)', position)
      .option('--json', 'the stored record as JSON')
      .action(async (where: { partition: number; offset: string }, options: ConnectionOptions & { json?: boolean }) => {
        const record = (await openTopic(options).read()).find((r) => r.partition === where.partition && r.offset === where.offset);
        if (!record) {
          io.stderr.write(`lungflow: no dead letter at ${where.partition}:${where.offset} (expired, or never written)\n`);
          io.exitCode = 1;
          return;
        }
        out(options.json ? `${JSON.stringify(record, null, 2)}\n` : formatDeadLetter(record));
      }),
  );
  command.addCommand(
    withFilters(new Command('replay'))
      .description('Send the original messages of the selected dead letters back to their topics (after fixing the cause)')
      .option('--at <positions...>', 'only these OFFSET or PARTITION:OFFSET positions')
      .option('--dry-run', 'print what would be replayed, send nothing')
      .action(async (options: FilterOptions & { at?: string[]; dryRun?: boolean }) => {
        if (!options.at && options.reason === undefined && options.study === undefined && options.service === undefined && !options.since && !options.until) {
          io.stderr.write('lungflow: replay needs a selection (--at, --reason, --study, --service, --since or --until); it never replays everything by accident\n');
          io.exitCode = 2;
          return;
        }
        const wanted = options.at?.map(position);
        const records = (await selected(options)).filter((r) => !wanted || wanted.some((w) => w.partition === r.partition && w.offset === r.offset));
        for (const record of records) {
          const original = record.deadLetter?.original;
          if (isReplayable(record)) out(`${options.dryRun ? 'would replay' : 'replaying'} ${formatDeadLetterLine(record)}\n`);
          else if (original?.truncated) out(`skipping ${formatDeadLetterLine(record)} (trimmed: its ${original.truncated.valueBytes}-byte original is not in the dead letter; it is at ${original.topic}/${original.partition}/${original.offset} while retention keeps it)\n`);
          else out(`skipping ${formatDeadLetterLine(record)} (not a dead-letter envelope)\n`);
        }
        const sent = options.dryRun ? 0 : await openTopic(options).replay(records);
        out(options.dryRun ? `${records.length} dead letter(s) selected, none sent (dry run)\n` : `${sent} message(s) replayed\n`);
      }),
  );
  command.addCommand(
    withConnection(new Command('ack'))
      .description('Mark dead letters up to a position as reviewed: they stop counting in lungflow_deadletter_pending')
      .argument('<position>', 'OFFSET or PARTITION:OFFSET: this one and every earlier one', position)
      .action(async (where: { partition: number; offset: string }, options: ConnectionOptions) => {
        await openTopic(options).markReviewed(where.partition, where.offset);
        out(`dead letters up to ${where.partition}:${where.offset} marked reviewed\n`);
      }),
  );
  return command;
}
