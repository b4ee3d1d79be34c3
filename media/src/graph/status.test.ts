import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRunActive, statusStyle, STEP_STATUSES } from './status';
import { VSCODE_THEME, JUPYTERLAB_THEME } from './theme';

test('every status has its own word, glyph and a colour both hosts define', () => {
  const labels = new Set(STEP_STATUSES.map((s) => statusStyle(s).label));
  const icons = new Set(STEP_STATUSES.map((s) => statusStyle(s).icon));
  assert.equal(labels.size, STEP_STATUSES.length);
  assert.equal(icons.size, STEP_STATUSES.length);
  for (const status of STEP_STATUSES) {
    const { colorVar } = statusStyle(status);
    assert.ok(VSCODE_THEME[colorVar], `VS Code maps ${colorVar}`);
    assert.ok(JUPYTERLAB_THEME[colorVar], `JupyterLab maps ${colorVar}`);
  }
  assert.deepEqual(Object.keys(VSCODE_THEME).sort(), Object.keys(JUPYTERLAB_THEME).sort());
});

test('only running steps animate; an unknown status shows its own word', () => {
  assert.equal(statusStyle('running').active, true);
  assert.equal(statusStyle('done').active, false);
  assert.equal(statusStyle('paused').label, 'paused');
  assert.equal(isRunActive('running'), true);
  assert.equal(isRunActive('done'), false);
  assert.equal(isRunActive(undefined), false);
});
