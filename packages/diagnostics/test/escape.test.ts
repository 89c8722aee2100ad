// The escaping module on its own: for a few hundred seeded random strings over an alphabet of
// every awkward character, bash (in the C and a UTF-8 locale) and Python read back exactly the
// string that was quoted; oneLine, htmlText and mdCode never let a line break or markup through.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { htmlText, mdCode, oneLine, pbtxtString, pyString, shellQuote, SplitcError } from '@splitc/diagnostics';
import { havePython, PYTHON } from '@splitc/test-support';

const ALPHABET = [
  'a', 'Z', '0', ' ', '\t', '\n', '\r', '\u000b', '\u000c', '\u0001', '\u001b', '\u007f', '\u0080', '\u0085', '\u009b', '\u00a0', 'é',
  "'", '"', '\\', '$', '`', '!', '(', ')', '{', '}', ';', '&', '|', '<', '>', '#', '*', '?', '~', '%', 'x', '{0}', '%s', 'N{', '\\N',
  '\u2028', '\u2029', '\u202e', '\u2066', '\u200b', '\ufeff', '\ufffd', '中', '😀', '\ud800', '\udfff', '"""', "'''", '</script>', '$(id)', '${x}',
];

/** Seeded strings, so failures reproduce. */
function samples(n: number): string[] {
  let seed = 0x9e3779b9;
  const next = (): number => {
    seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  return Array.from({ length: n }, (_, i) => (i === 0 ? '' : Array.from({ length: 1 + Math.floor(next() * 12) }, () => ALPHABET[Math.floor(next() * ALPHABET.length)]).join('')));
}
const STRINGS = samples(400);
/** What a UTF-8 writer makes of a JS string (lone surrogates → U+FFFD). */
const wellFormed = (s: string): string => new TextDecoder('utf-8', { ignoreBOM: true }).decode(new TextEncoder().encode(s));

describe('shellQuote', () => {
  it.each(['C', 'C.UTF-8'])('bash with LC_ALL=%s reads back every string exactly', (locale) => {
    const script = STRINGS.map((s) => `printf '%s\\0' ${shellQuote(s)}`).join('\n');
    // stdin closed: bash run with a socket as stdin would source ~/.bashrc.
    const r = spawnSync('bash', ['-c', script], { env: { PATH: process.env.PATH, LC_ALL: locale }, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(r.stderr.toString()).toBe('');
    const got = r.stdout.toString('utf8').split('\0').slice(0, -1);
    expect(got).toEqual(STRINGS.map(wellFormed));
  });

  it('its output never holds a raw line break, and a NUL is refused', () => {
    for (const s of STRINGS) expect(shellQuote(s)).not.toMatch(/[\n\r\u2028\u2029]/);
    expect(() => shellQuote('a\u0000b', 'archJson')).toThrow(SplitcError);
    expect(() => shellQuote('a\u0000b', 'archJson')).toThrow('a NUL character cannot be passed to a shell script (archJson)');
  });
});

describe('pyString', () => {
  it.runIf(havePython())('Python evaluates every literal to the string, in a one-line source', () => {
    const lines = STRINGS.map((s) => `    ${pyString(s)},`);
    const src = `import json, sys\nVALUES = [\n${lines.join('\n')}\n]\nsys.stdout.write(json.dumps(VALUES))\n`;
    for (const l of lines) expect(l).not.toMatch(/[\n\r\u2028\u2029\u000b\u000c\u001c-\u001e\u0085]/);
    const r = spawnSync(PYTHON, ['-c', src], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    // Python keeps lone surrogates; JSON carries them back as \\udXXX escapes.
    expect(JSON.parse(r.stdout)).toEqual(STRINGS);
  });
});

describe('oneLine, htmlText, mdCode', () => {
  it('no line break, control or bidi character survives; markup is inert', () => {
    for (const s of STRINGS) {
      for (const f of [oneLine, htmlText, mdCode]) expect(f(s), JSON.stringify(s)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
      expect(htmlText(s)).not.toMatch(/[<>"']/);
    }
    expect(oneLine('a\nerror SPLITC0000: x\u001b[2J')).toBe('a\\nerror SPLITC0000: x\\x1b[2J');
    expect(htmlText('</script><b a="1">&')).toBe('&lt;/script&gt;&lt;b a=&quot;1&quot;&gt;&amp;');
    expect(mdCode('a`b')).toBe('``a`b``');
    expect(mdCode('`x`')).toBe('`` `x` ``');
  });
});

describe('pbtxtString', () => {
  it.runIf(havePython('google.protobuf'))('protobuf text_format (Python) parses every literal back to the string\'s UTF-8', () => {
    // A repeated string field of a message every protobuf ships (FileDescriptorProto.dependency), one per line.
    const lines = STRINGS.map((s) => `dependency: ${pbtxtString(s)}`);
    for (const l of lines) expect(l).toMatch(/^[\x20-\x7e]*$/); // printable ASCII: no raw line break, control or bidi character
    const src = 'import json, sys\nfrom google.protobuf import descriptor_pb2, text_format\nm = text_format.Parse(sys.stdin.read(), descriptor_pb2.FileDescriptorProto())\nsys.stdout.write(json.dumps(list(m.dependency)))\n';
    const r = spawnSync(PYTHON, ['-c', src], { input: lines.join('\n'), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(STRINGS.map(wellFormed));
  });

  it('escapes quotes, backslashes, line breaks and non-ASCII bytes; a lone surrogate is U+FFFD', () => {
    expect(pbtxtString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(pbtxtString('x\ny\r\u0000')).toBe('"x\\012y\\015\\000"');
    expect(pbtxtString('é\u2028')).toBe('"\\303\\251\\342\\200\\250"');
    expect(pbtxtString('\ud800')).toBe(pbtxtString('\ufffd'));
    expect(pbtxtString('')).toBe('""');
  });
});
