import { ctWindowOf } from './ctWindowOf';

describe('ctWindowOf', () => {
  it('reads the window the card names for CT', () => {
    expect(ctWindowOf({ preprocessing: { windowing: { CT: { center: -600, width: 1500 } } } })).toEqual({ center: -600, width: 1500 });
  });

  it('leaves the renderer its lung window when the card names none or a malformed one', () => {
    expect(ctWindowOf(undefined)).toBeUndefined();
    expect(ctWindowOf({})).toBeUndefined();
    expect(ctWindowOf({ preprocessing: { windowing: { CT: { center: '-600', width: 1500 } } } })).toBeUndefined();
  });
});
