import { ConfigError } from '@lungflow/errors';
import { loadIngestConfig, orthancRestUrl } from './config';

describe('ingest config', () => {
  it('has defaults that fit the local stack', () => {
    const config = loadIngestConfig({});
    expect(config).toMatchObject({ INGEST_HTTP_PORT: 8081, INGEST_MODE: 'orthanc-changes', INGEST_QUIET_PERIOD_MS: 30_000, INGEST_CT_MIN_SLICES: 20, INGEST_ORTHANC_START: 'now' });
    expect(orthancRestUrl(config)).toBe('http://127.0.0.1:8042');
  });

  it('derives Orthanc REST root from DICOMWEB_URL unless INGEST_ORTHANC_URL is set', () => {
    expect(orthancRestUrl({ DICOMWEB_URL: 'https://pacs.example/orthanc/dicom-web/', INGEST_ORTHANC_URL: undefined })).toBe('https://pacs.example/orthanc');
    expect(orthancRestUrl({ DICOMWEB_URL: 'http://x/dicom-web', INGEST_ORTHANC_URL: 'http://y:8042/' })).toBe('http://y:8042');
  });

  it('refuses an unknown mode and a PACS id that cannot be part of a Redis key', () => {
    expect(() => loadIngestConfig({ INGEST_MODE: 'dimse' })).toThrow(ConfigError);
    expect(() => loadIngestConfig({ INGEST_PACS_ID: 'has space' })).toThrow(/INGEST_PACS_ID/);
  });
});
