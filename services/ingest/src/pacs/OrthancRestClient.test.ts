import { OrthancRestClient, orthancDate } from './OrthancRestClient';

/** A fake Orthanc `/changes` (as Orthanc 1.10 answers it: UTC dates, gaps in the sequence numbers). */
function orthancWith(changes: Array<{ Seq: number; Date?: string }>) {
  const requests: string[] = [];
  const fetch = (async (input: string | URL | Request) => {
    const url = new URL(String(input));
    requests.push(url.pathname + url.search);
    const last = Math.max(0, ...changes.map((c) => c.Seq));
    if (url.searchParams.has('last')) return Response.json({ Changes: [], Done: true, Last: last });
    const since = Number(url.searchParams.get('since'));
    const limit = Number(url.searchParams.get('limit'));
    const page = changes.filter((c) => c.Seq > since).slice(0, limit).map((c) => ({ ChangeType: 'NewStudy', ResourceType: 'Study', ID: `s${c.Seq}`, ...c }));
    return Response.json({ Changes: page, Done: page.length < limit, Last: page.length ? page[page.length - 1].Seq : last });
  }) as typeof globalThis.fetch;
  return { client: new OrthancRestClient({ baseUrl: 'http://orthanc.test', fetch }), requests };
}

describe('OrthancRestClient.cursorBefore (the replay window of a missing cursor)', () => {
  const seqs = [1, 2, 3, 5, 8, 9, 10, 14, 15, 20];
  // one change a minute from 04:00 UTC
  const feed = seqs.map((Seq, i) => ({ Seq, Date: `20261203T04${String(i).padStart(2, '0')}00` }));

  it.each([
    ['before every change', '2026-12-03T03:00:00Z', 0],
    ['between changes', '2026-12-03T04:03:30Z', 5], // Seq 8 (04:04) is the first inside the window
    ['exactly on a change', '2026-12-03T04:04:00Z', 5],
    ['after every change', '2026-12-03T05:00:00Z', 20],
  ])('%s', async (_what, instant, cursor) => {
    const { client, requests } = orthancWith(feed);
    expect(await client.cursorBefore(new Date(instant))).toBe(cursor);
    expect(requests.length).toBeLessThanOrEqual(1 + Math.ceil(Math.log2(20)) + 1);
  });

  it('counts a change without a readable date as recent (a longer replay, never a shorter one)', async () => {
    const { client } = orthancWith([{ Seq: 1, Date: '20261203T040000' }, { Seq: 2, Date: 'garbled' }, { Seq: 3, Date: '20261203T040200' }]);
    expect(await client.cursorBefore(new Date('2026-12-03T04:01:30Z'))).toBe(1);
  });

  it('reads Orthanc dates as UTC', () => {
    expect(orthancDate('20261203T053604')).toBe(Date.parse('2026-12-03T05:36:04Z'));
    expect(orthancDate('yesterday')).toBeUndefined();
  });
});
