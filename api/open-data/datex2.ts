// DATEX II v3 parking publications, XML: the static ParkingTablePublication (one UrbanParkingSite
// per published lot) and the live ParkingStatusPublication (one ParkingSiteStatus per lot that has
// reported). Element names, order and namespaces follow the v3 Parking and Common schemas
// (DATEXII_3_Parking.xsd, DATEXII_3_Common.xsd, DATEXII_3_LocationReferencing.xsd; the payload is
// a d2:payload of xsi:type prk:…Publication, as the published v3 feeds carry it). DATEX II asks
// for ETRS89 coordinates; WGS-84, which we keep, differs from it by well under a metre here.
import type { Lot } from '../availability-cache.ts';

export const NS = {
  d2: 'http://datex2.eu/schema/3/d2Payload',
  com: 'http://datex2.eu/schema/3/common',
  loc: 'http://datex2.eu/schema/3/locationReferencing',
  prk: 'http://datex2.eu/schema/3/parking',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const;

/** The one parking table every record belongs to, and its version (bumped when lots change). */
export interface TableRef { id: string; version: number }

const esc = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
const el = (name: string, body: string | number) => `<${name}>${body}</${name}>`;
const text = (name: string, value: string) => el(name, esc(value));

function payload(type: 'ParkingTablePublication' | 'ParkingStatusPublication', at: Date, body: string): string {
  const xmlns = Object.entries(NS).map(([p, uri]) => `xmlns:${p}="${uri}"`).join(' ');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<d2:payload ${xmlns} xsi:type="prk:${type}" lang="zh" modelBaseVersion="3">`
    + text('com:publicationTime', at.toISOString())
    // Who publishes: country (ISO 3166-1 alpha-2) and the national identifier of the publisher.
    + `<com:publicationCreator>${text('com:country', 'cn')}${text('com:nationalIdentifier', 'OneLot')}</com:publicationCreator>`
    + body + '</d2:payload>\n';
}

/** A multilingual string: the Chinese name first (the publication's language), then English. */
const multilingual = (name: string, zh: string, en: string) =>
  `<${name}><com:values><com:value lang="zh">${esc(zh)}</com:value><com:value lang="en">${esc(en)}</com:value></com:values></${name}>`;

function parkingRecord(lot: Lot, table: TableRef, versionTime: Date): string {
  return `<prk:parkingRecord xsi:type="prk:UrbanParkingSite" id="${esc(lot.id)}" version="${table.version}">`
    + multilingual('prk:parkingName', lot.name, lot.nameEn)
    + text('prk:parkingRecordVersionTime', versionTime.toISOString())
    + el('prk:parkingNumberOfSpaces', lot.capacity)
    + '<prk:parkingLocation xsi:type="loc:PointLocation"><loc:pointByCoordinates><loc:pointCoordinates>'
    + el('loc:latitude', lot.lat) + el('loc:longitude', lot.lng)
    + '</loc:pointCoordinates></loc:pointByCoordinates></prk:parkingLocation>'
    + text('prk:urbanParkingSiteType', lot.kind === 'street' ? 'onStreetParking' : 'offStreetParking')
    + '</prk:parkingRecord>';
}

export function parkingTablePublication(lots: Iterable<Lot>, table: TableRef, at: Date, versionTime: Date): string {
  let records = '';
  for (const lot of lots) records += parkingRecord(lot, table, versionTime);
  return payload('ParkingTablePublication', at,
    `<prk:parkingTable id="${esc(table.id)}" version="${table.version}">${text('prk:parkingTableVersionTime', versionTime.toISOString())}${records}</prk:parkingTable>`);
}

/** DATEX II ParkingSiteStatusEnum, from the live counts: "almost full" is under 10 % free. */
export function siteStatus(lot: Pick<Lot, 'free' | 'occupied' | 'capacity'>): 'spacesAvailable' | 'almostFull' | 'full' | 'unknown' {
  if (lot.free + lot.occupied === 0) return 'unknown';
  if (lot.free === 0) return 'full';
  return lot.free < Math.max(1, lot.capacity * 0.1) ? 'almostFull' : 'spacesAvailable';
}

function recordStatus(lot: Lot & { updatedAt: string }, table: TableRef): string {
  const known = lot.free + lot.occupied;
  const occupancy = known > 0 ? Math.round((lot.occupied / known) * 1000) / 10 : 0;
  return '<prk:parkingRecordStatus xsi:type="prk:ParkingSiteStatus">'
    + `<prk:parkingRecordReference targetClass="prk:ParkingRecord" id="${esc(lot.id)}" version="${table.version}"/>`
    + text('prk:parkingStatusOriginTime', lot.updatedAt)
    + '<prk:parkingOccupancy>'
    + el('prk:parkingNumberOfVacantSpaces', lot.free)
    + el('prk:parkingNumberOfOccupiedSpaces', lot.occupied)
    // Percent of the bays whose state is known (silent devices are left out of both counts).
    + el('prk:parkingOccupancy', occupancy)
    + '</prk:parkingOccupancy>'
    + text('prk:parkingSiteStatus', siteStatus(lot))
    + '</prk:parkingRecordStatus>';
}

export function parkingStatusPublication(lots: Iterable<Lot>, table: TableRef, at: Date): string {
  let statuses = '';
  // A lot whose bays are all of unknown state (no report yet, or every device silent) has no status to give.
  for (const lot of lots) if (lot.updatedAt !== null && lot.free + lot.occupied > 0) statuses += recordStatus(lot as Lot & { updatedAt: string }, table);
  return payload('ParkingStatusPublication', at,
    `<prk:parkingTableReference targetClass="prk:ParkingTable" id="${esc(table.id)}" version="${table.version}"/>${statuses}`);
}
