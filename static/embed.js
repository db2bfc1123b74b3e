// Portico's guest pages inside an embedding app's frame (served as /g/assets/embed.js, only on
// framed pages). It tells the embedding app how the flow ended, the way @kombo-api/connect
// listens for it: {type: "success", data: {activation_token}} once the connection is stored,
// {type: "close"} when the guest cancels. Messages go only to the account's embed origins
// (the page lists them in data-embed-origins), never to "*": the parent's origin when the
// browser names it (location.ancestorOrigins) and it is listed, else each listed origin, of
// which postMessage delivers only to the one the parent really has.
(function () {
  "use strict";
  var body = document.body;
  if (window.parent === window || !body) return;
  var listed = (body.getAttribute("data-embed-origins") || "").split(" ").filter(Boolean);

  function targets() {
    var ancestors = window.location.ancestorOrigins;
    if (ancestors && ancestors.length > 0) {
      return listed.indexOf(ancestors[0]) >= 0 ? [ancestors[0]] : [];
    }
    return listed;
  }

  function post(message) {
    targets().forEach(function (origin) {
      window.parent.postMessage(message, origin);
    });
  }

  var token = body.getAttribute("data-activation-token");
  if (token) {
    post({ type: "success", data: { activation_token: token } });
  }

  var cancel = document.getElementById("portico-cancel");
  if (cancel) {
    cancel.hidden = false;
    cancel.addEventListener("click", function () {
      post({ type: "close" });
    });
  }
})();
