import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prng } from '../../libs/dicom/src/read/__tests__/prng';
import { rewriteDicom, sharedDicom } from '../helpers/dicomFixtures';
import { REPO_ROOT } from '../helpers/paths';

/** What a soak study is and what the pipeline must do with it. */
export type SoakKind = 'cxr' | 'ct' | 'head-ct' | 'lateral' | 'non-image' | 'bad-dimensions' | 'truncated';
export type Expected = 'result' | 'filtered' | 'dead-letter' | 'refused';
export type Door = 'orthanc-rest' | 'stow-ingest';

export const EXPECTED: Record<SoakKind, Expected> = {
  cxr: 'result',
  ct: 'result',
  'head-ct': 'filtered',
  lateral: 'filtered',
  'non-image': 'filtered',
  'bad-dimensions': 'dead-letter',
  // Not a DICOM file any more: the door (Orthanc, or ingest's STOW) must refuse it with a reason.
  truncated: 'refused',
};

/** The identity a study carries, so the log scan can look for every piece of it. */
export interface SoakPatient {
  name: string;
  id: string;
  birthDate: string;
  accessionNumber: string;
}

export interface SoakStudy {
  index: number;
  kind: SoakKind;
  door: Door;
  studyInstanceUid: string;
  patient: SoakPatient;
  instances: Buffer[];
  /** The series the soak stored (the CXR samples are themselves Secondary Captures: not LungFlow's SC). */
  sourceSeries: string[];
}

/** The seeded generator of the DICOM fuzz tests (mulberry32), so `SOAK_SEED` replays studies and faults. */
export const seededRandom = prng;

/** A UID under 2.25 derived from the seed and a label: the same seed gives the same UIDs. */
export function seededUid(seed: number, label: string): string {
  const digest = createHash('sha256').update(`${seed}/${label}`).digest('hex').slice(0, 32);
  return `2.25.${BigInt(`0x${digest}`).toString()}`;
}

// The CR/DX samples only: LF-DEMO-0007 is a single CT slice, which ingest rightly filters (too-few-slices).
const SAMPLES = ['LF-DEMO-0001.dcm', 'LF-DEMO-0002.dcm', 'LF-DEMO-0003.dcm', 'LF-DEMO-0004.dcm', 'LF-DEMO-0005.dcm', 'LF-DEMO-0006.dcm'];
const CT_SLICES = ['tcia_covid19_ny_sbu/A048383/axial/19001231-30.dcm', 'tcia_covid19_ny_sbu/A048383/axial/19010410-30.dcm'];
const HEAD_CT = 'pydicom_data/693_J2KR.dcm';
/** Slices per CT series; the soak's ingest runs with INGEST_CT_MIN_SLICES at this value so each series counts. */
export const SOAK_CT_SLICES = 4;

/** The mix: mostly in-scope CXR, then CT, out-of-scope and malformed (weights out of 100). */
const MIX: Array<[SoakKind, number]> = [
  ['cxr', 62],
  ['ct', 8],
  ['head-ct', 5],
  ['lateral', 6],
  ['non-image', 5],
  ['bad-dimensions', 8],
  ['truncated', 6],
];

export class SoakStudyFactory {
  private readonly samples = SAMPLES.map((file) => readFileSync(join(REPO_ROOT, 'samples', file)));
  private readonly ct = CT_SLICES.map(sharedDicom);
  private readonly headCt = sharedDicom(HEAD_CT);

  constructor(
    private readonly seed: number,
    private readonly random: () => number,
  ) {}

  make(index: number): SoakStudy {
    const kind = this.pickKind();
    const door: Door = this.random() < 0.5 ? 'orthanc-rest' : 'stow-ingest';
    const studyUid = seededUid(this.seed, `study/${index}`);
    const patient = this.patient(index);
    const identity: Record<string, string | null> = {
      PatientName: patient.name,
      PatientID: patient.id,
      PatientBirthDate: patient.birthDate,
      AccessionNumber: patient.accessionNumber,
    };
    const sample = this.samples[index % this.samples.length]!;
    // Not every sample names the body part; ingest rightly filters those (body-part-unknown), so the soak says CHEST.
    const one = (source: Buffer, set: Record<string, string | null> = {}, stripPixels = false) =>
      rewriteDicom(source, { studyUid, seriesUid: seededUid(this.seed, `series/${index}/0`), sopUid: seededUid(this.seed, `sop/${index}/0`), set: { ...identity, BodyPartExamined: 'CHEST', ...set }, stripPixels });
    let instances: Buffer[];
    switch (kind) {
      case 'cxr':
        instances = [one(sample)];
        break;
      case 'lateral':
        instances = [one(sample, { ViewPosition: 'LL' })];
        break;
      case 'non-image':
        // A real header without pixels, as a Key Object Selection document (not an image).
        instances = [one(sample, { SOPClassUID: '1.2.840.10008.5.1.4.1.1.88.59', Modality: 'KO' }, true)];
        break;
      case 'bad-dimensions':
        // Rows x Columns far beyond the pixel data that follows: every reader must refuse it, not guess.
        instances = [one(sample, { Rows: '16384', Columns: '16384' })];
        break;
      case 'truncated': {
        const whole = one(sample);
        instances = [whole.subarray(0, 200 + Math.floor(this.random() * 400))];
        break;
      }
      case 'ct':
        instances = [0, 1].flatMap((series) =>
          Array.from({ length: SOAK_CT_SLICES }, (_, slice) =>
            rewriteDicom(this.ct[slice % 2]!, {
              studyUid,
              seriesUid: seededUid(this.seed, `series/${index}/${series}`),
              sopUid: seededUid(this.seed, `sop/${index}/${series}/${slice}`),
              set: { ...identity, InstanceNumber: String(slice + 1), SeriesNumber: String(series + 1) },
            }),
          ),
        );
        break;
      case 'head-ct':
        instances = Array.from({ length: SOAK_CT_SLICES }, (_, slice) =>
          rewriteDicom(this.headCt, { studyUid, seriesUid: seededUid(this.seed, `series/${index}/0`), sopUid: seededUid(this.seed, `sop/${index}/0/${slice}`), set: { ...identity, InstanceNumber: String(slice + 1) } }),
        );
        break;
    }
    const sourceSeries = [0, 1].map((series) => seededUid(this.seed, `series/${index}/${series}`));
    return { index, kind, door, studyInstanceUid: studyUid, patient, instances, sourceSeries };
  }

  private pickKind(): SoakKind {
    let roll = this.random() * 100;
    for (const [kind, weight] of MIX) {
      if (roll < weight) return kind;
      roll -= weight;
    }
    return 'cxr';
  }

  /** Distinctive, seeded identity strings (never real people), so a log line that leaks one is found for certain. */
  private patient(index: number): SoakPatient {
    const tag = `${this.seed.toString(36)}x${index.toString(36)}`.toUpperCase();
    const year = 1930 + Math.floor(this.random() * 70);
    const month = String(1 + Math.floor(this.random() * 12)).padStart(2, '0');
    const day = String(1 + Math.floor(this.random() * 28)).padStart(2, '0');
    return { name: `SOAKFAMILY${tag}^GIVEN${tag}`, id: `SOAKPID${tag}`, birthDate: `${year}${month}${day}`, accessionNumber: `ACC${tag}` };
  }
}
