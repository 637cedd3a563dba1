// The workbench page: a client of the JSON API documented in the README. No framework, no build
// step: the DOM is built with createElement (never innerHTML with page text), state lives here.
'use strict';

(() => {
  const params = new URLSearchParams(location.search);
  const token = params.get('token') || sessionStorage.getItem('bulletin-token') || '';
  sessionStorage.setItem('bulletin-token', token);

  const $ = (id) => document.getElementById(id);
  const KIND = { article: '文章', caption: '图片说明' };

  /** Themes of the model: [{id, name_zh}], in taxonomy order. */
  let themes = [];
  /** Pages read: {name, body, type, format, encoding, pieces, paragraphs: Map(article index → pieces)}. */
  let pages = [];
  /** Corrections made on this page, by piece key: theme id. */
  const corrected = new Map();
  let leastConfidentFirst = false;

  // ---- API ----------------------------------------------------------------------------------

  async function api(path, options = {}) {
    const headers = Object.assign({ 'X-Bulletin-Token': token }, options.headers || {});
    const response = await fetch(path, Object.assign({}, options, { headers }));
    let body = null;
    try { body = await response.json(); } catch (_) { body = { error: response.statusText }; }
    if (!response.ok) throw new Error((body && body.error) || String(response.status));
    return body;
  }

  const postJson = (path, value) =>
    api(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) });

  function classifyRequest(page, granularity, explain) {
    const query = new URLSearchParams({ granularity, explain: String(explain), source: page.name, format: page.format });
    return api('/api/classify?' + query, { method: 'POST', headers: { 'Content-Type': page.type }, body: page.body });
  }

  // ---- status line ---------------------------------------------------------------------------

  function say(text, isError = false) {
    const status = $('status');
    status.textContent = text;
    status.className = isError ? 'error' : '';
  }

  // ---- reading pages ---------------------------------------------------------------------------

  async function classifyPage(page) {
    const [articles, paragraphs] = await Promise.all([classifyRequest(page, 'article', 5), classifyRequest(page, 'paragraph', 3)]);
    page.encoding = articles.encoding;
    page.pieces = articles.pieces;
    page.notices = articles.notices || [];
    page.paragraphs = new Map();
    for (const p of paragraphs.pieces) {
      const list = page.paragraphs.get(p.article_index) || [];
      list.push(p);
      page.paragraphs.set(p.article_index, list);
    }
  }

  async function addPages(newPages) {
    say('正在分析……');
    let failed = 0;
    for (const page of newPages) {
      try {
        await classifyPage(page);
        pages.push(page);
      } catch (err) {
        failed += 1;
        say(`${page.name}：${err.message}`, true);
      }
    }
    render();
    if (!failed) say(`已分析 ${newPages.length} 个页面，共 ${pages.reduce((n, p) => n + p.pieces.length, 0)} 个条目。`);
  }

  async function reclassifyAll() {
    for (const page of pages) await classifyPage(page);
    render();
  }

  function pageOfFile(file) {
    const html = /\.html?$/i.test(file.name) || file.type === 'text/html';
    return file.arrayBuffer().then((body) => ({
      name: file.name, body, type: 'application/octet-stream', format: html ? 'html' : 'text',
    }));
  }

  // ---- keys and effective themes -------------------------------------------------------------

  const pieceKey = (pageIndex, piece) => `${pageIndex}:${piece.index}`;
  const paragraphKey = (pageIndex, piece) => `${pageIndex}:${piece.article_index}.${piece.paragraph}`;
  const themeIndex = (id) => Math.max(0, themes.findIndex((t) => t.id === id));
  const themeName = (id) => (themes.find((t) => t.id === id) || { name_zh: id }).name_zh;
  const effective = (key, piece) => corrected.get(key) || piece.theme;

  // ---- rendering -----------------------------------------------------------------------------

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else node.setAttribute(k, v === true ? '' : v);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  /** The explaining features as words: a character pair `[签约]` is shown and found as `签约`. */
  function whyWords(why) {
    const words = (why || []).map((w) => w.feature.replace(/^\[(.*)\]$/, '$1'));
    return [...new Set(words)].filter((w) => w.length > 1);
  }

  /** `text` with every occurrence of the explaining features marked. */
  function highlighted(text, why) {
    const words = whyWords(why).filter((w) => text.includes(w));
    const fragment = document.createDocumentFragment();
    if (!words.length) { fragment.append(text); return fragment; }
    words.sort((a, b) => b.length - a.length);
    let i = 0;
    let plain = '';
    while (i < text.length) {
      const word = words.find((w) => text.startsWith(w, i));
      if (word) {
        if (plain) { fragment.append(plain); plain = ''; }
        fragment.append(el('mark', { text: word }));
        i += word.length;
      } else {
        plain += text[i];
        i += 1;
      }
    }
    if (plain) fragment.append(plain);
    return fragment;
  }

  function themeSelect(id, key, current, onChange) {
    const select = el('select', { id, 'data-correct': key });
    for (const [i, t] of themes.entries()) {
      select.append(el('option', { value: t.id, text: `${i + 1} ${t.name_zh}`, selected: t.id === current }));
    }
    select.addEventListener('change', () => onChange(select.value));
    return select;
  }

  function confidence(value, id) {
    return el('div', { class: 'conf' },
      el('span', { id, text: '置信度' }),
      el('meter', { min: '0', max: '1', value: String(value), 'aria-labelledby': id, title: value.toFixed(2) }),
      el('span', { text: value.toFixed(2) }));
  }

  function renderParagraph(pageIndex, piece, list) {
    const key = paragraphKey(pageIndex, piece);
    const theme = effective(key, piece);
    const id = `p-${key.replace(/[^0-9a-z]/gi, '-')}`;
    const item = el('li', { class: `band-${themeIndex(theme)}`, tabindex: '0', 'data-key': key });
    if (piece.section) item.append(el('div', { class: 'section', text: piece.section }));
    item.append(el('div', { class: 'text' }, highlighted(piece.text, piece.why)));
    const label = el('label', { for: id + '-sel', text: '段落主题' });
    item.append(el('div', { class: 'controls' }, label,
      themeSelect(id + '-sel', key, theme, (value) => correct(key, value, { piece }, item)),
      chip(piece.theme, false, corrected.has(key) ? '模型：' : ''),
      corrected.has(key) ? el('span', { class: 'corrected', text: '已更正' }) : null,
      el('span', { class: 'why', text: `置信度 ${piece.confidence.toFixed(2)}` })));
    list.append(item);
  }

  function chip(id, secondary, prefix = '') {
    return el('span', { class: `chip chip-${themeIndex(id)}${secondary ? ' secondary' : ''}`, text: prefix + themeName(id) });
  }

  function renderPiece(pageIndex, page, piece) {
    const key = pieceKey(pageIndex, piece);
    const theme = effective(key, piece);
    const id = `piece-${pageIndex}-${piece.index}`;
    const title = piece.title || piece.text.slice(0, 30) + (piece.text.length > 30 ? '…' : '');
    const item = el('li', {
      class: `piece band-${themeIndex(theme)}`, tabindex: '0', 'data-key': key, 'data-theme': theme, 'aria-labelledby': id + '-title',
    });
    const tags = (piece.tags || []).filter((t) => t !== theme).map((t) => chip(t, true));
    item.append(el('div', { class: 'piece-head' },
      el('h3', { class: 'piece-title', id: id + '-title', text: title }),
      el('span', { class: 'kind', text: `${KIND[piece.kind] || piece.kind} · ${page.name} #${piece.index}` }),
      chip(theme, false),
      ...tags.length ? [el('span', { class: 'why', text: '兼属' }), ...tags] : [],
      corrected.has(key) ? el('span', { class: 'corrected', text: `已更正（模型：${themeName(piece.theme)}）` } ) : null));
    item.append(confidence(piece.confidence, id + '-conf'));
    item.append(el('div', { class: 'text short' }, highlighted(piece.text, piece.why)));
    const words = whyWords(piece.why).slice(0, 5);
    if (words.length) item.append(el('p', { class: 'why', text: `判定依据：${words.join('、')}` }));
    const paragraphs = page.paragraphs.get(piece.index) || [];
    const list = el('ol', { class: 'paragraphs', hidden: true, id: id + '-paragraphs' });
    for (const p of paragraphs) renderParagraph(pageIndex, p, list);
    const expand = el('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', 'aria-controls': list.id, 'data-expand': '',
      text: `展开段落（${paragraphs.length}）` });
    expand.addEventListener('click', () => toggle(item));
    const payload = { piece: Object.assign({}, piece, { paragraphs: paragraphs.map((p) => ({ text: p.text, section: p.section })) }) };
    item.append(el('div', { class: 'controls' },
      el('label', { for: id + '-sel', text: '更正主题' }),
      themeSelect(id + '-sel', key, theme, (value) => correct(key, value, payload, item)),
      paragraphs.length > 1 ? expand : null));
    item.append(list);
    return item;
  }

  function toggle(item) {
    const list = item.querySelector('.paragraphs');
    const button = item.querySelector('[data-expand]');
    if (!list || !button) return;
    list.hidden = !list.hidden;
    button.setAttribute('aria-expanded', String(!list.hidden));
    button.textContent = (list.hidden ? '展开段落' : '收起段落') + `（${list.children.length}）`;
  }

  function render() {
    const expanded = new Set([...document.querySelectorAll('.piece')].filter((p) => !p.querySelector('.paragraphs').hidden)
      .map((p) => p.dataset.key));
    const focused = document.activeElement && document.activeElement.closest('[data-key]');
    const focusKey = focused ? focused.dataset.key : null;
    const list = $('pieces');
    list.replaceChildren();
    const items = [];
    pages.forEach((page, pageIndex) => page.pieces.forEach((piece) => items.push([pageIndex, page, piece])));
    if (leastConfidentFirst) items.sort((a, b) => a[2].confidence - b[2].confidence);
    for (const [pageIndex, page, piece] of items) list.append(renderPiece(pageIndex, page, piece));
    for (const key of expanded) {
      const item = list.querySelector(`.piece[data-key="${key}"]`);
      if (item) toggle(item);
    }
    if (focusKey) {
      const again = list.querySelector(`[data-key="${focusKey}"]`);
      if (again) again.focus();
    }
    renderCounts();
  }

  function renderLegend() {
    $('legend').replaceChildren(...themes.map((t) => chip(t.id, false, '')));
  }

  function renderCounts() {
    const counts = new Map(themes.map((t) => [t.id, 0]));
    pages.forEach((page, pageIndex) => page.pieces.forEach((piece) => {
      const theme = effective(pieceKey(pageIndex, piece), piece);
      counts.set(theme, (counts.get(theme) || 0) + 1);
    }));
    const body = $('counts').querySelector('tbody');
    body.replaceChildren(...themes.map((t) => el('tr', {},
      el('th', { scope: 'row' }, chip(t.id, false)),
      el('td', { class: 'num', 'data-theme': t.id, text: String(counts.get(t.id) || 0) }))));
  }

  // ---- corrections, model --------------------------------------------------------------------

  async function correct(key, theme, payload, item) {
    try {
      const body = Object.assign({}, payload, { labels: [theme] });
      const answer = await postJson('/api/corrections', body);
      corrected.set(key, theme);
      render();
      say(answer.new ? `已记录更正：${themeName(theme)}（${answer.id}）` : `这条更正已记录过（${answer.id}）`);
      refreshModel();
    } catch (err) {
      say(`更正失败：${err.message}`, true);
      if (item) item.focus();
    }
  }

  async function refreshModel() {
    try {
      const m = await api('/api/model');
      themes = m.inspect.taxonomy.themes;
      renderLegend();
      const stale = m.stale ? '；置信度校准已过期（可运行 bulletin calibrate 重新拟合）' : '';
      $('model-status').textContent = `当前模型 ${m.model}，待折入的更正 ${m.pending} 条（每条计 ${m.correction_weight} 次）${stale}。`;
      $('update').disabled = m.pending === 0;
      $('undo').disabled = !m.can_undo;
    } catch (err) {
      $('model-status').textContent = `无法读取模型：${err.message}`;
    }
  }

  function describeUpdate(answer) {
    const box = $('update-result');
    const list = el('ul', { class: 'changes' });
    for (const c of answer.corrections) {
      const ok = c.after === c.expected;
      list.append(el('li', { text: `更正「${c.title}」：${themeName(c.before)} → ${themeName(c.after)}${ok ? ' ✓' : `（应为${themeName(c.expected)}）`}` }));
    }
    for (const c of answer.page) {
      list.append(el('li', { text: `页面条目「${c.title}」：${themeName(c.before)} → ${themeName(c.after)}` }));
    }
    box.replaceChildren(el('p', { text: `已保存 ${answer.model}：折入 ${answer.folded} 条更正，其中 ${answer.fixed} 条现判为更正的主题；当前页面上 ${answer.page.length} 个条目的主题改变。` }), list);
  }

  async function update() {
    $('update').disabled = true;
    say('正在更新模型……');
    try {
      const pieces = [];
      pages.forEach((page) => page.pieces.forEach((p) => pieces.push({ index: pieces.length, kind: p.kind, title: p.title, text: p.text })));
      const answer = await postJson('/api/update', { pieces });
      describeUpdate(answer);
      await reclassifyAll();
      say(`模型已更新为 ${answer.model}。`);
    } catch (err) {
      say(`更新失败：${err.message}`, true);
    }
    refreshModel();
  }

  async function undo() {
    $('undo').disabled = true;
    try {
      const answer = await postJson('/api/undo', {});
      $('update-result').replaceChildren(el('p', { text: `已撤销：回到 ${answer.model}，待折入的更正 ${answer.pending} 条。` }));
      await reclassifyAll();
      say(`已回到 ${answer.model}。`);
    } catch (err) {
      say(`撤销失败：${err.message}`, true);
    }
    refreshModel();
  }

  // ---- export --------------------------------------------------------------------------------

  function rows() {
    const out = [];
    pages.forEach((page, pageIndex) => page.pieces.forEach((piece) => {
      const key = pieceKey(pageIndex, piece);
      out.push({ piece, theme: effective(key, piece), corrected: corrected.has(key) });
    }));
    return out;
  }

  function download(name, type, text) {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const a = el('a', { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  const csvField = (v) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };

  function exportCsv() {
    const header = ['source', 'index', 'kind', 'title', 'theme', 'theme_name', 'model_theme', 'confidence', 'tags', 'corrected'];
    const lines = [header.join(',')];
    for (const { piece, theme, corrected: c } of rows()) {
      lines.push([piece.source, piece.index, piece.kind, piece.title || '', theme, themeName(theme), piece.theme,
        piece.confidence.toFixed(4), (piece.tags || []).join(' '), c].map(csvField).join(','));
    }
    download('bulletin-pieces.csv', 'text/csv;charset=utf-8', '\ufeff' + lines.join('\r\n') + '\r\n');
  }

  function exportJsonl() {
    const lines = rows().map(({ piece, theme, corrected: c }) =>
      JSON.stringify(Object.assign({}, piece, c ? { corrected_theme: theme } : {})));
    download('bulletin-pieces.jsonl', 'application/x-ndjson', lines.join('\n') + '\n');
  }

  // ---- input and keyboard --------------------------------------------------------------------

  function focusable() {
    return [...document.querySelectorAll('#pieces [data-key]')].filter((n) => n.offsetParent !== null);
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest && target.closest('input, textarea, select')) return;
    const item = target.closest ? target.closest('[data-key]') : null;
    const items = focusable();
    if (event.key === 'j' || event.key === 'k') {
      const at = item ? items.indexOf(item) : -1;
      const next = items[event.key === 'j' ? Math.min(items.length - 1, at + 1) : Math.max(0, at - 1)];
      if (next) { next.focus(); next.scrollIntoView({ block: 'nearest' }); }
      event.preventDefault();
    } else if (/^[1-9]$/.test(event.key) && item) {
      const theme = themes[Number(event.key) - 1];
      const select = item.querySelector(':scope > .controls select');
      if (theme && select) {
        select.value = theme.id;
        select.dispatchEvent(new Event('change'));
      }
      event.preventDefault();
    } else if (event.key === 'e' && item) {
      toggle(item.closest('.piece'));
      event.preventDefault();
    } else if (event.key === 'o') {
      $('order').click();
      event.preventDefault();
    }
  }

  function setUp() {
    $('classify-paste').addEventListener('click', () => {
      const text = $('paste').value;
      if (!text.trim()) { say('请先粘贴页面文本。', true); return; }
      const name = $('paste-name').value.trim() || '粘贴的页面';
      addPages([{ name, body: text, type: 'text/plain;charset=utf-8', format: 'text' }]);
    });
    $('files').addEventListener('change', async (event) => {
      const files = [...event.target.files];
      addPages(await Promise.all(files.map(pageOfFile)));
      event.target.value = '';
    });
    // Files dropped anywhere on the page are read (the browser would otherwise open them); the
    // drop zone shows where.
    const drop = $('drop');
    document.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
    document.addEventListener('dragleave', (e) => { if (!e.relatedTarget) drop.classList.remove('over'); });
    document.addEventListener('drop', async (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      const files = [...((e.dataTransfer && e.dataTransfer.files) || [])];
      if (files.length) addPages(await Promise.all(files.map(pageOfFile)));
    });
    $('clear').addEventListener('click', () => { pages = []; corrected.clear(); render(); say('已清空。'); });
    $('order').addEventListener('change', (e) => { leastConfidentFirst = e.target.checked; render(); });
    $('update').addEventListener('click', update);
    $('undo').addEventListener('click', undo);
    $('export-csv').addEventListener('click', exportCsv);
    $('export-jsonl').addEventListener('click', exportJsonl);
    document.addEventListener('keydown', onKey);
    refreshModel().then(renderCounts);
  }

  setUp();
})();
