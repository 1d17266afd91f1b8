// The few SVG text primitives the charts need. Every text and attribute value goes through
// `escapeXml`, since series names and titles come from user files.

// XML 1.0 forbids these outright, even escaped: C0 controls other than tab/newline/return, lone
// surrogates, U+FFFE and U+FFFF. They become U+FFFD so the document stays well formed.
function xmlChars(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const high = c >= 0xd800 && c <= 0xdbff;
    const pairs = high && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    if (pairs) {
      out += text.slice(i, i + 2);
      i++;
    } else if (
      (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) ||
      (c >= 0xd800 && c <= 0xdfff) ||
      c >= 0xfffe
    )
      out += '\ufffd';
    else out += text[i];
  }
  return out;
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function escapeXml(text: string): string {
  return xmlChars(text).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** A pixel coordinate with one decimal and no trailing zero: compact and the same on every run. */
export function px(v: number): string {
  const r = Math.round(v * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

type AttrValue = string | number | undefined;

function attrs(a: Record<string, AttrValue>): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? px(v) : escapeXml(v as string)}"`)
    .join('');
}

/** An element; `children` is already-built markup, `text` is escaped. */
export function el(
  name: string,
  a: Record<string, AttrValue>,
  content?: { children?: readonly string[]; text?: string },
): string {
  const inner = content?.text !== undefined ? escapeXml(content.text) : (content?.children ?? []).join('');
  return inner === '' ? `<${name}${attrs(a)}/>` : `<${name}${attrs(a)}>${inner}</${name}>`;
}

/** Rough width of a label at the charts' font sizes, for layout (no font metrics without a browser). */
export function textWidth(text: string, fontSize: number): number {
  return [...text].length * fontSize * 0.6;
}
