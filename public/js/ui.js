// Small components shared by the views: element builder, tables, dialogs, buttons that respect access.

/** h('button', { class: 'x', onclick: fn }, 'text', child…): attributes, `on*` listeners, children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

/** A time in the viewer's time zone (the browser's), or a dash. */
export function fmtTime(iso) {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function fmtDuration(seconds) {
  if (!seconds || seconds <= 0) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function fmtBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1_048_576) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1_048_576).toFixed(1)} MB`;
}

export function badge(text, kind = text) {
  return h('span', { class: `badge badge-${kind}` }, text);
}

/** A table with a caption (visually hidden when `hideCaption`), header cells and rows of cells. */
export function table({ caption, hideCaption = false, headers, rows, empty = 'Nothing yet.' }) {
  if (rows.length === 0) return h('p', { class: 'muted' }, empty);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', { class: hideCaption ? 'sr-only' : '' }, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headers.map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((cells) =>
          h(
            'tr',
            {},
            cells.map((c) => h('td', {}, c ?? '—')),
          ),
        ),
      ),
    ),
  );
}

/** A definition list from [term, value] pairs. */
export function dl(pairs) {
  return h(
    'dl',
    {},
    pairs.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]),
  );
}

/**
 * A button for a change. Read-only viewers see it disabled, with the reason as its tooltip and in
 * the page's banner.
 */
export function actionButton(ctx, label, onclick, attrs = {}) {
  const reason = ctx.writeBlocked;
  return h(
    'button',
    {
      type: 'button',
      ...attrs,
      disabled: reason ? true : attrs.disabled,
      title: reason ?? attrs.title,
      onclick: async (e) => {
        const btn = e.currentTarget;
        btn.disabled = true;
        try {
          await onclick(e);
        } catch (err) {
          ctx.error(err);
        } finally {
          if (btn.isConnected) btn.disabled = !!reason || !!attrs.disabled;
        }
      },
    },
    label,
  );
}

/** A button copying `text` to the clipboard; says "Copied" for a moment. */
export function copyButton(text, label = 'Copy') {
  const btn = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(text);
          btn.textContent = 'Copied';
        } catch {
          btn.textContent = 'Select and copy';
        }
        setTimeout(() => (btn.textContent = label), 1500);
      },
    },
    label,
  );
  return btn;
}

/** A labelled read-only value with a copy button (URLs, secrets, commands). */
export function copyField(label, value, { multiline = false, id } = {}) {
  const fieldId = id ?? `f-${Math.random().toString(36).slice(2)}`;
  const input = multiline
    ? h(
        'textarea',
        {
          id: fieldId,
          readonly: true,
          rows: Math.min(14, value.split('\n').length + 1),
          spellcheck: 'false',
        },
        value,
      )
    : h('input', { id: fieldId, readonly: true, value, spellcheck: 'false' });
  return h(
    'div',
    { class: 'copy-field' },
    h('label', { for: fieldId }, label),
    h('div', { class: 'row' }, input, copyButton(value, 'Copy')),
  );
}

/** Asks before a change; resolves true when confirmed. Native <dialog>: focus is trapped and Esc cancels. */
export function confirmDialog({ title, text, confirm = 'Confirm', danger = false, body }) {
  return new Promise((resolve) => {
    const titleId = `d-${Math.random().toString(36).slice(2)}`;
    const dialog = h(
      'dialog',
      { 'aria-labelledby': titleId },
      h(
        'form',
        { method: 'dialog' },
        h('h2', { id: titleId }, title),
        text ? h('p', {}, text) : null,
        body ?? null,
        h(
          'div',
          { class: 'actions' },
          h('button', { value: 'cancel', class: 'secondary', formnovalidate: true }, 'Cancel'),
          h('button', { value: 'ok', class: danger ? 'danger' : '' }, confirm),
        ),
      ),
    );
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** A live region for a view's messages (errors in words, confirmations). */
export function messageArea() {
  const el = h('div', { class: 'messages', 'aria-live': 'polite' });
  return {
    el,
    error(err) {
      el.replaceChildren(
        h('p', { class: 'error', role: 'alert' }, err instanceof Error ? err.message : String(err)),
      );
    },
    info(text) {
      el.replaceChildren(h('p', { class: 'info' }, text));
    },
    clear() {
      el.replaceChildren();
    },
  };
}

/** A section card with a heading. */
export function card(title, ...children) {
  return h('section', { class: 'card' }, h('h2', {}, title), children);
}
