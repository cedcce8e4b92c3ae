import type { StowResult } from '@lungflow/dicomweb';
import { deflatedInstance } from '../../../../libs/dicom/src/read/__tests__/deflated';
import { STORE_STATUS, forwardInstance } from './forwardInstance';

/** A PACS of record that stores everything and answers without a RetrieveURL (so the study comes from the instance). */
function recordingDeps() {
  const stored: Uint8Array[] = [];
  const touched: string[] = [];
  return {
    stored,
    touched,
    deps: {
      pacs: { storeInstances: async (instances: readonly Uint8Array[]): Promise<StowResult> => (stored.push(...instances), { stored: [], failed: [] } as unknown as StowResult) },
      tracker: { touch: async (studyInstanceUid: string) => void touched.push(studyInstanceUid) },
    },
  };
}

describe('forwardInstance and Deflated data sets (issue 16: a deflate bomb through DIMSE)', () => {
  it('refuses a 64 MiB deflate bomb with Cannot Understand and DICOM_TOO_LARGE, before the PACS sees it', async () => {
    const bomb = deflatedInstance(4_096, 8_192);
    const { deps, stored, touched } = recordingDeps();
    const started = performance.now();
    const outcome = await forwardInstance(deps, bomb.part10);
    expect(outcome).toMatchObject({ status: STORE_STATUS.cannotUnderstand, code: 'DICOM_TOO_LARGE' });
    expect(outcome.comment).toMatch(/^DICOM_TOO_LARGE: the deflated data set inflates beyond/);
    expect(stored).toHaveLength(0);
    expect(touched).toHaveLength(0);
    // only the capped ~7 MB were inflated, not 64 MiB
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('forwards an ordinary deflated image and tracks the study it names', async () => {
    const image = deflatedInstance(128, 128, { fill: 'noise' });
    const { deps, stored, touched } = recordingDeps();
    expect(await forwardInstance(deps, image.part10)).toMatchObject({ status: STORE_STATUS.success, studyInstanceUid: image.studyInstanceUid });
    expect(stored).toHaveLength(1);
    expect(touched).toEqual([image.studyInstanceUid]);
  });
});
