// The numbers of a city's long-lived records, kept in one Float64Array instead of in the records.
// A number field that is not a small integer (an epoch-ms time, a battery's volts) holds a boxed
// number, an object of its own: a heap snapshot of the whole city at 10× found 2.98M of the main
// heap's 6.37M objects were such boxes in the device book's and the bay mirror's records, each one
// more object for every major collection to mark, and each new value stored into an old record a
// box that outlives its scavenges (docs/performance.md, thirtieth session). In a column they are
// no objects at all. A record keeps its slot; an accessor per field reads and writes the column,
// so `r.lastSeen` reads as before. NaN stands for null: no field here is ever NaN.

/** One Float64Array of `width` numbers per slot, grown by doubling. */
export class NumberColumns {
  a: Float64Array;
  private used = 0;

  constructor(readonly width: number, initialSlots = 1024) {
    this.a = new Float64Array(width * initialSlots).fill(NaN);
  }

  /** A new slot, every number null. */
  slot(): number {
    if ((this.used + 1) * this.width > this.a.length) {
      const bigger = new Float64Array(this.a.length * 2).fill(NaN);
      bigger.set(this.a);
      this.a = bigger;
    }
    return this.used++;
  }
}

/** What a record with columns holds besides its own fields: its book's columns and its slot. */
export interface Columned { readonly cols: NumberColumns; readonly slot: number }

/**
 * Defines on `proto` an enumerable accessor per name, reading and writing the record's slot in its
 * columns (`null` in, `null` out). Object.assign onto such a record sets through them; a spread of
 * one copies none of them (copy its fields by name).
 */
export function defineColumns(proto: object, names: readonly string[]): void {
  const width = names.length;
  names.forEach((name, i) => {
    Object.defineProperty(proto, name, {
      enumerable: true,
      get(this: Columned) {
        const v = this.cols.a[this.slot * width + i];
        return Number.isNaN(v) ? null : v;
      },
      set(this: Columned, v: number | null) {
        this.cols.a[this.slot * width + i] = v ?? NaN;
      },
    });
  });
}
