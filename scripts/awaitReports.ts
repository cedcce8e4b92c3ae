/**
 * The demo's second half: waits until the report service lists each stored study (its SR and heatmap SC are in the
 * PACS), then prints study, modality, decision, probability and the seconds from "stored" to "report written".
 * Used by storeSamples.ts when REPORT_URL is set.
 */

export interface StoredStudy {
  studyInstanceUid: string;
  label: string;
  /** When the STOW-RS request that stored it returned (ms since epoch). */
  storedAt: number;
}

interface Item {
  studyInstanceUid: string;
  modality: string;
  decision: { className: string; positive: boolean };
  probability: number;
  reportedAt: string;
  priority: number;
}

interface Row {
  study: string;
  modality: string;
  decision: string;
  probability: string;
  seconds: string;
  excludingQuiet: string;
}

async function listed(reportUrl: string, token: string | undefined): Promise<Map<string, Item>> {
  const response = await fetch(`${reportUrl}/api/v1/worklist`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw new Error(`GET ${reportUrl}/api/v1/worklist: ${response.status}`);
  const { items } = (await response.json()) as { items: Item[] };
  return new Map(items.map((item) => [item.studyInstanceUid, item]));
}

/**
 * Polls the worklist until every study has a report written after it was stored, or until no new report has come
 * for `settleMs` (the rest are out of scope: ingest filtered them), or `timeoutMs` overall. A study reported before
 * this run stored it (an earlier demo; the PACS and ingest de-duplicate) is shown with its earlier result.
 */
export async function awaitReports(studies: StoredStudy[], options: { reportUrl: string; token?: string; quietPeriodMs: number; settleMs?: number; timeoutMs?: number }): Promise<void> {
  const settleMs = options.settleMs ?? 30_000;
  const deadline = Date.now() + (options.timeoutMs ?? 240_000);
  let lastNew = Date.now();
  let seen = 0;
  let items = new Map<string, Item>();
  const done = (item: Item | undefined) => item !== undefined;
  console.log(`\nWaiting for LungFlow's results (${options.reportUrl}) ...`);
  for (;;) {
    items = await listed(options.reportUrl, options.token);
    const count = studies.filter((s) => done(items.get(s.studyInstanceUid))).length;
    if (count > seen) {
      seen = count;
      lastNew = Date.now();
    }
    if (count === studies.length || Date.now() - lastNew > settleMs || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }

  const rows: Row[] = studies.map((study) => {
    const item = items.get(study.studyInstanceUid);
    if (!item) return { study: study.label, modality: '-', decision: 'no result (out of scope)', probability: '-', seconds: '-', excludingQuiet: '-' };
    const reportedAt = Date.parse(item.reportedAt);
    const fresh = reportedAt >= study.storedAt;
    const seconds = (reportedAt - study.storedAt) / 1000;
    return {
      study: study.label,
      modality: item.modality,
      decision: `${item.decision.positive ? 'POSITIVE' : 'negative'} ${item.decision.className}`,
      probability: item.probability.toFixed(3),
      seconds: fresh ? seconds.toFixed(1) : 'earlier run',
      excludingQuiet: fresh ? Math.max(0, seconds - options.quietPeriodMs / 1000).toFixed(1) : '-',
    };
  });
  const headers: Row = { study: 'Study', modality: 'Modality', decision: 'Decision', probability: 'Probability', seconds: 'Stored->report s', excludingQuiet: 'excl. quiet period s' };
  const keys = Object.keys(headers) as Array<keyof Row>;
  const widths = keys.map((key) => Math.max(...[headers, ...rows].map((row) => row[key].length)));
  const line = (row: Row): string => keys.map((key, i) => row[key].padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(`\nLungFlow results (study order as stored; the worklist orders by priority):\n`);
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  console.log(`\n"Stored->report": from the STOW-RS answer to the SR and SC being in the PACS. "excl. quiet period": minus ingest's`);
  console.log(`wait for a study to stop growing (INGEST_QUIET_PERIOD_MS=${options.quietPeriodMs}), the PACS stable-age analogue.`);
}
