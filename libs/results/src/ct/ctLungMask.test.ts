import { CT_LUNG_RULES, ctLungsAtSource, segmentCtLungs } from './ctLungMask';
import { countPixels, inside, phantom, type Ellipse } from './ctPhantom.testHelper';

// A 200 × 200 slice (grid factor 1) at 0.8 mm: one pixel is 0.64 mm², the 500 mm² minimum is 781.25 pixels.
const W = 200;
const H = 200;
const PIXEL_MM2 = 0.64;
const AIR = -1000;
const SOFT_TISSUE = 40;
const LUNG = -850;
const body: Ellipse = { cx: 100, cy: 100, a: 90, b: 70 };
// The patient's right lung (image left) is the smaller one, so the two areas differ.
const rightLung: Ellipse = { cx: 60, cy: 100, a: 25, b: 40 };
const leftLung: Ellipse = { cx: 140, cy: 100, a: 30, b: 40 };
const chest = [
  { shape: body, hu: SOFT_TISSUE },
  { shape: rightLung, hu: LUNG },
  { shape: leftLung, hu: LUNG },
];
const lungPixels = countPixels(W, H, (x, y) => inside(rightLung, x, y) || inside(leftLung, x, y));

describe('segmentCtLungs on HU phantoms', () => {
  it('finds two lung ellipses inside a soft-tissue body in air: their pixels exactly, about π·a·b each', () => {
    const seg = segmentCtLungs(phantom(W, H, AIR, chest), W, H, { pixelAreaMm2: PIXEL_MM2 });
    expect(seg.factor).toBe(1);
    expect(seg.components).toBe(2);
    expect(seg.lungPixels).toBe(lungPixels);
    // π·25·40 + π·30·40 = 2200π = 6911.5 pixels: the pixel count of the two ellipses is within 0.5 % of it.
    expect(Math.abs(seg.lungPixels - 2200 * Math.PI) / (2200 * Math.PI)).toBeLessThan(0.005);
    const maskPixels = seg.lungMask.reduce((n, v) => n + v, 0);
    expect(maskPixels).toBe(lungPixels);
    const mismatched = countPixels(W, H, (x, y) => seg.lungMask[y * W + x] !== (inside(rightLung, x, y) || inside(leftLung, x, y) ? 1 : 0));
    expect(mismatched).toBe(0);
  });

  it('counts a -300 HU lesion blob enclosed by lung as lung (a filled hole), and leaves out the part of one touching the chest wall', () => {
    const enclosed = { shape: { cx: 60, cy: 100, a: 8, b: 8 }, hu: -300 };
    const seg = segmentCtLungs(phantom(W, H, AIR, [...chest, enclosed]), W, H, { pixelAreaMm2: PIXEL_MM2 });
    expect(seg.lungPixels).toBe(lungPixels);
    expect(seg.components).toBe(2);
    // Centred on the right lung's outer edge (x = 35): half in the lung, half in the body wall, so it is not enclosed.
    const atWall: Ellipse = { cx: 35, cy: 100, a: 8, b: 8 };
    const wall = segmentCtLungs(phantom(W, H, AIR, [...chest, { shape: atWall, hu: -300 }]), W, H, { pixelAreaMm2: PIXEL_MM2 });
    const blobInLung = countPixels(W, H, (x, y) => inside(atWall, x, y) && inside(rightLung, x, y));
    expect(blobInLung).toBeGreaterThan(50);
    expect(wall.lungPixels).toBe(lungPixels - blobInLung);
  });

  it('leaves out a gas pocket (-1000 HU, trachea/bowel) inside the body, but counts the same pocket at lung density', () => {
    // π·24·14 ≈ 1056 pixels ≈ 675 mm², above the minimum, so only its density decides.
    const pocket: Ellipse = { cx: 100, cy: 150, a: 24, b: 14 };
    const pocketPixels = countPixels(W, H, (x, y) => inside(pocket, x, y));
    expect(pocketPixels * PIXEL_MM2).toBeGreaterThan(CT_LUNG_RULES.minComponentMm2);
    const gas = segmentCtLungs(phantom(W, H, AIR, [...chest, { shape: pocket, hu: AIR }]), W, H, { pixelAreaMm2: PIXEL_MM2 });
    expect(gas.lungPixels).toBe(lungPixels);
    expect(gas.components).toBe(2);
    const parenchyma = segmentCtLungs(phantom(W, H, AIR, [...chest, { shape: pocket, hu: LUNG }]), W, H, { pixelAreaMm2: PIXEL_MM2 });
    expect(parenchyma.lungPixels).toBe(lungPixels + pocketPixels);
    expect(parenchyma.components).toBe(3);
  });

  it('drops regions under 500 mm² with Pixel Spacing, and under 0.5 % of the slice (200 pixels) without', () => {
    const small: Ellipse = { cx: 100, cy: 150, a: 10, b: 10 }; // 317 pixels = 203 mm²
    const smallPixels = countPixels(W, H, (x, y) => inside(small, x, y));
    const slice = phantom(W, H, AIR, [...chest, { shape: small, hu: LUNG }]);
    expect(segmentCtLungs(slice, W, H, { pixelAreaMm2: PIXEL_MM2 }).lungPixels).toBe(lungPixels);
    expect(segmentCtLungs(slice, W, H, { pixelAreaMm2: null }).lungPixels).toBe(lungPixels + smallPixels);
  });

  it('keeps lungs that a small field of view cuts at the image edge (mean -850 HU is not outside air), drops outside air there', () => {
    // The body fills the image (a cropped reconstruction, like pydicom's CT_small); the lungs run off the top edge.
    const cutRight: Ellipse = { cx: 50, cy: 10, a: 30, b: 40 };
    const cutLeft: Ellipse = { cx: 150, cy: 10, a: 30, b: 40 };
    const expected = countPixels(W, H, (x, y) => inside(cutRight, x, y) || inside(cutLeft, x, y));
    const cropped = segmentCtLungs(phantom(W, H, SOFT_TISSUE, [{ shape: cutRight, hu: LUNG }, { shape: cutLeft, hu: LUNG }]), W, H, { pixelAreaMm2: PIXEL_MM2 });
    expect(cropped.components).toBe(2);
    expect(cropped.lungPixels).toBe(expected);
    const notches = segmentCtLungs(phantom(W, H, SOFT_TISSUE, [{ shape: cutRight, hu: AIR }, { shape: cutLeft, hu: AIR }]), W, H, { pixelAreaMm2: PIXEL_MM2 });
    expect(notches.lungPixels).toBe(0);
  });

  it('ignores air inside a separate object (the table) and finds nothing in a slice without air or of air only', () => {
    const table: Ellipse = { cx: 100, cy: 188, a: 95, b: 10 };
    const cavity: Ellipse = { cx: 100, cy: 188, a: 60, b: 6 };
    const cavityPixels = countPixels(W, H, (x, y) => inside(cavity, x, y));
    expect(cavityPixels * PIXEL_MM2).toBeGreaterThan(CT_LUNG_RULES.minComponentMm2);
    const withTable = segmentCtLungs(phantom(W, H, AIR, [...chest, { shape: table, hu: SOFT_TISSUE }, { shape: cavity, hu: LUNG }]), W, H, { pixelAreaMm2: PIXEL_MM2 });
    expect(withTable.lungPixels).toBe(lungPixels);
    // A head or abdomen slice: soft tissue and bone only.
    const noAir = segmentCtLungs(phantom(W, H, SOFT_TISSUE, [{ shape: body, hu: 400 }]), W, H, { pixelAreaMm2: PIXEL_MM2 });
    expect([noAir.components, noAir.lungPixels]).toEqual([0, 0]);
    const empty = segmentCtLungs(new Float32Array(W * H).fill(AIR), W, H, { pixelAreaMm2: PIXEL_MM2 });
    expect([empty.components, empty.lungPixels]).toEqual([0, 0]);
  });

  it('keeps the mediastinum out when the two lungs touch around it (an enclosed region over 25 % of the lung area)', () => {
    // A ring of lung around a soft-tissue core: the core is enclosed, and bigger than 25 % of the ring.
    const outer: Ellipse = { cx: 100, cy: 100, a: 60, b: 50 };
    const core: Ellipse = { cx: 100, cy: 100, a: 35, b: 30 };
    const ring = countPixels(W, H, (x, y) => inside(outer, x, y) && !inside(core, x, y));
    const coreArea = countPixels(W, H, (x, y) => inside(core, x, y));
    expect(coreArea).toBeGreaterThan(0.25 * ring);
    const seg = segmentCtLungs(phantom(W, H, AIR, [{ shape: body, hu: SOFT_TISSUE }, { shape: outer, hu: LUNG }, { shape: core, hu: SOFT_TISSUE }]), W, H, { pixelAreaMm2: PIXEL_MM2 });
    expect(seg.lungPixels).toBe(ring);
  });

  it('measures a 512 × 512 slice on a 256 × 256 grid of 2 × 2 block means, in source pixels (within the boundary cells)', () => {
    const big = 512;
    const scale = big / W;
    const s = (e: Ellipse): Ellipse => ({ cx: e.cx * scale, cy: e.cy * scale, a: e.a * scale, b: e.b * scale });
    const slice = phantom(big, big, AIR, chest.map(({ shape, hu }) => ({ shape: s(shape), hu })));
    const seg = segmentCtLungs(slice, big, big, { pixelAreaMm2: 0.25 });
    expect([seg.factor, seg.width, seg.height]).toEqual([2, 256, 256]);
    expect(seg.components).toBe(2);
    expect(seg.lungPixels % 4).toBe(0);
    // Exact area π·a·b·scale² = 2200π·6.5536 = 45295 pixels; only cells on the boundary can differ (perimeter ≈ 460 source pixels per lung, 2 pixels deep).
    const exact = 2200 * Math.PI * scale * scale;
    expect(Math.abs(seg.lungPixels - exact)).toBeLessThan(2 * 2 * 460);
  });

  it('grids a side that is not a multiple of the factor with clipped edge cells, and refuses a wrong length', () => {
    const seg = segmentCtLungs(new Float32Array(300 * 100).fill(SOFT_TISSUE), 300, 100);
    expect([seg.factor, seg.width, seg.height]).toEqual([2, 150, 50]);
    const odd = segmentCtLungs(new Float32Array(301 * 100).fill(SOFT_TISSUE), 301, 100);
    expect([odd.factor, odd.width, odd.height]).toEqual([2, 151, 50]);
    expect(() => segmentCtLungs(new Float32Array(10), 4, 4)).toThrow(RangeError);
  });
});

describe('ctLungsAtSource', () => {
  it('gives each source pixel the cell that averages it, partial last cells included', () => {
    // 5 × 3 source, factor 2: a 3 × 2 grid whose last column and row average 1 source column / row.
    const seg = { factor: 2, width: 3, sourceWidth: 5, sourceHeight: 3, lungMask: Uint8Array.from([1, 0, 1, 0, 1, 0]) };
    expect(Array.from(ctLungsAtSource(seg).data)).toEqual([1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 1, 1, 0]);
  });
});
