// plotly.js with only the trace types the dashboard draws (dashboard/figures/*.py:
// go.Choropleth, go.Bar, go.Scatter, go.Sankey, go.Indicator). The documented way to build
// a partial bundle: core plus the chosen trace modules. A figure with any other trace type
// shows an empty plot and a console warning, and tests/browser/test_first_page.py fails.
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/choropleth'),
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/scatter'),
    require('plotly.js/lib/sankey'),
    require('plotly.js/lib/indicator'),
]);

module.exports = Plotly;
