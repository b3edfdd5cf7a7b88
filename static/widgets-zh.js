/* Chinese for the page's widgets, and dates that can be typed.
 *
 * Dates on every screen and list filter: a Chinese calendar picker, and typing that is left alone.
 * Flask-Admin's pickers (daterangepicker 1.3) re-format the field on every key press, so typing
 * "2014-01-27" key by key becomes "0002-01-01014-01-27", and their labels are English.  Here the
 * calendar speaks Chinese (moment's locale), key presses are not touched, and what was typed —
 * 2014-01-27, 2014/1/27, 20140127, 2014年1月27日, with an optional 9:30 — is tidied when the field
 * is left.  The server reads the same forms (forms/dates.py), so nothing depends on this script.
 */
(function ($, moment) {
  'use strict';

  moment.locale('zh-cn', {
    months: '一月_二月_三月_四月_五月_六月_七月_八月_九月_十月_十一月_十二月'.split('_'),
    monthsShort: '1月_2月_3月_4月_5月_6月_7月_8月_9月_10月_11月_12月'.split('_'),
    weekdays: '星期日_星期一_星期二_星期三_星期四_星期五_星期六'.split('_'),
    weekdaysShort: '周日_周一_周二_周三_周四_周五_周六'.split('_'),
    weekdaysMin: '日_一_二_三_四_五_六'.split('_'),
    week: {dow: 1, doy: 4}
  });

  var LABELS = {applyLabel: '确定', cancelLabel: '取消', fromLabel: '从', toLabel: '到',
                weekLabel: '周', customRangeLabel: '自定义'};
  var RANGE = ' to ';  // Flask-Admin's separator for "between" filters, read by the server

  function pad(n) { return (n.length === 1 ? '0' : '') + n; }

  function tidyDate(text) {
    var t = text.trim().replace(/日$/, '').replace(/[年月./]/g, '-');
    var m = t.match(/^(\d{4})-(\d{1,2})-(\d{1,2})$/) || t.match(/^(\d{4})(\d{2})(\d{2})$/);
    if (!m) { return null; }
    var value = m[1] + '-' + pad(m[2]) + '-' + pad(m[3]);
    return moment(value, 'YYYY-MM-DD', true).isValid() ? value : null;
  }

  function tidyDateTime(text) {
    var t = text.trim().replace(/\s+/g, ' ').replace('T', ' ');
    if (/^\d{12}$/.test(t)) { t = t.slice(0, 8) + ' ' + t.slice(8); }
    var parts = t.split(' ');
    var day = tidyDate(parts[0]);
    if (!day || parts.length > 2) { return null; }
    if (parts.length === 1) { return day + ' 00:00'; }
    var clock = parts[1].replace(/[时点]/, ':').replace(/分$/, '');
    var m = clock.match(/^(\d{1,2}):(\d{2})(?::\d{2})?$/) || clock.match(/^(\d{2})(\d{2})$/);
    if (!m || +m[1] > 23 || +m[2] > 59) { return null; }
    return day + ' ' + pad(m[1]) + ':' + m[2];
  }

  // What a date field holds: a form's field says it in data-role; a list filter's input has only
  // the date format Flask-Admin's filters.js gives it, and its picker (one day, or a range).
  function roleOf(input) {
    var role = input.getAttribute('data-role');
    if (role) { return role; }
    var picker = $(input).data('daterangepicker');
    var kind = input.getAttribute('data-date-format').indexOf('HH') > 0 ? 'datetime' : 'date';
    return kind + (picker && !picker.singleDatePicker ? 'rangepicker' : 'picker');
  }

  function tidy(input) {
    var role = roleOf(input);
    var one = role.indexOf('datetime') === 0 ? tidyDateTime : tidyDate;
    var sides = input.value.split(RANGE);
    if (!input.value.trim() || (sides.length > 1 && role.indexOf('range') < 0)) { return; }
    var tidied = sides.map(one);
    if (tidied.indexOf(null) >= 0) { return; }  // left as typed: the server answers in Chinese
    if (input.value !== tidied.join(RANGE)) {
      input.value = tidied.join(RANGE);
      var picker = $(input).data('daterangepicker');
      if (picker) { picker.updateFromControl(); }
    }
  }

  // form.js announces itself after daterangepicker.js has loaded and before any picker is made.
  $(document).on('adminFormReady', function () {
    var original = $.fn.daterangepicker;
    $.fn.daterangepicker = function (options, callback) {
      var result = original.call(this, $.extend(true, {locale: LABELS}, options), callback);
      this.off('keyup.daterangepicker');
      return result;
    };
  });

  // Select2 3.5 (relation and choice fields) says "No matches found" unless told otherwise.
  if ($.fn.select2) {
    $.extend($.fn.select2.defaults, {
      formatNoMatches: function () { return '没有找到匹配项'; },
      formatInputTooShort: function (input, min) { return '请再输入 ' + (min - input.length) + ' 个字'; },
      formatInputTooLong: function (input, max) { return '请删掉 ' + (input.length - max) + ' 个字'; },
      formatSelectionTooBig: function (limit) { return '最多只能选择 ' + limit + ' 项'; },
      formatLoadMore: function () { return '正在加载更多…'; },
      formatSearching: function () { return '正在搜索…'; },
      formatAjaxError: function () { return '加载失败，请重试'; }
    });
  }

  $(document).on('change focusout', 'input[data-role$="picker"], input.filter-val[data-date-format^="YYYY"]',
                 function () { tidy(this); });

  $(function () {
    // The server checks every field and says what is wrong in Chinese; the browser's own
    // "Please fill out this field." bubbles are in the browser's language.
    $('form').attr('novalidate', 'novalidate');
  });

  window.cnDates = {tidyDate: tidyDate, tidyDateTime: tidyDateTime};
}(window.jQuery, window.moment));
