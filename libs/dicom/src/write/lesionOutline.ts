import type { FindingsMask } from './LesionFindings';

/**
 * The outer boundary of every 4-connected region of a mask, largest first (ties: the region met first in raster
 * order), at most `maxRegions` of them: each a closed polygon along the cells' edges, in grid units (x right, y
 * down; 0,0 the top left corner of the top left cell), first point repeated at the end, collinear points dropped.
 * Empty for an empty mask. Holes are not outlined (the SEG has them).
 */
export function lesionOutlines(mask: FindingsMask, maxRegions = Number.POSITIVE_INFINITY): number[][] {
  const { width, data } = mask;
  const label = new Int32Array(data.length).fill(-1);
  const regions: Array<{ id: number; start: number; cells: number[] }> = [];
  const stack: number[] = [];
  for (let start = 0; start < data.length; start += 1) {
    if (!data[start] || label[start] !== -1) continue;
    const id = regions.length;
    const cells: number[] = [];
    label[start] = id;
    stack.push(start);
    while (stack.length) {
      const i = stack.pop() as number;
      cells.push(i);
      const x = i % width;
      const neighbours = [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, i - width, i + width];
      for (const n of neighbours) {
        if (n >= 0 && n < data.length && data[n] && label[n] === -1) {
          label[n] = id;
          stack.push(n);
        }
      }
    }
    regions.push({ id, start, cells });
  }
  // Stable sort: equal sizes keep raster order.
  const chosen = [...regions].sort((a, b) => b.cells.length - a.cells.length).slice(0, maxRegions);
  return chosen.map((region) => outerBoundary(mask, label, region));
}

/** The outer boundary of the largest region (lesionOutlines' first), or null for an empty mask. */
export function lesionOutline(mask: FindingsMask): number[] | null {
  return lesionOutlines(mask, 1)[0] ?? null;
}

/** One region's outer boundary, traced from its raster-first cell, whose top left corner lies on it. */
function outerBoundary(mask: FindingsMask, label: Int32Array, region: { id: number; start: number; cells: number[] }): number[] {
  const { width, height } = mask;
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && label[y * width + x] === region.id;

  // Directed boundary edges, clockwise on screen (interior on the right when walking): from vertex to vertex.
  const key = (x: number, y: number) => y * (width + 1) + x;
  const edges = new Map<number, number[]>();
  const add = (x0: number, y0: number, x1: number, y1: number) => {
    const from = key(x0, y0);
    const list = edges.get(from) ?? [];
    list.push(key(x1, y1));
    edges.set(from, list);
  };
  for (const cell of region.cells) {
    const x = cell % width;
    const y = Math.floor(cell / width);
    if (!inside(x, y - 1)) add(x, y, x + 1, y);
    if (!inside(x + 1, y)) add(x + 1, y, x + 1, y + 1);
    if (!inside(x, y + 1)) add(x + 1, y + 1, x, y + 1);
    if (!inside(x - 1, y)) add(x, y + 1, x, y);
  }
  // The top left corner of the region's raster-first cell lies on its outer boundary.
  const first = key(region.start % width, Math.floor(region.start / width));
  const point = (k: number): [number, number] => [k % (width + 1), Math.floor(k / (width + 1))];
  const loop: number[] = [first];
  let at = first;
  let direction: [number, number] = [1, 0];
  for (;;) {
    const out = edges.get(at) ?? [];
    if (!out.length) break;
    // At a vertex two cells share only diagonally, turn right (stay on this cell's side) so the loop stays simple.
    let chosen = 0;
    if (out.length > 1) {
      const [ax, ay] = point(at);
      const turn = (k: number) => {
        const [bx, by] = point(k);
        return direction[0] * (by - ay) - direction[1] * (bx - ax); // > 0: right turn on screen (y down)
      };
      chosen = out.reduce((bestIndex, k, index) => (turn(k) > turn(out[bestIndex] as number) ? index : bestIndex), 0);
    }
    const to = out.splice(chosen, 1)[0] as number;
    const [ax, ay] = point(at);
    const [bx, by] = point(to);
    direction = [bx - ax, by - ay];
    at = to;
    loop.push(at);
    if (at === first) break;
  }
  // Drop the points where the boundary goes straight on.
  const corners: Array<[number, number]> = [];
  for (let i = 0; i < loop.length - 1; i += 1) {
    const prev = point(loop[(i - 1 + loop.length - 1) % (loop.length - 1)] as number);
    const here = point(loop[i] as number);
    const after = point(loop[i + 1] as number);
    const straight = (here[0] - prev[0]) * (after[1] - here[1]) - (here[1] - prev[1]) * (after[0] - here[0]) === 0;
    if (!straight) corners.push(here);
  }
  if (corners.length) corners.push(corners[0] as [number, number]);
  return corners.flat();
}
