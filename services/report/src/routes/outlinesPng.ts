import sharp from 'sharp';

export interface OutlineMasks {
  rows: number;
  columns: number;
  /** 0/1 per pixel, Rows × Columns (the SEG's grid, which is the analysed image's). */
  lung?: Uint8Array;
  lesion?: Uint8Array;
}

const LUNG = [0, 200, 255] as const; // cyan: distinct from the heatmap's colours and from grey
const LESION = [255, 210, 0] as const; // yellow, drawn over the lung outline

/**
 * The lung and lesion outlines as a transparent PNG the size of the analysed image scaled to fit `size` (as the
 * image route scales it), so the page lays it over the image. Outlines, not filled masks: the radiologist must still
 * see the lung under them. Each mask is sampled at the output's pixel centres, then a pixel is outline when it is
 * inside and a 4-neighbour is not; two pixels wide so it shows at any zoom.
 */
export async function outlinesPng(masks: OutlineMasks, size: number): Promise<Buffer> {
  const scale = Math.min(1, size / Math.max(masks.rows, masks.columns));
  const width = Math.max(1, Math.round(masks.columns * scale));
  const height = Math.max(1, Math.round(masks.rows * scale));
  const rgba = new Uint8Array(width * height * 4);
  for (const [mask, colour] of [[masks.lung, LUNG], [masks.lesion, LESION]] as const) {
    if (!mask) continue;
    const sampled = sample(mask, masks.rows, masks.columns, width, height);
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) {
        const i = y * width + x;
        if (!sampled[i]) continue;
        const edge = x === 0 || y === 0 || x === width - 1 || y === height - 1 || !sampled[i - 1] || !sampled[i + 1] || !sampled[i - width] || !sampled[i + width];
        if (!edge) continue;
        for (const j of [i, x + 1 < width ? i + 1 : i, y + 1 < height ? i + width : i]) {
          rgba.set(colour, j * 4);
          rgba[j * 4 + 3] = 255;
        }
      }
    }
  }
  return sharp(rgba, { raw: { width, height, channels: 4 } }).png().toBuffer();
}

function sample(mask: Uint8Array, rows: number, columns: number, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y += 1) {
    const sy = Math.min(rows - 1, Math.floor(((y + 0.5) * rows) / height));
    for (let x = 0; x < width; x += 1) {
      const sx = Math.min(columns - 1, Math.floor(((x + 0.5) * columns) / width));
      out[y * width + x] = mask[sy * columns + sx] as number;
    }
  }
  return out;
}
