import sharp from 'sharp';
import type { Raster } from './Raster';

export interface LegendOptions {
  /** Font size in pixels; default scales with the image width (min 12). */
  fontSize?: number;
}

/**
 * Burns text lines into the top-left corner of an image, white on a dark translucent box, by compositing an SVG with
 * sharp. librsvg resolves the font through fontconfig: without any font installed (Debian `fonts-dejavu-core`) the
 * text silently renders as nothing, which the tests check for.
 */
export async function legend(image: Raster, lines: readonly string[], options: LegendOptions = {}): Promise<Raster> {
  const fontSize = Math.round(options.fontSize ?? Math.max(12, image.width / 45));
  const lineHeight = Math.round(fontSize * 1.3);
  const pad = Math.round(fontSize * 0.5);
  const longest = Math.max(...lines.map((l) => l.length), 1);
  const boxWidth = Math.min(image.width, Math.round(longest * fontSize * 0.62) + 2 * pad);
  const boxHeight = Math.min(image.height, lines.length * lineHeight + 2 * pad);
  const text = lines
    .map((line, i) => `<text x="${pad}" y="${pad + (i + 1) * lineHeight - Math.round(lineHeight * 0.25)}">${escapeXml(line)}</text>`)
    .join('');
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${boxWidth}" height="${boxHeight}">` +
    `<rect width="100%" height="100%" fill="black" fill-opacity="0.65"/>` +
    `<g font-family="DejaVu Sans, sans-serif" font-size="${fontSize}" fill="white">${text}</g></svg>`;

  const input = sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
  const data = await input
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: image.width, height: image.height, channels: 3 };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}
