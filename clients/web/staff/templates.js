// templates.js - the teams' short reply templates (issue 15), in the family
// app's languages.
//
// In the reply box: "Skabeloner" (at the end of the mode's row) opens a list of the
// templates of the family's team (GET /api/me/templates; every team's when
// the family's team is not known, teams.js), filtered by language ("Alle
// sprog" or one; the choice kept on this computer).  Choosing one puts its
// text in the reply box at the caret (replacing a selection) and closes the
// list; the adviser reads and sends it as any reply.
//
// The view "Skabeloner" (#/templates, from the tools above the caseload):
// the templates of each of the user's teams, with "Ret" and "Slet" (asked in
// place), and a form for a new one (team, title, language, text) that also
// edits (POST /api/teams/{id}/templates, PUT and DELETE /api/templates/{id}).
// Every team member keeps the team's templates (the gateway's rule).

import { h, clear, announce } from '../shared/dom.js';
import { dateTime } from '../shared/format.js';
import { http } from './http.js';
import { myTeams, familyTeam, onTeams } from './teams.js';
import { families } from './families.js';
import { t, lang } from './i18n.js';

const LANG_KEY = 'indgang.staff.template-lang';
export const LANGS = ['da', 'en', 'ar', 'fa', 'tr', 'uk', 'so'];
const RTL = new Set(['ar', 'fa']);

// A template's language by name, in the user's language: "dansk", "Danish".
const LANG_NAMES = {
  da: 'templates.lang_da',
  en: 'templates.lang_en',
  ar: 'templates.lang_ar',
  fa: 'templates.lang_fa',
  tr: 'templates.lang_tr',
  uk: 'templates.lang_uk',
  so: 'templates.lang_so',
};

let store = null;
let live = null;
let humanError = (e) => String((e && e.code) || e);
let list = null; // the templates as last read, or null
let loading = null;

function load() {
  if (!loading) {
    loading = http.templates().then(
      (r) => {
        list = (r && r.templates) || [];
        loading = null;
        return list;
      },
      (e) => {
        loading = null;
        throw e;
      },
    );
  }
  return loading;
}

const langName = (l) => (Object.hasOwn(LANG_NAMES, l) ? t(LANG_NAMES[l]) : l);

function keptLang() {
  try {
    const v = localStorage.getItem(LANG_KEY);
    return v === '' || LANGS.includes(v) ? v : '';
  } catch {
    return '';
  }
}

function keepLang(v) {
  try {
    localStorage.setItem(LANG_KEY, v);
  } catch {
    /* for this visit */
  }
}

// ---- The picker in the reply box -------------------------------------------------------------

const pk = {};

// form: the composer; textarea; before: the element the button goes before
// (the mode hint: the button stands at the end of the mode's row, the list
// opens under it, above the text); convId(): the open conversation.
export function initTemplates({ store: s, liveRegion, errorText, form, textarea, before, convId, main }) {
  store = s;
  live = liveRegion;
  if (errorText) humanError = errorText;
  Object.assign(pk, { form, textarea, convId });
  pk.button = h('button', {
    id: 'tmpl-btn', class: 'btn tmpl-btn', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'tmpl-panel',
    onclick: () => (pk.panel.hidden ? openPicker() : closePicker({ focus: true })),
  }, t('templates.button'));
  form.insertBefore(pk.button, before);
  pk.lang = h('select', { id: 'tmpl-lang', onchange: () => {
    keepLang(pk.lang.value);
    renderPicker();
  } });
  pk.items = h('ul', { class: 'tmpl-items', 'aria-labelledby': 'tmpl-panel-title' });
  pk.status = h('p', { class: 'hint tmpl-status' });
  pk.panel = h('div', {
    id: 'tmpl-panel', class: 'tmpl-panel', role: 'group', 'aria-labelledby': 'tmpl-panel-title', hidden: true,
    onkeydown: (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        closePicker({ focus: true });
      }
    },
  },
  h('div', { class: 'tmpl-head' },
    h('p', { id: 'tmpl-panel-title', class: 'tmpl-title' }, t('templates.panel')),
    h('label', { for: 'tmpl-lang' }, t('templates.lang')), pk.lang,
    h('a', { href: '#/templates', class: 'tmpl-manage' }, t('templates.manage')),
    h('button', { type: 'button', class: 'btn-link', onclick: () => closePicker({ focus: true }) }, t('templates.close'))),
  pk.status, pk.items);
  form.insertBefore(pk.panel, before.nextSibling);
  if (main) initView(main);
}

// The panel keeps the reply box open while shown (composer.js's keepers).
export function pickerPanel() {
  return pk.panel;
}

async function openPicker() {
  pk.panel.hidden = false;
  pk.button.setAttribute('aria-expanded', 'true');
  pk.status.textContent = t('templates.loading');
  clear(pk.items);
  try {
    await load();
  } catch (e) {
    pk.status.textContent = humanError(e);
    return;
  }
  renderPicker();
  (pk.items.querySelector('button') || pk.lang).focus();
}

export function closePicker({ focus = false } = {}) {
  if (!pk.panel || pk.panel.hidden) return;
  pk.panel.hidden = true;
  pk.button.setAttribute('aria-expanded', 'false');
  if (focus) pk.button.focus();
}

// The templates for the open conversation: its family's team's.
function forConv() {
  const conv = store.convs.get(pk.convId());
  const fam = conv && families(store).get(conv.family.id);
  const team = familyTeam(fam);
  return (list || []).filter((tpl) => !team || !tpl.team || tpl.team.id === team.id);
}

function renderPicker() {
  const all = forConv();
  const langs = LANGS.filter((l) => all.some((tpl) => tpl.lang === l));
  const want = keptLang();
  clear(pk.lang);
  pk.lang.append(h('option', { value: '' }, t('templates.all_langs')), ...langs.map((l) => h('option', { value: l }, langName(l))));
  pk.lang.value = langs.includes(want) ? want : '';
  const shown = all.filter((tpl) => !pk.lang.value || tpl.lang === pk.lang.value);
  clear(pk.items);
  pk.status.textContent = !all.length ? t('templates.none_at_all') : !shown.length ? t('templates.none') : '';
  for (const tpl of shown) {
    pk.items.append(h('li', null, h('button', {
      type: 'button', class: 'tmpl-pick', dataset: { id: String(tpl.id) }, onclick: () => insert(tpl),
    },
    h('span', { class: 'tmpl-pick-title' }, tpl.title),
    h('span', { class: 'tmpl-pick-lang' }, ` (${langName(tpl.lang)})`),
    h('span', { class: 'tmpl-pick-body', lang: tpl.lang, dir: 'auto' }, tpl.body))));
  }
}

function insert(tpl) {
  const ta = pk.textarea;
  const start = ta.selectionStart ?? ta.value.length;
  const end = ta.selectionEnd ?? ta.value.length;
  ta.focus();
  ta.setRangeText(tpl.body, start, end, 'end');
  ta.dispatchEvent(new Event('input', { bubbles: true })); // the draft, the counter, "I'm answering"
  closePicker();
  ta.focus();
  announce(live, t('templates.inserted', { title: tpl.title }));
}

// ---- The view: the team's templates ---------------------------------------------------------

const v = {};
let editingId = null;
let askingId = null;

function initView(main) {
  v.section = h('section', { id: 'templates-view', class: 'page-view templates-view', 'aria-labelledby': 'templates-title', hidden: true });
  main.append(v.section);
  onTeams(() => !v.section.hidden && renderView());
}

export function showTemplatesView() {
  v.section.hidden = false;
  editingId = null;
  askingId = null;
  renderView({ loadFirst: true });
  v.section.querySelector('h1')?.focus({ preventScroll: true });
}

export function hideTemplatesView() {
  if (v.section) v.section.hidden = true;
}

async function renderView({ loadFirst = false } = {}) {
  const s = v.section;
  const teams = myTeams();
  if (!s.firstChild || loadFirst) {
    clear(s);
    s.append(
      h('a', { class: 'btn back', href: '#/' }, t('templates.back')), // a narrow screen: back to the caseload
      h('h1', { id: 'templates-title', tabindex: '-1' }, t('templates.title')),
      h('p', { class: 'hint' }, t('templates.intro')),
      (v.status = h('p', { id: 'templates-status', role: 'status', class: 'templates-status' })),
      (v.lists = h('div', { class: 'templates-lists' })),
      (v.formBox = h('div', { class: 'card block templates-form-box' })),
    );
    try {
      list = null;
      await load();
    } catch (e) {
      v.status.textContent = humanError(e);
    }
  }
  clear(v.lists);
  if (!teams.length) v.lists.append(h('p', null, t('templates.no_teams')));
  for (const team of teams) {
    const own = (list || []).filter((tpl) => tpl.team && tpl.team.id === team.id);
    const titleId = `templates-team-${team.id}`;
    v.lists.append(h('section', { class: 'card block templates-team', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, t('templates.team_title', { name: team.name })),
      own.length ? h('ul', { class: 'templates-list' }, own.map(row)) : h('p', { class: 'hint' }, t('templates.empty'))));
  }
  renderForm();
}

function row(tpl) {
  const what = h('span', { class: 'visually-hidden' }, ` ${t('templates.what', { title: tpl.title })}`);
  return h('li', { class: 'template', dataset: { id: String(tpl.id) } },
    h('h3', { class: 'template-title' }, tpl.title, h('span', { class: 'template-lang' }, ` (${langName(tpl.lang)})`)),
    h('p', { class: 'template-body', lang: tpl.lang, dir: RTL.has(tpl.lang) ? 'rtl' : 'auto' }, tpl.body),
    h('p', { class: 'hint template-by' }, t('templates.by_line', { who: tpl.updated_by ? tpl.updated_by.name : '', when: dateTime(tpl.updated_at, lang().locale) })),
    askingId === tpl.id
      ? h('div', { class: 'info-box template-ask', role: 'group', 'aria-label': t('templates.ask_remove', { title: tpl.title }) },
        h('p', null, t('templates.ask_remove', { title: tpl.title })),
        h('button', { class: 'btn btn-danger', type: 'button', dataset: { act: 'remove-yes' }, onclick: () => remove(tpl) }, t('templates.yes_remove')),
        h('button', { class: 'btn', type: 'button', onclick: () => ask(null, tpl.id) }, t('templates.keep')))
      : h('div', { class: 'template-acts' },
        h('button', { class: 'btn', type: 'button', onclick: () => startEdit(tpl) }, t('templates.edit'), what.cloneNode(true)),
        h('button', { class: 'btn btn-danger', type: 'button', dataset: { act: 'remove' }, onclick: () => ask(tpl.id) }, t('templates.remove'), what)));
}

function ask(id, was = id) {
  askingId = id;
  renderView();
  const li = v.lists.querySelector(`li[data-id="${was}"]`);
  li?.querySelector(id ? '[data-act="remove-yes"]' : '[data-act="remove"]')?.focus();
}

async function remove(tpl) {
  try {
    await http.removeTemplate(tpl.id);
    v.status.textContent = t('templates.removed', { title: tpl.title });
  } catch (e) {
    v.status.textContent = e && e.code === 'not_found' ? t('templates.gone') : humanError(e);
  }
  askingId = null;
  list = null;
  await load().catch(() => {});
  renderView();
  v.section.querySelector('h1')?.focus({ preventScroll: true });
}

function startEdit(tpl) {
  editingId = tpl.id;
  renderForm(tpl);
  v.formBox.querySelector('#tmpl-title')?.focus();
}

function renderForm(tpl = (list || []).find((x) => x.id === editingId)) {
  const teams = myTeams();
  clear(v.formBox);
  if (!teams.length) return;
  const editing = !!tpl && editingId === tpl.id;
  const fTeam = h('select', { id: 'tmpl-team', disabled: editing }, teams.map((x) => h('option', { value: String(x.id) }, x.name)));
  const fTitle = h('input', { id: 'tmpl-title', type: 'text', maxlength: '80', required: true });
  const fLang = h('select', { id: 'tmpl-lang-new' }, LANGS.map((l) => h('option', { value: l }, langName(l))));
  const fBody = h('textarea', { id: 'tmpl-body', rows: '4', maxlength: '1000', required: true, 'aria-describedby': 'tmpl-body-hint', dir: 'auto' });
  const err = h('p', { class: 'error-box', role: 'alert', hidden: true });
  if (editing) {
    fTeam.value = String(tpl.team.id);
    fTitle.value = tpl.title;
    fLang.value = tpl.lang;
    fBody.value = tpl.body;
  }
  const submit = async (e) => {
    e.preventDefault();
    err.hidden = true;
    const data = { title: fTitle.value.trim(), lang: fLang.value, body: fBody.value.trim() };
    const fail = (text, el) => {
      err.textContent = text;
      err.hidden = false;
      el?.focus();
    };
    if (!data.title || [...data.title].length > 80) return fail(t('templates.no_title'), fTitle);
    if (!data.body || [...data.body].length > 1000) return fail(t('templates.no_body'), fBody);
    try {
      if (editing) await http.changeTemplate(tpl.id, data);
      else await http.addTemplate(Number(fTeam.value), data);
    } catch (ex) {
      return fail(ex && ex.code === 'conflict' ? t('templates.full') : ex && ex.code === 'not_found' ? t('templates.gone') : humanError(ex));
    }
    v.status.textContent = editing
      ? t('templates.changed', { title: data.title })
      : t('templates.added', { title: data.title });
    editingId = null;
    list = null;
    await load().catch(() => {});
    renderView();
    v.formBox.querySelector('#tmpl-title')?.focus();
  };
  v.formBox.append(
    h('h2', { id: 'tmpl-form-title' }, editing ? t('templates.edit_title', { title: tpl.title }) : t('templates.new_title')),
    h('form', { class: 'templates-form', 'aria-labelledby': 'tmpl-form-title', novalidate: true, onsubmit: submit },
      teams.length > 1 || editing ? h('div', { class: 'field' }, h('label', { for: 'tmpl-team' }, t('templates.team')), fTeam) : null,
      h('div', { class: 'field' }, h('label', { for: 'tmpl-title' }, t('templates.field_title')), fTitle),
      h('div', { class: 'field' }, h('label', { for: 'tmpl-lang-new' }, t('templates.lang')), fLang),
      h('div', { class: 'field' }, h('label', { for: 'tmpl-body' }, t('templates.field_body')), fBody,
        h('p', { id: 'tmpl-body-hint', class: 'hint' }, t('templates.body_hint'))),
      err,
      h('div', { class: 'templates-form-acts' },
        h('button', { class: 'btn btn-primary', type: 'submit' }, editing ? t('templates.save_edit') : t('templates.add')),
        editing ? h('button', { class: 'btn', type: 'button', onclick: () => {
          editingId = null;
          renderForm();
          v.formBox.querySelector('#tmpl-title')?.focus();
        } }, t('templates.cancel')) : null)),
  );
  // A single team: its form posts there (the select is not shown).
  if (teams.length === 1 && !editing) fTeam.value = String(teams[0].id);
  v.formBox.fTeam = fTeam;
}
