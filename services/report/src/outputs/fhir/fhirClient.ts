import { OutputError } from '../OutputError';
import type { Conditional } from './fhirResources';

export interface FhirClientOptions {
  baseUrl: string;
  bearerToken?: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** The smallest FHIR REST client the output needs: conditional create (If-None-Exist), nothing else. */
export class FhirClient {
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: FhirClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? fetch;
  }

  /**
   * POST with If-None-Exist: 201 created, 200 when the identifier already exists. Resolves with the relative
   * reference (`Type/id`) either way.
   */
  async createIfNoneExist({ resource, identifier }: Conditional): Promise<{ reference: string; created: boolean }> {
    const type = resource.resourceType;
    let response: Response;
    try {
      response = await this.fetch(`${this.base}/${type}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/fhir+json',
          Accept: 'application/fhir+json',
          'If-None-Exist': `identifier=${encodeURIComponent(identifier.system)}|${encodeURIComponent(identifier.value)}`,
          ...(this.options.bearerToken ? { Authorization: `Bearer ${this.options.bearerToken}` } : {}),
        },
        body: JSON.stringify(resource),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new OutputError('FHIR_UNAVAILABLE', `FHIR server ${this.base}: ${(error as Error).message}`, { cause: error });
    }
    const text = await response.text().catch(() => '');
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      throw new OutputError('FHIR_UNAVAILABLE', `FHIR server answered ${response.status} to ${type} ${identifier.value}`, { details: { status: response.status } });
    }
    if (response.status !== 200 && response.status !== 201) {
      throw new OutputError('FHIR_REJECTED', `FHIR server refused ${type} ${identifier.value} (${response.status}): ${issues(text)}`, { details: { status: response.status } });
    }
    const reference = referenceOf(response.headers.get('location') ?? response.headers.get('content-location'), text, type);
    if (!reference) throw new OutputError('FHIR_REJECTED', `FHIR server created ${type} ${identifier.value} but named no id (no Location, no body id)`);
    return { reference, created: response.status === 201 };
  }
}

/** `…/Type/id/_history/n` or the body's id → `Type/id`. */
function referenceOf(location: string | null, body: string, type: string): string | undefined {
  const match = location?.match(new RegExp(`(?:^|/)${type}/([A-Za-z0-9.-]{1,64})(?:/_history/|$)`));
  if (match) return `${type}/${match[1]}`;
  try {
    const id = (JSON.parse(body) as { id?: string }).id;
    return id ? `${type}/${id}` : undefined;
  } catch {
    return undefined;
  }
}

/** The OperationOutcome's error diagnostics, short, for the dead-letter reason. */
function issues(body: string): string {
  try {
    const outcome = JSON.parse(body) as { issue?: { severity?: string; diagnostics?: string; expression?: string[] }[] };
    const list = (outcome.issue ?? []).filter((issue) => issue.severity === 'error' || issue.severity === 'fatal');
    if (list.length > 0) return list.slice(0, 5).map((issue) => `${issue.expression?.[0] ?? ''} ${issue.diagnostics ?? ''}`.trim()).join('; ').slice(0, 1500);
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.slice(0, 500) || '(empty body)';
}
