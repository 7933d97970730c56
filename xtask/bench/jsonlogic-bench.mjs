// The JsonLogic anchor of `cargo xtask bench`: scores the same synthetic cases as the engine's
// criterion benchmark with json-logic-js under Node, from the care pack translated into JsonLogic
// by xtask (src/jsonlogic.rs), and prints { cases, runs, per_second_median, agreement } as JSON.
// Usage: node jsonlogic-bench.mjs PACK.jsonlogic.json CASES.ndjson NATIVE_SCORES.json
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const jsonLogic = require('json-logic-js');
const [packFile, casesFile, scoresFile] = process.argv.slice(2);
const pack = JSON.parse(readFileSync(packFile, 'utf8'));
const nativeScores = JSON.parse(readFileSync(scoresFile, 'utf8'));

// Flat dotted keys → nested objects, the shape JsonLogic's `var` reads.
const cases = readFileSync(casesFile, 'utf8').split('\n').filter(Boolean).map((line) => {
  const nested = {};
  for (const [key, value] of Object.entries(JSON.parse(line))) {
    const parts = key.split('.');
    let node = nested;
    for (const part of parts.slice(0, -1)) node = node[part] ??= {};
    node[parts.at(-1)] = value;
  }
  return nested;
});

// What JsonLogic lacks, as custom operations with the rule language's meaning where it can.
const fold = (text) => String(text).replace(/[ßẞ]/g, 'ss').replace(/[\u2018\u2019\u02BC]/g, "'").toLowerCase().replace(/\s+/g, ' ').trim();
const isDate = (value) => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value);
const value = (x) => (isDate(x) ? Date.parse(x.length === 10 ? `${x}T00:00:00Z` : x) / 1000 : x);
const known = (...xs) => xs.every((x) => x !== null && x !== undefined);
const compare = (test) => (a, b) => known(a, b) && test(value(a), value(b));
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const matchers = Object.fromEntries(Object.entries(pack.keywords).map(([name, terms]) => {
  const alternatives = terms.map((term) => {
    const folded = fold(term);
    const start = folded.startsWith('*') ? '' : '(?<![\\p{L}\\p{N}])';
    const end = folded.endsWith('*') ? '' : '(?![\\p{L}\\p{N}])';
    return start + escape(folded.replace(/^\*|\*$/g, '')) + end;
  });
  return [name, new RegExp(alternatives.join('|'), 'u')];
}));
jsonLogic.add_operation('date_days', (days) => days * 86400);
jsonLogic.add_operation('datetime_seconds', (seconds) => seconds);
jsonLogic.add_operation('eq_fold', (a, b) => known(a, b) && (typeof a === 'string' ? fold(a) === fold(b) : value(a) === value(b)));
jsonLogic.add_operation('ne_fold', (a, b) => known(a, b) && (typeof a === 'string' ? fold(a) !== fold(b) : value(a) !== value(b)));
jsonLogic.add_operation('lt_value', compare((a, b) => a < b));
jsonLogic.add_operation('le_value', compare((a, b) => a <= b));
jsonLogic.add_operation('gt_value', compare((a, b) => a > b));
jsonLogic.add_operation('ge_value', compare((a, b) => a >= b));
jsonLogic.add_operation('in_fold', (x, list) => known(x) && list.some((item) => fold(item) === fold(x)));
jsonLogic.add_operation('text_contains', (a, b) => known(a, b) && fold(a).includes(fold(b)));
jsonLogic.add_operation('text_starts', (a, b) => known(a, b) && fold(a).startsWith(fold(b)));
jsonLogic.add_operation('text_ends', (a, b) => known(a, b) && fold(a).endsWith(fold(b)));
jsonLogic.add_operation('list_contains', (list, item) => known(list, item) && list.some((x) => fold(x) === fold(item)));
jsonLogic.add_operation('len', (x) => (known(x) ? x.length : null));
jsonLogic.add_operation('days_between', (a, b) => (known(a, b) ? (value(b) - value(a)) / 86400 : null));
jsonLogic.add_operation('matches_any', (text, list) => known(text)
  && (Array.isArray(text) ? text : [text]).some((item) => matchers[list].test(fold(item))));

// A term of each list in the same sentence, at different places (sentences end at ! ? ; and at a
// full stop followed by a space and no digit, as in the rule language).
const sentences = (folded) => folded.split(/[!?;]|\.(?= (?!\d))/u);
const global = Object.fromEntries(Object.entries(matchers).map(([name, regex]) => [name, new RegExp(regex.source, 'gu')]));
// Signals are inlined into every rule that names them, so one case asks for the same list in the
// same text many times: remember the answer for the case being scored.
const found = new Map();
const starts = (list, text) => {
  const key = `${list}\u0000${text}`;
  if (!found.has(key)) found.set(key, new Set([...text.matchAll(global[list])].map((match) => match.index)));
  return found.get(key);
};
// With a window (a fourth argument above 0), the two terms also start at most that many words apart.
const wordIndex = (sentence, at) => (sentence.slice(0, at + 1).match(/(?<![\p{L}\p{N}])[\p{L}\p{N}]/gu) ?? []).length;
jsonLogic.add_operation('matches_near', (text, first, second, window) => known(text)
  && (Array.isArray(text) ? text : [text]).some((item) => sentences(fold(item)).some((sentence) => {
    const [a, b] = [starts(first, sentence), starts(second, sentence)];
    return [...a].some((x) => [...b].some((y) => x !== y
      && (!window || Math.abs(wordIndex(sentence, x) - wordIndex(sentence, y)) <= window)));
  })));

// The same with order: the first list's term starts before the second's (and, with a window, at
// most that many words before it).
jsonLogic.add_operation('matches_before', (text, first, second, window) => known(text)
  && (Array.isArray(text) ? text : [text]).some((item) => sentences(fold(item)).some((sentence) => {
    const [a, b] = [starts(first, sentence), starts(second, sentence)];
    return [...a].some((x) => [...b].some((y) => x < y
      && (!window || wordIndex(sentence, y) - wordIndex(sentence, x) <= window)));
  })));

// A classifier: a keyword list with a weight and a rarity per term; the text reads as the class
// when bias + sum(weight * rarity) / sqrt(sum(rarity^2)) over the distinct terms found reaches the
// cutoff (all in ten-thousandths, a missing rarity counting as 1). Every term is tested on its own
// (a single alternation finds only one term per place).
const termTests = Object.fromEntries(Object.keys(pack.classifiers ?? {}).map((name) => [name, pack.keywords[name].map((term) => {
  const folded = fold(term);
  const start = folded.startsWith('*') ? '' : '(?<![\\p{L}\\p{N}])';
  const end = folded.endsWith('*') ? '' : '(?![\\p{L}\\p{N}])';
  return new RegExp(start + escape(folded.replace(/^\*|\*$/g, '')) + end, 'u');
})]));
jsonLogic.add_operation('reads_as', (text, name) => known(text) && (() => {
  const { bias, cutoff, weights, idf } = pack.classifiers[name];
  const items = (Array.isArray(text) ? text : [text]).map(fold);
  let [sum, length] = [0, 0];
  termTests[name].forEach((regex, term) => {
    const rarity = idf[term] ?? 10000;
    if (items.some((item) => regex.test(item))) { sum += weights[term] * rarity; length += rarity * rarity; }
  });
  return length === 0 ? bias >= cutoff : (bias - cutoff) * Math.sqrt(length) + sum >= 0;
})());

const score = (data) => {
  found.clear();
  let points = 0;
  for (const rule of pack.rules) if (jsonLogic.truthy(jsonLogic.apply(rule.logic, data))) points += rule.points;
  return Math.min(100, Math.max(0, points));
};

const scores = cases.map(score);
const agreement = scores.filter((s, index) => s === nativeScores[index]).length / cases.length;
const runs = [];
for (let run = 0; run < 11; run += 1) {
  const start = process.hrtime.bigint();
  for (const data of cases) score(data);
  runs.push(Number(process.hrtime.bigint() - start) / 1e9);
}
runs.sort((a, b) => a - b);
const median = runs[Math.floor(runs.length / 2)];
console.log(JSON.stringify({ cases: cases.length, runs: runs.length, seconds_median: median,
  per_second_median: cases.length / median, per_second_best: cases.length / runs[0], agreement }));
