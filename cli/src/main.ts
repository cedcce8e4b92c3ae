import { Command, CommanderError } from 'commander';
import { analyzeCommand, type CommandIo } from './analyze/analyzeCommand';
import { deadletterCommand } from './deadletter/deadletterCommand';

/** Exit codes: 0 every input analysed, 1 some input failed (each reported with its reason), 2 usage or set-up error. */
export async function run(argv: readonly string[], io: CommandIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const program = new Command('lungflow')
    .description('LungFlow: chest X-ray and CT triage for COVID-19 and other pneumonia (research prototype, not a diagnostic device).')
    .exitOverride()
    .configureOutput({ writeOut: (text) => void io.stdout.write(text), writeErr: (text) => void io.stderr.write(text) })
    .showHelpAfterError();
  const output = { writeOut: (text: string) => void io.stdout.write(text), writeErr: (text: string) => void io.stderr.write(text) };
  program.addCommand(analyzeCommand(io).exitOverride().configureOutput(output));
  const deadletter = deadletterCommand(io).exitOverride().configureOutput(output);
  for (const sub of deadletter.commands) sub.exitOverride().configureOutput(output);
  program.addCommand(deadletter);
  try {
    await program.parseAsync([...argv]);
    return io.exitCode ?? 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    io.stderr.write(`lungflow: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}
