/**
 * Sorting of large float64 samples by radix sort on their IEEE-754 bits, several times faster
 * than `Float64Array.prototype.sort` on a million values; small samples use the built-in sort.
 * Two 16-bit LSD passes order the keys by their high 32 bits (sign, exponent and 20 bits of
 * mantissa), then each run of equal high words is ordered by its low words, in place: runs are
 * short for real data (values closer than about one part in a million), and any run is sorted
 * with the built-in sort, so no input makes it quadratic. Cleaning (dropping NaN and infinities)
 * happens in the same pass that makes the sort keys.
 */

const RADIX_MIN = 4096;
const DIGITS = 1 << 16;
/** Runs of equal high words up to this length are ordered by insertion. */
const INSERTION_MAX = 24;

/** Samples up to this many values sort in key buffers kept between sorts (16 bytes a value). */
const KEEP_MAX = 1 << 22;
let kept: Uint32Array[] = [];

/**
 * Four key buffers of `n` values (the keys and the radix passes' copies): kept between sorts,
 * which are synchronous, so a report over many large columns does not allocate and zero them
 * again for each.
 */
function keyBuffers(n: number): [Uint32Array, Uint32Array, Uint32Array, Uint32Array] {
  if (n > KEEP_MAX) {
    return [new Uint32Array(n), new Uint32Array(n), new Uint32Array(n), new Uint32Array(n)];
  }
  if (kept.length === 0 || kept[0]!.length < n) {
    kept = Array.from({ length: 4 }, () => new Uint32Array(Math.max(n, RADIX_MIN)));
  }
  const [a, b, c, d] = kept.map((buffer) => buffer.subarray(0, n));
  return [a!, b!, c!, d!];
}

/** Sorts order-preserving keys (high and low 32 bits), using two buffers of the same size for
 * the passes, and returns the sorted pair (two of the four arrays). */
function radixSortKeys(
  lo: Uint32Array,
  hi: Uint32Array,
  loTmp: Uint32Array,
  hiTmp: Uint32Array,
): [Uint32Array, Uint32Array] {
  const n = lo.length;
  const counts = new Uint32Array(DIGITS);
  for (let shift = 0; shift < 32; shift += 16) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((hi[i] as number) >>> shift) & 0xffff]!++;
    if (counts[((hi[0] as number) >>> shift) & 0xffff] === n) continue;
    let total = 0;
    for (let d = 0; d < DIGITS; d++) {
      const c = counts[d] as number;
      counts[d] = total;
      total += c;
    }
    for (let i = 0; i < n; i++) {
      const at = counts[((hi[i] as number) >>> shift) & 0xffff]!++;
      loTmp[at] = lo[i] as number;
      hiTmp[at] = hi[i] as number;
    }
    [lo, loTmp] = [loTmp, lo];
    [hi, hiTmp] = [hiTmp, hi];
  }
  sortRunsByLow(lo, hi);
  return [lo, hi];
}

/** Orders each run of equal high words by the low words (the high words stay as they are). */
function sortRunsByLow(lo: Uint32Array, hi: Uint32Array): void {
  const n = lo.length;
  let start = 0;
  while (start < n) {
    const h = hi[start] as number;
    let end = start + 1;
    while (end < n && hi[end] === h) end++;
    if (end - start > INSERTION_MAX) lo.subarray(start, end).sort();
    else {
      for (let i = start + 1; i < end; i++) {
        const x = lo[i] as number;
        let j = i - 1;
        while (j >= start && (lo[j] as number) > x) {
          lo[j + 1] = lo[j] as number;
          j--;
        }
        lo[j + 1] = x;
      }
    }
    start = end;
  }
}

/** Writes sorted keys back as doubles into `out` (its first lo.length values). */
function decodeKeys(lo: Uint32Array, hi: Uint32Array, out: Float64Array): void {
  const words = new Uint32Array(out.buffer, out.byteOffset, lo.length * 2);
  for (let i = 0; i < lo.length; i++) {
    const h = hi[i] as number;
    if (h & 0x80000000) {
      words[2 * i + 1] = (h & 0x7fffffff) >>> 0;
      words[2 * i] = lo[i] as number;
    } else {
      words[2 * i + 1] = ~h >>> 0;
      words[2 * i] = ~(lo[i] as number) >>> 0;
    }
  }
}

/** Sorts `values` ascending in place and returns it (no NaN allowed). */
export function sortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < RADIX_MIN) return values.sort();
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  const [lo, hi, loTmp, hiTmp] = keyBuffers(n);
  for (let i = 0; i < n; i++) encode(words[2 * i] as number, words[2 * i + 1] as number, i, lo, hi);
  const [sortedLo, sortedHi] = radixSortKeys(lo, hi, loTmp, hiTmp);
  decodeKeys(sortedLo, sortedHi, values);
  return values;
}

/** Order-preserving key of a double: every bit flipped for a negative number, the sign bit for a positive one. */
function encode(l: number, h: number, i: number, lo: Uint32Array, hi: Uint32Array): void {
  if (h & 0x80000000) {
    hi[i] = ~h >>> 0;
    lo[i] = ~l >>> 0;
  } else {
    hi[i] = (h | 0x80000000) >>> 0;
    lo[i] = l;
  }
}

/** The finite values of a float array, sorted, and how many values were infinite. */
export function sortedFinite(values: Float64Array | Float32Array): {
  sorted: Float64Array;
  infinite: number;
} {
  const n = values.length;
  let infinite = 0;
  if (n < RADIX_MIN || values instanceof Float32Array) {
    const out = new Float64Array(n);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i] as number;
      if (v - v === 0) out[k++] = v;
      else if (v === Infinity || v === -Infinity) infinite++;
    }
    return { sorted: sortFloat64(out.subarray(0, k)), infinite };
  }
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  let [lo, hi, loTmp, hiTmp] = keyBuffers(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + 1] as number;
    // All exponent bits set: an infinity (zero mantissa) or a NaN.
    if ((h & 0x7ff00000) === 0x7ff00000) {
      if ((h & 0x000fffff) === 0 && words[2 * i] === 0) infinite++;
      continue;
    }
    encode(words[2 * i] as number, h, k++, lo, hi);
  }
  if (k < n) {
    lo = lo.subarray(0, k);
    hi = hi.subarray(0, k);
    loTmp = loTmp.subarray(0, k);
    hiTmp = hiTmp.subarray(0, k);
  }
  const sorted = new Float64Array(k);
  if (k > 0) {
    const [sortedLo, sortedHi] = radixSortKeys(lo, hi, loTmp, hiTmp);
    decodeKeys(sortedLo, sortedHi, sorted);
  }
  return { sorted, infinite };
}
