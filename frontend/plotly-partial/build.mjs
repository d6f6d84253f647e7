// Builds ../../assets/plotly/plotly-partial.min.js from index.js (see README.md).
// The options follow plotly.js's own esbuild-config.js, minus the plugins its WebGL and
// map traces need (none of them is in this bundle).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

const plotly = JSON.parse(readFileSync('node_modules/plotly.js/package.json', 'utf8'));
const out = new URL('../../assets/plotly/plotly-partial.min.js', import.meta.url).pathname;

// plotly.js fetches the map's topojson again each time the map is drawn before the first
// request has answered (Geo.plot: `this.topojson === null`), and Dash draws the map more
// than once while the page loads: Chromium downloaded world_50m.json (610 KB compressed)
// twice on 4 of 10 first loads with the full bundle, 6 of 10 with this one unpatched,
// 0 of 10 patched. One request per file instead; a failed one may be retried.
const FETCH = 'geoPromises.push(_this.fetchTopojson());';
const FETCH_ONCE = `
var topojsonRequests = {};
function fetchTopojsonOnce(geo) {
    var path = topojsonUtils.getTopojsonPath(geo.topojsonURL, geo.topojsonName);
    if (!topojsonRequests[path]) {
        topojsonRequests[path] = geo.fetchTopojson().catch(function (err) {
            delete topojsonRequests[path];
            throw err;
        });
    }
    return topojsonRequests[path];
}
`;
const topojsonOnce = {
    name: 'topojson-once',
    setup(esbuild) {
        esbuild.onLoad({ filter: /[\\/]src[\\/]plots[\\/]geo[\\/]geo\.js$/ }, async (args) => {
            const source = await readFile(args.path, 'utf8');
            if (source.split(FETCH).length !== 2) {
                throw new Error(`${args.path}: "${FETCH}" not found once; check the patch`);
            }
            return {
                contents: source.replace(FETCH, 'geoPromises.push(fetchTopojsonOnce(_this));') +
                          FETCH_ONCE,
                loader: 'js',
            };
        });
    },
};

await build({
    entryPoints: ['index.js'],
    outfile: out,
    format: 'iife',
    globalName: 'Plotly', // a classic script: defines window.Plotly, which dcc.Graph uses
    bundle: true,
    minify: true,
    legalComments: 'none',
    banner: { js: `/* plotly.js v${plotly.version} partial bundle: choropleth, bar, scatter, ` +
                  `sankey, indicator; topojson fetched once. MIT licence, (c) Plotly, Inc. ` +
                  `Built by frontend/plotly-partial. */` },
    // registry.js requires maplibre-gl's CSS for "map" subplots, which are not registered.
    loader: { '.css': 'empty' },
    define: { global: 'window', 'define.amd': 'false' },
    plugins: [topojsonOnce],
    target: 'es2016',
    logLevel: 'info',
});
