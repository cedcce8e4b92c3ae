import { lesionOutline, lesionOutlines } from './lesionOutline';

const grid = (rows: string[]) => ({ width: (rows[0] as string).length, height: rows.length, data: Uint8Array.from(rows.join('').split('').map((c) => (c === '#' ? 1 : 0))) });

/** Shoelace area of a closed polygon given as x0,y0,x1,y1,...,x0,y0. */
function area(points: number[]): number {
  let twice = 0;
  for (let i = 0; i + 3 < points.length; i += 2) twice += (points[i] as number) * (points[i + 3] as number) - (points[i + 2] as number) * (points[i + 1] as number);
  return Math.abs(twice) / 2;
}

describe('lesionOutline', () => {
  it('outlines a rectangle by its four corners, closed', () => {
    expect(lesionOutline(grid(['....', '.##.', '.##.', '....']))).toEqual([1, 1, 3, 1, 3, 3, 1, 3, 1, 1]);
  });

  it('follows an L shape along the cell edges: its area is the cell count', () => {
    const outline = lesionOutline(grid(['#...', '#...', '###.', '....'])) as number[];
    expect(outline.slice(0, 2)).toEqual(outline.slice(-2));
    expect(outline.length / 2 - 1).toBe(6);
    expect(area(outline)).toBe(5);
  });

  it('takes the largest region and its outer boundary only (a hole stays inside)', () => {
    const outline = lesionOutline(grid(['#.....', '......', '.####.', '.#..#.', '.####.', '......'])) as number[];
    expect(area(outline)).toBe(12);
    expect(Math.min(...outline.filter((_, i) => i % 2 === 0))).toBe(1);
  });

  it('treats regions that touch only at a corner as two (4-connected) and outlines the larger', () => {
    const outline = lesionOutline(grid(['##..', '##..', '..##', '####'])) as number[];
    // The 2×2 block touches the rest only at vertex (2, 2): the outlined region is the lower 6 cells.
    expect(area(outline)).toBe(6);
    expect(Math.min(...outline.filter((_, i) => i % 2 === 1))).toBe(2);
  });

  it('gives null for an empty mask', () => {
    expect(lesionOutline(grid(['..', '..']))).toBeNull();
    expect(lesionOutlines(grid(['..', '..']))).toEqual([]);
  });

  it('outlines every region, largest first, equal sizes in raster order, each closed along its own cells', () => {
    const mask = grid(['#..##', '...##', '.....', '###..', '.....', '....#']);
    const outlines = lesionOutlines(mask);
    // The 2×2 block (4 cells), the bar of 3, then the two single cells in raster order (top left, bottom right).
    expect(outlines.map(area)).toEqual([4, 3, 1, 1]);
    expect(outlines[0]).toEqual([3, 0, 5, 0, 5, 2, 3, 2, 3, 0]);
    expect(outlines[1]).toEqual([0, 3, 3, 3, 3, 4, 0, 4, 0, 3]);
    expect(outlines[2]).toEqual([0, 0, 1, 0, 1, 1, 0, 1, 0, 0]);
    expect(outlines[3]).toEqual([4, 5, 5, 5, 5, 6, 4, 6, 4, 5]);
    // The largest alone is what lesionOutline gives; a cap keeps the largest ones.
    expect(lesionOutline(mask)).toEqual(outlines[0]);
    expect(lesionOutlines(mask, 2)).toEqual(outlines.slice(0, 2));
  });

  it('outlines two regions touching only at a corner separately, and a ring by its outer edge only', () => {
    expect(lesionOutlines(grid(['##..', '##..', '..##', '..##'])).map(area)).toEqual([4, 4]);
    expect(lesionOutlines(grid(['###', '#.#', '###'])).map(area)).toEqual([9]);
  });
});
