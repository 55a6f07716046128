// The operators' devices (under /api/v1/operator): list, register (the secret is in the answer,
// once), import a CSV, a device's page, rotate its secret, disable and enable. Rotation and
// disabling close the device's live MQTT connection (core/changes.ts `devices`).
import { Type } from '@sinclair/typebox';
import { ADMIN, READ } from '../../core/tenancy.ts';
import type { App, RouteContext } from '../../core/module.ts';
import { deviceDetail } from '../device-detail.ts';
import { importDevices } from '../device-import.ts';
import { listDevices, registerDevice, rotateSecret, setEnabled } from '../devices.ts';
import { tenantOf, writerOf } from '../tenant.ts';
import { CsvInput, DeviceDetail, DeviceIdParams, DeviceImport, DeviceInput, DeviceQuery, DeviceSecret, OperatorDevice, OperatorDeviceList } from './schemas.ts';

const E = Type.Ref('ErrorBody');

export function estateDeviceRoutes(app: App, { pool, changes, brokerAccounts }: RouteContext): void {
  app.get('/devices', {
    config: { roles: READ },
    schema: { tags: ['operator'], summary: 'Your devices, optionally of one lot or matching a search; a page at a time in id order (`limit`, `after` = the last page\'s `next`)', querystring: DeviceQuery, response: { 200: OperatorDeviceList, 401: E } },
  }, async (req) => listDevices(pool, tenantOf(req), req.query));

  app.post('/devices', {
    config: { roles: ADMIN },
    schema: {
      tags: ['operator'], summary: 'Register a device and what it watches; the answer carries its secret, shown this once',
      body: DeviceInput, response: { 201: DeviceSecret, 400: E, 401: E, 403: E, 409: E },
    },
  }, async (req, reply) => reply.code(201).send(await registerDevice(pool, writerOf(req), req.body, brokerAccounts)));

  app.post('/devices/csv', {
    config: { roles: ADMIN },
    schema: {
      tags: ['operator'], summary: 'Register devices from CSV text (header: id, kind, lot_id, bay_code, bays, lane, gateway_id); secrets of those created, shown once, and why the others were refused',
      body: CsvInput, response: { 200: DeviceImport, 400: E, 401: E, 403: E },
    },
  }, async (req) => importDevices(pool, writerOf(req), req.body.csv, brokerAccounts));

  app.get('/devices/:id', {
    config: { roles: READ },
    schema: { tags: ['operator'], summary: 'A device\'s page: last message, battery, firmware, recent events and dead letters', params: DeviceIdParams, response: { 200: DeviceDetail, 401: E, 404: E } },
  }, async (req) => deviceDetail(pool, tenantOf(req), req.params.id));

  app.post('/devices/:id/rotate-secret', {
    config: { roles: ADMIN },
    schema: {
      tags: ['operator'], summary: 'A new secret, shown this once; the old one is refused from now on and a connection made with it is closed',
      params: DeviceIdParams, response: { 200: DeviceSecret, 401: E, 403: E, 404: E },
    },
  }, async (req) => rotateSecret(pool, changes, writerOf(req), req.params.id, brokerAccounts));

  app.post('/devices/:id/disable', {
    config: { roles: ADMIN },
    schema: { tags: ['operator'], summary: 'Disable a device: its live connection is closed and it cannot connect again until enabled', params: DeviceIdParams, response: { 200: OperatorDevice, 401: E, 403: E, 404: E } },
  }, async (req) => setEnabled(pool, changes, writerOf(req), req.params.id, false, brokerAccounts));

  app.post('/devices/:id/enable', {
    config: { roles: ADMIN },
    schema: { tags: ['operator'], summary: 'Enable a disabled device again', params: DeviceIdParams, response: { 200: OperatorDevice, 401: E, 403: E, 404: E, 409: E } },
  }, async (req) => setEnabled(pool, changes, writerOf(req), req.params.id, true, brokerAccounts));
}
