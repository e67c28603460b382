// The viewer's tests drive Debian's chromium through playwright-core: the browser, and the
// text of a page's terminal (xterm.js's buffer, scrollback included).
import { chromium, type Browser, type Page } from 'playwright-core';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--no-first-run',
    ],
  });
}

/** Everything in the page's terminal buffer (scrollback included), as text. */
export function terminalText(page: Page): Promise<string> {
  // Runs in the page (a string: this project's TypeScript has no DOM types).
  return page.evaluate(`(() => {
    const b = window.gatewalkTerminal.buffer.active;
    const out = [];
    for (let i = 0; i < b.length; i++) out.push(b.getLine(i)?.translateToString(true) ?? '');
    return out.join('\\n');
  })()`);
}

/** Resolves with the terminal's text once `pattern` is in it; fails after `timeout` ms. */
export async function waitForText(page: Page, pattern: RegExp, timeout = 10_000): Promise<string> {
  const until = Date.now() + timeout;
  for (;;) {
    const text = await terminalText(page);
    if (pattern.test(text)) return text;
    if (Date.now() > until) throw new Error(`no ${String(pattern)} in the terminal:\n${text}`);
    await page.waitForTimeout(50);
  }
}
