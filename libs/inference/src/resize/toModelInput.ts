import type { GrayImage } from '../GrayImage';
import type { ModelCard } from '../modelCard';
import { pillowResize, type PillowFilter } from './pillowResize';

const FILTER_NAMES: readonly PillowFilter[] = ['nearest', 'box', 'bilinear', 'hamming', 'bicubic', 'lanczos'];

/** The resize filter the card names (`preprocessing.resize.filter`, or `preprocessing.interpolation`); bilinear when absent. */
export function resizeFilterOf(card: ModelCard): PillowFilter {
  const pre = (card.preprocessing ?? {}) as Record<string, unknown>;
  const resize = pre.resize as Record<string, unknown> | string | undefined;
  const named = (typeof resize === 'object' && resize !== null ? resize.filter ?? resize.interpolation : resize) ?? pre.interpolation ?? pre.filter;
  const name = String(named ?? 'bilinear').toLowerCase().replace(/^pil\.|^image\./, '');
  return (FILTER_NAMES as readonly string[]).includes(name) ? (name as PillowFilter) : 'bilinear';
}

/** The S×S uint8 image the model takes: the gray image stretched to the card's input size with the card's filter. */
export function toModelInput(image: GrayImage, card: ModelCard): Uint8Array {
  const size = card.input.size;
  if (image.width === size && image.height === size) return image.data;
  return pillowResize(image, size, size, resizeFilterOf(card)).data;
}
