/// The stylesheet and the script, embedded in the binary: a clinic may have no internet, and the CSP allows nothing
/// from elsewhere (and no inline script or style).
enum Assets {
    static let stylesheet = """
        body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; margin: 0; padding: 0 1rem 1rem; background: #f5f5f5; color: #222; }
        nav { display: flex; flex-wrap: wrap; align-items: center; gap: 0.8rem; padding: 0.6rem 0; border-bottom: 1px solid #ddd; margin-bottom: 1rem; }
        nav a { color: #1a4d8f; text-decoration: none; font-weight: bold; } nav a.here { border-bottom: 3px solid #1a4d8f; }
        nav .person { margin-left: auto; color: #555; } nav .lang { font-weight: normal; }
        form.inline { display: inline; } button { font-size: 1rem; padding: 0.3rem 0.8rem; }
        h1 { font-size: 1.4rem; margin: 0 0 1rem 0; } h1 small, h2 small { font-weight: normal; color: #666; font-size: 0.8em; }
        .problems, .notice, .problem { background: #fdecea; border-left: 4px solid #c9302c; padding: 0.5rem 1rem; margin-bottom: 1rem; }
        .problems h2 { font-size: 1rem; margin: 0.2rem 0; }
        .fridges { display: grid; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); gap: 1rem; }
        .tile { background: #fff; border-radius: 8px; padding: 1rem; border-top: 8px solid #999; box-shadow: 0 1px 3px rgba(0,0,0,0.15); }
        .tile h2 { font-size: 1.1rem; margin: 0; }
        .tile .temp { font-size: 2.4rem; margin: 0.3rem 0; font-weight: bold; }
        .tile .state { margin: 0; font-weight: bold; } .tile .at { margin: 0.2rem 0; color: #666; font-size: 0.85rem; }
        .tile .alarm a { color: #c9302c; font-weight: bold; }
        .tile.ok { border-top-color: #2e8540; } .tile.warning { border-top-color: #ec971f; }
        .tile.excursion { border-top-color: #c9302c; background: #fdecea; } .tile.no-data, .tile.stale, .tile.unknown { border-top-color: #777; background: #eee; }
        .login { max-width: 22rem; margin: 3rem auto; background: #fff; padding: 1.5rem; border-radius: 8px; }
        .login label, .ack label { display: block; margin: 0.6rem 0; } .login input { width: 100%; font-size: 1.1rem; box-sizing: border-box; }
        .alarm-row { background: #fff; border-left: 6px solid #c9302c; padding: 0.6rem 1rem; margin-bottom: 0.8rem; }
        .alarm-row h3 { margin: 0; font-size: 1.05rem; } .ack input { width: 100%; max-width: 30rem; font-size: 1rem; }
        table { border-collapse: collapse; background: #fff; width: 100%; font-size: 0.9rem; } th, td { border: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: left; }
        .recent-alarms { overflow-x: auto; }
        .desk .verdict { border-radius: 12px; padding: 2rem 1rem; text-align: center; min-height: 60vh; color: #fff; }
        .verdict.accepted { background: #2e8540; } .verdict.refused { background: #c9302c; } .verdict.waiting { background: #777; }
        .verdict .big { font-size: 3.2rem; font-weight: bold; margin: 0.5rem 0; } .verdict .product { font-size: 2rem; margin: 0.5rem 0; }
        .verdict .facts, .verdict .exposure { font-size: 1.4rem; margin: 0.4rem 0; } .verdict .at { opacity: 0.85; }
        .desk-head { color: #555; }
        .spark { display: block; width: 100%; height: 44px; margin-top: 0.3rem; } .spark .band { fill: #e3f1e6; } .spark .line { fill: none; stroke: #1f5fa8; stroke-width: 1.5; }
        .tile h2 a { color: inherit; text-decoration: none; } .chart svg { width: 100%; height: auto; background: #fff; }
        .ranges a, .ranges strong { margin-right: 0.6rem; } tr.bad td { background: #fdecea; } tr.soon td { background: #fff4e0; }
        footer { margin-top: 1rem; color: #888; font-size: 0.8rem; } .link.down { color: #c9302c; } .link.up { color: #2e8540; }
        @media print { nav, footer { display: none; } }
        """

    /// Live updates: the page listens to /events (Server-Sent Events from the daemon's watch stream) and fetches
    /// the parts it shows again (server-rendered and escaped, as the page). The desk page also plays the verdict.
    static let script = #"""
        "use strict";
        (function () {
          var live = Array.prototype.slice.call(document.querySelectorAll("[data-live]"));
          var desk = document.getElementById("desk");
          var link = document.getElementById("link");
          var soundOn = false;
          var button = document.getElementById("sound");
          // Browsers play sound only after a person touched the page: the desk's screen is switched on once a day.
          if (button) button.addEventListener("click", function () { soundOn = true; button.disabled = true; button.textContent = button.getAttribute("data-on"); });
          if (!live.length || !window.EventSource) return;
          function refresh(el, after) {
            fetch(el.getAttribute("data-live"), { credentials: "same-origin", cache: "no-store" }).then(function (r) {
              if (r.status === 401) { location.href = "/login"; return null; }
              return r.ok ? r.text() : null;
            }).then(function (html) {
              if (typeof html === "string") { el.innerHTML = html; if (after) after(); }
            }).catch(function () {});
          }
          var pending = null;
          function refreshAll() { pending = null; live.forEach(function (el) { refresh(el); }); }
          function play(key) {
            if (!/^[a-z-]+$/.test(key)) return;
            var url = "/speech/" + key + ".wav";
            // Fetched first (then played from the browser's cache): the page knows the sound came.
            fetch(url, { credentials: "same-origin" }).then(function (r) {
              if (!r.ok) return;
              document.body.setAttribute("data-sound", key);
              if (soundOn) new Audio(url).play().catch(function () {});
            }).catch(function () {});
          }
          var source = new EventSource("/events");
          source.onopen = function () { if (link) link.className = "link up"; refreshAll(); };
          source.onerror = function () { if (link) link.className = "link down"; };
          source.onmessage = function (m) {
            var e;
            try { e = JSON.parse(m.data); } catch (x) { return; }
            if (desk) {
              if (e.type === "scan" && e.scanner === desk.getAttribute("data-scanner")) {
                refresh(document.getElementById("verdict"), function () { if (typeof e.sound === "string") play(e.sound); });
              }
              return;
            }
            if (!pending) pending = setTimeout(refreshAll, 300);
          };
        })();
        """#
}
