import { isWithin } from './values';

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
  const result = new Map<string, string[]>();
  for (const step of steps) {
    const upstream = new Set<string>(step.after);
    for (const other of steps) {
      if (other === step) continue;
      const reads = step.deps.some((dep) =>
        other.outputs.some((out) => isWithin(dep, out) || isWithin(out, dep)),
      );
      if (reads) upstream.add(other.name);
    }
    upstream.delete(step.name);
    result.set(step.name, [...upstream].sort());
  }
  return result;
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
  const waiting = new Map(names.map((n) => [n, new Set(upstream.get(n) ?? [])]));
  const ordered: string[] = [];
  let progressed = true;
  while (progressed) {
    progressed = false;
    for (const name of names) {
      const pending = waiting.get(name);
      if (!pending || [...pending].some((u) => waiting.has(u))) continue;
      waiting.delete(name);
      ordered.push(name);
      progressed = true;
      break;
    }
  }
  return { ordered, cycles: waiting.size ? stronglyConnected([...waiting.keys()], upstream) : [] };
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
