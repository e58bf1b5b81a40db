// Tiny DOM helpers and the keyed update of the panel. `h` builds elements with their
// event handlers as properties (`onclick`…); `update` morphs the live tree into a newly
// built one with morphdom, so the elements the person works in stay the same nodes:
// scroll position, focus, the caret in a reason, and which failure groups are open
// survive a state update. Elements are matched by `id`.
import morphdom from 'morphdom';

export type Child = Node | string | undefined | false;

const HANDLERS = ['onclick', 'onchange', 'oninput', 'onkeydown'] as const;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, unknown> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') (element as unknown as Record<string, unknown>)[name.toLowerCase()] = value;
    else if (name === 'className') element.className = String(value);
    else if (name === 'value' && (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement)) element.value = String(value);
    else if (name === 'checked' && element instanceof HTMLInputElement) element.checked = Boolean(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function svg(tag: string, attributes: Record<string, string | number>, ...children: (Node | string)[]): SVGElement {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children) element.append(child);
  return element;
}

/** Makes `container`'s children those of `next`, touching only what differs. */
export function update(container: HTMLElement, children: readonly Node[]): void {
  const next = container.cloneNode(false) as HTMLElement;
  next.append(...children);
  morphdom(container, next, {
    childrenOnly: true,
    onBeforeElUpdated(from, to) {
      // Handlers are properties, which morphdom does not copy: the new ones see the new state.
      for (const name of HANDLERS) (from as unknown as Record<string, unknown>)[name] = (to as unknown as Record<string, unknown>)[name];
      // A section the person opened or closed stays so (ids name the round and the group).
      if (from instanceof HTMLDetailsElement && to instanceof HTMLDetailsElement) to.open = from.open;
      return true;
    },
  });
}
