// seed's entry point for the composer: the demo district and its default tariffs.
export { seedDemo } from './demo-seed.ts';
export { ensureBillingSeed } from './billing-seed.ts';
