// Adds up the results of every suite that scripts/test.sh ran and prints one closing line that CI reads:
// `lungflow: N passed, N failed` (', N skipped' when any). Exits non-zero if any test failed or no test ran.
const fs = require('node:fs');
const path = require('node:path');

const [outDir, seconds] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
const lines = [];

for (const file of fs.readdirSync(outDir).sort()) {
  const full = path.join(outDir, file);
  let p = 0;
  let f = 0;
  let s = 0;
  if (file.endsWith('.json')) {
    const result = JSON.parse(fs.readFileSync(full, 'utf8'));
    p = result.numPassedTests;
    f = result.numFailedTests + (result.numRuntimeErrorTestSuites || 0);
    s = result.numPendingTests + result.numTodoTests;
  } else if (file.endsWith('.xml')) {
    // JUnit XML (pytest, the k8s validator): count testcases and their failure/error/skipped children.
    const xml = fs.readFileSync(full, 'utf8');
    const cases = xml.match(/<testcase\b[\s\S]*?(?:\/>|<\/testcase>)/g) || [];
    for (const testcase of cases) {
      if (/<(failure|error)\b/.test(testcase)) f += 1;
      else if (/<skipped\b/.test(testcase)) s += 1;
      else p += 1;
    }
  } else continue;
  lines.push(`  ${file.padEnd(28)} ${p} passed, ${f} failed, ${s} skipped`);
  passed += p;
  failed += f;
  skipped += s;
}

console.log(lines.join('\n'));
console.log(`  took ${seconds}s`);
console.log(`lungflow: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
