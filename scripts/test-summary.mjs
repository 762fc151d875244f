// Adds up the vitest JSON reports of every package into one closing line, `N passed, N failed`, and
// fails when a package that has tests wrote no report, or when a test file could not run at all (a
// failing `beforeAll`, such as a missing redis-server): vitest then marks its tests skipped, not failed,
// so such a file counts as failed here, with its tests.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// Quick-start steps that ran before this one (build, README examples, package exports, lint) and failed
// are named as arguments, so that this line, the last one printed, speaks for the whole run.
const earlierFailures = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
const notRun = [];
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, group))) {
    const dir = join(root, group, name);
    if (!existsSync(join(dir, 'test'))) continue;
    const report = join(dir, '.test-results', 'vitest.json');
    if (!existsSync(report)) {
      missing.push(`${group}/${name}`);
      continue;
    }
    const result = JSON.parse(readFileSync(report, 'utf8'));
    let packageFailed = result.numFailedTests;
    let packageSkipped = result.numPendingTests + (result.numTodoTests ?? 0);
    for (const file of result.testResults ?? []) {
      if (file.status !== 'failed') continue;
      const failedTests = file.assertionResults.filter((test) => test.status === 'failed').length;
      if (failedTests > 0) continue;
      // The file failed with no failed test: it could not start (or failed after its tests). Its
      // skipped tests did not run, so they are failures too.
      const unrun = file.assertionResults.filter((test) => test.status !== 'passed').length;
      packageFailed += Math.max(unrun, 1);
      packageSkipped -= unrun;
      const reason = (file.message ?? '').split('\n', 1)[0];
      notRun.push(`${relative(root, file.name)}: ${reason || 'failed outside its tests'}`);
    }
    if (result.success === false && packageFailed === 0) {
      packageFailed = 1;
      notRun.push(`${group}/${name}: vitest reported a failure outside the tests`);
    }
    passed += result.numPassedTests;
    failed += packageFailed;
    skipped += packageSkipped;
    console.log(`${group}/${name}: ${result.numPassedTests} passed, ${packageFailed} failed`);
  }
}
for (const line of notRun) console.log(`could not run: ${line}`);
if (missing.length > 0) console.log(`no test report from: ${missing.join(', ')}`);
if (earlierFailures.length > 0) console.log(`failed checks: ${earlierFailures.join(', ')}`);
const ok = failed === 0 && missing.length === 0 && passed > 0 && earlierFailures.length === 0;
console.log(
  `tests: ${passed} passed, ${failed} failed, ${skipped} skipped${ok ? '' : ', FAILED (see above)'}`,
);
process.exit(ok ? 0 : 1);
