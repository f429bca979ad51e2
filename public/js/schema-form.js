// A form built from a JSON schema (as GET /ui/api-explorer/operations/{id} returns it: $refs resolved,
// Clockify's quirks fixed, a cycle left as an `x-circular` or `$ref` marker). One component for the API
// explorer's request body and the flow editor's Clockify actions.
//
//   const form = schemaForm(schema, { value, idPrefix: 'x-body', label: 'Body', templates: false });
//   root.append(form.el); form.getValue(); form.setValue(v); form.showIssues([{ path: 'name', message }]);
//
// Objects are collapsible groups, arrays have add/remove buttons, enums are selects, `oneOf`/`anyOf`
// with several branches get a picker of the branch and then its fields, `date-time` strings a local
// date-time input, a cycle marker (or a schema saying nothing) a JSON text field. Every control has a
// label; required fields are marked. A "JSON" toggle switches to the whole value as JSON text and back,
// both views kept in step. With `templates: true` (flows) every scalar field accepts `{{ … }}` text.
// Field paths are the API's issue paths relative to the form (`customFields[0].name`), kept on each
// field as `data-path`, so a 422's `details.issues` land next to the field they name.
import { h } from './ui.js';

const IDENT = /^[A-Za-z_$][\w$-]*$/;
/** `a.b`, `a[0]`, `a["odd key"]`: the form of the API's issue paths (validate-input.ts bodyPath). */
export const childPath = (parent, key) =>
  typeof key === 'number'
    ? `${parent}[${key}]`
    : IDENT.test(key)
      ? parent
        ? `${parent}.${key}`
        : key
      : `${parent}[${JSON.stringify(key)}]`;

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isTemplate = (v) => typeof v === 'string' && v.includes('{{');

/** allOf merged; a oneOf/anyOf with a single branch is that branch (Clockify writes enums so). */
export function normalize(input) {
  let s = isObj(input) ? { ...input } : {};
  if (Array.isArray(s.allOf)) {
    const parts = s.allOf.map(normalize);
    delete s.allOf;
    for (const p of parts) s = mergeSchemas(s, p);
  }
  for (const key of ['oneOf', 'anyOf']) {
    if (Array.isArray(s[key]) && s[key].length === 1) {
      const [only] = s[key];
      delete s[key];
      s = mergeSchemas(s, normalize(only));
    }
  }
  return s;
}

function mergeSchemas(a, b) {
  const out = { ...b, ...a };
  if (a.properties || b.properties) out.properties = { ...b.properties, ...a.properties };
  if (a.required || b.required) out.required = [...new Set([...(b.required ?? []), ...(a.required ?? [])])];
  if (a.type === undefined && b.type !== undefined) out.type = b.type;
  return out;
}

/** What kind of control a (normalized) schema gets. */
export function kindOf(s) {
  if (s['x-circular'] === true || typeof s.$ref === 'string') return 'cycle';
  if (s['x-truncated'] === true) return 'raw';
  if ((Array.isArray(s.oneOf) && s.oneOf.length > 1) || (Array.isArray(s.anyOf) && s.anyOf.length > 1))
    return 'union';
  if (Array.isArray(s.enum) && s.enum.length > 0) return 'enum';
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  if (type === 'object' || (type === undefined && isObj(s.properties)))
    return isObj(s.properties) && Object.keys(s.properties).length > 0 ? 'object' : 'raw';
  if (type === 'array' || (type === undefined && isObj(s.items))) return 'array';
  if (type === 'string' || type === 'integer' || type === 'number' || type === 'boolean') return type;
  return 'raw';
}

/** Does `value` look like something of this schema (to pick a oneOf branch for an existing value)? */
function fits(s, value) {
  const kind = kindOf(normalize(s));
  if (value === undefined) return false;
  if (isTemplate(value)) return kind !== 'object' && kind !== 'array';
  switch (kind) {
    case 'object':
      return isObj(value);
    case 'array':
      return Array.isArray(value);
    case 'enum':
      return s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value));
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

const branchName = (s, i) => {
  const n = normalize(s);
  if (typeof n.title === 'string') return n.title;
  const kind = kindOf(n);
  if (kind === 'enum')
    return `one of ${n.enum.slice(0, 3).map(String).join(', ')}${n.enum.length > 3 ? ', …' : ''}`;
  if (kind === 'object') {
    const keys = Object.keys(n.properties);
    return `object (${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ', …' : ''})`;
  }
  if (kind === 'array' || kind === 'string' || kind === 'integer' || kind === 'number' || kind === 'boolean')
    return kind === 'array' ? 'list' : kind;
  return `option ${i + 1}`;
};

/** An ISO instant as the value of <input type="datetime-local"> in the viewer's time zone. */
function toLocalInput(iso) {
  const d = new Date(iso);
  if (typeof iso !== 'string' || Number.isNaN(d.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
/** A datetime-local value (viewer's zone) as an ISO instant without milliseconds. */
const fromLocalInput = (v) => new Date(v).toISOString().replace('.000Z', 'Z');

/**
 * @param {object} schema the JSON schema of the value
 * @param {{ value?: unknown, idPrefix: string, label?: string, templates?: boolean, disabled?: boolean,
 *   onChange?: () => void }} options
 */
export function schemaForm(schema, options) {
  const { idPrefix, label = 'Value', templates = false, disabled = false } = options;
  let seq = 0;
  const newId = () => `${idPrefix}-${++seq}`;
  const root = normalize(schema);

  const formView = h('div', { class: 'sf-form' });
  const jsonId = `${idPrefix}-json`;
  const jsonText = h('textarea', {
    id: jsonId,
    rows: 12,
    spellcheck: 'false',
    disabled,
    'aria-describedby': `${jsonId}-err`,
  });
  const jsonError = h('p', { class: 'error small', id: `${jsonId}-err`, 'aria-live': 'polite' });
  const jsonView = h(
    'div',
    { class: 'field', hidden: true },
    h('label', { for: jsonId }, `${label} as JSON`),
    jsonText,
    jsonError,
  );
  const toggle = h(
    'button',
    { type: 'button', class: 'secondary small-button', 'aria-pressed': 'false', onclick: () => switchView() },
    'JSON',
    h('span', { class: 'sr-only' }, ` view of ${label}`),
  );
  const summary = h('div', { class: 'sf-summary', 'aria-live': 'polite' });
  let top = null;
  let asJson = false;

  function rebuild(value) {
    seq = 0;
    top = build(root, value, '', label, true, true);
    formView.replaceChildren(top.el);
  }

  function switchView() {
    if (!asJson) {
      jsonText.value = JSON.stringify(top.get() ?? null, null, 2);
      jsonError.textContent = '';
    } else {
      let parsed;
      try {
        parsed = jsonText.value.trim() === '' ? undefined : JSON.parse(jsonText.value);
      } catch (err) {
        jsonError.textContent = `Not valid JSON: ${err.message}`;
        jsonText.setAttribute('aria-invalid', 'true');
        jsonText.focus();
        return;
      }
      jsonText.removeAttribute('aria-invalid');
      rebuild(parsed === null ? undefined : parsed);
    }
    asJson = !asJson;
    toggle.setAttribute('aria-pressed', String(asJson));
    formView.hidden = asJson;
    jsonView.hidden = !asJson;
  }

  /** One node of the form: { el, get() } where get() is undefined for "not given". */
  function build(s0, value, path, name, required, isRoot = false) {
    const s = normalize(s0);
    let kind = kindOf(s);
    const help = typeof s.description === 'string' && s.description !== name ? s.description : '';
    // A value the schema's shape cannot hold (a whole object from one template, a wrong type) is kept
    // as it is, in a text field, rather than dropped.
    if (
      value !== undefined &&
      ((kind === 'object' && !isObj(value)) ||
        (kind === 'array' && !Array.isArray(value)) ||
        (kind === 'union' && isTemplate(value)))
    )
      kind = isTemplate(value) ? 'template' : 'raw';
    switch (kind) {
      case 'object':
        return objectNode(s, value, path, name, required, help, isRoot);
      case 'array':
        return arrayNode(s, value, path, name, required, help);
      case 'union':
        return unionNode(s, value, path, name, required, help);
      default:
        return scalarNode(s, kind, value, path, name, required, help);
    }
  }

  /** The label holds the name only (so it is the control's name); the required mark sits beside it. */
  function fieldLabel(id, name, required) {
    return h(
      'span',
      { class: 'sf-label' },
      h('label', { for: id }, name),
      required ? h('span', { class: 'sf-req', 'aria-hidden': 'true', title: 'required' }, ' *') : null,
    );
  }

  function labelText(name, required) {
    return [name, required ? h('span', { class: 'sf-req', 'aria-hidden': 'true' }, ' *') : null];
  }

  function objectNode(s, value, path, name, required, help, isRoot) {
    const req = new Set(Array.isArray(s.required) ? s.required : []);
    const v = isObj(value) ? value : {};
    const children = Object.entries(s.properties).map(([key, sub]) => ({
      key,
      node: build(sub, v[key], childPath(path, key), key, req.has(key)),
    }));
    // Properties the schema does not name are kept as they were (the JSON view shows them).
    const extra = Object.fromEntries(Object.entries(v).filter(([k]) => !(k in s.properties)));
    const get = () => {
      const out = { ...extra };
      for (const { key, node } of children) {
        const cv = node.get();
        if (cv !== undefined) out[key] = cv;
      }
      return Object.keys(out).length > 0 || required ? out : undefined;
    };
    const errId = newId();
    const fields = children.map((c) => c.node.el);
    if (isRoot)
      return {
        el: h(
          'div',
          { class: 'sf-object sf-root', 'data-path': path },
          h('p', { class: 'error small sf-err', id: errId }),
          fields,
        ),
        get,
      };
    const sumId = newId();
    const el = h(
      'details',
      { class: 'sf-object', 'data-path': path, open: required || Object.keys(v).length > 0 },
      h(
        'summary',
        { id: sumId },
        labelText(name, required),
        required ? h('span', { class: 'sr-only' }, ' (required)') : null,
      ),
      h(
        'div',
        { class: 'sf-group', role: 'group', 'aria-labelledby': sumId },
        help ? h('p', { class: 'muted small' }, help) : null,
        h('p', { class: 'error small sf-err', id: errId }),
        fields,
      ),
    );
    return { el, get };
  }

  function arrayNode(s, value, path, name, required, help) {
    const itemSchema = normalize(isObj(s.items) ? s.items : {});
    const items = [];
    const list = h('ol', { class: 'sf-items' });
    const sumId = newId();
    const errId = newId();
    const max = typeof s.maxItems === 'number' ? s.maxItems : Infinity;
    const addButton = h(
      'button',
      { type: 'button', class: 'secondary', disabled, onclick: () => add(undefined, true) },
      `Add ${name} item`,
    );
    function renumber() {
      items.forEach((it, i) => {
        it.remove.lastChild.textContent = ` ${i + 1} of ${name}`;
      });
      addButton.disabled = disabled || items.length >= max;
    }
    function add(v, focus) {
      // Paths are by position: rebuilt in full after a removal so that issue paths stay right.
      const index = items.length;
      const node = build(itemSchema, v, childPath(path, index), `${name} item ${index + 1}`, true);
      const remove = h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          disabled,
          onclick: () => {
            const values = items.map((it) => it.node.get());
            values.splice(items.indexOf(entry), 1);
            reset(values);
            (list.querySelector('button') ?? addButton).focus();
          },
        },
        'Remove',
        h('span', { class: 'sr-only' }, ''),
      );
      const li = h('li', { class: 'sf-item' }, node.el, remove);
      const entry = { node, remove, li };
      items.push(entry);
      list.append(li);
      renumber();
      if (focus) li.querySelector('input, select, textarea, summary')?.focus();
    }
    function reset(values) {
      items.length = 0;
      list.replaceChildren();
      for (const v of values) add(v, false);
      renumber();
    }
    const initial = Array.isArray(value) ? value : [];
    reset(initial);
    const el = h(
      'details',
      { class: 'sf-array', 'data-path': path, open: required || initial.length > 0 },
      h('summary', { id: sumId }, labelText(name, required), ` (${initial.length})`),
      h(
        'div',
        { class: 'sf-group', role: 'group', 'aria-labelledby': sumId },
        help ? h('p', { class: 'muted small' }, help) : null,
        h('p', { class: 'error small sf-err', id: errId }),
        list,
        addButton,
      ),
    );
    const count = el.querySelector('summary').lastChild;
    list.addEventListener('click', () => (count.textContent = ` (${items.length})`));
    addButton.addEventListener('click', () => (count.textContent = ` (${items.length})`));
    return {
      el,
      get: () => {
        const out = items.map((it) => it.node.get()).map((v) => (v === undefined ? null : v));
        return out.length > 0 || required ? out : undefined;
      },
    };
  }

  function unionNode(s, value, path, name, required, help) {
    const branches = s.oneOf ?? s.anyOf;
    const id = newId();
    const helpId = newId();
    const errId = newId();
    let picked = branches.findIndex((b) => fits(b, value));
    if (picked < 0 && required) picked = 0;
    const picker = h(
      'select',
      { id, disabled, 'aria-describedby': `${helpId} ${errId}` },
      h('option', { value: '-1' }, required ? 'Choose…' : '— (not given)'),
      branches.map((b, i) => h('option', { value: String(i), selected: i === picked }, branchName(b, i))),
    );
    const body = h('div', { class: 'sf-branch' });
    let node = null;
    const show = (v) => {
      const i = Number(picker.value);
      node = i >= 0 ? build(branches[i], v, path, `${name} (${branchName(branches[i], i)})`, true) : null;
      // The branch's own data-path is dropped: the picker's field holds the path's errors.
      if (node) node.el.removeAttribute?.('data-path');
      body.replaceChildren(node ? node.el : '');
    };
    picker.addEventListener('change', () => show(undefined));
    show(picked >= 0 ? value : undefined);
    const el = h(
      'div',
      { class: 'field sf-union', 'data-path': path },
      fieldLabel(id, `${name}: kind`, required),
      picker,
      h(
        'p',
        { class: 'muted small', id: helpId },
        help || 'Pick which form this value takes, then fill it in.',
      ),
      h('p', { class: 'error small sf-err', id: errId }),
      body,
    );
    return { el, get: () => node?.get() };
  }

  function scalarNode(s, kind, value, path, name, required, help) {
    const id = newId();
    const helpId = newId();
    const errId = newId();
    const described = `${helpId} ${errId}`;
    const common = { id, disabled, 'aria-describedby': described, 'aria-required': required ? 'true' : null };
    let control;
    let get;
    let hint = help;
    const text = (v) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
    if (kind === 'enum' && !(templates && isTemplate(value))) {
      control = h(
        'select',
        common,
        h('option', { value: '' }, required ? 'Choose…' : '—'),
        s.enum.map((e, i) =>
          h('option', { value: String(i), selected: JSON.stringify(e) === JSON.stringify(value) }, String(e)),
        ),
      );
      get = () => (control.value === '' ? undefined : s.enum[Number(control.value)]);
    } else if (kind === 'boolean' && !templates) {
      control = h(
        'select',
        common,
        h('option', { value: '' }, '—'),
        h('option', { value: 'true', selected: value === true }, 'true'),
        h('option', { value: 'false', selected: value === false }, 'false'),
      );
      get = () => (control.value === '' ? undefined : control.value === 'true');
    } else if ((kind === 'integer' || kind === 'number') && !templates) {
      control = h('input', {
        ...common,
        type: 'number',
        step: kind === 'integer' ? '1' : 'any',
        min: typeof s.minimum === 'number' ? s.minimum : null,
        max: typeof s.maximum === 'number' ? s.maximum : null,
        value: typeof value === 'number' ? String(value) : '',
      });
      get = () => (control.value === '' ? undefined : Number(control.value));
    } else if (kind === 'string' && s.format === 'date-time' && !templates) {
      control = h('input', { ...common, type: 'datetime-local', step: '1', value: toLocalInput(value) });
      hint = `${help ? `${help} ` : ''}In your time zone (${Intl.DateTimeFormat().resolvedOptions().timeZone}).`;
      get = () => (control.value === '' ? undefined : fromLocalInput(control.value));
    } else if (
      kind === 'string' ||
      kind === 'template' ||
      kind === 'enum' ||
      kind === 'integer' ||
      kind === 'number' ||
      kind === 'boolean'
    ) {
      // Text; with templates also numbers, booleans and enums may be written as {{ … }}.
      control = h('input', {
        ...common,
        type: 'text',
        value: text(value),
        maxlength: typeof s.maxLength === 'number' && !templates ? s.maxLength : null,
        inputmode: kind === 'integer' || kind === 'number' ? 'decimal' : null,
        autocomplete: 'off',
        spellcheck: 'false',
      });
      if (templates && kind !== 'string' && kind !== 'template') {
        const extra =
          kind === 'enum'
            ? `one of ${s.enum.map(String).join(', ')}`
            : kind === 'boolean'
              ? 'true or false'
              : `a ${kind}`;
        hint = `${help ? `${help} ` : ''}${extra[0].toUpperCase()}${extra.slice(1)}, or a {{ template }}.`;
      }
      get = () => {
        const t = control.value;
        if (t === '') return undefined;
        if (kind === 'string' || kind === 'template' || isTemplate(t)) return t;
        if (kind === 'boolean') return t === 'true' ? true : t === 'false' ? false : t;
        if (kind === 'enum') return s.enum.find((e) => String(e) === t) ?? t;
        const n = Number(t);
        return t.trim() !== '' && Number.isFinite(n) ? n : t;
      };
    } else {
      // A cycle marker, a truncated part, or a schema that says nothing: JSON text (plain text kept as text).
      control = h(
        'textarea',
        { ...common, rows: 3, spellcheck: 'false' },
        value === undefined ? '' : JSON.stringify(value, null, 2),
      );
      hint =
        kind === 'cycle'
          ? `${help ? `${help} ` : ''}This part refers back to an enclosing object (a cycle): write it as JSON.`
          : `${help ? `${help} ` : ''}Any JSON value; text that is not JSON is sent as text.`;
      get = () => {
        const t = control.value.trim();
        if (t === '') return undefined;
        try {
          return JSON.parse(t);
        } catch {
          return control.value;
        }
      };
    }
    if (options.onChange) control.addEventListener('change', options.onChange);
    const el = h(
      'div',
      { class: `field sf-field sf-${kind}`, 'data-path': path },
      fieldLabel(id, name, required),
      control,
      h('p', { class: 'muted small', id: helpId }, hint || ''),
      h('p', { class: 'error small sf-err', id: errId }),
    );
    return { el, get };
  }

  rebuild(options.value);

  const el = h(
    'div',
    { class: 'sf' },
    h(
      'div',
      { class: 'sf-bar' },
      templates
        ? h(
            'p',
            { class: 'muted small' },
            'Type {{ webhook.… }} or {{ event.… }} into a field to use the event’s data.',
          )
        : null,
      toggle,
    ),
    summary,
    formView,
    jsonView,
  );

  return {
    el,
    /** The value as edited (undefined when nothing is given); from the JSON text while that view is on. */
    getValue() {
      if (!asJson) return top.get();
      try {
        return jsonText.value.trim() === '' ? undefined : JSON.parse(jsonText.value);
      } catch (err) {
        throw new Error(`${label} is not valid JSON: ${err.message}`);
      }
    },
    setValue(v) {
      rebuild(v);
      if (asJson) jsonText.value = JSON.stringify(v ?? null, null, 2);
    },
    clearIssues() {
      summary.replaceChildren();
      for (const e of el.querySelectorAll('.sf-err')) e.textContent = '';
      for (const c of el.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
    },
    /**
     * Shows each issue ({ path, message }, paths relative to this form) next to its field, or next to
     * the closest enclosing field; returns the issues no field took (for the caller's summary).
     */
    showIssues(issues) {
      this.clearIssues();
      const rest = [];
      let first = null;
      for (const issue of issues) {
        let target = null;
        // The closest field at or above the path; the form as a whole (path '') is the summary's.
        for (let p = issue.path; p !== '' && target === null;) {
          target = formView.querySelector(`[data-path="${CSS.escape(p)}"]`);
          const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
          p = cut > 0 ? p.slice(0, cut) : '';
        }
        if (!target || asJson) {
          rest.push(issue);
          continue;
        }
        const err = target.querySelector('.sf-err');
        const where =
          target.dataset.path === issue.path
            ? ''
            : `${issue.path.slice(target.dataset.path.length).replace(/^\./, '')}: `;
        err.textContent = `${err.textContent ? `${err.textContent}; ` : ''}${where}${issue.message}`;
        const control = target.querySelector(':scope > input, :scope > select, :scope > textarea');
        if (control) control.setAttribute('aria-invalid', 'true');
        for (let d = target.closest('details'); d; d = d.parentElement?.closest('details')) d.open = true;
        first ??= control ?? target.querySelector('summary');
      }
      if (rest.length > 0)
        summary.replaceChildren(
          h(
            'ul',
            { class: 'error small' },
            rest.map((i) => h('li', {}, `${i.path || label}: ${i.message}`)),
          ),
        );
      first?.focus();
      return rest;
    },
  };
}
