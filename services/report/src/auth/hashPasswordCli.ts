import { hashPassword } from './passwords';

/**
 * `node services/report/dist/auth/hashPasswordCli.js < password.txt` prints the `passwordHash` of a user list entry.
 * The password comes on standard input, never as an argument (arguments show up in `ps` and shell history).
 */
async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  process.stdout.write(`${await hashPassword(password)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
