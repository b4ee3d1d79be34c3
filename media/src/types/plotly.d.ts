/** The part of plotly.js-dist-min's API that the views use (SVG traces only: no WebGL, no eval). */
declare module 'plotly.js-dist-min' {
  export type Datum = number | string | null;
  export interface Trace {
    type: 'scatter';
    mode?: 'lines' | 'markers' | 'lines+markers';
    name?: string;
    x: Datum[];
    y: Datum[];
    line?: { color?: string; width?: number; dash?: string; shape?: 'linear' | 'hv' };
    marker?: { color?: string; size?: number; opacity?: number };
    hovertemplate?: string;
    showlegend?: boolean;
    legendgroup?: string;
    opacity?: number;
    /** Asymmetric horizontal error bars (intervals). */
    error_x?: {
      type: 'data';
      symmetric?: boolean;
      array: number[];
      arrayminus?: number[];
      color?: string;
      thickness?: number;
      width?: number;
    };
    customdata?: Datum[];
    /** Stacks the traces of one group (stacked areas). */
    stackgroup?: string;
    hoverinfo?: 'skip' | 'none';
  }
  /** Horizontal or vertical bars (feature importance). */
  export interface BarTrace {
    type: 'bar';
    orientation?: 'h' | 'v';
    name?: string;
    x: Datum[];
    y: Datum[];
    marker?: {
      color?: string | string[];
      line?: { color?: string; width?: number | number[] };
    };
    error_x?: { type: 'data'; array: number[]; visible: boolean; color?: string };
    hovertemplate?: string;
    showlegend?: boolean;
  }
  export type Layout = Record<string, unknown>;
  export type Config = Record<string, unknown>;
  export function react(
    root: HTMLElement,
    data: (Trace | BarTrace)[],
    layout?: Layout,
    config?: Config,
  ): Promise<unknown>;
  export function purge(root: HTMLElement): void;
  export const Plots: { resize(root: HTMLElement): void };
}
