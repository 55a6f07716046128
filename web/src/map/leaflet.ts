// Leaflet with the markercluster plugin and both stylesheets, bundled by Vite. Import L from here.
import './leafletGlobal.ts';
import 'leaflet.markercluster';
import 'leaflet/dist/leaflet.css';
import 'leaflet.markercluster/dist/MarkerCluster.css';
import 'leaflet.markercluster/dist/MarkerCluster.Default.css';
import L from 'leaflet';

export default L;
