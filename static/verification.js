// Phone-bank shortcuts: keys 1-4 press the outcome buttons of the first call card; 复制 copies the mobile.
document.addEventListener("keydown", function (event) {
  var target = event.target;
  if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) return;
  var form = document.querySelector("form.js-outcome");
  if (!form) return;
  var button = form.querySelector('button[data-key="' + event.key + '"]');
  if (button) { event.preventDefault(); button.click(); }
});
document.addEventListener("click", function (event) {
  var button = event.target.closest(".js-copy");
  if (!button || !navigator.clipboard) return;
  navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
    button.textContent = "已复制";
  });
});
