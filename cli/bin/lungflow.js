#!/usr/bin/env node
'use strict';
// The compiled CLI lives in dist/ (built by `npx tsc -b` at the repository root, which the install step runs).
const path = require('node:path');
const fs = require('node:fs');

const main = path.join(__dirname, '..', 'dist', 'main.js');
if (!fs.existsSync(main)) {
  console.error(`lungflow: ${main} is missing. Build first: run \`npx tsc -b\` at the repository root.`);
  process.exit(2);
}
// `lungflow analyze ... | head` closes stdout early: stop quietly, as other command-line tools do.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
require(main).run(process.argv).then((code) => { process.exitCode = code; });
