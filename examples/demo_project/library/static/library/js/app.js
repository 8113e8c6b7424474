// Marks the links to files so that a visitor can tell which bucket serves them.
document.querySelectorAll("li a").forEach((link) => {
  link.title = new URL(link.href).pathname.split("/")[1];
});
//# sourceMappingURL=app.js.map
