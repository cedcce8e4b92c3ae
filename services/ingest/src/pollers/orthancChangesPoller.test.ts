import { LungFlowError } from '@lungflow/errors';
import type { OrthancChange } from '../pacs/OrthancRestClient';
import { OrthancChangesPoller } from './orthancChangesPoller';

function feed(changes: OrthancChange[]) {
  let failAt: number | undefined;
  return {
    failAt: (seq: number | undefined) => (failAt = seq),
    async changes(since: number, limit: number) {
      if (failAt !== undefined && since >= failAt) throw new LungFlowError('PACS_UNREACHABLE', 'down');
      const page = changes.filter((c) => c.Seq > since).slice(0, limit);
      const last = page.length ? page[page.length - 1].Seq : Math.max(since, ...changes.map((c) => c.Seq));
      return { Changes: page, Last: last, Done: page.length < limit };
    },
    async lastChange() {
      return Math.max(0, ...changes.map((c) => c.Seq));
    },
    async cursorBefore(instant: Date) {
      const older = changes.filter((c) => c.Date !== undefined && Date.parse(c.Date) < instant.getTime());
      return Math.max(0, ...older.map((c) => c.Seq));
    },
    async studyUid(id: string) {
      return `1.2.${id.replace(/\D/g, '')}`;
    },
    async parentStudyOf(_type: 'series' | 'instances', id: string) {
      return `study${id.replace(/\D/g, '').slice(0, 1)}`;
    },
  };
}

function cursorStore() {
  const values = new Map<string, number>();
  return {
    values,
    async get(name: string) {
      return values.get(name);
    },
    async advance(name: string, value: number) {
      if (value <= (values.get(name) ?? -1)) return false;
      values.set(name, value);
      return true;
    },
  };
}

const change = (Seq: number, ChangeType: string, ResourceType: string, ID: string): OrthancChange => ({ Seq, ChangeType, ResourceType, ID });

describe('OrthancChangesPoller', () => {
  const log = { info: () => undefined, debug: () => undefined };

  it('touches each study with news once per page, pages to the end, and persists the cursor', async () => {
    const orthanc = feed([
      change(1, 'NewStudy', 'Study', 'study1'),
      change(2, 'NewSeries', 'Series', 'series11'),
      change(3, 'NewInstance', 'Instance', 'inst111'),
      change(4, 'NewSeries', 'Series', 'series21'),
      change(5, 'StableStudy', 'Study', 'study2'),
      change(6, 'UpdatedAttachment', 'Instance', 'inst211'),
    ]);
    const cursors = cursorStore();
    const touched: string[] = [];
    const poller = new OrthancChangesPoller({ orthanc, cursors, tracker: { touch: async (uid) => void touched.push(uid) }, cursorName: 'c', start: 'beginning', log, pageSize: 2 });
    await poller.pollOnce();
    expect(touched).toEqual(['1.2.1', '1.2.2', '1.2.2']); // pages of 2: [1,2] [3,4] [5,6]; once per study per page
    expect(cursors.values.get('c')).toBe(6);
    touched.length = 0;
    await poller.pollOnce();
    expect(touched).toEqual([]); // a restart (same cursor store) repeats nothing
  });

  it('starts at the end of history with start=now, and keeps the cursor where a failure stopped it', async () => {
    const changes = [change(1, 'NewStudy', 'Study', 'study1')];
    const orthanc = feed(changes);
    const cursors = cursorStore();
    const touched: string[] = [];
    const poller = new OrthancChangesPoller({ orthanc, cursors, tracker: { touch: async (uid) => void touched.push(uid) }, cursorName: 'c', start: 'now', log });
    await poller.pollOnce();
    expect(touched).toEqual([]);
    changes.push(change(2, 'NewStudy', 'Study', 'study2'), change(3, 'NewStudy', 'Study', 'study3'));
    orthanc.failAt(1);
    await expect(poller.pollOnce()).rejects.toThrow('down');
    expect(cursors.values.get('c')).toBe(1);
    orthanc.failAt(undefined);
    await poller.pollOnce();
    expect(touched).toEqual(['1.2.2', '1.2.3']); // nothing missed after the outage
  });

  it('replays the window before now when the cursor is missing (Redis lost its data), so a pending study is touched again', async () => {
    const now = Date.parse('2026-12-03T05:00:00Z');
    const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
    const changes = [
      { ...change(1, 'NewStudy', 'Study', 'study1'), Date: at(90) },
      { ...change(2, 'NewStudy', 'Study', 'study2'), Date: at(20) },
      { ...change(3, 'StableStudy', 'Study', 'study3'), Date: at(1) },
    ];
    const cursors = cursorStore();
    const touched: string[] = [];
    const poller = new OrthancChangesPoller({ orthanc: feed(changes), cursors, tracker: { touch: async (uid) => void touched.push(uid) }, cursorName: 'c', start: 'now', replayMs: 30 * 60_000, now: () => now, log });
    await poller.pollOnce();
    expect(touched.sort()).toEqual(['1.2.2', '1.2.3']); // the last 30 minutes, not the study of 90 minutes ago
    expect(cursors.values.get('c')).toBe(3);
    cursors.values.clear(); // FLUSHALL
    touched.length = 0;
    await poller.pollOnce();
    expect(touched.sort()).toEqual(['1.2.2', '1.2.3']);
  });
});
