/**
 * Entry of the views inside a VS Code webview: picks the view named by `<body data-view>` and
 * mounts it over the postMessage bridge.
 */
import { reportErrors, vsCodeBridge, type VsCodeApi } from '../bridge';
import { mountCompare } from '../views/compare';
import { mountDeployment } from '../views/deployment';
import { mountModelCompare } from '../views/modelCompare';
import { mountModelVersion } from '../views/modelVersion';
import { mountMonitoring } from '../views/monitoring';
import { mountOnlineExperiment } from '../views/onlineExperiment';
import { mountPipeline } from '../views/pipeline';
import { mountRun } from '../views/run';
import { mountRunsTable } from '../views/runsTable';
import { mountTimeline } from '../views/timeline';

declare function acquireVsCodeApi(): VsCodeApi;

const bridge = vsCodeBridge(acquireVsCodeApi(), window);
reportErrors(bridge, window);
const root = document.getElementById('root')!;
const view = document.body.dataset['view'];
if (view === 'compare') mountCompare(root, bridge);
else if (view === 'run') mountRun(root, bridge);
else if (view === 'pipeline') mountPipeline(root, bridge);
else if (view === 'modelVersion') mountModelVersion(root, bridge);
else if (view === 'modelCompare') mountModelCompare(root, bridge);
else if (view === 'runsTable') mountRunsTable(root, bridge);
else if (view === 'deployment') mountDeployment(root, bridge);
else if (view === 'timeline') mountTimeline(root, bridge);
else if (view === 'monitoring') mountMonitoring(root, bridge);
else if (view === 'onlineExperiment') mountOnlineExperiment(root, bridge);
else root.textContent = `Unknown Sextant view: ${String(view)}`;
