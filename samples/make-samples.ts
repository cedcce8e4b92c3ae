/**
 * Rebuilds the committed sample studies in samples/ from ../shared/data (or LUNGFLOW_SHARED_DIR/data):
 *
 *   npx tsx --tsconfig scripts/tsconfig.json samples/make-samples.ts
 *
 * Chest X-ray pictures (PNG/JPEG) are wrapped into CR or DX objects with wrapImageAsDicom. Real DICOM files are
 * copied with their patient identity replaced by a synthetic one and new UIDs (dcmodify from DCMTK edits the header
 * without touching the compressed pixel data). Identifiers from the sources never reach samples/. The output is
 * deterministic: running it again gives the same bytes. samples/samples.json lists what was made and from what.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { uidFromSeed, wrapImageAsDicom, type WrapModality } from '@lungflow/dicom';

const REPO_ROOT = resolve(__dirname, '..');
const OUT = join(REPO_ROOT, 'samples');
const SHARED = process.env.LUNGFLOW_SHARED_DIR ? resolve(process.env.LUNGFLOW_SHARED_DIR, 'data') : resolve(REPO_ROOT, '../shared/data');
const MAX_SIZE = 640; // keeps every wrapped sample near 400 KB and samples/ under 3 MB

interface Common {
  id: string; // synthetic patient id, also the file name stem
  source: string; // relative to shared/data
  origin: string; // collection, for the README and samples.json
  license: string;
  attribution: string;
  /** What the source says about the image: the expected triage, never written into the DICOM header. */
  finding: string;
  sex: 'M' | 'F' | 'O' | '';
  ageYears?: number;
  studyDate: string;
  studyDescription: string;
}

interface Wrapped extends Common {
  kind: 'wrap';
  modality: WrapModality;
  view: 'PA' | 'AP';
}

interface Copied extends Common {
  kind: 'copy';
}

type Sample = Wrapped | Copied;

const IEEE8023 = 'COVID-19 image data collection (Cohen et al., github.com/ieee8023/covid-chestxray-dataset)';
const HANNOVER = 'Hannover Medical School via ml-workgroup/covid-19-image-repository, doi:10.6084/m9.figshare.12275009';

const SAMPLES: Sample[] = [
  { kind: 'wrap', id: 'LF-DEMO-0001', modality: 'CR', view: 'PA', source: 'cxr/ieee8023/images/2168a917.jpg', origin: IEEE8023, license: 'CC BY 3.0', attribution: HANNOVER, finding: 'COVID-19', sex: 'M', studyDate: '20200402', studyDescription: 'XR CHEST PA' },
  { kind: 'wrap', id: 'LF-DEMO-0002', modality: 'DX', view: 'AP', source: 'cxr/ieee8023/images/61bc50d1.jpg', origin: IEEE8023, license: 'CC BY 3.0', attribution: HANNOVER, finding: 'COVID-19', sex: 'F', studyDate: '20200405', studyDescription: 'XR CHEST AP SUPINE' },
  { kind: 'wrap', id: 'LF-DEMO-0003', modality: 'DX', view: 'PA', source: 'cxr/ieee8023/images/cae2c0a9.jpg', origin: IEEE8023, license: 'CC BY 3.0', attribution: HANNOVER, finding: 'No Finding', sex: 'M', studyDate: '20200407', studyDescription: 'XR CHEST PA' },
  {
    kind: 'wrap', id: 'LF-DEMO-0004', modality: 'CR', view: 'PA', source: 'cxr/ieee8023/images/12941_2020_358_Fig1_HTML.jpg', origin: IEEE8023, license: 'CC BY 4.0',
    attribution: 'Figure 1 of Ann Clin Microbiol Antimicrob 19, 2020, doi:10.1186/s12941-020-00358-y', finding: 'COVID-19', sex: 'M', ageYears: 34, studyDate: '20200410', studyDescription: 'XR CHEST PA',
  },
  {
    kind: 'copy', id: 'LF-DEMO-0005', source: 'dicom/torchxrayvision/1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm', origin: 'mlmed/torchxrayvision test data (Apache-2.0 repository); SIIM-ACR Pneumothorax Segmentation image',
    license: 'Apache-2.0 (repository licence)', attribution: 'SIIM-ACR Pneumothorax Segmentation challenge image as shipped in mlmed/torchxrayvision', finding: 'unlabelled (pneumothorax challenge image)', sex: 'M', ageYears: 62, studyDate: '20200412', studyDescription: 'XR CHEST PA',
  },
  {
    kind: 'copy', id: 'LF-DEMO-0006', source: 'dicom/pydicom_data/RG1_J2KI.dcm', origin: 'pydicom/pydicom-data (MIT); NEMA WG04 compression test set', license: 'MIT',
    attribution: 'NEMA WG04 test image RG1 (JPEG 2000 lossy) as shipped in pydicom/pydicom-data', finding: 'unlabelled (compression test image)', sex: 'F', studyDate: '20200414', studyDescription: 'XR CHEST PA',
  },
  {
    kind: 'copy', id: 'LF-DEMO-0007', source: 'dicom/pydicom_debian_pkg/CT_small.dcm', origin: 'Debian python3-pydicom test files (MIT); downsized NEMA WG04 CT1', license: 'MIT',
    attribution: 'NEMA WG04 CT1, downsized to 128x128, as shipped in pydicom', finding: 'unlabelled (CT test image, not a chest study)', sex: 'O', studyDate: '20200416', studyDescription: 'CT',
  },
];

// Patient identity and other identifying header fields that a copied file loses (PS3.15 E.1, the ones present in
// these sources); dcmodify -imt ignores those a file lacks.
const ERASE = ['(0010,1000)', '(0010,1001)', '(0010,1002)', '(0010,1040)', '(0010,2154)', '(0008,1010)', '(0018,1000)'];

function dcmodify(file: string, args: string[]): void {
  execFileSync('dcmodify', ['-nb', '-imt', ...args, file], { stdio: ['ignore', 'ignore', 'pipe'] });
}

async function make(sample: Sample): Promise<{ file: string; studyInstanceUid: string; sopInstanceUid: string; modality: string }> {
  const source = join(SHARED, sample.source);
  if (!existsSync(source)) throw new Error(`source missing: ${source} (is ../shared/data beside the repository?)`);
  const file = `${sample.id}.dcm`;
  const target = join(OUT, file);
  const studySeed = `lungflow-sample/${sample.id}`;
  const comments = `Sample for LungFlow. Pixels: ${sample.origin}; ${sample.attribution}; licence ${sample.license}. Synthetic patient identity.`;

  if (sample.kind === 'wrap') {
    const wrapped = await wrapImageAsDicom({
      image: source,
      modality: sample.modality,
      patient: { id: sample.id, sex: sample.sex, ...(sample.ageYears === undefined ? {} : { ageYears: sample.ageYears }) },
      studySeed,
      studyDate: sample.studyDate,
      studyTime: '101500',
      studyId: '1',
      accessionNumber: sample.id.replace(/\D/g, '').padStart(8, '0'),
      studyDescription: sample.studyDescription,
      seriesDescription: `Chest ${sample.view}`,
      viewPosition: sample.view,
      patientOrientation: ['L', 'F'],
      maxSize: MAX_SIZE,
      imageComments: comments,
    });
    writeFileSync(target, wrapped.part10);
    return { file, studyInstanceUid: wrapped.studyInstanceUid, sopInstanceUid: wrapped.sopInstanceUid, modality: sample.modality };
  }

  const work = mkdtempSync(join(tmpdir(), 'lungflow-sample-'));
  try {
    const copy = join(work, file);
    copyFileSync(source, copy);
    const studyInstanceUid = uidFromSeed(`study:${studySeed}`);
    const sopInstanceUid = uidFromSeed(`instance:${studySeed}/series/1/instance/1`);
    const age = sample.ageYears === undefined ? [] : ['-i', `(0010,1010)=${String(sample.ageYears).padStart(3, '0')}Y`];
    // Private tags too (-ep): vendors keep scanner and sometimes patient details there.
    dcmodify(copy, ['-ep', ...ERASE.flatMap((tag) => ['-e', tag])]);
    dcmodify(copy, [
      '-i', `(0010,0010)=Demo^${sample.id}`,
      '-i', `(0010,0020)=${sample.id}`,
      '-i', '(0010,0030)=',
      '-i', '(0008,0090)=', // Referring Physician's Name: Type 2, so emptied rather than erased
      '-i', `(0010,0040)=${sample.sex}`,
      ...age,
      '-i', '(0012,0062)=YES',
      '-i', '(0012,0063)=Synthetic patient identity; new UIDs',
      '-i', `(0008,0020)=${sample.studyDate}`,
      '-i', `(0008,0050)=${sample.id.replace(/\D/g, '').padStart(8, '0')}`,
      '-i', `(0008,1030)=${sample.studyDescription}`,
      '-i', `(0020,4000)=${comments}`,
      '-i', `(0020,000d)=${studyInstanceUid}`,
      '-i', `(0020,000e)=${uidFromSeed(`series:${studySeed}/series/1`)}`,
      '-i', `(0008,0018)=${sopInstanceUid}`,
    ]);
    // Only where the file has one (CT): -m with -imt leaves a file without Frame of Reference UID alone.
    dcmodify(copy, ['-m', `(0020,0052)=${uidFromSeed(`frame-of-reference:${studySeed}/series/1`)}`]);
    writeFileSync(target, readFileSync(copy));
    const modality = execFileSync('dcmdump', ['-q', '+P', '0008,0060', copy]).toString().match(/\[(\w+)\]/)?.[1] ?? '?';
    return { file, studyInstanceUid, sopInstanceUid, modality };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const manifest = [];
  for (const sample of SAMPLES) {
    const made = await make(sample);
    const bytes = statSync(join(OUT, made.file)).size;
    process.stdout.write(`${made.file}  ${made.modality.padEnd(2)}  ${String(Math.round(bytes / 1024)).padStart(4)} KB  ${sample.finding}  <- ${sample.source}\n`);
    manifest.push({
      file: made.file,
      patientId: sample.id,
      modality: made.modality,
      studyInstanceUid: made.studyInstanceUid,
      sopInstanceUid: made.sopInstanceUid,
      finding: sample.finding,
      source: `shared/data/${sample.source}`,
      origin: sample.origin,
      attribution: sample.attribution,
      license: sample.license,
    });
  }
  writeFileSync(join(OUT, 'samples.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
