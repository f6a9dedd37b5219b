// Starts Swagger UI on the API documentation page (templates/api/docs.html).
// The spec URL comes from a data attribute, because the CSP allows no inline script.
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui");
  if (!container || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.ui = window.SwaggerUIBundle({
    url: container.getAttribute("data-spec-url"),
    domNode: container,
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // Never send the session cookie with "Try it out": the API takes bearer tokens only.
    requestInterceptor: function (request) {
      request.credentials = "omit";
      return request;
    },
    persistAuthorization: false,
    tryItOutEnabled: false,
    validatorUrl: null
  });
})();
