// Merged into @jupyterlab/builder's webpack config (package.json `jupyterlab.webpackConfig`).
// Two large third-party bundles took most of the `build:lab` time in Terser: plotly.js-dist-min
// (4.6 MB, published minified) and elkjs's elk.bundled.js (1.6 MB of GWT-compiled code, which
// Terser shrank by only 9% in 50 s). Each goes into a chunk of its own, `plotly.<hash>.js` and
// `elk.<hash>.js`, that Terser skips (the labextension grows by about 0.4 MB); the extension's
// own code is minified as webpack does by default (two compress passes). The size hints are off:
// those two chunks are large by nature.
const TerserPlugin = require('terser-webpack-plugin');

/** A chunk holding one package of node_modules, named after it. */
const ownChunk = (name, folder) => ({
  test: new RegExp(`[\\\\/]node_modules[\\\\/]${folder}[\\\\/]`),
  name,
  chunks: 'all',
  enforce: true,
});

module.exports = {
  optimization: {
    splitChunks: {
      cacheGroups: {
        plotly: ownChunk('plotly', 'plotly\\.js-dist-min'),
        elk: ownChunk('elk', 'elkjs'),
      },
    },
    minimizer: [
      new TerserPlugin({
        exclude: /^(plotly|elk)\./,
        terserOptions: { compress: { passes: 2 } },
      }),
    ],
  },
  performance: { hints: false },
};
