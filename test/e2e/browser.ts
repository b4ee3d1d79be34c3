/**
 * Chromium for the UI tests: Debian's build (`CHROMIUM`, default /usr/bin/chromium) driven by
 * playwright-core, never a browser download; quiet and offline (no sync, updates or QUIC).
 */
import { chromium, type BrowserContext } from 'playwright-core';

/** The flags every UI test's Chromium runs with. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts Chromium with its profile in `profileDir` and pages of `viewport` size. */
export function launchChromium(
  profileDir: string,
  viewport: { width: number; height: number },
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium',
    viewport,
    args: [...CHROMIUM_ARGS],
  });
}
