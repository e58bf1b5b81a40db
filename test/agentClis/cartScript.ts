import type { Conversation, Script, ToolUse, Turn } from './modelServer';

// The scripted model of the two-round fixture project (test/fixtures/agent-clis/cart):
// round 1 reads src/cart.js and fixes the quantity field; round 2 adds the tax, but only
// when the first round's test failure ("tax missing") is in the prompt. Every CLI names
// its tools and their arguments its own way: a Dialect says how.

export interface Dialect {
  read(absolutePath: string): Turn;
  edit(absolutePath: string, oldText: string, newText: string): Turn;
  write(absolutePath: string, content: string): Turn;
  /** Whether this tool use was an edit or write (to know the round's edit is done). */
  isEdit(use: ToolUse): boolean;
  isRead(use: ToolUse): boolean;
}

/** The CLI's working folder as its prompt names it: the scratch copy `…/refine-loop-agent-*\/workdir`. */
export function workdirOf(conversation: Conversation): string {
  const found = /(\/[^\s"'`<>]*refine-loop-agent-[^\s"'`<>/]+\/workdir)/.exec(conversation.text + JSON.stringify(conversation.toolUses));
  if (!found) throw new Error(`the request names no scratch working folder:\n${conversation.text.slice(0, 2000)}`);
  return found[1]!;
}

export function roundOf(conversation: Conversation): number {
  return Number(/# Round (\d+)/.exec(conversation.text)?.[1] ?? 0);
}

export const FIRST_FIX = { old: 'item.price * item.qty', new: 'item.price * item.quantity' };
export const SECOND_FIX = { old: '  return sum;', new: '  return Math.round(sum * 1.1);' };
/** What only round 1's test run prints (the baseline fails before it; the test's source says `got ${sum}`). */
export const ROUND_ONE_FAILURE = 'tax missing: got 30';

export interface CartScriptOptions {
  /** Instead of the normal fix: what round 1 does (a write outside, an edit of the test). */
  readonly roundOne?: (dialect: Dialect, workdir: string, conversation: Conversation) => Turn | undefined;
}

export function cartScript(dialect: Dialect, options: CartScriptOptions = {}): Script {
  return (conversation) => {
    const workdir = workdirOf(conversation);
    const cart = `${workdir}/src/cart.js`;
    const round = roundOf(conversation);
    if (conversation.toolUses.some((use) => dialect.isEdit(use) && use.result !== undefined && JSON.stringify(use.input).includes('cart.js'))) return { text: `Round ${round}: changed src/cart.js.` };
    if (round === 1 && options.roundOne) {
      const turn = options.roundOne(dialect, workdir, conversation);
      if (turn) return turn;
    }
    if (!conversation.toolUses.some((use) => dialect.isRead(use) && JSON.stringify(use.input).includes('cart.js'))) return dialect.read(cart);
    if (round === 1) return dialect.edit(cart, FIRST_FIX.old, FIRST_FIX.new);
    if (conversation.text.includes(ROUND_ONE_FAILURE)) return dialect.edit(cart, SECOND_FIX.old, SECOND_FIX.new);
    // The failure never reached the CLI: a change that fixes nothing.
    return dialect.edit(cart, 'function total', '// no idea why the tests fail\nfunction total');
  };
}

export const claudeDialect: Dialect = {
  read: (file) => ({ tool: { name: 'Read', input: { file_path: file } } }),
  edit: (file, oldText, newText) => ({ tool: { name: 'Edit', input: { file_path: file, old_string: oldText, new_string: newText } } }),
  write: (file, content) => ({ tool: { name: 'Write', input: { file_path: file, content } } }),
  isEdit: (use) => use.name === 'Edit' || use.name === 'Write',
  isRead: (use) => use.name === 'Read',
};

export const qwenDialect: Dialect = {
  read: (file) => ({ tool: { name: 'read_file', input: { file_path: file } } }),
  edit: (file, oldText, newText) => ({ tool: { name: 'edit', input: { file_path: file, old_string: oldText, new_string: newText } } }),
  write: (file, content) => ({ tool: { name: 'write_file', input: { file_path: file, content } } }),
  isEdit: (use) => use.name === 'edit' || use.name === 'write_file' || use.name === 'replace',
  isRead: (use) => use.name === 'read_file',
};

export const opencodeDialect: Dialect = {
  read: (file) => ({ tool: { name: 'read', input: { filePath: file } } }),
  edit: (file, oldText, newText) => ({ tool: { name: 'edit', input: { filePath: file, oldString: oldText, newString: newText } } }),
  write: (file, content) => ({ tool: { name: 'write', input: { filePath: file, content } } }),
  isEdit: (use) => use.name === 'edit' || use.name === 'write',
  isRead: (use) => use.name === 'read',
};
