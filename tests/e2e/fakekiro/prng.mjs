// A small seeded PRNG (mulberry32), so every delivery schedule can be replayed from the seed it printed.
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [lo, hi]. */
export function between(rng, lo, hi) {
  return lo + Math.floor(rng() * (hi - lo + 1));
}
