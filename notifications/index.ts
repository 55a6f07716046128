// notifications' entry point: what the composer may use.
export { notificationsModule } from './module.ts';
