import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

type ContextOptions = NonNullable<Parameters<typeof chromium.launchPersistentContext>[1]>;

/**
 * Debian's Chromium (never a downloaded browser), headless, with a fresh profile for every run (playwright takes
 * the profile folder as --user-data-dir); the folder goes when the context closes. 'close' fires while Chromium may
 * still be writing its profile (seen in CI: ENOTEMPTY from a synchronous remove failed the suite), so the remove
 * retries in the background, and a profile left in the temporary folder is not a test failure.
 */
export async function launchChromium(options: Omit<ContextOptions, 'executablePath' | 'headless' | 'args'> = {}): Promise<BrowserContext> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'lungflow-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    ...options,
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context.on('close', () => void rm(userDataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }).catch(() => undefined));
  return context;
}
