/* How wide the figures are drawn: "narrow" on a phone, where a chart is about 360 px wide
   and its caption lines, legend and labels are laid out for that; else "wide". The width
   is style.css's phone breakpoint (max-width: 820px). Read once when the page opens: a
   figure redrawn on every resize would cost a server round trip. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  viewport: {
    fit: function () {
      return window.matchMedia("(max-width: 820px)").matches ? "narrow" : "wide";
    }
  }
});
