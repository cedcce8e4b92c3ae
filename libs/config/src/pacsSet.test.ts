import { commonSettings } from './settings';
import { loadConfig } from './loadConfig';
import { PacsDirectory } from './pacsSet';

const two = JSON.stringify([
  { id: 'pacs-a', dicomWebUrl: 'http://a.example/dicom-web', username: 'u', password: 'p' },
  { id: 'pacs-b', dicomWebUrl: 'http://b.example/dicom-web', store: 'dimse', dimse: { host: 'b.example', port: 104, aeTitle: 'PACSB' } },
]);

describe('LUNGFLOW_PACS and PacsDirectory', () => {
  it('routes each sourcePacsId to its own entry and refuses an unknown one without retry', () => {
    const config = loadConfig(commonSettings, { LUNGFLOW_PACS: two });
    const directory = new PacsDirectory(config, (entry) => `${entry.id} ${entry.dicomWebUrl} ${entry.store}`);
    expect(directory.for('pacs-a')).toBe('pacs-a http://a.example/dicom-web stow');
    expect(directory.for('pacs-b')).toBe('pacs-b http://b.example/dicom-web dimse');
    expect(() => directory.for('pacs-c')).toThrow(expect.objectContaining({ code: 'PACS_UNKNOWN', retriable: false }));
  });

  it('without LUNGFLOW_PACS sends every id to DICOMWEB_URL, as a single-PACS site expects', () => {
    const config = loadConfig(commonSettings, { DICOMWEB_URL: 'http://only.example/dicom-web' });
    const directory = new PacsDirectory(config, (entry) => entry.dicomWebUrl);
    expect(directory.for('anything')).toBe('http://only.example/dicom-web');
  });

  it('names the variable when the JSON or an entry is wrong', () => {
    expect(() => loadConfig(commonSettings, { LUNGFLOW_PACS: '[{' })).toThrow(/LUNGFLOW_PACS: not JSON/);
    expect(() => loadConfig(commonSettings, { LUNGFLOW_PACS: JSON.stringify([{ id: 'x', dicomWebUrl: 'http://x/dw', store: 'dimse' }]) })).toThrow(/LUNGFLOW_PACS.*dimse/);
    expect(() => loadConfig(commonSettings, { LUNGFLOW_PACS: JSON.stringify([{ id: 'x', dicomWebUrl: 'http://x/dw' }, { id: 'x', dicomWebUrl: 'http://y/dw' }]) })).toThrow(/unique/);
  });
});
