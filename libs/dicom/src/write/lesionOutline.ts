import type { FindingsMask } from './LesionFindings';

/**
 * The outer boundary of the largest 4-connected region of a mask, as a closed polygon along the cells' edges, in
 * grid units (x right, y down; 0,0 the top left corner of the top left cell), first point repeated at the end;
 * collinear points dropped. null for an empty mask. Holes and smaller regions are not outlined (the SEG has them).
 */
export function lesionOutline(mask: FindingsMask): number[] | null {
  const { width, height, data } = mask;
  const label = new Int32Array(width * height).fill(-1);
  let best = -1;
  let bestSize = 0;
  let next = 0;
  const stack: number[] = [];
  for (let start = 0; start < data.length; start += 1) {
    if (!data[start] || label[start] !== -1) continue;
    let size = 0;
    label[start] = next;
    stack.push(start);
    while (stack.length) {
      const i = stack.pop() as number;
      size += 1;
      const x = i % width;
      const neighbours = [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, i - width, i + width];
      for (const n of neighbours) {
        if (n >= 0 && n < data.length && data[n] && label[n] === -1) {
          label[n] = next;
          stack.push(n);
        }
      }
    }
    if (size > bestSize) [best, bestSize] = [next, size];
    next += 1;
  }
  if (best < 0) return null;
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && label[y * width + x] === best;

  // Directed boundary edges, clockwise on screen (interior on the right when walking): from vertex to vertex.
  const key = (x: number, y: number) => y * (width + 1) + x;
  const edges = new Map<number, number[]>();
  const add = (x0: number, y0: number, x1: number, y1: number) => {
    const from = key(x0, y0);
    const list = edges.get(from) ?? [];
    list.push(key(x1, y1));
    edges.set(from, list);
  };
  let first = -1;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      if (!inside(x, y)) continue;
      if (!inside(x, y - 1)) add(x, y, x + 1, y);
      if (!inside(x + 1, y)) add(x + 1, y, x + 1, y + 1);
      if (!inside(x, y + 1)) add(x + 1, y + 1, x, y + 1);
      if (!inside(x - 1, y)) add(x, y + 1, x, y);
      if (first < 0) first = key(x, y); // the top left corner of the topmost cell lies on the outer boundary
    }
  }
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
