/**
 * Draws a laid-out pipeline graph as SVG: rounded boxes with the step name, its status word, glyph
 * and colour, edges with arrowheads; pans by dragging, zooms with the wheel, fits on demand. Nodes
 * are focusable in topological order (Tab) and selected with a click, Enter or Space. Status
 * changes repaint the nodes in place; only a new layout rebuilds the picture.
 */
import type { PipelineGraph, PipelineGraphNode } from '@sextant/language-server/protocol';
import { formatDuration } from '@sextant/core/model';
import type { GraphLayout, NodeBox, Point } from './layout';
import { statusStyle } from './status';

const SVG_NS = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  return element;
}

/** The SVG path of an edge route. */
export function edgePath(points: Point[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ');
}

/** A pan and zoom: screen = graph × scale + offset. */
export interface ViewTransform {
  x: number;
  y: number;
  scale: number;
}

/** The transform that fits a `content` box into a `viewport` with a margin, never above 1.5×. */
export function fitTransform(
  content: { width: number; height: number },
  viewport: { width: number; height: number },
  margin = 12,
): ViewTransform {
  if (content.width <= 0 || content.height <= 0 || viewport.width <= 0 || viewport.height <= 0) {
    return { x: 0, y: 0, scale: 1 };
  }
  const scale = Math.min(
    1.5,
    (viewport.width - 2 * margin) / content.width,
    (viewport.height - 2 * margin) / content.height,
  );
  return {
    scale,
    x: (viewport.width - content.width * scale) / 2,
    y: (viewport.height - content.height * scale) / 2,
  };
}

/** One drawn node and the parts a status change repaints. */
interface DrawnNode {
  group: SVGGElement;
  icon: SVGTextElement;
  status: SVGTextElement;
  duration: SVGTextElement;
  title: SVGTitleElement;
}

/** The SVG picture of one pipeline graph. */
export class GraphCanvas {
  readonly element: SVGSVGElement;
  private readonly viewport: SVGGElement;
  private readonly nodes = new Map<string, DrawnNode>();
  private layout: GraphLayout | undefined;
  private transform: ViewTransform = { x: 0, y: 0, scale: 1 };
  private selected: string | undefined;
  /** True once the user panned or zoomed: a resize then keeps their view. */
  private moved = false;

  constructor(
    container: HTMLElement,
    private readonly onSelect: (step: string) => void,
  ) {
    this.element = svg('svg', { role: 'group', 'aria-label': 'Pipeline graph' });
    const defs = svg('defs');
    const marker = svg('marker', {
      id: 'sx-arrow',
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 8,
      markerHeight: 8,
      orient: 'auto-start-reverse',
    });
    marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'sx-arrow' }));
    defs.append(marker);
    this.viewport = svg('g', { class: 'sx-viewport' });
    this.element.append(defs, this.viewport);
    container.append(this.element);
    this.listen();
  }

  private listen(): void {
    const el = this.element;
    let drag: { x: number; y: number; from: ViewTransform } | undefined;
    el.addEventListener('pointerdown', (event) => {
      if ((event.target as Element).closest('.sx-node')) return;
      drag = { x: event.clientX, y: event.clientY, from: this.transform };
      el.setPointerCapture(event.pointerId);
      el.classList.add('sx-panning');
    });
    el.addEventListener('pointermove', (event) => {
      if (!drag) return;
      this.moved = true;
      this.setTransform({
        ...drag.from,
        x: drag.from.x + event.clientX - drag.x,
        y: drag.from.y + event.clientY - drag.y,
      });
    });
    const end = (): void => {
      drag = undefined;
      el.classList.remove('sx-panning');
    };
    el.addEventListener('pointerup', end);
    el.addEventListener('pointercancel', end);
    el.addEventListener(
      'wheel',
      (event) => {
        event.preventDefault();
        const rect = el.getBoundingClientRect();
        const px = event.clientX - rect.left;
        const py = event.clientY - rect.top;
        const t = this.transform;
        const scale = Math.min(4, Math.max(0.2, t.scale * Math.exp(-event.deltaY * 0.0015)));
        this.moved = true;
        this.setTransform({
          scale,
          x: px - ((px - t.x) * scale) / t.scale,
          y: py - ((py - t.y) * scale) / t.scale,
        });
      },
      { passive: false },
    );
    if (typeof ResizeObserver !== 'undefined') {
      new ResizeObserver(() => {
        if (!this.moved) this.fit();
      }).observe(el);
    }
  }

  private setTransform(t: ViewTransform): void {
    this.transform = t;
    this.viewport.setAttribute('transform', `translate(${t.x},${t.y}) scale(${t.scale})`);
  }

  /** Fits the whole graph into the view. */
  fit(): void {
    if (!this.layout) return;
    const rect = this.element.getBoundingClientRect();
    this.moved = false;
    this.setTransform(fitTransform(this.layout, rect));
  }

  /** Draws a new layout of `graph`, then fits it. */
  draw(layout: GraphLayout, graph: PipelineGraph): void {
    this.layout = layout;
    this.nodes.clear();
    const edges = layout.edges.map((edge) =>
      svg('path', {
        class: 'sx-edge',
        d: edgePath(edge.points),
        'marker-end': 'url(#sx-arrow)',
        'data-edge': edge.id,
      }),
    );
    const byStep = new Map(graph.nodes.map((n) => [n.step, n]));
    const nodes = layout.nodes.map((box) => this.drawNode(box));
    this.viewport.replaceChildren(...edges, ...nodes);
    this.update(graph);
    for (const step of byStep.keys())
      this.nodes.get(step)?.group.classList.toggle('sx-selected', step === this.selected);
    this.fit();
  }

  private drawNode(box: NodeBox): SVGGElement {
    const group = svg('g', {
      class: 'sx-node',
      transform: `translate(${box.x},${box.y})`,
      tabindex: 0,
      role: 'button',
      'data-step': box.step,
    });
    const title = svg('title');
    const rect = svg('rect', {
      class: 'sx-box',
      width: box.width,
      height: box.height,
      rx: 8,
      ry: 8,
    });
    const bar = svg('rect', { class: 'sx-bar', x: 0, y: 0, width: 6, height: box.height, rx: 3 });
    const name = svg('text', { class: 'sx-name', x: 16, y: 20 });
    name.textContent = box.step;
    const icon = svg('text', { class: 'sx-icon sx-status', x: 16, y: 38 });
    const status = svg('text', { class: 'sx-status sx-status-label', x: 32, y: 38 });
    const duration = svg('text', {
      class: 'sx-duration',
      x: box.width - 10,
      y: 38,
      'text-anchor': 'end',
    });
    group.append(title, rect, bar, name, icon, status, duration);
    const select = (): void => this.onSelect(box.step);
    group.addEventListener('click', select);
    group.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        select();
      }
    });
    this.nodes.set(box.step, { group, icon, status, duration, title });
    return group;
  }

  /** Repaints every node's status from `graph` without laying it out again. */
  update(graph: PipelineGraph): void {
    for (const node of graph.nodes) this.paint(node);
  }

  private paint(node: PipelineGraphNode): void {
    const drawn = this.nodes.get(node.step);
    if (!drawn) return;
    const style = statusStyle(node.status);
    const { group } = drawn;
    group.setAttribute('style', `--sx-status-color: var(${style.colorVar})`);
    group.setAttribute('data-status', node.status);
    for (const cls of [...group.classList])
      if (cls.startsWith('sx-status-')) group.classList.remove(cls);
    group.classList.toggle('sx-running', style.active);
    const duration = node.durationMs === undefined ? '' : formatDuration(node.durationMs);
    drawn.icon.textContent = style.icon;
    drawn.status.textContent = style.label;
    drawn.duration.textContent = duration;
    drawn.title.textContent = `${node.step}: ${style.label}${duration ? ` (${duration})` : ''}\n${node.run}`;
    group.setAttribute(
      'aria-label',
      `Step ${node.step}: ${style.label}${duration ? `, ${duration}` : ''}`,
    );
  }

  /** Marks `step` as selected (undefined: none). */
  select(step: string | undefined): void {
    this.selected = step;
    for (const [name, drawn] of this.nodes)
      drawn.group.classList.toggle('sx-selected', name === step);
  }

  /** Moves keyboard focus to a step's node. */
  focus(step: string): void {
    this.nodes.get(step)?.group.focus();
  }
}
