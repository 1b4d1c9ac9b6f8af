// Headless Chromium for browser tests: Debian's package (.ci/run installs it), driven by
// playwright-core, with a fresh temporary profile per launch.
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.POLCHAIN_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}
