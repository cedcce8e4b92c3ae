import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FindingsMask } from '@lungflow/dicom';
import type { Classification, GrayImage, LesionMapRule } from '@lungflow/inference';
import { renderHeatmapPng } from './renderHeatmapPng';
import { renderLesionsPng } from './renderLesionsPng';
import { renderLungsPng } from './renderLungsPng';

/**
 * Writes what a run produces into `--out DIR` (nothing when the option is absent). File names come from the input's
 * base name; a second input with the same name gets a numbered suffix instead of overwriting the first.
 */
export class OutputWriter {
  private readonly used = new Set<string>();
  private ready: Promise<unknown> | undefined;

  constructor(readonly outDir: string | undefined) {}

  /** A fresh path in the output folder for `input` with the given suffix (e.g. ".heatmap.png"). */
  async reserve(input: string, suffix: string): Promise<string | undefined> {
    if (!this.outDir) return undefined;
    this.ready ??= mkdir(this.outDir, { recursive: true });
    await this.ready;
    const stem = path.basename(input).replace(/\.(png|jpe?g|dcm|dicom)$/i, '').replace(/[^A-Za-z0-9._-]/g, '_') || 'input';
    let name = `${stem}${suffix}`;
    for (let n = 2; this.used.has(name); n += 1) name = `${stem}-${n}${suffix}`;
    this.used.add(name);
    return path.join(this.outDir, name);
  }

  /** The heatmap of the operating-point class over the image, as PNG; `lungs`: a CT slice's (renderHeatmapPng). */
  async heatmapPng(input: string, image: GrayImage, result: Classification, lungs?: FindingsMask): Promise<string | undefined> {
    const target = await this.reserve(input, '.heatmap.png');
    if (!target) return undefined;
    await writeFile(target, await renderHeatmapPng(image, result, lungs));
    return target;
  }

  /**
   * `<stem>.lungs.png`: the lung mask at the image's own size (0/255), for a model that segments; `label` tells the
   * frames of a multi-frame object apart (`<stem>.frame2.lungs.png`).
   */
  async lungsPng(input: string, image: { width: number; height: number }, result: Classification, label = ''): Promise<string | undefined> {
    if (!result.lungs || !this.outDir) return undefined;
    const target = await this.reserve(input, `${label}.lungs.png`);
    if (!target) return undefined;
    await writeFile(target, (await renderLungsPng(result.lungs, image.width, image.height)).png);
    return target;
  }

  /**
   * `<stem>.lesions.png`: the lesion mask at the image's own size (0/255), for a result with lesion findings (CXR of a
   * model that segments), drawn with the map rule they were measured with; `label` as for `lungsPng`.
   */
  async lesionsPng(input: string, image: { width: number; height: number }, result: Classification, rule: LesionMapRule, label = ''): Promise<string | undefined> {
    if (!result.lesions || !result.lungs || !this.outDir) return undefined;
    const target = await this.reserve(input, `${label}.lesions.png`);
    if (!target) return undefined;
    await writeFile(target, await renderLesionsPng(result, rule, image.width, image.height));
    return target;
  }

  async write(input: string, suffix: string, bytes: Uint8Array): Promise<string | undefined> {
    const target = await this.reserve(input, suffix);
    if (!target) return undefined;
    await writeFile(target, bytes);
    return target;
  }
}
