import { LungFlowError } from '@lungflow/errors';

export interface OrthancChange {
  ChangeType: string;
  ID: string;
  ResourceType: string;
  Seq: number;
  Path?: string;
  Date?: string;
}

export interface OrthancChanges {
  Changes: OrthancChange[];
  Done: boolean;
  Last: number;
}

export interface OrthancRestClientOptions {
  baseUrl: string;
  username?: string;
  password?: string;
  bearerToken?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * The little of Orthanc's own REST API (not DICOMweb) that ingest needs: the `/changes` feed and the mapping from
 * Orthanc's resource IDs to StudyInstanceUIDs. Errors name the path only, never credentials.
 */
export class OrthancRestClient {
  private readonly headers: Record<string, string> = { Accept: 'application/json' };
  private readonly fetch: typeof fetch;

  constructor(private readonly options: OrthancRestClientOptions) {
    if (options.bearerToken) this.headers.Authorization = `Bearer ${options.bearerToken}`;
    else if (options.username !== undefined) this.headers.Authorization = `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;
    this.fetch = options.fetch ?? fetch;
  }

  /** Resolves to undefined for 404 (the resource was deleted meanwhile). */
  private async get<T>(path: string): Promise<T | undefined> {
    let response: Response;
    try {
      response = await this.fetch(this.options.baseUrl + path, { headers: this.headers, signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000) });
    } catch (cause) {
      throw new LungFlowError('PACS_UNREACHABLE', `Orthanc GET ${path.split('?')[0]} failed: ${(cause as Error).message}`, { cause, details: { path: path.split('?')[0] } });
    }
    if (response.status === 404) return undefined;
    if (!response.ok) {
      // As in @lungflow/dicomweb: an expired credential, a timeout or rate limiting pass with time.
      const retriable = response.status >= 500 || [401, 403, 408, 429].includes(response.status);
      throw new LungFlowError(retriable ? 'PACS_UNREACHABLE' : 'PACS_REFUSED', `Orthanc GET ${path.split('?')[0]} answered ${response.status}`, { details: { status: response.status } });
    }
    return (await response.json()) as T;
  }

  async changes(since: number, limit = 200): Promise<OrthancChanges> {
    const result = await this.get<OrthancChanges>(`/changes?since=${since}&limit=${limit}`);
    if (!result) throw new LungFlowError('PACS_REFUSED', 'Orthanc has no /changes endpoint');
    return result;
  }

  /** The newest change sequence number (where a first start with INGEST_ORTHANC_START=now begins). */
  async lastChange(): Promise<number> {
    const result = await this.get<OrthancChanges>('/changes?last');
    return result?.Last ?? 0;
  }

  /**
   * The cursor from which the feed holds only changes at or after `instant`: the highest sequence number whose change
   * (and every one before it) is older. A binary search over `/changes?since=S&limit=1` (Orthanc has no query by
   * date), so about log2(last) requests. Orthanc stamps changes in UTC as YYYYMMDDTHHMMSS; a change without a
   * readable date counts as recent, so an odd entry makes the replay longer, never shorter.
   */
  async cursorBefore(instant: Date): Promise<number> {
    let low = 0;
    let high = await this.lastChange();
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      const next = (await this.changes(middle, 1)).Changes[0];
      const at = next?.Date === undefined ? undefined : orthancDate(next.Date);
      if (next === undefined || at === undefined || at >= instant.getTime()) high = middle;
      else low = Math.max(middle + 1, Math.min(next.Seq, high));
    }
    return low;
  }

  async studyUid(orthancStudyId: string): Promise<string | undefined> {
    const study = await this.get<{ MainDicomTags?: { StudyInstanceUID?: string } }>(`/studies/${encodeURIComponent(orthancStudyId)}`);
    return study?.MainDicomTags?.StudyInstanceUID;
  }

  async parentStudyOf(resourceType: 'series' | 'instances', orthancId: string): Promise<string | undefined> {
    const resource = await this.get<{ ParentStudy?: string; ParentSeries?: string }>(`/${resourceType}/${encodeURIComponent(orthancId)}`);
    if (!resource) return undefined;
    if (resource.ParentStudy) return resource.ParentStudy;
    return resource.ParentSeries ? this.parentStudyOf('series', resource.ParentSeries) : undefined;
  }

  async ping(): Promise<boolean> {
    return (await this.get<unknown>('/system')) !== undefined;
  }
}

/** Milliseconds since the epoch of Orthanc's change date (`20261203T053604`, UTC), or undefined when unreadable. */
export function orthancDate(text: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})/.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number);
  return Date.UTC(year, month - 1, day, hour, minute, second);
}
