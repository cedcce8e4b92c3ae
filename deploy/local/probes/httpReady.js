#!/usr/bin/env node
// Readiness probe for an HTTP endpoint: exit 0 on a 2xx answer within the timeout, 1 otherwise.
// Usage: httpReady.js <url> [username password]. Node's fetch keeps curl off the list of packages a fresh machine needs.
'use strict';

const [url, username, password] = process.argv.slice(2);
const headers = {};
if (username !== undefined) headers.authorization = `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`;

fetch(url, { headers, signal: AbortSignal.timeout(3000) })
  .then(async (response) => {
    await response.arrayBuffer();
    process.exit(response.ok ? 0 : 1);
  })
  .catch(() => process.exit(1));
