import { LabIcon } from '@jupyterlab/ui-components';

const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16" height="16">
<g class="jp-icon3" fill="none" stroke="#616161" stroke-width="1.8" stroke-linecap="round">
<path d="M4 18 A 12 12 0 0 1 20 18"/><path d="M12 4 L5 18"/><path d="M12 4 L19 18"/>
<circle cx="12" cy="4" r="1.6" fill="#616161"/></g></svg>`;

/** Sextant's icon: the arc and arms of a sextant. */
export const sextantIcon = new LabIcon({ name: 'sextant:logo', svgstr: LOGO });
