// notifications' entry point: what the composer may use.
export { notificationsModule, type NotificationsModule } from './module.ts';
