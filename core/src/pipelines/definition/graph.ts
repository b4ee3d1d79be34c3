/** What ordering needs of a step. */
export interface GraphStep {
  name: string;
  deps: readonly string[];
  outputs: readonly string[];
  /** Names from `after:` that exist in the pipeline. */
  after: readonly string[];
}

/** The steps a step waits for: producers of what it reads, and its `after:` steps. */
export function upstreamOf(steps: readonly GraphStep[]): Map<string, string[]> {
  // Outputs indexed by path: a dependency reads an output when one lies within the other, so
  // a dependency looks up its own path and its ancestors, and the outputs under it (a range of
  // the sorted paths).
  const producers = new Map<string, string[]>();
  for (const step of steps) {
    for (const out of step.outputs) {
      const list = producers.get(out);
      if (list) list.push(step.name);
      else producers.set(out, [step.name]);
    }
  }
  const sorted = [...producers.keys()].sort();
  const result = new Map<string, string[]>();
  for (const step of steps) {
    const upstream = new Set<string>(step.after);
    const add = (out: string): void => {
      for (const name of producers.get(out) ?? []) upstream.add(name);
    };
    for (const dep of step.deps) {
      for (const out of ancestorsOf(dep)) add(out);
      if (dep === '.') {
        for (const out of sorted) add(out);
        continue;
      }
      const prefix = `${dep}/`;
      for (let i = lowerBound(sorted, prefix); i < sorted.length; i++) {
        const out = sorted[i] as string;
        if (!out.startsWith(prefix)) break;
        add(out);
      }
    }
    upstream.delete(step.name);
    result.set(step.name, [...upstream].sort());
  }
  return result;
}

/** A root-relative path, each folder above it, and `.`. */
function ancestorsOf(relative: string): string[] {
  const found = [relative];
  for (let at = relative.lastIndexOf('/'); at > 0; at = relative.lastIndexOf('/', at - 1)) {
    found.push(relative.slice(0, at));
  }
  if (relative !== '.') found.push('.');
  return found;
}

/** The first index of sorted `list` whose value is not below `value`. */
function lowerBound(list: readonly string[], value: string): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((list[mid] as string) < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Orders steps so each comes after its upstream (Kahn's algorithm, ties in declaration order),
 * and names the steps on cycles (strongly connected components of more than one step, or a step
 * after itself).
 */
export function order(
  names: readonly string[],
  upstream: ReadonlyMap<string, readonly string[]>,
): { ordered: string[]; cycles: string[][] } {
  const indexOf = new Map(names.map((n, i) => [n, i]));
  const waitingOn = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  const ready = new MinHeap();
  for (const [i, name] of names.entries()) {
    const waits = new Set((upstream.get(name) ?? []).filter((u) => indexOf.has(u)));
    waitingOn.set(name, waits.size);
    for (const u of waits) {
      const list = dependents.get(u);
      if (list) list.push(name);
      else dependents.set(u, [name]);
    }
    if (waits.size === 0) ready.push(i);
  }
  const ordered: string[] = [];
  for (let i = ready.pop(); i !== undefined; i = ready.pop()) {
    const name = names[i] as string;
    ordered.push(name);
    waitingOn.delete(name);
    for (const d of dependents.get(name) ?? []) {
      const left = (waitingOn.get(d) ?? 0) - 1;
      waitingOn.set(d, left);
      if (left === 0) ready.push(indexOf.get(d) as number);
    }
  }
  const stuck = names.filter((n) => waitingOn.has(n));
  return { ordered, cycles: stuck.length ? stronglyConnected(stuck, upstream) : [] };
}

/** A binary min-heap of numbers (the declaration indexes of steps ready to order). */
class MinHeap {
  private readonly items: number[] = [];

  push(value: number): void {
    const items = this.items;
    items.push(value);
    for (let i = items.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if ((items[parent] as number) <= value) break;
      items[i] = items[parent] as number;
      items[parent] = value;
      i = parent;
    }
  }

  pop(): number | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    for (let i = 0; ;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < items.length && (items[left] as number) < (items[least] as number)) least = left;
      if (right < items.length && (items[right] as number) < (items[least] as number))
        least = right;
      if (least === i) break;
      [items[i], items[least]] = [items[least] as number, items[i] as number];
      i = least;
    }
    return top;
  }
}

/** Tarjan's strongly connected components among `names`, keeping only those that are cycles. */
function stronglyConnected(
  names: readonly string[],
  upstream: ReadonlyMap<string, readonly string[]>,
): string[][] {
  const inSet = new Set(names);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of upstream.get(v) ?? []) {
      if (!inSet.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      const selfLoop = component.length === 1 && (upstream.get(v) ?? []).includes(v);
      if (component.length > 1 || selfLoop) cycles.push(component.reverse());
    }
  };
  for (const name of names) if (!index.has(name)) visit(name);
  return cycles;
}
