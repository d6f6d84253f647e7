// Builds ../../assets/plotly/plotly-partial.min.js from index.js (see README.md).
// The options follow plotly.js's own esbuild-config.js, minus the plugins its WebGL and
// map traces need (none of them is in this bundle).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const plotly = JSON.parse(readFileSync('node_modules/plotly.js/package.json', 'utf8'));
const out = new URL('../../assets/plotly/plotly-partial.min.js', import.meta.url).pathname;

await build({
    entryPoints: ['index.js'],
    outfile: out,
    format: 'iife',
    globalName: 'Plotly', // a classic script: defines window.Plotly, which dcc.Graph uses
    bundle: true,
    minify: true,
    legalComments: 'none',
    banner: { js: `/* plotly.js v${plotly.version} partial bundle: choropleth, bar, scatter, ` +
                  `sankey, indicator. MIT licence, (c) Plotly, Inc. Built by ` +
                  `frontend/plotly-partial. */` },
    // registry.js requires maplibre-gl's CSS for "map" subplots, which are not registered.
    loader: { '.css': 'empty' },
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2016',
    logLevel: 'info',
});
