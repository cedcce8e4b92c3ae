import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ROLES } from './Principal';

const userEntry = z
  .object({
    username: z.string().min(1).max(128).regex(/^[^\s:]+$/, 'no spaces or colons'),
    displayName: z.string().min(1).max(64).optional(),
    roles: z.array(z.enum(ROLES)).min(1),
    passwordHash: z.string().startsWith('scrypt$'),
  })
  .strict();

export const userListSchema = z.object({ users: z.array(userEntry) }).strict();
export type UserEntry = z.infer<typeof userEntry>;

/** Reads and checks REPORT_USERS_FILE; a bad file stops the service with a message naming the file and the problem. */
export function loadUserList(file: string): Map<string, UserEntry> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`REPORT_USERS_FILE ${file}: ${(error as Error).message}`);
  }
  const result = userListSchema.safeParse(parsed);
  if (!result.success) throw new Error(`REPORT_USERS_FILE ${file}: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const users = new Map<string, UserEntry>();
  for (const user of result.data.users) {
    if (users.has(user.username)) throw new Error(`REPORT_USERS_FILE ${file}: user ${user.username} is listed twice`);
    users.set(user.username, user);
  }
  return users;
}
