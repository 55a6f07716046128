import { describe, expect, it } from 'vitest';
import { normalizePlate, PROVINCES } from '../core/plates.ts';
import { seededRandom } from './demo-city.ts';
import { misread, plateColorOf, randomPlate } from './plates.ts';

const N = 20_000;
const sample = (seed = 7) => {
  const rng = seededRandom(seed);
  return Array.from({ length: N }, () => randomPlate(rng));
};

describe('randomPlate', () => {
  const plates = sample();

  it('generates only plates that normalizePlate accepts unchanged, with the right kind', () => {
    const bad = plates.filter(({ plate, color }) => {
      const r = normalizePlate(plate);
      return !r.ok || r.plate !== plate || r.kind !== (color === 'green' ? 'new-energy' : 'standard') || plateColorOf(plate) !== color || /[IO]/.test(plate);
    });
    expect(bad).toEqual([]);
  });

  it('is mostly Zhengzhou (豫A), with other Henan cities and other provinces', () => {
    const share = (f: (p: string) => boolean) => plates.filter((p) => f(p.plate)).length / N;
    expect(share((p) => p.startsWith('豫A'))).toBeGreaterThan(0.7);
    expect(share((p) => p.startsWith('豫') && !p.startsWith('豫A'))).toBeGreaterThan(0.05);
    expect(share((p) => !p.startsWith('豫'))).toBeGreaterThan(0.05);
    expect(share((p) => !p.startsWith('豫'))).toBeLessThan(0.2);
  });

  it('makes about a fifth green 8-character plates, in both new-energy formats', () => {
    const green = plates.filter((p) => p.color === 'green').map((p) => p.plate);
    expect(green.length / N).toBeGreaterThan(0.17);
    expect(green.length / N).toBeLessThan(0.23);
    expect(green.every((p) => [...p].length === 8)).toBe(true);
    expect(green.some((p) => /^.[A-Z][DF]\d{5}$/.test(p))).toBe(true); // 豫AD12345
    expect(green.some((p) => /^.[A-Z]\d{5}[DF]$/.test(p))).toBe(true); // 豫A12345D
    expect(plates.filter((p) => p.color === 'blue').every((p) => [...p.plate].length === 7)).toBe(true);
  });

  it('is deterministic for a seed', () => {
    expect(sample(42).slice(0, 50)).toEqual(sample(42).slice(0, 50));
    expect(sample(42).slice(0, 50)).not.toEqual(sample(43).slice(0, 50));
  });
});

describe('misread', () => {
  it('always changes the plate, by one character', () => {
    const rng = seededRandom(3);
    for (const { plate } of sample().slice(0, 5000)) {
      const m = misread(plate, rng);
      expect(m).not.toBe(plate);
      expect(m.length).toBe(plate.length);
      const diffs = [...m].filter((c, i) => c !== [...plate][i]).length;
      expect(diffs).toBe(1);
    }
  });

  it('makes the confusions real cameras make', () => {
    const rng = seededRandom(5);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      for (const plate of ['豫AD12345', '豫AB8S5Z2', '豫A12345D', '豫A10203']) {
        const m = misread(plate, rng);
        const i = [...m].findIndex((c, k) => c !== [...plate][k]);
        seen.add(i === 0 ? 'province' : `${[...plate][i]}→${[...m][i]}`);
        if (i === 0) expect(PROVINCES).toContain(m[0]);
      }
    }
    for (const c of ['D→0', '0→D', '0→Q', 'B→8', '8→B', '1→I', 'Z→2', '2→Z', 'S→5', '5→S', 'province']) expect(seen).toContain(c);
  });

  it('misreads the province when the serial has nothing confusable', () => {
    expect(misread('豫A34779', seededRandom(1)).slice(1)).toBe('A34779');
  });
});
