/**
 * Level of detail: text is never drawn smaller than MIN_SCREEN_PX on screen. Zoomed out, detail is
 * hidden rather than shrunk, and the titles that remain are drawn larger in canvas units, so they
 * stay readable: `titlePx * zoom >= MIN_SCREEN_PX` throughout each level's range.
 */
export const MIN_SCREEN_PX = 9;

export interface Lod {
  /** 0 full detail; 1 titles and counts, larger; 2 and 3 titles only, larger still; 4 shapes and colours only. */
  level: 0 | 1 | 2 | 3 | 4;
  /** The title font size in canvas pixels at this level (0: no text). */
  titlePx: number;
}

/** The smallest text drawn at full detail (pod status lines), in canvas pixels. */
export const DETAIL_MIN_PX = 11;

const LEVELS: readonly { from: number; lod: Lod }[] = [
  { from: MIN_SCREEN_PX / DETAIL_MIN_PX, lod: { level: 0, titlePx: 13 } },
  { from: 0.45, lod: { level: 1, titlePx: 20 } },
  { from: 0.25, lod: { level: 2, titlePx: 36 } },
  { from: 0.14, lod: { level: 3, titlePx: 64 } },
  { from: 0, lod: { level: 4, titlePx: 0 } },
];

export function lodFor(zoom: number): Lod {
  for (const l of LEVELS) if (zoom >= l.from) return l.lod;
  return { level: 4, titlePx: 0 };
}

/** The zooms at which the level changes (for tests and the benchmark). */
export const LOD_THRESHOLDS = LEVELS.map((l) => l.from);
