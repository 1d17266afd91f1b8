// A strict little XML reader for the chart tests: it rejects what an SVG viewer would (unbalanced or
// mismatched tags, unquoted or duplicate attributes, bare & or <, characters XML forbids) and returns
// the element tree with entities decoded, so tests can look at what a viewer would see.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own text, decoded. */
  text: string;
}

const NAME = '[A-Za-z_][\\w.:-]*';
const ENTITY: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: string): string {
  if (raw.includes('<')) throw new Error(`raw < in ${where}`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: XML forbids exactly these
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(raw))
    throw new Error(`a character XML forbids in ${where}`);
  return raw.replace(/&([^;]*);|&/g, (m, name: string | undefined) => {
    if (name === undefined) throw new Error(`bare & in ${where}`);
    if (name in ENTITY) return ENTITY[name];
    const code = /^#x([0-9a-fA-F]+)$/.exec(name)?.[1] ?? /^#([0-9]+)$/.exec(name)?.[1];
    if (code === undefined) throw new Error(`unknown entity ${m} in ${where}`);
    return String.fromCodePoint(Number.parseInt(code, name.startsWith('#x') ? 16 : 10));
  });
}

export function parseXml(doc: string): XmlElement {
  const body = doc.replace(/^<\?xml [^?]*\?>\s*/, '');
  const token = new RegExp(
    `<(/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"]*"|'[^']*'))*)\\s*(/?)>|([^<]+)|(<)`,
    'y',
  );
  const attr = new RegExp(`(${NAME})\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'g');
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  // Every position matches one alternative (a stray < included), so exec is null only at the end.
  let m: RegExpExecArray | null;
  while ((m = token.exec(body)) !== null) {
    const [, close, name, rawAttrs, selfClose, text, stray] = m;
    if (stray) throw new Error(`malformed tag at offset ${m.index}: ${body.slice(m.index, m.index + 40)}`);
    if (text !== undefined) {
      if (stack.length === 0) {
        if (text.trim() !== '') throw new Error('text outside the root element');
        continue;
      }
      stack[stack.length - 1].text += decode(text, `<${stack[stack.length - 1].name}> text`);
      continue;
    }
    if (close) {
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> closes <${open?.name ?? 'nothing'}>`);
      continue;
    }
    const el: XmlElement = { name, attrs: {}, children: [], text: '' };
    for (const a of rawAttrs.matchAll(attr)) {
      if (a[1] in el.attrs) throw new Error(`duplicate attribute ${a[1]} on <${name}>`);
      el.attrs[a[1]] = decode(a[2] ?? a[3], `${name}@${a[1]}`);
    }
    if (stack.length > 0) stack[stack.length - 1].children.push(el);
    else if (root) throw new Error('a second root element');
    else root = el;
    if (!selfClose) stack.push(el);
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1].name}> is never closed`);
  if (!root) throw new Error('no root element');
  return root;
}

/** Every element under (and including) `root`, depth first. */
export function allElements(root: XmlElement): XmlElement[] {
  return [root, ...root.children.flatMap(allElements)];
}
