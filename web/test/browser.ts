import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (scripts/ensure-chromium.sh installs it); Playwright's own download cannot work here. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export const SCREENSHOT_DIR = resolve(import.meta.dirname, '../../test-results/screenshots');

/** A full-page screenshot, kept as a test artifact. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: resolve(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

// Roles of form controls and images in Chromium's accessibility tree.
const NAMED_ROLES = /^\s*- (img|textbox|searchbox|combobox|spinbutton|checkbox|radio|slider|listbox)(?!\s+")/;

/**
 * Lighthouse's basics on the page as rendered: every image has an alt attribute, every form control
 * has an accessible name (from a <label>, aria-label or aria-labelledby), read from Chromium's own
 * accessibility tree. Returns what fails.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  const withoutAlt = await page.locator('img:not([alt])').count();
  const tree = await page.locator('body').ariaSnapshot();
  const unnamed = tree.split('\n').filter((line) => NAMED_ROLES.test(line));
  return [...(withoutAlt > 0 ? [`${withoutAlt} img without alt`] : []), ...unnamed.map((line) => `no accessible name: ${line.trim()}`)];
}
