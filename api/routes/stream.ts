// Live availability over Server-Sent Events. Changes are merged centrally and flushed every
// flushMs to every stream: at city ingest rates one frame per 200 ms per viewer, not one per event.
import { Type } from '@sinclair/typebox';
import type { ServerResponse } from 'node:http';
import type { App } from '../../core/module.ts';
import type { ChangeFeed, AvailabilityChange, LotCounts, BayChange } from '../../core/changes.ts';

interface Viewer { res: ServerResponse; bays: 'all' | 'none' | string }

export class StreamHub {
  private viewers = new Set<Viewer>();
  private lots = new Map<string, LotCounts>();
  private bays = new Map<string, BayChange>();
  private readonly timer: NodeJS.Timeout;
  private readonly ping: NodeJS.Timeout;
  private readonly onChange = (c: AvailabilityChange) => {
    if (this.viewers.size === 0) return;
    for (const l of c.lots) if (this.isPublic(l.id)) this.lots.set(l.id, l);
    for (const b of c.bays) if (this.isPublic(b.lotId)) this.bays.set(b.code, b);
  };

  /** isPublic: whether a lot is on the public map (unpublished and retired lots never stream). */
  constructor(private readonly feed: ChangeFeed, flushMs: number, private readonly isPublic: (lotId: string) => boolean = () => true) {
    feed.on('availability', this.onChange);
    this.timer = setInterval(() => this.flush(), flushMs);
    // Comments keep proxies from closing an idle stream (every 15 s).
    this.ping = setInterval(() => { for (const v of this.viewers) v.res.write(': ping\n\n'); }, 15_000);
    this.timer.unref();
    this.ping.unref();
  }

  add(viewer: Viewer): void { this.viewers.add(viewer); }
  remove(viewer: Viewer): void { this.viewers.delete(viewer); }
  size(): number { return this.viewers.size; }

  private flush(): void {
    if (this.lots.size === 0 && this.bays.size === 0) return;
    const lots = [...this.lots.values()];
    const bays = [...this.bays.values()];
    this.lots.clear();
    this.bays.clear();
    const all = `event: availability\ndata: ${JSON.stringify({ lots, bays })}\n\n`;
    const none = `event: availability\ndata: ${JSON.stringify({ lots, bays: [] })}\n\n`;
    for (const v of this.viewers) {
      if (v.bays === 'all') v.res.write(all);
      else if (v.bays === 'none') { if (lots.length) v.res.write(none); }
      else v.res.write(`event: availability\ndata: ${JSON.stringify({ lots, bays: bays.filter((b) => b.lotId === v.bays) })}\n\n`);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    clearInterval(this.ping);
    this.feed.off('availability', this.onChange);
    for (const v of this.viewers) v.res.end();
    this.viewers.clear();
  }
}

export function streamRoutes(app: App, hub: StreamHub): void {
  app.get('/api/v1/stream', {
    schema: {
      tags: ['availability'],
      summary: 'Server-Sent Events: `availability` frames {lots:[{id,free,occupied,unknown,dataQuality,updatedAt}], bays:[{code,lotId,occupied,since}]} with only what changed',
      querystring: Type.Object({
        bays: Type.Optional(Type.String({ description: '"all" (default), "none", or a lot id: which bay changes to include', maxLength: 64 })),
      }),
    },
  }, (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n: connected\n\n');
    const viewer: Viewer = { res, bays: req.query.bays ?? 'all' };
    hub.add(viewer);
    req.raw.on('close', () => hub.remove(viewer));
  });
}
