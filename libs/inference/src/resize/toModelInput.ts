import { LungFlowError } from '@lungflow/errors';
import type { GrayImage } from '../GrayImage';
import type { ModelCard } from '../modelCard';
import { pillowResize, type PillowFilter } from './pillowResize';

const FILTER_NAMES: readonly PillowFilter[] = ['nearest', 'box', 'bilinear', 'hamming', 'bicubic', 'lanczos'];

/**
 * The resize filter the card names: `preprocessing.resize.kernel` (or `.filter` / `.interpolation`, or a bare
 * `preprocessing.resize` string), as a Pillow filter name; `lanczos3` (sharp's name) is Pillow's `lanczos`.
 * Bilinear when the card names none; a name serving does not know is refused rather than guessed.
 */
export function resizeFilterOf(card: ModelCard): PillowFilter {
  const pre = (card.preprocessing ?? {}) as Record<string, unknown>;
  const resize = pre.resize as Record<string, unknown> | string | undefined;
  const named = (typeof resize === 'object' && resize !== null ? resize.kernel ?? resize.filter ?? resize.interpolation : resize) ?? pre.interpolation ?? pre.filter;
  const name = String(named ?? 'bilinear').toLowerCase().replace(/^pil\.|^image\./, '').replace(/^lanczos3$/, 'lanczos').replace(/^cubic$/, 'bicubic');
  if (!(FILTER_NAMES as readonly string[]).includes(name)) {
    throw new LungFlowError('MODEL_CARD_INVALID', `Model card ${card.id} ${card.version} names resize kernel "${String(named)}"; serving knows ${FILTER_NAMES.join(', ')}`);
  }
  return name as PillowFilter;
}

/** The S×S uint8 image the model takes: the gray image stretched to the card's input size with the card's filter. */
export function toModelInput(image: GrayImage, card: ModelCard): Uint8Array {
  const size = card.input.size;
  if (image.width === size && image.height === size) return image.data;
  return pillowResize(image, size, size, resizeFilterOf(card)).data;
}
