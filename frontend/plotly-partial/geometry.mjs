// Writes ../../assets/topojson/world_50m.json: plotly.js's own 50m world geometry
// (dist/plotly-geo-assets.js of the pinned plotly.js) with only the layers the map draws.
//
// The map (dashboard/figures/choropleth.py) shows countries and land; coastlines and ocean
// are kept, whole, so turning them on still works. Lakes, rivers and subunits (US states and
// Canadian provinces, drawn only with scope "usa" or "north america") are emptied, not
// removed, so turning one on draws nothing rather than failing. They held half of the arcs:
// 1,692 KB -> about 870 KB, 610 -> about 310 KB compressed. Every kept geometry keeps its
// exact arcs (checked below). world_110m.json stays the unchanged original.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const KEEP = ['countries', 'land', 'coastlines', 'ocean'];
const out = new URL('../../assets/topojson/world_50m.json', import.meta.url).pathname;

globalThis.window = globalThis; // the bundle ends with `window.Plotly = Plotly`
const world = require('plotly.js/dist/plotly-geo-assets.js').topojson.world_50m;

function arcIndices(arcs, found) {
    if (typeof arcs === 'number') found.add(arcs < 0 ? ~arcs : arcs);
    else for (const part of arcs) arcIndices(part, found);
    return found;
}

function remap(arcs, index) {
    if (typeof arcs === 'number') return arcs < 0 ? ~index.get(~arcs) : index.get(arcs);
    return arcs.map((part) => remap(part, index));
}

// The coordinates behind each geometry, to check that pruning changed none of them.
function resolved(topology, name) {
    return JSON.stringify(topology.objects[name].geometries.map((g) =>
        g.arcs && remap(g.arcs, { get: (i) => topology.arcs[i] })));
}

const used = new Set();
for (const name of KEEP) {
    for (const geometry of world.objects[name].geometries) {
        if (geometry.arcs) arcIndices(geometry.arcs, used);
    }
}
const order = [...used].sort((a, b) => a - b);
const index = new Map(order.map((old, i) => [old, i]));
const objects = {};
for (const [name, object] of Object.entries(world.objects)) {
    objects[name] = KEEP.includes(name)
        ? { ...object, geometries: object.geometries.map((g) =>
            g.arcs ? { ...g, arcs: remap(g.arcs, index) } : g) }
        : { type: 'GeometryCollection', geometries: [] };
}
const pruned = { ...world, objects, arcs: order.map((i) => world.arcs[i]) };

for (const name of KEEP) {
    if (resolved(world, name) !== resolved(pruned, name)) {
        throw new Error(`${name}: geometry changed by pruning`);
    }
}
const text = JSON.stringify(pruned);
writeFileSync(out, text);
console.log(`${out}: ${world.arcs.length} -> ${pruned.arcs.length} arcs, ` +
            `${(JSON.stringify(world).length / 1024).toFixed(0)} -> ` +
            `${(text.length / 1024).toFixed(0)} KB`);
