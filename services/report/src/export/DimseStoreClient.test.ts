import { cStoreOutcome } from './DimseStoreClient';

describe('cStoreOutcome', () => {
  it('counts success and the warning statuses as stored (PS3.4 B.2.3, PS3.7 C.4)', () => {
    for (const status of [0x0000, 0x0001, 0x0107, 0x0116, 0xb000, 0xb006, 0xb007]) expect(cStoreOutcome(status)).toBe('stored');
  });

  it('counts 0111 Duplicate SOP Instance as already stored, not as a refusal (issue 16 item 7)', () => {
    expect(cStoreOutcome(0x0111)).toBe('already-stored');
  });

  it('keeps refusals, out of resources and no answer as failures', () => {
    for (const status of [0xa700, 0xa900, 0xc000, 0x0110, 0x0122, 0x0124, undefined]) expect(cStoreOutcome(status)).toBe('failed');
  });
});
