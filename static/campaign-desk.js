// The Content-Security-Policy (web/__init__.py CSP) forbids inline event handlers. Our own
// templates use data-confirm / data-print instead; Flask-Admin 2.2's templates still carry a few
// onclick="..." forms, which admin/__init__.py renames to data-onclick when it loads them and
// which are served here by what they name. tests/web/test_security.py checks that every
// data-onclick on the admin pages is one of these.
(function () {
  var ADMIN_HANDLERS = [
    [/^return faHelpers\.safeConfirm\('((?:[^'\\]|\\.)*)'\);?$/, function (el, m, event) {
      if (!window.confirm(m[1].replace(/\\(.)/g, '$1'))) { event.preventDefault(); }
    }],
    [/^return modelActions\.execute\('([\w-]+)'\);?$/, function (el, m, event) {
      event.preventDefault();
      window.modelActions.execute(m[1]);
    }],
    [/^faForm\.addInlineField\(this, '([\w-]+)'\);?$/, function (el, m, event) {
      event.preventDefault();
      window.faForm.addInlineField(el, m[1]);
    }],
    [/^return false;?$/, function (el, m, event) { event.preventDefault(); }],
  ];

  document.addEventListener('click', function (event) {
    var el = event.target.closest('[data-confirm], [data-print], [data-onclick]');
    if (!el) { return; }
    if (el.hasAttribute('data-confirm')) {
      if (!window.confirm(el.getAttribute('data-confirm'))) { event.preventDefault(); }
      return;
    }
    if (el.hasAttribute('data-print')) { window.print(); return; }
    var code = el.getAttribute('data-onclick').trim();
    for (var i = 0; i < ADMIN_HANDLERS.length; i++) {
      var m = code.match(ADMIN_HANDLERS[i][0]);
      if (m) { ADMIN_HANDLERS[i][1](el, m, event); return; }
    }
  });
})();
