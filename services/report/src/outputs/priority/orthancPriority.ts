import type { reportStoredV2 } from '@lungflow/contracts';
import type { EventHandler } from '@lungflow/kafka';
import type { Logger } from '@lungflow/logging';
import { OutputError } from '../OutputError';

export interface OrthancPriorityOptions {
  /** Orthanc's REST root (not /dicom-web). */
  baseUrl: string;
  username?: string;
  password?: string;
  metadataName: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/**
 * Puts the study's priority where radiologists already work, in the PACS. Orthanc 1.10 (Debian's) has no labels,
 * so it is user metadata on the study (declared under UserMetadata in orthanc.json), readable by REST, Lua and
 * plugins. Writing the same value twice is harmless, so this output needs no de-duplication.
 */
export class OrthancPriority {
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: OrthancPriorityOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? fetch;
  }

  private async call(method: string, path: string, body: string, studyInstanceUid: string): Promise<Response> {
    const headers: Record<string, string> = { 'Content-Type': 'text/plain' };
    if (this.options.username) headers.Authorization = `Basic ${Buffer.from(`${this.options.username}:${this.options.password ?? ''}`).toString('base64')}`;
    let response: Response;
    try {
      response = await this.fetch(`${this.base}${path}`, { method, headers, body, signal: AbortSignal.timeout(this.options.timeoutMs) });
    } catch (error) {
      throw new OutputError('PACS_PRIORITY_UNAVAILABLE', `Orthanc ${this.base}${path} for study ${studyInstanceUid}: ${(error as Error).message}`, { cause: error, details: { studyInstanceUid } });
    }
    if (response.status >= 500 || response.status === 429) {
      throw new OutputError('PACS_PRIORITY_UNAVAILABLE', `Orthanc answered ${response.status} to ${method} ${path} for study ${studyInstanceUid}`, { details: { studyInstanceUid } });
    }
    if (!response.ok) {
      const text = (await response.text().catch(() => '')).slice(0, 500);
      throw new OutputError('PACS_PRIORITY_FAILED', `Orthanc refused ${method} ${path} for study ${studyInstanceUid} (${response.status}): ${text}`, { details: { studyInstanceUid } });
    }
    return response;
  }

  /** Orthanc's id of the study (POST /tools/lookup). */
  async studyId(studyInstanceUid: string): Promise<string> {
    const found = (await (await this.call('POST', '/tools/lookup', studyInstanceUid, studyInstanceUid)).json()) as { ID: string; Type: string }[];
    const study = found.find((entry) => entry.Type === 'Study');
    if (!study) throw new OutputError('STUDY_NOT_IN_PACS', `study ${studyInstanceUid} is not in Orthanc`, { details: { studyInstanceUid } });
    return study.ID;
  }

  async set(studyInstanceUid: string, priority: string): Promise<string> {
    const id = await this.studyId(studyInstanceUid);
    await this.call('PUT', `/studies/${id}/metadata/${encodeURIComponent(this.options.metadataName)}`, priority, studyInstanceUid);
    return id;
  }

  async get(studyInstanceUid: string): Promise<string | undefined> {
    const id = await this.studyId(studyInstanceUid);
    const headers: Record<string, string> = {};
    if (this.options.username) headers.Authorization = `Basic ${Buffer.from(`${this.options.username}:${this.options.password ?? ''}`).toString('base64')}`;
    const response = await this.fetch(`${this.base}/studies/${id}/metadata/${encodeURIComponent(this.options.metadataName)}`, { headers });
    return response.ok ? response.text() : undefined;
  }
}

export function handlePacsPriority(deps: { orthanc: Pick<OrthancPriority, 'set'>; logger: Logger }): EventHandler<typeof reportStoredV2> {
  return async ({ value: stored }) => {
    const orthancStudyId = await deps.orthanc.set(stored.studyInstanceUid, stored.priority);
    deps.logger.info({ studyInstanceUid: stored.studyInstanceUid, orthancStudyId, priority: stored.priority }, 'priority written to the PACS');
  };
}
