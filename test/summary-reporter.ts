import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one plain closing line, `N passed, N failed` (and skipped, if any), after vitest's own
 * summary, so CI logs say in a standard form how many tests ran. A file that failed to load
 * counts as one failure.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of modules) {
      const failures = [...m.children.allTests('failed')].length;
      passed += [...m.children.allTests('passed')].length;
      skipped += [...m.children.allTests('skipped')].length;
      failed += failures > 0 ? failures : m.state() === 'failed' ? 1 : 0;
    }
    console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  }
}
