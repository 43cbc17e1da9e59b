// Progressive enhancement: keep SLA countdowns current without reloading. The page is complete
// without this script; it only refreshes the text the server already rendered.
(function () {
  function phrase(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000);
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
    var text = days ? days + "d " + hours + "h" : hours ? hours + "h " + mins + "m" : mins ? mins + "m" : "<1m";
    return ms < 0 ? "overdue by " + text : "due in " + text;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      var ms = Date.parse(el.getAttribute("datetime")) - now;
      el.textContent = phrase(ms);
      el.classList.toggle("badge-overdue", ms < 0);
      el.classList.toggle("badge-soon", ms >= 0 && ms < 86400000);
      el.classList.toggle("badge-ok", ms >= 86400000);
    });
  }
  tick();
  setInterval(tick, 30000);
})();
