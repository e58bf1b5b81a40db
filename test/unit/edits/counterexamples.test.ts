import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changesFromReply } from '../../../src/edits';
import { decode, memoryWorkspace } from './helpers';

// Counterexamples `npm run fuzz:edits` found, shrunk by fast-check and written small:
// each was applied wrongly before the fix named in its title.

const sr = (path: string, search: readonly string[], replace: readonly string[]) =>
  `${path}\n<<<<<<< SEARCH\n${search.map((line) => `${line}\n`).join('')}=======\n${replace.map((line) => `${line}\n`).join('')}>>>>>>> REPLACE\n`;

async function apply(file: string, reply: string) {
  const result = await changesFromReply({ text: reply }, memoryWorkspace({ 'a.js': file }));
  return { status: result.status, text: decode(result.changes[0]?.after), reasons: result.problems.map((problem) => problem.reason).join('\n') };
}

test('closing braces at other depths do not pair up: lines are compared with their indentation first', async () => {
  // Trimmed, every `}` equals every other, and the window slid by a line: the new lines
  // went in one brace too far out.
  const file = ['class A {', '\tcheck(object) {', '\t\tfor (const key of keys) {', '\t\t\tif (!(key in object)) {', '\t\t\t\tthrow new MissingKeyError(key);', '\t\t\t} // reviewed', '\t\t}', '\t}', '}', ''].join('\n');
  const search = ['\t\t\tif (!(key in object)) {', '\t\t\t\tthrow new MissingKeyError(key);', '\t\t\t}', '\t\t}'];
  const result = await apply(file, sr('a.js', search, [...search, '\t\ttrace();']));
  // Applied where it belongs, or refused: never one brace too far out.
  assert.notEqual(result.status, 'nothing');
  if (result.status === 'applied') assert.equal(result.text, file.replace('\t\t}\n\t}\n}', '\t\t}\n\t\ttrace();\n\t}\n}'));
});

test('a REPLACE that only removes lines is not "already applied" because its lines occur elsewhere', async () => {
  // The end of another docstring holds REPLACE; SEARCH was changed by the person.
  const file = ['def a():', '    """Do a.', '    into TimeoutError.', '    """', '    pass', '', 'def b():', '    """Do b.', '    into TimeoutError. // reviewed', '    """', '    return Timeout(when)', ''].join('\n');
  const result = await apply(file, sr('a.js', ['    into TimeoutError.', '    """', '    return Timeout(when)'], ['    into TimeoutError.', '    """']));
  assert.notEqual(result.status, 'nothing');
  if (result.status === 'applied') assert.equal(result.text, file.replace('    return Timeout(when)\n', ''));
});

test('a blank edge line of SEARCH that the file has, a line away, is not padding when the edit changes that edge', async () => {
  // The person inserted `person();` between the blank line and `def f`: dropping the blank
  // as padding matched `def f` exactly and put the agent's lines after the person's.
  const file = ['x = 1', '', 'person()', 'def f(self, other):', "    '''Doc.", ''].join('\n');
  const result = await apply(file, sr('a.js', ['', 'def f(self, other):', "    '''Doc."], ['', 'trace(1)', 'trace(2)', "    '''Doc."]));
  assert.equal(result.status, 'rejected');
});

test('a whitespace-tolerant match is not taken while the true place, with a line inserted by the person, is as like SEARCH', async () => {
  const file = ['\t\t\t\tif (x) {', '\t\t\t\t\treturn true;', '\t\t\t\t}', '', '\t\t\t\t\tnonUniversal.push(element);', '\t\t\t\t\treturn false;', '\t\t\t\t}', '', '\t\t\t\tpersonTrace();', '\t\t\t\tnonUniversal.push(element);', '\t\t\t\treturn false;', ''].join('\n');
  const result = await apply(file, sr('a.js', ['', '\t\t\t\tnonUniversal.push(element);', '\t\t\t\treturn false;'], ['', '\t\t\t\tnonUniversalRefined.push(element);', '\t\t\t\treturn false;']));
  assert.equal(result.status, 'rejected');
});

test('a look-alike line as similar as an annotated one (0.9) is not taken for the person\'s annotation', async () => {
  // A copy of the block above the true place, its first identifier changed: that line
  // scored exactly 0.9, the annotation score, and was counted as annotated, so the copy
  // tied with the true place and, being first, took the edit.
  const tail = ['        else:', '            print(cdll.LoadLibrary("libm.so"))', '            print(cdll.LoadLibrary("libcrypt.so"))', '            print(find_library("crypt"))', '', 'if __name__ == "__main__":', '    test()'];
  const first = `            print(f"crypto\\t:: {find_library('crypto')}")`;
  const second = `            print(f"crypto\\t:: {cdll.LoadLibrary(find_library('crypto'))}")`;
  const copy = [first.replace('print(', 'printOther('), second, ...tail, ''];
  const truePlace = [`${first} // reviewed`, second, ...tail];
  const between = ['                # librpm.so is only available as 32-bit shared library', '                print(find_library("rpm"))', '                print(cdll.LoadLibrary("librpm.so"))', '            else:', `                print(f"Using CDLL(name): {CDLL('libc.a(shr_64.o)')}")`, `                print(f"Using cdll.LoadLibrary(): {cdll.LoadLibrary('libc.a(shr_64.o)')}")`, `            print(f"crypt\\t:: {find_library('crypt')}")`, `            print(f"crypt\\t:: {cdll.LoadLibrary(find_library('crypt'))}")`];
  const file = ['def test():', ...copy, ...between, ...truePlace, ''].join('\n');
  const search = [first, second, ...tail];
  const replace = [first, second, ...tail.slice(0, 3), '', '    test()'];
  const result = await apply(file, sr('a.js', search, replace));
  assert.notEqual(result.status, 'nothing');
  if (result.status === 'applied') {
    assert.equal(result.text, ['def test():', ...copy, ...between, `${first} // reviewed`, second, ...tail.slice(0, 3), '', '    test()', ''].join('\n'));
  }
});

test('a closing brace the person annotated is SEARCH\'s line, not one skipped for the next `}` (a copy\'s)', async () => {
  // Trimmed, `}` equals every `}`: SEARCH's last two lines paired with the true place's
  // last line and the first line of a copy below, skipping the annotated `\t} // reviewed`,
  // and the line the edit appends went into the copy.
  const body = ['\t\t}', '', "\t\tif (typeof context[name] == 'function') {", '\t\t\treturn context[name]();', '\t\t}', '', '\t\treturn context[name];'];
  const file = ['function replace (context, nil){', '\treturn function (tag, name) {', ...body, '\t} // reviewed', '}', ...body.map((line) => line.replace('typeof', 'typeofOther')), '\t} // reviewed', '}', ''].join('\n');
  const view = (line: string) => line.replace(/^\t+/, (tabs) => '  '.repeat(tabs.length));
  const search = [...body, '\t}', '}'].map(view);
  const replace = [...search, 'refineTrace(2);'];
  const result = await apply(file, sr('a.js', search, replace));
  assert.notEqual(result.status, 'nothing');
  if (result.status === 'applied') assert.equal(result.text, file.replace('\t} // reviewed\n}\n', '\t} // reviewed\n}\nrefineTrace(2);\n'));
});

test('an edit inserted above a run of equal lines, one of them annotated, is placed by the alignment the annotation shows, or refused', async () => {
  // SEARCH `.`, `.`, `+--`: the file has `.`, `. // reviewed`, `.`, `+--`. Paired top down,
  // the first `.` took the file's first and the annotated line counted as the person's
  // insertion, so the agent's line went one line too high.
  const file = ['  |    | <chunks>   |', '  |    |    .       |', '  |    |    .       | // reviewed', '  |    |    .       |', '  +----+------------+', '', 'An AIFF file.', ''].join('\n');
  const search = ['  |    |    .       |', '  |    |    .       |', '  +----+------------+', ''];
  const result = await apply(file, sr('a.js', search, ['  refineTrace(1);', ...search, 'refineTrace(2);']));
  assert.notEqual(result.status, 'nothing');
  if (result.status === 'applied') {
    assert.equal(result.text, file.replace('  |    |    .       | // reviewed', '  refineTrace(1);\n  |    |    .       | // reviewed').replace('\n\nAn AIFF', '\n\nrefineTrace(2);\nAn AIFF'));
  }
});

test('a line the person annotated and the edit re-indents, with REPLACE holding that line twice at other depths, is refused', async () => {
  // SEARCH `  }`, `}` became REPLACE `    }`, `  }`: the diff reads it as `  }` kept and
  // `    }` inserted, so the person's `  } // reviewed` was kept and the edit's change of
  // that very line lost. Which copy keeps the person's comment is a guess.
  const file = ['function f(x) {', '  if (x) {', '    return context[name];', '  } // reviewed', '}', ''].join('\n');
  const result = await apply(file, sr('a.js', ['    return context[name];', '  }', '}'], ['      return context[name];', '    }', '  }']));
  assert.equal(result.status, 'rejected');
});

test('the same block deeper in is no match while SEARCH\'s own place, its target line annotated by the person, is a rival', async () => {
  // SEARCH matched its copy 12 columns deeper ignoring indentation; the true place, where
  // the person annotated the very line the edit changes, was dismissed as "a place with a
  // changed line" because a misaligned window paired a SEARCH line with the annotated one
  // across a gap. The edit went into the copy.
  const block = (indent: string) =>
    ['    res = maker(x)', 'else:', '    maker = getattr(x, "__make_ex__", None)', '    if maker is not None:', '        res = maker(4)', '    else:', '        maker = getattr(x, "__make__", None)', '        if maker:', '            res = maker()'].map((line) => indent + line);
  const search = block('    ');
  const file = [...search.map((line, j) => (j === 4 ? `${line} // reviewed` : line)), ...block('                '), ''].join('\n');
  const replace = search.map((line, j) => (j === 4 ? line.replace('maker(4)', 'makerRefined(4)') : line)).slice(0, 8);
  const result = await apply(file, sr('a.js', search, replace));
  assert.equal(result.status, 'rejected', result.text);
});

test('a bare ... of SEARCH over lines that end in a ... line (the person inserted one before it) is Python\'s Ellipsis, not an elision', async () => {
  // The elision swallowed the person's `personTrace()` and the `...` after it, so the
  // agent's lines, meant before `...`, went before the person's line: where they go
  // relative to it is a guess.
  const file = ['    Use it like this:', '', '        class C(ABC):', '            @abstractmethod', '            def my_method(...):', '                personTrace()', '                ...', '', '    """', ''].join('\n');
  const search = ['        class C(ABC):', '            @abstractmethod', '            def my_method(...):', '                ...', '', '    """'];
  const replace = ['        class C(ABC):', '            @abstractmethod', '            def my_method(...):', '                trace(1)', '                ...', '', '    """'];
  const result = await apply(file, sr('a.js', search, replace));
  assert.equal(result.status, 'rejected', result.text);
});

test('a diff context line that looks like a fence (` ~~~`) inside a ``` fence is the file\'s line, not the end of the hunk', async () => {
  // The hunk stopped at ` ~~~`, so the reply read as prose: "nothing to apply".
  const file = ['Title', '~~~', '', 'The module helps.', 'More text.', ''].join('\n');
  const reply = '```diff\n--- a/a.js\n+++ b/a.js\n@@ -2,4 +2,5 @@\n ~~~\n \n+added\n The module helps.\n More text.\n```\n';
  const result = await apply(file, reply);
  assert.equal(result.status, 'applied', result.reasons);
  assert.equal(result.text, file.replace('~~~\n\n', '~~~\n\nadded\n'));
});
