// leaflet.markercluster is a UMD plugin that extends the global `L`; make sure it exists before the
// plugin module runs (imported first by leaflet.ts, and ES modules evaluate in import order).
import L from 'leaflet';

const g = globalThis as { L?: typeof L };
g.L ??= L;
