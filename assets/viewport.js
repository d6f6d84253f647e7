/* Which view the charts are to show, and how wide they are drawn: "narrow" on a phone,
   where a chart is about 360 px wide and its caption lines, legend and labels are laid out
   for that; else "wide". The width is style.css's phone breakpoint (max-width: 820px),
   read when the view or the data changes: a figure redrawn on every resize would cost a
   server round trip.
   The render callbacks listen to this store alone (through each built tab's copy of it:
   dashboard/web/tab_callbacks.py). Its value is
   {fit, search, token}; when it already holds that (the first layout drew this view:
   dashboard/web/first_view.py), it is left as is and no render callback runs: a graph
   waits to draw while a callback for it is pending.
   The width also goes into a cookie as this script runs, before Dash asks for the layout,
   so the layout draws at this width. */
(function () {
  var FIT_COOKIE = "viewport-fit";  // first_view.FIT_COOKIE
  var fitNow = function () {
    return window.matchMedia("(max-width: 820px)").matches ? "narrow" : "wide";
  };
  document.cookie = FIT_COOKIE + "=" + fitNow() + "; SameSite=Strict";
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    viewport: {
      fit: function (search, token, current) {
        var next = {fit: fitNow(), search: search || "", token: token || null};
        var same = current && typeof current === "object" && current.fit === next.fit &&
          (current.search || "") === next.search && (current.token || null) === next.token;
        return same ? window.dash_clientside.no_update : next;
      }
    }
  });
})();
