/*
 * A small stand-in for the BX24 JS SDK (//api.bitrix24.com/api/v1/) served by the emulated cloud.
 *
 * In a real portal the app runs in an iframe and BX24 talks to the parent frame by postMessage.
 * Here there is no parent: the page's URL carries APP_SID (the portal puts it in the query,
 * EN:settings/oauth/simple-way.md), and this script asks the cloud that served it for that
 * frame's auth (`/bx24/session`), posts installFinish to `/bx24/install-finish`
 * (EN:sdk/bx24-js-sdk/system-functions/bx24-install-finish.md) and sends callMethod straight to the
 * portal's REST with the frame's AUTH_ID. resizeWindow/fitWindow have no frame to resize and only
 * record the request in BX24.calls.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var origin = script ? new URL(script.src).origin : "";
  var sid = new URLSearchParams(window.location.search).get("APP_SID") || "";
  var session = null;
  var waiting = [];

  function post(url, params) {
    return fetch(url, {
      method: "POST",
      headers: {"Content-Type": "application/x-www-form-urlencoded"},
      body: new URLSearchParams(params).toString()
    }).then(function (r) { return r.json(); });
  }

  function flatten(value, prefix, out) {
    if (value !== null && typeof value === "object") {
      Object.keys(value).forEach(function (k) {
        flatten(value[k], prefix ? prefix + "[" + k + "]" : k, out);
      });
    } else if (value !== undefined && value !== null) {
      out.push([prefix, value === true ? "1" : value === false ? "0" : String(value)]);
    }
    return out;
  }

  function Result(body) {
    this.answer = body;
    this.data = function () { return body.result; };
    this.error = function () { return body.error ? body.error + ": " + body.error_description : null; };
    this.total = function () { return body.total; };
    this.more = function () { return body.next !== undefined; };
  }

  fetch(origin + "/bx24/session?APP_SID=" + encodeURIComponent(sid))
    .then(function (r) { return r.json(); })
    .then(function (body) {
      session = body.error ? null : body;
      waiting.splice(0).forEach(function (cb) { cb(); });
    });

  window.BX24 = {
    calls: [],
    init: function (callback) {
      if (session !== null) { callback(); } else { waiting.push(callback); }
    },
    getAuth: function () {
      if (!session) { return false; }
      return {access_token: session.AUTH_ID, refresh_token: session.REFRESH_ID,
              expires_in: session.AUTH_EXPIRES, domain: session.DOMAIN,
              member_id: session.member_id};
    },
    installFinish: function () {
      BX24.calls.push(["installFinish"]);
      return post(origin + "/bx24/install-finish", {APP_SID: sid});
    },
    callMethod: function (method, params, callback) {
      var pairs = flatten(params || {}, "", []);
      pairs.push(["auth", session ? session.AUTH_ID : ""]);
      return post(session.client_endpoint + method + ".json", pairs).then(function (body) {
        var result = new Result(body);
        if (callback) { callback(result); }
        return result;
      });
    },
    resizeWindow: function (width, height, callback) {
      BX24.calls.push(["resizeWindow", width, height]);
      if (callback) { callback({width: width, height: height}); }
    },
    fitWindow: function (callback) {
      BX24.calls.push(["fitWindow"]);
      if (callback) { callback(); }
    },
    placement: {
      info: function () {
        return session ? {placement: session.PLACEMENT, options: session.PLACEMENT_OPTIONS} : {};
      }
    }
  };
})();
