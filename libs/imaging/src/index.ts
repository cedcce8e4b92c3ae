export {};
export type { Raster, FloatMap } from './Raster';
export { colormap, type ColormapName } from './colormap';
export { heatmapOverlay, type HeatmapOverlayOptions } from './heatmapOverlay';
export { legend, type LegendOptions } from './legend';
