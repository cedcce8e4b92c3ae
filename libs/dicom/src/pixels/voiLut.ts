import type { VoiChoice } from './chooseVoi';

/**
 * Modality values to display values in 0..255, in place, by the formulas of PS3.3 C.11.2.1.2 (LINEAR:
 * y = ((x - (c - 0.5)) / (w - 1) + 0.5) * 255 with the two clipping bounds; LINEAR_EXACT: y = ((x - c) / w + 0.5)
 * * 255; SIGMOID: y = 255 / (1 + exp(-4 (x - c) / w))) or through a VOI LUT scaled by its largest entry.
 */
export function voiLut(values: Float32Array, choice: VoiChoice): void {
  if (choice.kind === 'lut') {
    const { data, firstMapped, maxOutput } = choice.lut;
    const last = data.length - 1;
    const scale = 255 / maxOutput;
    for (let i = 0; i < values.length; i += 1) {
      const index = Math.round(values[i]) - firstMapped;
      values[i] = data[index < 0 ? 0 : index > last ? last : index] * scale;
    }
    return;
  }
  const { center: c, width: w } = choice;
  if (choice.function === 'SIGMOID') {
    for (let i = 0; i < values.length; i += 1) values[i] = 255 / (1 + Math.exp((-4 * (values[i] - c)) / w));
    return;
  }
  if (choice.function === 'LINEAR_EXACT') {
    for (let i = 0; i < values.length; i += 1) values[i] = clamp(((values[i] - c) / w + 0.5) * 255);
    return;
  }
  const lower = c - 0.5 - (w - 1) / 2;
  const upper = c - 0.5 + (w - 1) / 2;
  const span = Math.max(w - 1, 1e-6);
  for (let i = 0; i < values.length; i += 1) {
    const x = values[i];
    values[i] = x <= lower ? 0 : x > upper ? 255 : ((x - (c - 0.5)) / span + 0.5) * 255;
  }
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}
