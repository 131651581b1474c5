import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';
import { slowestTestsReport, type TimedTest } from './slowest.ts';

// Added next to vitest's default reporter (see vitest.config.ts).
export default class SlowestTestsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const tests: TimedTest[] = [];
    for (const testModule of testModules) {
      const file = path.relative(process.cwd(), testModule.moduleId);
      for (const testCase of testModule.children.allTests()) {
        const state = testCase.result().state;
        if (state !== 'passed' && state !== 'failed') continue;
        tests.push({ name: `${file} › ${testCase.fullName}`, durationMs: testCase.diagnostic()?.duration ?? 0 });
      }
    }
    process.stdout.write(slowestTestsReport('vitest', tests));
  }
}
