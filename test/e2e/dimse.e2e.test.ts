import { hasSharedData } from '../helpers/paths';
import { storescu, writeTempFiles } from '../helpers/dcmtk';
import { SC_CLASS, SR_CLASS, chestCtStudy, instanceClasses, pacs, stackIsUp, waitUntil } from './pipelineHelpers';

/**
 * DIMSE in, on the real local stack with its services (`npm run stack:up`): a modality (dcmtk's storescu) sends a
 * chest CT by C-STORE to ingest's receiver (LUNGFLOW@127.0.0.1:INGEST_DIMSE_PORT) over three associations; the
 * PACS ends up with the 21 slices plus exactly one SR and one SC: one study, one result, not three.
 */
jest.setTimeout(300_000);

const DIMSE_PORT = Number(process.env.INGEST_DIMSE_PORT || 11112);
const QUIET_MS = Number(process.env.INGEST_QUIET_PERIOD_MS || 2_000);

describe('storescu → ingest C-STORE SCP → infer → report → SR + SC in Orthanc', () => {
  it('turns one study sent over three associations into exactly one SR and one SC', async () => {
    if (!hasSharedData()) throw new Error('../shared/data is missing (set LUNGFLOW_SHARED_DIR)');
    if (!(await stackIsUp())) throw new Error('the local stack with its services is not up: run `npm run stack:up` first');
    const study = chestCtStudy(21);
    const files = writeTempFiles(study.instances);
    try {
      for (const part of [files.files.slice(0, 7), files.files.slice(7, 14), files.files.slice(14)]) {
        const run = await storescu(DIMSE_PORT, part, { callingAe: 'CT_SCANNER_1', calledAe: 'LUNGFLOW' });
        expect(run.code === 0 ? 'stored' : run.output).toBe('stored');
        await new Promise((resolve) => setTimeout(resolve, QUIET_MS / 4)); // well inside the quiet period
      }
    } finally {
      files.cleanup();
    }
    const count = async (sopClassUid: string) => (await instanceClasses(study.studyUid)).filter((i) => i.sopClassUid === sopClassUid).length;
    await waitUntil('the SR and SC in the PACS', Date.now() + 200_000, async () => ((await count(SR_CLASS)) > 0 && (await count(SC_CLASS)) > 0 ? true : undefined), 2_000);
    // Room for a wrong second or third version to land.
    await new Promise((resolve) => setTimeout(resolve, 3 * QUIET_MS + 10_000));
    const classes = await instanceClasses(study.studyUid);
    expect(classes.filter((i) => i.sopClassUid === SR_CLASS)).toHaveLength(1);
    expect(classes.filter((i) => i.sopClassUid === SC_CLASS)).toHaveLength(1);
    expect(classes.filter((i) => i.sopClassUid === '1.2.840.10008.5.1.4.1.1.2')).toHaveLength(21);
    expect((await pacs().searchInstances({}, study.studyUid)).length).toBe(23);
  });
});
