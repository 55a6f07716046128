import type { App } from '../../core/module.ts';
import type { ApiContext } from '../context.ts';
import { MapConfig } from '../schemas.ts';

// Zhengzhou's Erqi Tower, the traditional centre of the city (WGS-84).
const CITY_CENTRE = { lat: 34.7534, lng: 113.6654 };

export function configRoutes(app: App, ctx: ApiContext): void {
  app.get('/api/v1/config', {
    schema: {
      tags: ['ops'], summary: 'What the web map needs to start',
      response: { 200: MapConfig },
    },
  }, async () => ({ tileUrl: ctx.config.tileUrl, center: CITY_CENTRE, zoom: 13 }));
}
