import { mkdtempSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collectInputs } from './collectInputs';

const DATA = process.env.LUNGFLOW_SHARED_DIR ? path.resolve(process.env.LUNGFLOW_SHARED_DIR, 'data') : path.resolve(__dirname, '../../../../shared/data');

describe('collectInputs', () => {
  it('groups a folder of DICOM files into studies by Study Instance UID and skips notes', async () => {
    const folder = path.join(DATA, 'dicom/tcia_covid19_ny_sbu/A048383');
    const inputs = await collectInputs([folder]);
    // A048383 holds 6 slices from 2 studies (3 reformats each), plus nothing else.
    expect(inputs.map((i) => i.kind)).toEqual(['dicom', 'dicom']);
    const files = inputs.flatMap((i) => (i.kind === 'dicom' ? i.files : []));
    expect(files).toHaveLength(6);
    expect(new Set(inputs.map((i) => (i.kind === 'dicom' ? i.studyInstanceUid : '')))).toHaveProperty('size', 2);
    expect(inputs.every((i) => i.input.startsWith(`${folder} (study `))).toBe(true);
  });

  it('reads a bare data set (no preamble, no File Meta) by its .dcm name', async () => {
    const file = path.join(DATA, 'dicom/fo_dicom_via_dcmfx/CR-MONO1-10-chest.dcm');
    const [input] = await collectInputs([file]);
    expect(input).toMatchObject({ kind: 'dicom', input: file, files: [file] });
  });

  it('reports bad paths per input with the reason, and keeps the good ones', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lungflow-cli-'));
    const png = path.join(dir, 'a.png');
    copyFileSync(path.join(DATA, 'cxr/ieee8023/images/000001-12.jpg'), path.join(dir, 'b.jpg'));
    writeFileSync(png, 'not a png');
    writeFileSync(path.join(dir, 'notes.md'), '# notes');
    mkdirSync(path.join(dir, 'empty'));
    writeFileSync(path.join(dir, 'fake.dcm'), 'DICM? no');
    const inputs = await collectInputs([dir, path.join(dir, 'missing.png')]);
    expect(inputs).toEqual([
      { kind: 'invalid', input: png, reason: 'not a PNG, JPEG or DICOM file' },
      { kind: 'picture', input: path.join(dir, 'b.jpg'), file: path.join(dir, 'b.jpg') },
      { kind: 'invalid', input: path.join(dir, 'fake.dcm'), reason: expect.stringMatching(/^not a readable DICOM file: /) },
      { kind: 'invalid', input: path.join(dir, 'missing.png'), reason: 'cannot open: ENOENT' },
    ]);
  });
});
