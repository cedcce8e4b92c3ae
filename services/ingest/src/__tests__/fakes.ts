import type { DicomJson } from '@lungflow/dicomweb';
import { LungFlowError } from '@lungflow/errors';
import type { DueItem } from '@lungflow/redis';
import type { ScopeClassifier } from '../filter';
import type { PacsReader } from '../pacs/StudyInventory';
import type { IngestSource } from '../publisher';
import type { StudyState, TrackerStore } from '../TrackerStore';

/** TrackerStore in memory, with the same semantics as RedisTrackerStore (which the integration tests cover). */
export class MemoryTrackerStore implements TrackerStore {
  readonly queue = new Map<string, number>();
  readonly states = new Map<string, StudyState & { firstSeenAt?: number }>();
  readonly locks = new Map<string, string>();
  readonly published = new Set<string>();

  async touch(studyUid: string, source: IngestSource, dueAt: number): Promise<boolean> {
    const state = this.states.get(studyUid);
    const first = state?.firstSeenAt === undefined;
    this.states.set(studyUid, { source, ...state, firstSeenAt: state?.firstSeenAt ?? Date.now() });
    this.queue.set(studyUid, Math.max(dueAt, this.queue.get(studyUid) ?? -Infinity));
    return first;
  }
  async due(now: number, limit: number): Promise<DueItem[]> {
    return [...this.queue].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]).slice(0, limit).map(([member, dueAt]) => ({ member, dueAt }));
  }
  async reschedule(studyUid: string, dueAt: number): Promise<void> {
    this.queue.set(studyUid, Math.max(dueAt, this.queue.get(studyUid) ?? -Infinity));
  }
  async finish(item: DueItem): Promise<void> {
    if (this.queue.get(item.member) === item.dueAt) this.queue.delete(item.member);
  }
  async getState(studyUid: string): Promise<StudyState> {
    return { ...this.states.get(studyUid) };
  }
  async setState(studyUid: string, state: Partial<StudyState>): Promise<void> {
    this.states.set(studyUid, { ...this.states.get(studyUid), ...state });
  }
  async lock(studyUid: string): Promise<string | null> {
    if (this.locks.has(studyUid)) return null;
    this.locks.set(studyUid, 'token');
    return 'token';
  }
  async unlock(studyUid: string): Promise<void> {
    this.locks.delete(studyUid);
  }
  async isPublished(studyUid: string, hash: string): Promise<boolean> {
    return this.published.has(`${studyUid}:${hash}`);
  }
  async markPublished(studyUid: string, hash: string): Promise<void> {
    this.published.add(`${studyUid}:${hash}`);
  }
  async pending(): Promise<{ count: number }> {
    return { count: this.queue.size };
  }
}

export interface FakeInstance {
  series: string;
  sop: string;
  attrs: Record<string, unknown>;
  /** Set: the instance belongs to this study only; unset: to whichever study is asked for. */
  study?: string;
}

/** A PACS holding instances (by keyword attributes) and answering the two DICOMweb reads ingest makes. */
export class FakePacs implements PacsReader {
  instances: FakeInstance[] = [];
  down = false;
  metadataReads = 0;

  add(series: string, sop: string, attrs: Record<string, unknown>, study?: string): void {
    this.instances.push({ series, sop, attrs: { SOPClassUID: '1.2.840.10008.5.1.4.1.1.1', ...attrs }, study });
  }

  private check(): void {
    if (this.down) throw new LungFlowError('DICOMWEB_UNREACHABLE', 'GET /studies: connect ECONNREFUSED');
  }

  async searchInstances(query: Record<string, string | number | string[]>, studyUid?: string): Promise<DicomJson[]> {
    this.check();
    const offset = Number(query.offset ?? 0);
    return this.instances.filter((i) => i.study === undefined || i.study === studyUid).slice(offset, offset + Number(query.limit ?? 1e9)).map((i) => ({
      '0020000E': { vr: 'UI', Value: [i.series] },
      '00080018': { vr: 'UI', Value: [i.sop] },
      '00080016': { vr: 'UI', Value: [String(i.attrs.SOPClassUID)] },
      '00080060': { vr: 'CS', Value: [String(i.attrs.Modality)] },
    }));
  }

  async retrieveInstanceMetadata(_study: string, _series: string, sop: string): Promise<DicomJson[]> {
    this.check();
    this.metadataReads += 1;
    const found = this.instances.find((i) => i.sop === sop);
    // The fake smuggles keyword attributes through as one JSON "tag"; toAttributes below unwraps them.
    return found ? [{ FAKEATTR: { vr: 'UN', Value: [found.attrs] } }] : [];
  }
}

export const fakeToAttributes = (json: DicomJson): Record<string, unknown> => (json.FAKEATTR?.Value?.[0] ?? {}) as Record<string, unknown>;

/** Stand-in for @lungflow/dicom's classifyScope with the same contract (its own tests cover the real rules). */
export const fakeClassify: ScopeClassifier = (attrs) => {
  if (attrs.Manufacturer === 'LungFlow') return { inScope: false, reason: 'lungflow-output' };
  if (!['CR', 'DX', 'CT'].includes(String(attrs.Modality))) return { inScope: false, reason: 'modality' };
  if (String(attrs.BodyPartExamined ?? 'CHEST') !== 'CHEST') return { inScope: false, reason: 'body-part' };
  return { inScope: true, kind: attrs.Modality === 'CT' ? 'ct' : 'cxr' };
};
