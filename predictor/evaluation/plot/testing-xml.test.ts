import { describe, expect, it } from 'vitest';
import { allElements, parseXml } from './testing-xml.ts';

describe('parseXml (the tests’ well-formedness check)', () => {
  it('reads elements, attributes and decoded text', () => {
    const root = parseXml(`<?xml version="1.0"?>\n<a x="1 &amp; 2"><b y='q'/>t &lt;&#65;&#x42;</a>\n`);
    expect(root.attrs.x).toBe('1 & 2');
    expect(root.children[0]).toMatchObject({ name: 'b', attrs: { y: 'q' } });
    expect(root.text).toBe('t <AB');
    expect(allElements(root).map((e) => e.name)).toEqual(['a', 'b']);
  });

  it('rejects what a viewer would', () => {
    for (const bad of [
      '<a><b></a>',
      '<a>x & y</a>',
      '<a x=1/>',
      '<a x="1" x="2"/>',
      '<a>',
      '<a/><b/>',
      '<a>\u0001</a>',
      '<a x="<"/>',
    ])
      expect(() => parseXml(bad), bad).toThrow();
  });
});
