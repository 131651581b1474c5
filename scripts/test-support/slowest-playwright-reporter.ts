import path from 'node:path';
import type { Reporter, TestCase, TestResult } from '@playwright/test/reporter';
import { slowestTestsReport, type TimedTest } from './slowest.ts';

// Added next to Playwright's list reporter (see playwright.config.ts).
export default class SlowestTestsReporter implements Reporter {
  private readonly tests: TimedTest[] = [];

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status === 'skipped') return;
    const file = path.relative(process.cwd(), test.location.file);
    const project = test.parent.project()?.name;
    this.tests.push({ name: `${project ? `[${project}] ` : ''}${file}:${test.location.line} › ${test.title}`, durationMs: result.duration });
  }

  onEnd(): void {
    process.stdout.write(slowestTestsReport('Playwright', this.tests));
  }

  printsToStdio(): boolean {
    return false;
  }
}
