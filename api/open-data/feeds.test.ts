// Conformance of the three open-data formats, field by field, against the specifications' published
// schemas vendored in ./fixtures (each names its repository, path and commit) and, for DATEX II, the
// element names, order and namespaces of the v3 Parking schema's sequences.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { Lot } from '../availability-cache.ts';
import { parkApiSite } from './parkapi.ts';
import { NS, parkingStatusPublication, parkingTablePublication, siteStatus } from './datex2.ts';
import { lotEntity, parseUrn, spotEntity } from './ngsi-ld.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

const base = { district: 'Jinshui', address: '花园路 12号 <东门>', timeZone: 'Asia/Shanghai', unknown: 0, dataQuality: 1, path: null };
const garage: Lot = { ...base, id: 'ZZ-JS-0001', name: '花园路停车场', nameEn: 'Huayuan Rd Garage & Co', kind: 'garage', lat: 34.7791234567, lng: 113.6801, capacity: 120, free: 7, occupied: 110, unknown: 3, updatedAt: '2026-03-02T01:02:03.000Z' };
const street: Lot = { ...base, id: 'ZZ-JS-S001', name: '经三路', nameEn: 'Jingsan Rd', kind: 'street', lat: 34.78, lng: 113.68, capacity: 12, free: 0, occupied: 12, updatedAt: '2026-03-02T01:05:00.000Z', path: [[113.68, 34.78], [113.681, 34.781]] };
const silent: Lot = { ...base, id: 'ZZ-JS-0002', name: '新停车场', nameEn: 'New Garage', kind: 'garage', lat: 34.7, lng: 113.6, capacity: 50, free: 0, occupied: 0, unknown: 50, updatedAt: null };
/** Reported once, but every device has since fallen silent: all its bays are of unknown state. */
const dark: Lot = { ...silent, id: 'ZZ-JS-0003', updatedAt: '2026-03-02T00:00:00.000Z' };
const lots = [garage, street, silent, dark];

const ajv = new Ajv2020({ strict: false, allErrors: true });
// ajv-formats is CommonJS: its function is the default export's default under Node's ESM.
(formats as unknown as { default: (a: Ajv2020) => void }).default(ajv);
ajv.addSchema(fixture('sdm-common-schema.excerpt.json'));

describe('ParkAPI v3 parking sites', () => {
  // The published schema types realtime_opening_status as a date-time, a slip: ParkAPI's own
  // models (parkapi-sources-v3 models/enums.py OpeningStatus) and every source send OPEN/CLOSED/UNKNOWN.
  const schema = fixture('parkapi-parking-site.schema.json');
  schema.properties.realtime_opening_status = { type: 'string', enum: ['OPEN', 'CLOSED', 'UNKNOWN'] };
  const validate = ajv.compile(schema);
  const staticAt = new Date('2026-03-01T00:00:00Z');

  it('every site validates against the published ParkingSite schema', () => {
    for (const lot of lots) expect(validate(parkApiSite(lot, 'zh', staticAt)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('maps each field: ids, names, type, WGS-84 decimal strings, capacity and realtime free capacity', () => {
    expect(parkApiSite(garage, 'en', staticAt)).toEqual({
      source_id: 1, original_uid: 'ZZ-JS-0001', name: 'Huayuan Rd Garage & Co', address: '花园路 12号 <东门>', type: 'CAR_PARK', purpose: 'CAR',
      lat: '34.7791235', lon: '113.6801000', capacity: 120, has_realtime_data: true, static_data_updated_at: '2026-03-01T00:00:00.000Z',
      realtime_opening_status: 'OPEN', realtime_capacity: 117, realtime_free_capacity: 7, realtime_data_updated_at: '2026-03-02T01:02:03.000Z',
    });
    expect(parkApiSite(street, 'zh', staticAt)).toMatchObject({ name: '经三路', type: 'ON_STREET', realtime_free_capacity: 0 });
  });

  it('a lot no device has reported yet says it has no realtime data, and claims no free capacity', () => {
    const s = parkApiSite(silent, 'zh', staticAt);
    expect(s.has_realtime_data).toBe(false);
    expect(s).not.toHaveProperty('realtime_free_capacity');
    // Devices all silent: realtime data, but no count to give (0 free would read "full").
    const d = parkApiSite(dark, 'zh', staticAt);
    expect(d).toMatchObject({ has_realtime_data: true, realtime_opening_status: 'UNKNOWN' });
    expect(d).not.toHaveProperty('realtime_free_capacity');
  });
});

describe('NGSI-LD entities (FIWARE Smart Data Models)', () => {
  const off = ajv.compile(fixture('sdm-offstreetparking.schema.excerpt.json'));
  const on = ajv.compile(fixture('sdm-onstreetparking.schema.excerpt.json'));
  const spot = ajv.compile(fixture('sdm-parkingspot.schema.json'));

  it('keyValues entities validate against the models\' schemas', () => {
    for (const [lot, v] of [[garage, off], [silent, off], [dark, off], [street, on]] as const) expect(v(lotEntity(lot, true)), JSON.stringify(v.errors)).toBe(true);
    const s = spotEntity({ code: 'ZZ-JS-S001-03', lat: 34.7801, lng: 113.6802, occupied: true, since: '2026-03-02T01:00:00.000Z', lot: street }, true);
    expect(spot(s), JSON.stringify(spot.errors)).toBe(true);
  });

  it('normalised entities: urn ids, Properties, a GeoProperty in GeoJSON [lng, lat], live counts observedAt, a Relationship to the site', () => {
    const e = lotEntity(garage, false);
    expect(e).toMatchObject({
      id: 'urn:ngsi-ld:OffStreetParking:ZZ-JS-0001', type: 'OffStreetParking',
      name: { type: 'Property', value: '花园路停车场' },
      location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [113.6801, 34.7791234567] } },
      totalSpotNumber: { type: 'Property', value: 120 },
      availableSpotNumber: { type: 'Property', value: 7, observedAt: '2026-03-02T01:02:03.000Z' },
      occupiedSpotNumber: { type: 'Property', value: 110, observedAt: '2026-03-02T01:02:03.000Z' },
      status: { type: 'Property', value: ['almostFull'] },
      allowedVehicleType: { type: 'Property', value: ['car'] },
    });
    expect(lotEntity(street, false)).toMatchObject({
      id: 'urn:ngsi-ld:OnStreetParking:ZZ-JS-S001', type: 'OnStreetParking',
      location: { type: 'GeoProperty', value: { type: 'LineString', coordinates: [[113.68, 34.78], [113.681, 34.781]] } },
      status: { value: ['full'] }, allowedVehicleType: { value: 'car' },
    });
    const s = spotEntity({ code: 'ZZ-JS-S001-03', lat: 34.7801, lng: 113.6802, occupied: false, since: null, lot: street }, false);
    expect(s).toEqual({
      id: 'urn:ngsi-ld:ParkingSpot:ZZ-JS-S001-03', type: 'ParkingSpot',
      name: { type: 'Property', value: 'ZZ-JS-S001-03' },
      location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [113.6802, 34.7801] } },
      status: { type: 'Property', value: 'free' },
      category: { type: 'Property', value: ['onStreet'] },
      refParkingSite: { type: 'Relationship', object: 'urn:ngsi-ld:OnStreetParking:ZZ-JS-S001' },
    });
    expect(parseUrn(s.id)).toEqual({ type: 'ParkingSpot', localId: 'ZZ-JS-S001-03' });
  });

  it('a lot without live counts states none (no availableSpotNumber of 0 that would read "full")', () => {
    for (const lot of [silent, dark]) {
      const e = lotEntity(lot, true);
      expect(e).not.toHaveProperty('availableSpotNumber');
      expect(e).not.toHaveProperty('status');
    }
  });
});

describe('DATEX II v3 parking publications', () => {
  // Prefixes kept: names are checked with their namespace prefix, and the prefixes' URIs below.
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, isArray: (name) => ['prk:parkingRecord', 'prk:parkingRecordStatus', 'com:value'].includes(name) });
  const table = { id: 'onelot-lots', version: 3 };
  const at = new Date('2026-03-02T02:00:00Z');
  const keysOf = (o: object) => Object.keys(o).filter((k) => !k.startsWith('@'));

  it('the payload root: d2:payload of xsi:type prk:ParkingTablePublication, with the v3 namespaces', () => {
    const xml = parkingTablePublication(lots, table, at, new Date('2026-03-01T00:00:00Z'));
    const root = parser.parse(xml)['d2:payload'];
    expect(root['@xsi:type']).toBe('prk:ParkingTablePublication');
    expect(root['@modelBaseVersion']).toBe('3');
    expect(root['@xmlns:d2']).toBe('http://datex2.eu/schema/3/d2Payload');
    expect(root['@xmlns:prk']).toBe('http://datex2.eu/schema/3/parking');
    expect(root['@xmlns:com']).toBe('http://datex2.eu/schema/3/common');
    expect(root['@xmlns:loc']).toBe('http://datex2.eu/schema/3/locationReferencing');
    expect(root['@xmlns:xsi']).toBe(NS.xsi);
    // PayloadPublication (Common): publicationTime, publicationCreator, then the publication's own.
    expect(keysOf(root)).toEqual(['com:publicationTime', 'com:publicationCreator', 'prk:parkingTable']);
    expect(root['com:publicationCreator']).toEqual({ 'com:country': 'cn', 'com:nationalIdentifier': 'OneLot' });
  });

  it('each lot is a prk:UrbanParkingSite record: name in zh and en, spaces, a loc:PointLocation, its urban type, in the schema\'s order', () => {
    const xml = parkingTablePublication(lots, table, at, new Date('2026-03-01T00:00:00Z'));
    const t = parser.parse(xml)['d2:payload']['prk:parkingTable'];
    expect([t['@id'], t['@version']]).toEqual(['onelot-lots', '3']);
    const [g, s] = t['prk:parkingRecord'];
    expect(g['@xsi:type']).toBe('prk:UrbanParkingSite');
    expect([g['@id'], g['@version']]).toEqual(['ZZ-JS-0001', '3']);
    // ParkingRecord's sequence (parkingName … parkingRecordVersionTime … parkingNumberOfSpaces … parkingLocation), then UrbanParkingSite's.
    expect(keysOf(g)).toEqual(['prk:parkingName', 'prk:parkingRecordVersionTime', 'prk:parkingNumberOfSpaces', 'prk:parkingLocation', 'prk:urbanParkingSiteType']);
    expect(g['prk:parkingName']['com:values']['com:value']).toEqual([{ '#text': '花园路停车场', '@lang': 'zh' }, { '#text': 'Huayuan Rd Garage & Co', '@lang': 'en' }]);
    expect(g['prk:parkingNumberOfSpaces']).toBe('120');
    expect(g['prk:parkingLocation']['@xsi:type']).toBe('loc:PointLocation');
    expect(g['prk:parkingLocation']['loc:pointByCoordinates']['loc:pointCoordinates']).toEqual({ 'loc:latitude': '34.7791234567', 'loc:longitude': '113.6801' });
    expect(g['prk:urbanParkingSiteType']).toBe('offStreetParking');
    expect(s['prk:urbanParkingSiteType']).toBe('onStreetParking');
  });

  it('the status publication: a prk:ParkingSiteStatus per reporting lot with vacant and occupied spaces and the site status', () => {
    const xml = parkingStatusPublication(lots, table, at);
    const root = parser.parse(xml)['d2:payload'];
    expect(root['@xsi:type']).toBe('prk:ParkingStatusPublication');
    expect(keysOf(root)).toEqual(['com:publicationTime', 'com:publicationCreator', 'prk:parkingTableReference', 'prk:parkingRecordStatus']);
    expect(root['prk:parkingTableReference']).toMatchObject({ '@id': 'onelot-lots', '@version': '3', '@targetClass': 'prk:ParkingTable' });
    const statuses = root['prk:parkingRecordStatus'];
    expect(statuses).toHaveLength(2); // the silent lots have no status to give
    const [g, s] = statuses;
    expect(g['@xsi:type']).toBe('prk:ParkingSiteStatus');
    // ParkingRecordStatus's sequence, then ParkingSiteStatus's parkingSiteStatus.
    expect(keysOf(g)).toEqual(['prk:parkingRecordReference', 'prk:parkingStatusOriginTime', 'prk:parkingOccupancy', 'prk:parkingSiteStatus']);
    expect(g['prk:parkingRecordReference']).toMatchObject({ '@id': 'ZZ-JS-0001', '@targetClass': 'prk:ParkingRecord' });
    expect(g['prk:parkingStatusOriginTime']).toBe('2026-03-02T01:02:03.000Z');
    expect(g['prk:parkingOccupancy']).toEqual({ 'prk:parkingNumberOfVacantSpaces': '7', 'prk:parkingNumberOfOccupiedSpaces': '110', 'prk:parkingOccupancy': '94' });
    expect(g['prk:parkingSiteStatus']).toBe('almostFull');
    expect(s['prk:parkingSiteStatus']).toBe('full');
  });

  it('escapes text so a name cannot break the XML', () => {
    const xml = parkingTablePublication([{ ...garage, name: '</prk:parkingName><x>' }], table, at, at);
    expect(xml).not.toContain('<x>');
    expect(parser.parse(xml)['d2:payload']['prk:parkingTable']['prk:parkingRecord'][0]['prk:parkingName']['com:values']['com:value'][0]['#text']).toBe('</prk:parkingName><x>');
  });

  it('site status from the counts (ParkingSiteStatusEnum)', () => {
    expect(siteStatus({ free: 0, occupied: 0, capacity: 10 })).toBe('unknown');
    expect(siteStatus({ free: 0, occupied: 10, capacity: 10 })).toBe('full');
    expect(siteStatus({ free: 1, occupied: 19, capacity: 20 })).toBe('almostFull');
    expect(siteStatus({ free: 5, occupied: 5, capacity: 10 })).toBe('spacesAvailable');
  });
});
