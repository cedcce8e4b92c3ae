import { LungFlowError } from '@lungflow/errors';
import type { ModelCard } from '../modelCard';
import { resizeFilterOf, toModelInput } from './toModelInput';

const card = (preprocessing: Record<string, unknown> | undefined, size = 2): ModelCard =>
  ({ id: 'm', version: '1', input: { size }, preprocessing }) as unknown as ModelCard;

describe('resizeFilterOf', () => {
  it.each([
    [{ resize: { size: 160, kernel: 'lanczos', fit: 'fill' } }, 'lanczos'],
    [{ resize: { kernel: 'lanczos3' } }, 'lanczos'],
    [{ resize: { filter: 'BICUBIC' } }, 'bicubic'],
    [{ resize: 'box' }, 'box'],
    [{ interpolation: 'PIL.HAMMING' }, 'hamming'],
    [undefined, 'bilinear'],
  ])('reads %j as %s', (pre, expected) => {
    expect(resizeFilterOf(card(pre))).toBe(expected);
  });

  it('refuses a kernel it does not know rather than guessing', () => {
    expect(() => resizeFilterOf(card({ resize: { kernel: 'mitchell' } }))).toThrow(LungFlowError);
  });
});

describe('toModelInput', () => {
  it('stretches to the card size, ignoring aspect ratio', () => {
    const image = { width: 4, height: 2, data: new Uint8Array([0, 0, 255, 255, 0, 0, 255, 255]) };
    expect(Array.from(toModelInput(image, card({ resize: { kernel: 'box' } }, 2)))).toEqual([0, 255, 0, 255]);
  });
});
