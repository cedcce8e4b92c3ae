import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import sharp from 'sharp';
import { decodePicture, loadModelRelease, lungMask, OnnxClassifier, toModelInput } from '@lungflow/inference';
import { lungMaskAt } from '@lungflow/results';
import { releaseDirs } from '../../../test/helpers/releases';
import { run } from '../main';

// `lungflow analyze` with each CXR release: v1 writes no lung mask and keeps its JSON; a release that segments (v2,
// once in models/, or any folder in LUNGFLOW_TEST_RELEASES) writes <stem>.lungs.png at the input's size, reports the
// lung area and colours the heatmap only inside the lungs.
jest.setTimeout(180_000);

const DATA = process.env.LUNGFLOW_SHARED_DIR ? path.resolve(process.env.LUNGFLOW_SHARED_DIR, 'data') : path.resolve(__dirname, '../../../../shared/data');
const FILE = 'cxr/ieee8023/images/000001-12.jpg';

async function analyze(release: string, out: string, file: string): Promise<Record<string, unknown>> {
  let stdout = '';
  const sink = (append: (s: string) => void) => new Writable({ write: (chunk, _e, cb) => { append(String(chunk)); cb(); } });
  const code = await run(['node', 'lungflow', 'analyze', '--json', '--model-cxr', release, '--out', out, file], { stdout: sink((s) => (stdout += s)), stderr: sink(() => undefined) });
  expect(code).toBe(0);
  return JSON.parse(stdout.trim()) as Record<string, unknown>;
}

const cxrReleases = releaseDirs().filter((dir) => JSON.parse(readFileSync(path.join(dir, 'card.json'), 'utf8')).task === 'cxr');

describe.each(cxrReleases.map((dir) => [path.basename(dir), dir]))('lungflow analyze with %s', (_name, releaseDir) => {
  it('writes the lung mask and area for a model that segments, nothing new otherwise; the decision has a status', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'lungflow-lungs-'));
    const file = path.join(out, path.basename(FILE));
    copyFileSync(path.join(DATA, FILE), file);
    const line = (await analyze(releaseDir, out, file)) as { decision: { status: string; positive: boolean }; lungs?: { areaFraction: number }; outputs: { heatmap: string; lungs?: string } };
    expect(['positive', 'negative', 'indeterminate']).toContain(line.decision.status);
    expect(line.decision.positive).toBe(line.decision.status === 'positive');

    const release = await loadModelRelease(releaseDir);
    const classifier = await OnnxClassifier.create(release, { intraOpThreads: 1 });
    const gray = await decodePicture(new Uint8Array(readFileSync(file)), file);
    const [direct] = await classifier.classify([toModelInput(gray, release.card)]);
    await classifier.close();
    if (!classifier.segments || !direct?.lungs) {
      expect(line.lungs).toBeUndefined();
      expect(line.outputs.lungs).toBeUndefined();
      return;
    }
    expect(line.lungs?.areaFraction).toBeCloseTo(direct.lungs.areaFraction, 6);
    const mask = await decodePicture(new Uint8Array(readFileSync(line.outputs.lungs as string)), 'mask');
    expect([mask.width, mask.height]).toEqual([gray.width, gray.height]);
    expect([...new Set(mask.data)].every((v) => v === 0 || v === 255)).toBe(true);
    expect(Buffer.from(mask.data).equals(Buffer.from(lungMask(direct.lungs, gray.width, gray.height, direct.lungs.threshold).data))).toBe(true);

    // The heatmap (at the image's size here: under 1024 px) leaves every pixel outside the lungs grey, as the image.
    // Its lungs are the 112-cell lung grid (lesions README rule 2) resampled as the SEG's are, the mask the report's SC uses.
    const heatmap = await sharp(line.outputs.heatmap).raw().toBuffer({ resolveWithObject: true });
    expect([heatmap.info.width, heatmap.info.height]).toEqual([gray.width, gray.height]);
    const threshold = direct.lungs.threshold;
    const grid = { width: direct.lungs.width, height: direct.lungs.height, data: Uint8Array.from(direct.lungs.data, (p) => (p > threshold ? 1 : 0)) };
    const drawn = lungMaskAt(grid, gray.width, gray.height);
    let coloured = 0;
    for (let p = 0; p < gray.width * gray.height; p += 1) {
      if (drawn.data[p] !== 0) {
        if (heatmap.data[p * heatmap.info.channels] !== heatmap.data[p * heatmap.info.channels + 2]) coloured += 1;
        continue;
      }
      const rgb = [0, 1, 2].map((c) => heatmap.data[p * heatmap.info.channels + c]);
      if (rgb.some((v) => v !== gray.data[p])) throw new Error(`pixel ${p} outside the lungs is coloured: ${rgb.join(',')} over ${gray.data[p]}`);
    }
    expect(coloured).toBeGreaterThan(0);
  });
});
